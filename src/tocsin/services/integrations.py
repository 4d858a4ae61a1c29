"""Integrations: where alerts come from. Each has its own secret key (in the webhook URL, or the PagerDuty
``routing_key``), shown once, stored as a hash, rotatable and revocable; and its own processing settings."""

from __future__ import annotations

import hashlib
import secrets
import threading
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy.exc import IntegrityError

from tocsin.clock import Clock
from tocsin.domain.alert import parse_matchers
from tocsin.domain.alert_rules import GroupingRule, SeverityPolicy, SeverityRule, policy_problems
from tocsin.domain.incident import check_text
from tocsin.errors import Conflict, InvalidInput, NotFound
from tocsin.services.severities import SeverityService
from tocsin.store import integrations
from tocsin.store.db import Database
from tocsin.store.integrations import StoredIntegration

__all__ = ["IntegrationService", "IntegrationSettings", "SourceName"]


class SourceName(StrEnum):
    ALERTMANAGER = "alertmanager"
    PAGERDUTY = "pagerduty"
    GRAFANA = "grafana"
    GENERIC = "generic"


@dataclass(frozen=True)
class IntegrationSettings:
    """How an integration's alerts become incidents. Stored as JSON; every field has a safe default."""

    severity_rules: tuple[
        tuple[str, str], ...
    ] = ()  # (matchers, severity), e.g. ('severity="critical"', "SEV1")
    default_severity: str | None = None
    use_source_severity: bool = True
    group_by: tuple[str, ...] = ()
    group_window_s: int | None = None
    auto_resolve: bool = True
    reopen_window_s: int = 3600
    service_labels: tuple[str, ...] = ()
    signing_secret: str | None = field(default=None, repr=False)  # Grafana HMAC

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> IntegrationSettings:
        try:
            return cls(
                severity_rules=tuple((str(m), str(s)) for m, s in data.get("severity_rules", ())),
                default_severity=data.get("default_severity"),
                use_source_severity=bool(data.get("use_source_severity", True)),
                group_by=tuple(str(x) for x in data.get("group_by", ())),
                group_window_s=data.get("group_window_s"),
                auto_resolve=bool(data.get("auto_resolve", True)),
                reopen_window_s=int(data.get("reopen_window_s", 3600)),
                service_labels=tuple(str(x) for x in data.get("service_labels", ())),
                signing_secret=data.get("signing_secret"),
            )
        except (TypeError, ValueError) as exc:
            raise InvalidInput(f"integration settings are not valid: {exc}", code="invalid_settings") from exc

    def to_json(self) -> dict[str, Any]:
        return {
            "severity_rules": [list(rule) for rule in self.severity_rules],
            "default_severity": self.default_severity,
            "use_source_severity": self.use_source_severity,
            "group_by": list(self.group_by),
            "group_window_s": self.group_window_s,
            "auto_resolve": self.auto_resolve,
            "reopen_window_s": self.reopen_window_s,
            "service_labels": list(self.service_labels),
            "signing_secret": self.signing_secret,
        }

    def severity_policy(self) -> SeverityPolicy:
        rules = tuple(SeverityRule(parse_matchers(m), s) for m, s in self.severity_rules)
        return SeverityPolicy(
            rules=rules, default=self.default_severity, use_source_severity=self.use_source_severity
        )

    def grouping(self) -> GroupingRule:
        window = timedelta(seconds=self.group_window_s) if self.group_window_s else None
        return GroupingRule(group_by=self.group_by, window=window)


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _new_key() -> str:
    # 32 hex characters: the shape of a PagerDuty integration key, so every PagerDuty sender accepts it.
    return secrets.token_hex(16)


class IntegrationService:
    """Create, find, configure, rotate and revoke integrations; find the active one behind a key."""

    def __init__(self, db: Database, clock: Clock, severities: SeverityService) -> None:
        self.db = db
        self.clock = clock
        self.severities = severities
        self._by_hash: dict[str, tuple[StoredIntegration | None, float]] = {}
        self._lock = threading.Lock()
        self._ttl = 5.0

    def _check_settings(self, settings: IntegrationSettings, source: SourceName) -> None:
        problems = policy_problems(settings.severity_policy(), self.severities.scheme())
        if settings.signing_secret and source is not SourceName.GRAFANA:
            problems.append(f"a signing secret is only checked on Grafana integrations, not {source}")
        if problems:
            raise InvalidInput("; ".join(problems), code="invalid_settings")

    def create(
        self, name: str, source: SourceName, settings: IntegrationSettings | None = None
    ) -> tuple[StoredIntegration, str]:
        """Create an integration; returns it and its key, which is shown only now."""
        name = check_text("integration name", name, 100, required=True)
        settings = settings or IntegrationSettings()
        self._check_settings(settings, source)
        key = _new_key()
        try:
            with self.db.write() as conn:
                integrations.insert_integration(
                    conn,
                    name=name,
                    source=source.value,
                    key_hash=_hash(key),
                    key_prefix=key[:6],
                    settings=settings.to_json(),
                    created_at=self.clock.now(),
                )
                created = integrations.by_name(conn, name)
        except IntegrityError as exc:
            raise Conflict(f"an integration named {name!r} exists", code="integration_exists") from exc
        assert created is not None
        return created, key

    def list(self) -> list[StoredIntegration]:
        """Every integration, revoked ones included, oldest first."""
        with self.db.read() as conn:
            return integrations.list_all(conn)

    def get(self, name: str) -> StoredIntegration:
        """The integration named ``name``, or :class:`NotFound`."""
        with self.db.read() as conn:
            found = integrations.by_name(conn, name)
        if found is None:
            raise NotFound(f"no integration named {name!r}", code="integration_not_found")
        return found

    def rotate(self, name: str) -> tuple[StoredIntegration, str]:
        """Give the integration a new key; the old one stops working at once."""
        found = self.get(name)
        if not found.active:
            raise Conflict(
                f"integration {name!r} is revoked; create a new one instead", code="integration_revoked"
            )
        key = _new_key()
        with self.db.write() as conn:
            integrations.update_row(
                conn, found.id, key_hash=_hash(key), key_prefix=key[:6], rotated_at=self.clock.now()
            )
        self._forget()
        return self.get(name), key

    def revoke(self, name: str) -> None:
        """Stop the integration's key for good (revoking twice keeps the first revocation time)."""
        found = self.get(name)
        if not found.active:
            return
        with self.db.write() as conn:
            integrations.update_row(conn, found.id, revoked_at=self.clock.now())
        self._forget()

    def update_settings(self, name: str, settings: IntegrationSettings) -> StoredIntegration:
        """Replace the integration's settings; the next alert is processed with them."""
        found = self.get(name)
        self._check_settings(settings, SourceName(found.source))
        with self.db.write() as conn:
            integrations.update_row(conn, found.id, settings=settings.to_json())
        self._forget()
        return self.get(name)

    def by_key(self, key: str) -> StoredIntegration | None:
        """The active integration with this key, or ``None`` (unknown and revoked look the same).

        Lookups are cached for a few seconds, so a webhook storm does not read the table per request;
        rotation and revocation through this process take effect at once.
        """
        digest = _hash(key)
        now = self.clock.now().timestamp()
        with self._lock:
            cached = self._by_hash.get(digest)
        if cached is not None and now - cached[1] < self._ttl:
            return cached[0]
        with self.db.read() as conn:
            found = integrations.by_hash(conn, digest)
        found = found if found is not None and found.active else None
        with self._lock:
            if len(self._by_hash) > 10_000:
                self._by_hash.clear()
            self._by_hash[digest] = (found, now)
        return found

    def _forget(self) -> None:
        with self._lock:
            self._by_hash.clear()
