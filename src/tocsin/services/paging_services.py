"""Every paging use case, built together over one database, clock and channel registry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

import tocsin.builtin.channels
from tocsin.clock import Clock
from tocsin.domain.playbook import Playbook
from tocsin.plugins.channels import ChannelContext
from tocsin.plugins.manager import ChannelRegistry, build_plugin_manager
from tocsin.services.delivery import DeliveryService, DeliverySettings
from tocsin.services.events import EventBus
from tocsin.services.incidents import IncidentService
from tocsin.services.oncall import ScheduleService
from tocsin.services.paging import EscalationEngine
from tocsin.services.paging_acks import AckService
from tocsin.services.paging_channels import ChannelService
from tocsin.services.paging_common import PagingConfig
from tocsin.services.paging_playbook import PlaybookPolicy, describe_applied, policy_from_playbook
from tocsin.services.paging_policies import PolicyService
from tocsin.services.people import PeopleService
from tocsin.services.playbooks import PlaybookService
from tocsin.store import escalations
from tocsin.store.db import Database
from tocsin.store.escalations import Escalation
from tocsin.store.jobs import JobHandler

__all__ = ["PagingServices", "build_paging_services", "builtin_channels"]


def builtin_channels(clock: Clock) -> ChannelRegistry:
    """The built-in channels and any installed channel plugins, sharing one context."""
    return build_plugin_manager([tocsin.builtin.channels]).build_channels(ChannelContext(clock))


@dataclass
class PagingServices:
    db: Database
    clock: Clock
    config: PagingConfig
    people: PeopleService
    schedules: ScheduleService
    policies: PolicyService
    channels: ChannelService
    engine: EscalationEngine
    delivery: DeliveryService
    acks: AckService

    def job_handlers(self) -> dict[str, JobHandler]:
        return self.engine.job_handlers()

    def escalation(self, number: int) -> Escalation | None:
        """How incident ``number`` escalates (its frozen policy and status), if it ever paged."""
        with self.db.read() as conn:
            return escalations.get_escalation(conn, number)

    def playbook_applier(
        self, conn: Connection, playbook: Playbook, version: object, now: datetime
    ) -> list[str]:
        """Apply a playbook's escalation path as part of ``tocsin runbook apply`` (a ``PlaybookApplier``):
        its policy (the default if its first level pages someone) and its unresolved triggers."""
        return describe_applied(policy_from_playbook(conn, playbook, now))

    def from_playbook(self, playbook: Playbook, **options: Any) -> PlaybookPolicy | None:
        """:func:`~tocsin.services.paging_playbook.policy_from_playbook` in a transaction of its own."""
        with self.db.write() as conn:
            return policy_from_playbook(conn, playbook, self.clock.now(), **options)

    def close(self) -> None:
        self.channels.registry.close()


def build_paging_services(
    db: Database,
    clock: Clock,
    events: EventBus,
    incidents: IncidentService,
    *,
    channels: ChannelRegistry | None = None,
    config: PagingConfig | None = None,
    delivery: DeliverySettings | None = None,
    playbooks: PlaybookService | None = None,
) -> PagingServices:
    """Build paging and hook its engine into ``incidents`` (so escalations start and stop with them),
    and into ``playbooks`` (so applying a runbook applies its escalation path)."""
    config = config or PagingConfig()
    registry = channels if channels is not None else builtin_channels(clock)
    engine = EscalationEngine(clock, events)
    incidents.add_hook(engine)
    built = PagingServices(
        db=db,
        clock=clock,
        config=config,
        people=PeopleService(db, clock),
        schedules=ScheduleService(db, clock, config),
        policies=PolicyService(db, clock),
        channels=ChannelService(db, clock, registry, config),
        engine=engine,
        delivery=DeliveryService(db, clock, events, registry, config, delivery),
        acks=AckService(db, clock, incidents, config),
    )
    if playbooks is not None:
        playbooks.add_applier(built.playbook_applier)
    return built
