"""The vocabulary of paging stories: people, a policy, incidents, and a fake clock to move.

Pages are delivered through the official fake channel (configured as the channel ``pager``), so a story
asserts exactly what each person received, and when.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import tocsin.plugins.fakes
from tocsin.clock import FakeClock
from tocsin.domain.escalation import EscalationLevel, EscalationPolicy, EscalationTarget
from tocsin.domain.notification_rules import NotificationRule
from tocsin.domain.schedule import Layer, Rotation, RotationKind, Schedule
from tocsin.engine.delivery import DeliveryLoop, DeliveryLoopSettings, WorkerGroup
from tocsin.engine.worker import Worker
from tocsin.plugins.channels import ChannelContext
from tocsin.plugins.fakes import FakeChannel
from tocsin.plugins.manager import build_plugin_manager
from tocsin.services.container import Services, build_services
from tocsin.services.incidents import Declaration
from tocsin.store.db import Database
from tocsin.store.people import User

MINUTE = timedelta(minutes=1)


@dataclass(frozen=True)
class Received:
    """One message a person received: when (minutes after the story began), who, and its facts."""

    minute: float
    user: str
    incident: str
    kind: str
    level_note: str
    key: str
    ack_url: str | None


class PagingWorld:
    def __init__(self, db: Database, clock: FakeClock) -> None:
        plugins = build_plugin_manager([tocsin.plugins.fakes], load_entry_points=False)
        self.channels = plugins.build_channels(ChannelContext(clock))
        fake = self.channels.get(FakeChannel.kind)
        assert isinstance(fake, FakeChannel)
        self.fake = fake
        self.clock = clock
        self.services: Services = build_services(db, clock, channels=self.channels)
        self.paging = self.services.paging
        self.workers = WorkerGroup(
            Worker(db, clock, self.services.job_handlers()),
            DeliveryLoop(self.paging.delivery, settings=DeliveryLoopSettings(concurrency=1)),
        )
        self.began = clock.now()
        self.paging.channels.create("pager", FakeChannel.kind, {"address": "pager"})

    # -- setting the world up --------------------------------------------------------------------------

    def user(self, user_id: str, *rules: tuple[str, float]) -> User:
        """Add a user reached by the given (channel, delay in minutes) rules; the pager at once by default."""
        chosen = rules or (("pager", 0),)
        made = tuple(NotificationRule(channel, timedelta(minutes=delay)) for channel, delay in chosen)
        return self.paging.people.create_user(
            User(user_id, user_id.title(), f"{user_id}@example.org", rules=made)
        )

    def policy(
        self, *levels: tuple[float, list[EscalationTarget]], repeat: int = 0, policy_id: str = "default"
    ) -> EscalationPolicy:
        built = tuple(EscalationLevel(timedelta(minutes=delay), tuple(targets)) for delay, targets in levels)
        policy = EscalationPolicy(policy_id, policy_id.title(), built, repeat)
        self.paging.policies.create(policy)
        return policy

    def daily_rotation(
        self, schedule_id: str, people: list[str], handoff: time, *, tz: str = "UTC"
    ) -> Schedule:
        start: date = (self.clock.now() - timedelta(days=1)).date()
        rotation = Rotation(tuple(people), start, handoff, tz, RotationKind.DAILY)
        schedule = Schedule(schedule_id, schedule_id.title(), tz, (Layer(rotation, "primary"),))
        return self.paging.schedules.create(schedule).schedule

    def declare(self, severity: str = "SEV1", title: str = "Checkout is down") -> int:
        return self.services.incidents.declare(Declaration(title, severity), actor="alertmanager").number

    # -- running the story -----------------------------------------------------------------------------

    def at(self, minutes: float) -> datetime:
        """Move the clock to ``minutes`` after the story began and run every due job and delivery."""
        self.clock.set(self.began + minutes * MINUTE)
        self.workers.run_due()
        return self.clock.now()

    def received(self) -> list[Received]:
        return [
            Received(
                minute=(d.attempted_at - self.began) / MINUTE,
                user=d.notification.recipient.user_id,
                incident=d.notification.incident_id,
                kind=str(d.notification.kind),
                level_note=d.notification.summary,
                key=d.notification.idempotency_key,
                ack_url=d.notification.ack_url,
            )
            for d in self.fake.sent
        ]

    def who_when(self) -> list[tuple[float, str]]:
        """``[(minute, user), ...]``: the shape most stories assert."""
        return [(r.minute, r.user) for r in self.received()]

    def timeline(self, number: int, kind: str | None = None) -> list[dict[str, Any]]:
        entries = self.services.incidents.timeline(number)
        return [e.details | {"kind": e.kind, "at": e.at} for e in entries if kind is None or e.kind == kind]
