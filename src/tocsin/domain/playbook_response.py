"""Who responds and how fast: severity definitions, the assessment tree, escalation, contacts, alert rules.

Names of severities are kept as the runbook writes them ("P0", "Severity 2"); they are resolved against
the playbook's :class:`~tocsin.domain.severity.SeverityScheme` when used.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from tocsin.domain.severity import SeverityLevel

__all__ = [
    "AlertGuideEntry",
    "AlertRule",
    "AssessmentAnswer",
    "AssessmentQuestion",
    "Contact",
    "EscalationCondition",
    "EscalationLevel",
    "EscalationTrigger",
    "SeverityDefinition",
]


@dataclass(frozen=True)
class SeverityDefinition:
    """A severity level as a runbook defines it: the level, and who acts on it.

    ``who_acts`` is the runbook's own words ("All hands on deck, page CTO"); ``escalation_chain`` the
    roles in order ("On-call engineer", "Team Lead", "CTO").
    """

    level: SeverityLevel
    who_acts: str = ""
    escalation_chain: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return self.level.name


@dataclass(frozen=True)
class AssessmentAnswer:
    """One answer to an assessment question and the severity it leads to (``None``: assess further)."""

    answer: str
    severity: str | None = None
    note: str = ""


@dataclass(frozen=True)
class AssessmentQuestion:
    """A question asked when declaring an incident ("Is the main site accessible?")."""

    question: str
    answers: tuple[AssessmentAnswer, ...] = ()

    def severity_for(self, answer: str) -> str | None:
        """The severity the given answer leads to, matched ignoring case; ``None`` if unknown."""
        wanted = answer.strip().casefold()
        for candidate in self.answers:
            if candidate.answer.strip().casefold() == wanted:
                return candidate.severity
        return None


@dataclass(frozen=True)
class EscalationLevel:
    """A level of the escalation path: "L2: Team Lead (15 min)".

    ``delay`` is the time the runbook writes beside the level, counted from the incident's start; how it
    is read (respond-by or page-at) is decided when the path becomes a policy. ``severities`` limits the
    level to some severities ("CTO (For P0 incidents)"); empty means all.
    """

    level: int
    target: str
    delay: timedelta | None = None
    note: str = ""
    severities: tuple[str, ...] = ()


class EscalationCondition(StrEnum):
    UNACKNOWLEDGED = "unacknowledged"
    UNRESOLVED = "unresolved"
    OTHER = "other"  # a judgement call: "Need additional expertise", "Security-related incidents"


@dataclass(frozen=True)
class EscalationTrigger:
    """When to escalate: "P0 incidents not resolved in 30 minutes" or "Data loss incidents"."""

    text: str
    condition: EscalationCondition = EscalationCondition.OTHER
    severity: str | None = None
    after: timedelta | None = None


@dataclass(frozen=True)
class Contact:
    """A role and who holds it: "Database Admin", primary and backup, a phone, address or pager, and
    what the role does ("Coordinates the response")."""

    role: str
    name: str = ""
    backup: str = ""
    reach: str = ""
    duties: str = ""


@dataclass(frozen=True)
class AlertRule:
    """An alert threshold that sets a severity: "5xx errors > 1% for 5 minutes → P1"."""

    condition: str
    severity: str
    sustained_for: timedelta | None = None


@dataclass(frozen=True)
class AlertGuideEntry:
    """A row of an alert → likely cause → first action table."""

    alert: str
    likely_cause: str = ""
    first_action: str = ""
