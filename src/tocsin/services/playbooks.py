"""Playbooks: runbooks turned into configuration.

Importing parses a Markdown runbook (or playbook YAML) and stores it as a new immutable version when its
content changed. Applying a version makes its severity scheme, escalation path, templates and checklists
the active configuration. Every incident is pinned to the version active when it started, so a later
import never changes the runbook an incident is being worked from.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import PurePath
from typing import Any

from sqlalchemy import Connection

from tocsin.clock import Clock
from tocsin.domain.alert_rules import ThresholdRule
from tocsin.domain.incident import Incident, check_text
from tocsin.domain.playbook import Playbook
from tocsin.domain.playbook_steps import Scenario
from tocsin.domain.scenario_match import ScenarioMatcher, ScenarioSpec
from tocsin.domain.severity import DEFAULT_SCHEME, SeverityScheme
from tocsin.errors import InvalidInput, NotFound
from tocsin.runbook import lint_report, parse_runbook, playbook_from_yaml, playbook_to_yaml
from tocsin.services.ingest import AlertPlaybook
from tocsin.store import playbooks as store
from tocsin.store import severities
from tocsin.store.db import Database
from tocsin.store.playbooks import StoredVersion

__all__ = ["ApplyResult", "ImportResult", "PlaybookApplier", "PlaybookService", "contents", "scenario_id"]

#: Applies one part of a playbook inside the apply transaction; returns what it did, for the user.
PlaybookApplier = Callable[[Connection, Playbook, StoredVersion, datetime], list[str]]

_YAML_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class ImportResult:
    version: StoredVersion
    created: bool  # False when the content was identical to the latest version


@dataclass(frozen=True)
class ApplyResult:
    version: StoredVersion
    changes: list[str]


def scenario_id(index: int, scenario: Scenario) -> str:
    """A scenario's id within its version: its position and a slug of its title (``3-database-down``)."""
    slug = re.sub(r"[^a-z0-9]+", "-", scenario.title.casefold()).strip("-")[:60]
    return f"{index + 1}-{slug or 'scenario'}"


def _with_familiar_aliases(scheme: SeverityScheme) -> SeverityScheme:
    """Add the default scheme's names of the same rank as aliases (P0 also answers to SEV1), unless a name
    is already taken, so incidents, rules and people using the familiar names keep working."""
    taken = {name.casefold() for level in scheme.levels for name in level.names()}
    levels = []
    for rank, level in enumerate(scheme.levels):
        extra = []
        if rank < len(DEFAULT_SCHEME.levels):
            for name in DEFAULT_SCHEME.levels[rank].names():
                if name.casefold() not in taken:
                    taken.add(name.casefold())
                    extra.append(name)
        levels.append(replace(level, rank=rank, aliases=(*level.aliases, *extra)))
    return SeverityScheme(levels=tuple(levels))


class PlaybookService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock
        self.appliers: list[PlaybookApplier] = []
        self._parsed: dict[int, Playbook] = {}
        self._alerts: dict[int, AlertPlaybook] = {}
        self._lock = threading.Lock()

    def add_applier(self, applier: PlaybookApplier) -> None:
        self.appliers.append(applier)

    # -- parsing ---------------------------------------------------------------------------------------

    @staticmethod
    def parse(text: str, *, source_name: str = "", fmt: str | None = None) -> Playbook:
        """Parse Markdown (the default) or playbook YAML (``fmt="yaml"`` or a .yaml/.yml source name)."""
        if fmt is None:
            fmt = "yaml" if source_name.endswith(_YAML_SUFFIXES) else "markdown"
        if fmt == "yaml":
            return playbook_from_yaml(text)
        if fmt != "markdown":
            raise InvalidInput(
                f"unknown playbook format {fmt!r}; use markdown or yaml", code="invalid_format"
            )
        return parse_runbook(text, source_name=source_name)

    def playbook(self, stored: StoredVersion) -> Playbook:
        """The parsed playbook of a stored version (parsed once per process)."""
        with self._lock:
            cached = self._parsed.get(stored.id)
        if cached is None:
            cached = playbook_from_yaml(stored.yaml)
            with self._lock:
                self._parsed[stored.id] = cached
        return cached

    # -- importing and reading -----------------------------------------------------------------------------

    def import_text(
        self, text: str, *, name: str | None, source_name: str, actor: str, fmt: str | None = None
    ) -> ImportResult:
        playbook = self.parse(text, source_name=source_name, fmt=fmt)
        name = check_text(
            "playbook name", name or PurePath(source_name).stem or playbook.title, 100, required=True
        )
        canonical = playbook_to_yaml(playbook)
        digest = hashlib.sha256(canonical.encode()).hexdigest()
        with self.db.write() as conn:
            latest = store.latest_version(conn, name)
            if latest is not None and latest.content_sha256 == digest:
                return ImportResult(latest, created=False)
            playbook_id = store.ensure_playbook(conn, name, self.clock.now())
            version_id = store.add_version(
                conn,
                playbook_id,
                source_name=source_name[:300],
                content_sha256=digest,
                yaml=canonical,
                lint=lint_report(playbook),
                created_at=self.clock.now(),
                created_by=actor,
            )
            stored = store.version_by_id(conn, version_id)
        assert stored is not None
        return ImportResult(stored, created=True)

    def catalog(self) -> list[tuple[str, int, datetime]]:
        with self.db.read() as conn:
            return store.list_playbooks(conn)

    def versions(self, name: str) -> list[StoredVersion]:
        with self.db.read() as conn:
            found = store.list_versions(conn, name)
        if not found:
            raise NotFound(
                f"no playbook named {name!r}; import one with `tocsin runbook import`",
                code="playbook_not_found",
            )
        return found

    def version(self, name: str, version: int | None = None) -> StoredVersion:
        with self.db.read() as conn:
            found = (
                store.latest_version(conn, name)
                if version is None
                else store.get_version(conn, name, version)
            )
        if found is None:
            which = f"version {version} of " if version is not None else ""
            raise NotFound(f"no {which}playbook named {name!r}", code="playbook_not_found")
        return found

    def active(self) -> StoredVersion | None:
        with self.db.read() as conn:
            return store.active_version(conn)

    def for_incident(self, number: int) -> StoredVersion | None:
        with self.db.read() as conn:
            return store.pinned_version(conn, number)

    # -- applying ----------------------------------------------------------------------------------------

    def apply(self, name: str, version: int | None = None, *, actor: str) -> ApplyResult:
        stored = self.version(name, version)
        playbook = self.playbook(stored)
        changes: list[str] = []
        with self.db.write() as conn:
            now = self.clock.now()
            store.set_active(conn, stored.id, now, actor)
            scheme = playbook.severity_scheme()
            if scheme is not None:
                scheme = _with_familiar_aliases(scheme)
                severities.replace_scheme(conn, scheme)
                changes.append(f"severity scheme: {', '.join(scheme.names())}")
            else:
                changes.append("severity scheme: unchanged (the playbook defines none)")
            for applier in self.appliers:
                changes += applier(conn, playbook, stored, now)
            kept = (
                ("templates", playbook.templates),
                ("checklists", playbook.checklists),
                ("scenarios", playbook.scenarios),
            )
            changes += [f"{label}: {len(items)} now active" for label, items in kept]
        return ApplyResult(stored, changes)

    # -- as an incident hook and an alert-triage source -------------------------------------------------------

    def on_declared(self, conn: Connection, incident: Incident, now: datetime) -> None:
        version_id = store.active_version_id(conn)
        if version_id is not None:
            store.pin_incident(conn, incident.number, version_id)

    def on_changed(self, conn: Connection, before: Incident, after: Incident, now: datetime) -> None:
        return None

    def for_alerts(self, conn: Connection) -> AlertPlaybook | None:
        version_id = store.active_version_id(conn)
        if version_id is None:
            return None
        with self._lock:
            cached = self._alerts.get(version_id)
        if cached is not None:
            return cached
        stored = store.version_by_id(conn, version_id)
        assert stored is not None
        built = _alert_playbook(stored, self.playbook(stored))
        with self._lock:
            self._alerts[version_id] = built
        return built


def _alert_playbook(stored: StoredVersion, playbook: Playbook) -> AlertPlaybook:
    specs = [
        ScenarioSpec(
            id=scenario_id(i, s), title=s.title, symptoms="\n".join((*s.symptoms, *s.causes, s.description))
        )
        for i, s in enumerate(playbook.scenarios)
    ]
    thresholds = tuple(ThresholdRule(rule.condition, rule.severity) for rule in playbook.alert_rules)
    return AlertPlaybook(f"{stored.playbook}@v{stored.version}", ScenarioMatcher(specs), thresholds)


def contents(stored: StoredVersion) -> dict[str, Any]:
    """Counts of what a version holds, from its lint report."""
    lint = stored.lint
    keys = (
        "severities",
        "escalation",
        "scenarios",
        "alert_rules",
        "templates",
        "checklists",
        "phases",
        "unparsed",
    )
    return {key: len(lint.get(key, ())) for key in keys}
