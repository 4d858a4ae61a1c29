"""What every paging service shares: its settings, the timeline entries it writes, and id rules."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Any, TypeVar
from urllib.parse import urlsplit

from sqlalchemy import Connection

from tocsin.errors import InvalidInput
from tocsin.store import policies

__all__ = ["ENGINE_ACTOR", "PagingConfig", "PagingEvent", "ack_link_secret", "check_slug", "per_transaction"]

T = TypeVar("T")
ENGINE_ACTOR = "tocsin"
_CACHE = "tocsin_paging_cache"
_SLUG = re.compile(r"[a-z0-9][a-z0-9_\-]{0,63}")


class PagingEvent(StrEnum):
    """Timeline entry kinds written by paging (alongside the core's ``TimelineKind``)."""

    ESCALATION_STARTED = "escalation_started"  # policy frozen; when level 1 is due
    ESCALATION_SKIPPED = "escalation_skipped"  # the severity does not page (and why)
    LEVEL_PAGED = "level_paged"  # who a level paged, and targets that gave nobody
    ESCALATION_STOPPED = "escalation_stopped"  # acknowledged or resolved; pending messages dropped
    ESCALATION_EXHAUSTED = "escalation_exhausted"  # every level of every pass paged, nobody acknowledged
    NOTIFICATION_SENT = "notification_sent"
    NOTIFICATION_FAILED = "notification_failed"


@dataclass(frozen=True)
class PagingConfig:
    """Settings of paging that come from the deployment, not the database.

    ``public_url`` is where people reach this tocsin: links in messages (the incident, the acknowledge
    link) and calendar feeds are built on it.
    """

    public_url: str = "http://127.0.0.1:8080"
    ack_link_ttl: timedelta = timedelta(hours=24)

    @property
    def host(self) -> str:
        """The public host name, used in calendar UIDs."""
        return urlsplit(self.public_url).hostname or "tocsin.invalid"

    def url(self, path: str) -> str:
        return self.public_url.rstrip("/") + path


def check_slug(what: str, value: str) -> str:
    """Check an id people type ("alice", "payments-primary"): lower-case letters, digits, ``-`` and ``_``."""
    if not _SLUG.fullmatch(value):
        raise InvalidInput(
            f"{what} id {value!r} must be 1-64 lower-case letters, digits, '-' or '_', starting with a "
            "letter or digit",
            code="invalid_id",
            field="id",
        )
    return value


def ack_link_secret(conn: Connection) -> str:
    """The key that signs acknowledge links, made on first use and shared by every process through the
    database (so a link sent by one worker is accepted by any web process)."""
    value = policies.setting_or_create(conn, "ack_link_secret", secrets.token_urlsafe(32))
    assert isinstance(value, str)
    return value


def per_transaction(conn: Connection, key: Hashable, load: Callable[[], T]) -> T:
    """``load()``, remembered until the transaction on ``conn`` ends.

    Alert ingest declares many incidents in one transaction (a group commit); they share the routing, the
    policy and the people a level pages, which cannot change under that transaction's feet.
    """
    transaction = conn.get_transaction()
    cached: tuple[Any, dict[Hashable, Any]] | None = conn.info.get(_CACHE)
    # Holding the transaction object keeps its identity from being reused by a later one.
    if cached is None or cached[0] is not transaction:
        cached = (transaction, {})
        conn.info[_CACHE] = cached
    if key not in cached[1]:
        cached[1][key] = load()
    value: T = cached[1][key]
    return value
