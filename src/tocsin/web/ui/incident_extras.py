"""The incident page's runbook checklist and paging panel, both derived from the timeline.

- **Checklist**: the steps of the runbook scenario that triage matched (the ``triage`` entry's
  ``scenario_id``, in the playbook version the incident is pinned to). Ticking a step writes a note to the
  timeline, and a step is shown done when such a note exists: the record of who did what stays in one
  append-only place.
- **Paging**: who each escalation level paged and whether they were reached, and when the next level is
  due, from the incident's frozen escalation policy and the ``level_paged`` entries already written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from tocsin.domain.escalation import EscalationStep
from tocsin.domain.playbook_steps import Scenario, Step
from tocsin.domain.timeline import TimelineEntry, TimelineKind
from tocsin.services.container import Services
from tocsin.services.paging_common import PagingEvent
from tocsin.services.playbooks import scenario_id
from tocsin.store.escalations import EscalationStatus

__all__ = ["Checklist", "ChecklistStep", "PagingView", "load_checklist", "load_paging", "step_note"]


@dataclass(frozen=True)
class ChecklistStep:
    index: int
    step: Step
    done_by: str | None  # who ticked it, if anyone


@dataclass(frozen=True)
class Checklist:
    playbook: str  # "incident-response@v3"
    scenario: Scenario
    steps: tuple[ChecklistStep, ...]


def step_note(scenario: Scenario, index: int, step: Step) -> str:
    """The timeline note that records step ``index`` of ``scenario`` as done."""
    return f"✓ {scenario.title}, step {index + 1}: {step.description[:300]}"


def load_checklist(services: Services, number: int, entries: Sequence[TimelineEntry]) -> Checklist | None:
    """The matched scenario's steps, each with who ticked it; ``None`` without a matched scenario."""
    wanted = next((e.details.get("scenario_id") for e in entries if e.kind == TimelineKind.TRIAGE), None)
    stored = services.playbooks.for_incident(number) if wanted else None
    if not wanted or stored is None:
        return None
    playbook = services.playbooks.playbook(stored)
    found = next((s for i, s in enumerate(playbook.scenarios) if scenario_id(i, s) == wanted), None)
    if found is None:
        return None
    notes = {e.details.get("text"): e.actor for e in entries if e.kind == TimelineKind.NOTE}
    steps = tuple(
        ChecklistStep(i, step, notes.get(step_note(found, i, step))) for i, step in enumerate(found.steps)
    )
    return Checklist(f"{stored.playbook}@v{stored.version}", found, steps)


@dataclass(frozen=True)
class Paged:
    at: datetime
    level: int
    label: str
    users: tuple[str, ...]
    reached: tuple[str, ...]  # "alice by email"
    failed: tuple[str, ...]  # "bob by slack: 500 from hooks.slack.com"


@dataclass(frozen=True)
class PagingView:
    policy: str
    status: EscalationStatus
    stopped_reason: str | None
    paged: tuple[Paged, ...]
    next_step: EscalationStep | None
    next_label: str
    skipped: str | None = None  # why the incident does not page at all


def _paged(entries: Sequence[TimelineEntry]) -> tuple[Paged, ...]:
    sent = [e for e in entries if e.kind in (PagingEvent.NOTIFICATION_SENT, PagingEvent.NOTIFICATION_FAILED)]
    found = []
    for entry in entries:
        if entry.kind != PagingEvent.LEVEL_PAGED:
            continue
        level = int(entry.details.get("level", 0))
        mine = [s for s in sent if s.details.get("level") == level and s.at >= entry.at]
        reached = tuple(
            f"{s.details.get('user')} by {s.details.get('channel')}"
            for s in mine
            if s.kind == PagingEvent.NOTIFICATION_SENT
        )
        failed = tuple(
            f"{s.details.get('user')} by {s.details.get('channel')}: {s.details.get('reason')}"
            for s in mine
            if s.kind == PagingEvent.NOTIFICATION_FAILED
        )
        users = tuple(str(u) for u in entry.details.get("users") or ())
        label = str(entry.details.get("label") or "")
        found.append(Paged(entry.at, level, label, users, tuple(dict.fromkeys(reached)), failed))
    return tuple(found)


def load_paging(services: Services, number: int, entries: Sequence[TimelineEntry]) -> PagingView | None:
    """Who was paged and what comes next; ``None`` when paging never considered the incident."""
    escalation = services.paging.escalation(number)
    if escalation is None:
        skipped = next((e for e in entries if e.kind == PagingEvent.ESCALATION_SKIPPED), None)
        if skipped is None:
            return None
        reason = str(skipped.details.get("reason") or "this severity does not page")
        return PagingView("", EscalationStatus.STOPPED, None, (), None, "", skipped=reason)
    fired = {e.details.get("step") for e in entries if e.kind == PagingEvent.LEVEL_PAGED}
    frozen = escalation.frozen
    upcoming = None
    if escalation.status is EscalationStatus.ACTIVE:
        upcoming = next((step for step in frozen.steps() if step.key not in fired), None)
    label = ""
    if upcoming is not None:
        level = frozen.level(upcoming)
        label = level.label or f"level {upcoming.level_index + 1}"
    return PagingView(
        policy=frozen.policy.name,
        status=escalation.status,
        stopped_reason=escalation.stopped_reason,
        paged=_paged(entries),
        next_step=upcoming,
        next_label=label,
    )
