"""Every use case, built once per process over one database and one clock."""

from __future__ import annotations

from dataclasses import dataclass

from tocsin.clock import Clock
from tocsin.plugins.manager import ChannelRegistry
from tocsin.services.accounts import AccountService
from tocsin.services.changes import ChangeService
from tocsin.services.events import EventBus
from tocsin.services.incidents import IncidentService
from tocsin.services.ingest import IngestProcessor
from tocsin.services.ingest_queue import IngestQueue
from tocsin.services.integrations import IntegrationService
from tocsin.services.messages import MessageService
from tocsin.services.paging_common import PagingConfig
from tocsin.services.paging_services import PagingServices, build_paging_services
from tocsin.services.playbooks import PlaybookService
from tocsin.services.severities import SeverityService
from tocsin.services.statuspage import StatusPageService
from tocsin.services.targets import JOB_KIND as TARGET_JOB
from tocsin.services.targets import check_target
from tocsin.services.tokens import TokenService
from tocsin.store.db import Database
from tocsin.store.jobs import JobHandler

__all__ = ["Services", "build_services"]


@dataclass
class Services:
    db: Database
    clock: Clock
    events: EventBus
    incidents: IncidentService
    tokens: TokenService
    severities: SeverityService
    integrations: IntegrationService
    ingest: IngestProcessor
    ingest_queue: IngestQueue
    changes: ChangeService
    accounts: AccountService
    statuspage: StatusPageService
    paging: PagingServices
    playbooks: PlaybookService
    messages: MessageService

    def close(self) -> None:
        """Stop background threads and release the database."""
        self.ingest_queue.stop()
        self.paging.close()
        self.db.dispose()

    def job_handlers(self) -> dict[str, JobHandler]:
        """Job kind → handler, for the worker."""
        return {TARGET_JOB: check_target, **self.paging.job_handlers()}


def build_services(
    db: Database,
    clock: Clock,
    events: EventBus | None = None,
    *,
    channels: ChannelRegistry | None = None,
    paging: PagingConfig | None = None,
) -> Services:
    """Build every service; ``channels`` defaults to the built-in ones, ``paging`` to local links."""
    events = events or EventBus()
    incidents = IncidentService(db, clock, events)
    severities = SeverityService(db)
    playbooks = PlaybookService(db, clock)
    incidents.add_hook(playbooks)  # first: later hooks may read the incident's pinned playbook
    ingest = IngestProcessor(incidents, playbooks)
    return Services(
        db=db,
        clock=clock,
        events=events,
        incidents=incidents,
        tokens=TokenService(db, clock),
        severities=severities,
        integrations=IntegrationService(db, clock, severities),
        ingest=ingest,
        ingest_queue=IngestQueue(db, clock, ingest),
        changes=ChangeService(db, clock),
        accounts=AccountService(db, clock),
        statuspage=StatusPageService(db, clock, events, incidents),
        paging=build_paging_services(
            db, clock, events, incidents, channels=channels, config=paging, playbooks=playbooks
        ),
        playbooks=playbooks,
        messages=MessageService(clock, incidents, playbooks, severities),
    )
