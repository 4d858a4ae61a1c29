"""Configured notification channels: an SMTP relay, a Slack webhook, a signed webhook, PagerDuty, the console.

Each is a named instance of an installed channel kind (a plugin) with its settings, checked by the
plugin when saved. Users' notification rules name them. Secrets are never shown back: the API shows
``********`` and accepts ``********`` on update as "keep what is stored".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from tocsin.clock import Clock
from tocsin.domain.incident import IncidentState
from tocsin.domain.notification import DeliveryResult, Notification, NotificationKind, Recipient
from tocsin.errors import Conflict, InvalidInput, NotFound
from tocsin.plugins.channels import REDACTED, Channel, redact_config
from tocsin.plugins.manager import ChannelRegistry
from tocsin.services.paging_common import PagingConfig, check_slug
from tocsin.store import channels_store, people, policies
from tocsin.store.channels_store import ConfiguredChannel
from tocsin.store.db import Database

__all__ = ["SLACK_SIGNING_SECRET", "ChannelService"]

SLACK_SIGNING_SECRET = "slack_signing_secret"  # noqa: S105  (the setting's name, not a secret)


class ChannelService:
    def __init__(self, db: Database, clock: Clock, registry: ChannelRegistry, config: PagingConfig) -> None:
        self.db = db
        self.clock = clock
        self.registry = registry
        self.config = config

    def plugin(self, kind: str) -> Channel[Any]:
        """The installed channel of ``kind`` (NotFound lists the installed kinds)."""
        return self.registry.get(kind)

    def redacted(self, channel: ConfiguredChannel) -> dict[str, object]:
        """The channel's config safe to show: secrets replaced by ``********``."""
        return redact_config(self.plugin(channel.kind).fields, channel.config)

    def create(
        self, channel_id: str, kind: str, config: Mapping[str, object], *, enabled: bool = True
    ) -> ConfiguredChannel:
        """Configure a channel; its settings are checked by the channel's plugin now, not at 3 a.m."""
        check_slug("channel", channel_id)
        self.plugin(kind).validate_config(config)
        channel = ConfiguredChannel(channel_id, kind, dict(config), enabled)
        try:
            with self.db.write() as conn:
                channels_store.insert_channel(conn, channel, self.clock.now())
                return self._get(conn, channel_id)
        except IntegrityError as exc:
            raise Conflict(f"a channel with id {channel_id!r} exists", code="channel_exists") from exc

    def update(
        self, channel_id: str, *, config: Mapping[str, object] | None = None, enabled: bool | None = None
    ) -> ConfiguredChannel:
        """Change a channel's settings (a ``********`` value keeps the stored secret) or switch it."""
        with self.db.write() as conn:
            current = self._get(conn, channel_id)
            changed = current
            if config is not None:
                merged = {
                    name: current.config.get(name) if value == REDACTED else value
                    for name, value in config.items()
                }
                self.plugin(current.kind).validate_config(merged)
                changed = replace(changed, config=merged)
            if enabled is not None:
                changed = replace(changed, enabled=enabled)
            channels_store.update_channel(conn, changed, self.clock.now())
            return self._get(conn, channel_id)

    def get(self, channel_id: str) -> ConfiguredChannel:
        with self.db.read() as conn:
            return self._get(conn, channel_id)

    def list_channels(self) -> list[ConfiguredChannel]:
        with self.db.read() as conn:
            return channels_store.list_channels(conn)

    def delete(self, channel_id: str) -> None:
        """Remove a channel; refused while a user's notification rule names it."""
        with self.db.write() as conn:
            users = [
                u.id for u in people.list_users(conn) if any(r.channel_kind == channel_id for r in u.rules)
            ]
            if users:
                raise Conflict(
                    f"channel {channel_id!r} is used by the notification rules of {', '.join(users)}; "
                    "change those first",
                    code="channel_in_use",
                )
            if not channels_store.delete_channel(conn, channel_id):
                raise _no_channel(channel_id)

    def send_test(self, channel_id: str, user_id: str) -> DeliveryResult:
        """Send a test message to ``user_id`` on the channel now, and say what the receiver answered."""
        with self.db.read() as conn:
            channel = self._get(conn, channel_id)
            user = people.get_user(conn, user_id)
        if user is None:
            raise NotFound(f"no user {user_id!r}", code="user_not_found")
        plugin = self.plugin(channel.kind)
        now = self.clock.now()
        notification = Notification(
            kind=NotificationKind.TEST,
            incident_id="INC-0",
            title=f"Test of the {channel.id} channel",
            severity="TEST",
            state=IncidentState.TRIGGERED,
            summary="If you can read this, tocsin can reach you on this channel.",
            services=(),
            incident_url=self.config.url("/"),
            recipient=Recipient(user.id, user.name, user.email, user.slack_user_id, user.time_zone),
            idempotency_key=f"test:{channel.id}:{user.id}:{int(now.timestamp())}",
            created_at=now,
        )
        return plugin.send(notification, plugin.validate_config(channel.config))

    def set_slack_signing_secret(self, secret: str | None) -> None:
        """Set the Slack app's signing secret, which verifies ``/incident`` slash commands (None: turn off)."""
        if secret is not None and len(secret.strip()) < 16:
            raise InvalidInput("a Slack signing secret is at least 16 characters", code="invalid_secret")
        with self.db.write() as conn:
            policies.set_setting(conn, SLACK_SIGNING_SECRET, secret.strip() if secret else None)

    def slack_configured(self) -> bool:
        with self.db.read() as conn:
            return policies.get_setting(conn, SLACK_SIGNING_SECRET) is not None

    @staticmethod
    def _get(conn: Connection, channel_id: str) -> ConfiguredChannel:
        found = channels_store.get_channel(conn, channel_id)
        if found is None:
            raise _no_channel(channel_id)
        return found


def _no_channel(channel_id: str) -> NotFound:
    return NotFound(f"no channel {channel_id!r}", code="channel_not_found")
