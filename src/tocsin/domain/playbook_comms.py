"""What a playbook says to people and what it asks of them afterwards.

Communication templates with their placeholders, post-incident checklists with deadlines, the
postmortem outline, related links, and the lines of the runbook that could not be understood.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

__all__ = [
    "Checklist",
    "ChecklistItem",
    "IncidentField",
    "Link",
    "Placeholder",
    "PostmortemOutline",
    "PostmortemSection",
    "Template",
    "TemplateKind",
    "Unparsed",
]


class IncidentField(StrEnum):
    """The facts of an incident a template placeholder can be filled from."""

    INCIDENT_ID = "incident_id"
    TITLE = "title"
    SUMMARY = "summary"
    SEVERITY = "severity"
    STATUS = "status"
    SERVICES = "services"
    IMPACT = "impact"
    STARTED_AT = "started_at"
    ACKNOWLEDGED_AT = "acknowledged_at"
    RESOLVED_AT = "resolved_at"
    DURATION = "duration"
    COMMANDER = "commander"
    RESPONDER = "responder"
    ROOT_CAUSE = "root_cause"
    RESOLUTION = "resolution"
    LATEST_UPDATE = "latest_update"
    NEXT_UPDATE_AT = "next_update_at"
    URL = "url"


@dataclass(frozen=True)
class Placeholder:
    """A blank in a template: ``[Brief Description]`` and the incident field that fills it, if any."""

    text: str  # exactly as written, brackets included: "[Brief Description]"
    name: str  # "Brief Description"
    field: IncidentField | None = None


class TemplateKind(StrEnum):
    INITIAL = "initial"
    UPDATE = "update"
    RESOLUTION = "resolution"
    STATUS_PAGE = "status_page"
    EXTERNAL = "external"
    POSTMORTEM = "postmortem"
    OTHER = "other"


@dataclass(frozen=True)
class Template:
    """A message to post at some point of an incident, with its blanks."""

    name: str
    body: str
    kind: TemplateKind = TemplateKind.OTHER
    placeholders: tuple[Placeholder, ...] = ()
    notes: str = ""  # when to use it, as the runbook says: "For P0/P1 incidents affecting users"
    update_cadence: timedelta | None = None  # "Next Update: In 15 minutes"

    @property
    def unmapped(self) -> tuple[Placeholder, ...]:
        """Placeholders no incident field fills: a person has to write them."""
        return tuple(p for p in self.placeholders if p.field is None)


@dataclass(frozen=True)
class ChecklistItem:
    text: str
    deadline: timedelta | None = None  # its own deadline: "Schedule post-mortem within 48 hours"


@dataclass(frozen=True)
class Checklist:
    """Things to do after (or during) an incident, by a deadline counted from its resolution.

    ``severities`` limits it to some severities ("For SEV1/SEV2 incidents"); empty means all.
    """

    name: str
    items: tuple[ChecklistItem, ...] = ()
    deadline: timedelta | None = None
    severities: tuple[str, ...] = ()


@dataclass(frozen=True)
class PostmortemSection:
    title: str
    description: str = ""


@dataclass(frozen=True)
class PostmortemOutline:
    """The sections a postmortem must have, when it is due, and where its file goes."""

    sections: tuple[PostmortemSection, ...] = ()
    deadline: timedelta | None = None
    file_pattern: str = ""  # "docs/incidents/YYYY-MM-DD-incident-name.md"


@dataclass(frozen=True)
class Link:
    """A related runbook, dashboard, tool or document; ``url`` is ``None`` for a tool named only."""

    title: str
    url: str | None = None
    category: str = ""


@dataclass(frozen=True)
class Unparsed:
    """Source the importer did not understand: where it is, what it says, and why it was not used."""

    line: int  # 1-based line in the runbook
    text: str
    reason: str
