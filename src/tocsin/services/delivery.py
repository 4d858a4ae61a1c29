"""Delivering the outbox: claim due messages, build each notification, record what the channel answered.

The three steps run in separate, short transactions so that no database transaction is held open while a
channel talks SMTP or HTTP (on SQLite that would stop every other writer):

1. :meth:`DeliveryService.claim` leases due messages (status ``sending``, a lease long enough for the
   channel's timeout) and commits *before* anything is sent, so a crash mid-send is seen and recovered
   when the lease runs out;
2. the caller (:mod:`tocsin.engine.delivery`) sends, outside any transaction;
3. :meth:`DeliveryService.record` writes the outcome and its timeline entry, if the lease still holds.

A crash after the receiver accepted a message but before step 3 committed makes the message go out again
when its lease expires: the same idempotency key, so the same e-mail Message-ID and ``webhook-id``, lets
the receiver recognise the duplicate. That window (one SMTP/HTTP answer to one commit) is the only one in
which a message can be sent twice; no decided message is ever lost.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy import Connection

from tocsin.builtin.signing import make_ack_token, new_ack_nonce
from tocsin.clock import Clock
from tocsin.domain.incident import Incident, IncidentState
from tocsin.domain.notification import DeliveryResult, Notification, NotificationKind, Recipient
from tocsin.errors import TocsinError
from tocsin.plugins.channels import Channel
from tocsin.plugins.manager import ChannelRegistry
from tocsin.services.events import Change, EventBus
from tocsin.services.paging_common import ENGINE_ACTOR, PagingConfig, PagingEvent, ack_link_secret
from tocsin.store import channels_store, incidents, outbox, people, timeline
from tocsin.store.channels_store import ConfiguredChannel
from tocsin.store.db import Database, after_commit
from tocsin.store.outbox import ClaimedMessage, StoredMessage
from tocsin.store.people import User

__all__ = ["Delivery", "DeliveryService", "DeliverySettings", "Outcome", "find_channel"]

log = logging.getLogger("tocsin.delivery")


#: What became of one attempt: the channel's result, or how long a rate-limited message must wait.
Outcome = DeliveryResult | timedelta


@dataclass(frozen=True)
class DeliverySettings:
    batch: int = 50
    max_attempts: int = 8
    base_backoff: timedelta = timedelta(seconds=5)
    max_backoff: timedelta = timedelta(minutes=10)
    # Added to the channel's own timeout to make the lease: it must outlast the send and the recording.
    lease_margin: timedelta = timedelta(seconds=10)
    default_timeout: timedelta = timedelta(seconds=30)


@dataclass(frozen=True)
class Delivery:
    """One claimed message, ready to hand to its channel, or with the ``problem`` that stops it."""

    claim: ClaimedMessage
    notification: Notification | None
    channel: Channel[Any] | None
    config: object
    channel_id: str
    problem: DeliveryResult | None = None


def find_channel(configured: dict[str, ConfiguredChannel], name: str) -> ConfiguredChannel | None:
    """The configured channel a rule names: by id, else the only one of that kind ("email")."""
    if name in configured:
        return configured[name]
    of_kind = [channel for channel in configured.values() if channel.kind == name]
    return of_kind[0] if len(of_kind) == 1 else None


@dataclass(frozen=True)
class _Batch:
    """What every message of one claim shares."""

    configured: dict[str, ConfiguredChannel]
    users: dict[str, User]
    secret: str
    now: datetime


class DeliveryService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        events: EventBus,
        channels: ChannelRegistry,
        config: PagingConfig,
        settings: DeliverySettings | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.events = events
        self.channels = channels
        self.config = config
        self.settings = settings or DeliverySettings()

    # -- step 1: claim ---------------------------------------------------------------------------------

    def claim(self, limit: int | None = None) -> list[Delivery]:
        """Lease the due messages and prepare each one; commits before anything is sent."""
        with self.db.write() as conn:
            now = self.clock.now()
            configured = {channel.id: channel for channel in channels_store.list_channels(conn)}

            def lease_for(message: StoredMessage) -> timedelta:
                found = find_channel(configured, message.channel)
                # The channel's own timeout bounds the send ("2" when set from the command line).
                timeout = str(found.config.get("timeout_seconds", "")) if found else ""
                span = timedelta(seconds=int(timeout)) if timeout.isdigit() else self.settings.default_timeout
                return span + self.settings.lease_margin

            claimed = outbox.claim_due(conn, now, limit=limit or self.settings.batch, lease_for=lease_for)
            if not claimed:
                return []
            batch = _Batch(
                configured=configured,
                users=people.users_by_id(conn, {claim.message.user_id for claim in claimed}),
                secret=ack_link_secret(conn),
                now=now,
            )
            prepared = [self._prepare(conn, claim, batch) for claim in claimed]
            return [delivery for delivery in prepared if delivery is not None]

    def _prepare(self, conn: Connection, claim: ClaimedMessage, batch: _Batch) -> Delivery | None:
        message = claim.message
        incident = incidents.get(conn, message.incident_number)
        assert incident is not None  # the outbox row references it
        if message.stops_on_ack and incident.state is not IncidentState.TRIGGERED:
            # Claimed again after its sender died, and acknowledged meanwhile: no longer wanted.
            outbox.drop(conn, claim, batch.now)
            return None
        user = batch.users.get(message.user_id)
        found = find_channel(batch.configured, message.channel)
        if user is None:
            return self._problem(claim, message.channel, f"user {message.user_id!r} no longer exists", False)
        if found is None:
            reason = f"no channel {message.channel!r} is configured; add it with `tocsin channel add`"
            return self._problem(claim, message.channel, reason, True)
        if not found.enabled:
            return self._problem(claim, found.id, f"channel {found.id!r} is disabled", True)
        try:
            channel = self.channels.get(found.kind)
            config = channel.validate_config(found.config)
        except TocsinError as error:
            return self._problem(claim, found.id, error.message, True)
        notification = self._notification(message, incident, user, batch.secret, batch.now)
        return Delivery(claim, notification, channel, config, found.id)

    @staticmethod
    def _problem(claim: ClaimedMessage, channel_id: str, reason: str, retryable: bool) -> Delivery:
        return Delivery(
            claim, None, None, None, channel_id, DeliveryResult.failed(reason, retryable=retryable)
        )

    def _notification(
        self, message: StoredMessage, incident: Incident, user: User, secret: str, now: datetime
    ) -> Notification:
        kind = NotificationKind(message.kind)
        ack_url = None
        if kind is NotificationKind.PAGE and incident.state is IncidentState.TRIGGERED:
            expires = now + self.config.ack_link_ttl
            token = make_ack_token(secret, incident.human_id, user.id, new_ack_nonce(), expires)
            ack_url = self.config.url(f"/ack/{token}")
        summary = "\n\n".join(part for part in (message.note, incident.summary) if part)
        return Notification(
            kind=kind,
            incident_id=incident.human_id,
            title=incident.title,
            severity=incident.severity,
            state=incident.state,
            summary=summary,
            services=tuple(incident.services),
            incident_url=self.config.url(f"/incidents/{incident.human_id}"),
            recipient=Recipient(user.id, user.name, user.email, user.slack_user_id, user.time_zone),
            idempotency_key=message.idempotency_key,
            created_at=message.created_at,
            ack_url=ack_url,
        )

    # -- step 3: record --------------------------------------------------------------------------------

    def record(self, delivery: Delivery, outcome: Outcome) -> bool:
        """Write the outcome of one attempt; ``False`` if the lease was lost (see :meth:`record_all`)."""
        return self.record_all([(delivery, outcome)]) == 1

    def record_all(self, outcomes: Sequence[tuple[Delivery, Outcome]]) -> int:
        """Write the outcomes of attempts and their timeline entries in one transaction.

        Sends that finish together are recorded together (a group commit): less work per message, and a
        shorter time between a receiver's acceptance and our record of it, which is the only window in
        which a crash can make a message go out twice. An outcome is a channel's result, or how long a
        rate-limited message must wait (its attempt does not count). Returns how many still held their
        lease; a message whose lease was lost is left to the sender that took it over.
        """
        with self.db.write() as conn:
            now = self.clock.now()
            held, wake, numbers = 0, False, set[int]()
            for delivery, outcome in outcomes:
                if isinstance(outcome, timedelta):
                    held += outbox.postpone(conn, delivery.claim, now + outcome)
                    wake = True
                elif self._record_one(conn, delivery, outcome, now):
                    held += 1
                    numbers.add(delivery.claim.message.incident_number)
                    wake = wake or not outcome.ok
            for number in sorted(numbers):
                after_commit(conn, partial(self.events.publish, Change("incident", number)))
            if wake:
                after_commit(conn, lambda: self.events.publish(Change("outbox")))
        return held

    def _record_one(
        self, conn: Connection, delivery: Delivery, result: DeliveryResult, now: datetime
    ) -> bool:
        claim = delivery.claim
        message = claim.message
        details: dict[str, Any] = {
            "channel": delivery.channel_id,
            "user": message.user_id,
            "level": message.level,
            "attempt": claim.attempt,
            "key": message.idempotency_key,
        }
        if claim.recovered:
            details["after_interrupted_attempt"] = True
        if result.ok:
            held = outbox.mark_sent(conn, claim, now, result.reference)
            kind = PagingEvent.NOTIFICATION_SENT
            details["reference"] = result.reference
        else:
            retry_at = self._retry_at(claim, result, now)
            if retry_at:
                held = outbox.retry(conn, claim, retry_at, result.reason)
            else:
                held = outbox.fail(conn, claim, now, result.reason)
            kind = PagingEvent.NOTIFICATION_FAILED
            details |= {"reason": result.reason, "retry_at": retry_at.isoformat() if retry_at else None}
        if not held:
            log.warning("delivery %s: lease lost before its result was recorded", message.idempotency_key)
            return False
        timeline.append(conn, message.incident_number, at=now, actor=ENGINE_ACTOR, kind=kind, details=details)
        return True

    def _retry_at(self, claim: ClaimedMessage, result: DeliveryResult, now: datetime) -> datetime | None:
        if not result.retryable or claim.attempt >= self.settings.max_attempts:
            return None
        backoff: timedelta = min(
            self.settings.base_backoff * (2 ** (claim.attempt - 1)), self.settings.max_backoff
        )
        wait: timedelta = max(backoff, result.retry_after or timedelta(0))
        return now + wait

    # -- reading ---------------------------------------------------------------------------------------

    def next_due_at(self) -> datetime | None:
        with self.db.read() as conn:
            return outbox.next_due_at(conn)

    def messages(self, number: int) -> list[StoredMessage]:
        """Every message decided for incident ``number``, with its status."""
        with self.db.read() as conn:
            return outbox.for_incident(conn, number)
