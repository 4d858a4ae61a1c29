"""The incidents list (with filters), the declare form, and the incident page with its actions.

Actions are plain forms that htmx enhances: with htmx the response is the refreshed action panel (and
the summary, out of band); without it, a redirect back to the incident.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, time
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import RedirectResponse

from tocsin.domain.incident import ACTIVE_STATES, IncidentState, Role, parse_human_id
from tocsin.domain.playbook import AssessmentQuestion
from tocsin.errors import InvalidInput
from tocsin.services.container import Services
from tocsin.services.incidents import Declaration
from tocsin.services.statuspage_model import PublicStatus
from tocsin.services.tokens import ApiRole
from tocsin.store.incidents import IncidentFilter
from tocsin.web.auth import services_of
from tocsin.web.ui.deps import Posted, UiRoute, is_htmx, posted, redirect, viewer
from tocsin.web.ui.incident_extras import step_note
from tocsin.web.ui.incident_view import load_alerts, load_incident, load_lines
from tocsin.web.ui.render import Viewer, render

__all__ = ["ACTIONS", "ListFilter", "router"]

router = APIRouter(route_class=UiRoute, include_in_schema=False)

Seeing = Annotated[Viewer, Depends(viewer(ApiRole.VIEWER))]
Responding = Annotated[Posted, Depends(posted(ApiRole.RESPONDER))]
PER_PAGE = 50


@dataclass(frozen=True)
class ListFilter:
    """The list's filters as the form sent them, kept to refill the form and build page links."""

    show: str = "open"  # open, resolved, all
    severity: str = ""
    service: str = ""
    since: str = ""  # a date, YYYY-MM-DD, in the viewer's zone

    def href(self, page: int) -> str:
        """The list URL with these filters, at ``page``."""
        values = {"show": self.show, "severity": self.severity, "service": self.service, "since": self.since}
        return "/incidents?" + urlencode({k: v for k, v in values.items() if v} | {"page": page})

    def query(self, who: Viewer, severity_name: str) -> IncidentFilter:
        states: tuple[IncidentState, ...] = ()
        if self.show == "open":
            states = tuple(s for s in IncidentState if s in ACTIVE_STATES)
        elif self.show == "resolved":
            states = (IncidentState.RESOLVED, IncidentState.CLOSED)
        since = None
        if self.since:
            try:
                day = datetime.strptime(self.since, "%Y-%m-%d").date()  # noqa: DTZ007 (a date, zoned below)
            except ValueError as exc:
                raise InvalidInput(f"{self.since!r} is not a date (YYYY-MM-DD)", code="bad_date") from exc
            since = datetime.combine(day, time(), who.zone)
        severities = (severity_name,) if severity_name else ()
        return IncidentFilter(states=states, severities=severities, service=self.service.strip() or None,
                              started_after=since)  # fmt: skip


@router.get("/")
def home() -> Response:
    return RedirectResponse("/incidents", status_code=303)


@router.get("/incidents")
def incident_list(
    request: Request,
    who: Seeing,
    show: Annotated[str, Query(pattern="^(open|resolved|all)$")] = "open",
    severity: Annotated[str, Query(max_length=50)] = "",
    service: Annotated[str, Query(max_length=100)] = "",
    since: Annotated[str, Query(max_length=10)] = "",
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> Response:
    services = services_of(request)
    filters = ListFilter(show=show, severity=severity, service=service, since=since)
    severity_name = services.severities.resolve(severity).name if severity else ""
    found, total = services.incidents.find(
        filters.query(who, severity_name), limit=PER_PAGE, offset=(page - 1) * PER_PAGE
    )
    template = "_incident_rows.html" if is_htmx(request) else "incidents.html"
    return render(
        request,
        template,
        who,
        incidents=found,
        total=total,
        page=page,
        pages=max(1, -(-total // PER_PAGE)),
        filters=filters,
        severities=services.severities.scheme().levels,
    )


@router.get("/incidents/new")
def declare_form(request: Request, who: Annotated[Viewer, Depends(viewer(ApiRole.RESPONDER))]) -> Response:
    return _declare_page(request, who, values={}, error="")


def _assessment(services: Services) -> list[AssessmentQuestion]:
    """The active playbook's severity questions, each answer's severity named as the scheme names it."""
    active = services.playbooks.active()
    if active is None:
        return []
    scheme = services.severities.scheme()
    questions = []
    for question in services.playbooks.playbook(active).assessment:
        answers = []
        for answer in question.answers:
            level = scheme.resolve(answer.severity) if answer.severity else None
            answers.append(replace(answer, severity=level.name if level else None))
        questions.append(replace(question, answers=tuple(answers)))
    return questions


def _declare_page(request: Request, who: Viewer, *, values: dict[str, str], error: str) -> Response:
    services = services_of(request)
    return render(
        request,
        "declare.html",
        who,
        status_code=400 if error else 200,
        severities=services.severities.scheme().levels,
        assessment=_assessment(services),
        values=values,
        error=error,
    )


@router.post("/incidents/new")
def declare(request: Request, form: Responding) -> Response:
    fields = ("title", "severity", "summary", "services", "commander")
    values = {name: form.text(name) for name in fields}
    declaration = Declaration(
        title=values["title"],
        severity=values["severity"],
        summary=values["summary"],
        services=[s.strip() for s in values["services"].split(",") if s.strip()],
        commander=values["commander"].strip() or None,
        customer_facing=form.flag("customer_facing"),
    )
    try:
        incident = services_of(request).incidents.declare(declaration, actor=form.viewer.name)
    except InvalidInput as exc:
        return _declare_page(
            request,
            form.viewer,
            values=values | {"customer_facing": str(declaration.customer_facing)},
            error=exc.message,
        )
    return redirect(request, f"/incidents/{incident.number}")


@router.get("/incidents/{incident_id}")
def incident_page(request: Request, incident_id: str, who: Seeing) -> Response:
    services = services_of(request)
    number = parse_human_id(incident_id)
    view = load_incident(services, number)
    lines = load_lines(services, number)
    return render(
        request,
        "incident.html",
        who,
        view=view,
        lines=lines,
        last_id=lines[-1].entry.id if lines else 0,
        alerts=load_alerts(services, number),
    )


@router.get("/incidents/{incident_id}/alerts")
def alerts_page(
    request: Request, incident_id: str, who: Seeing, after: Annotated[int, Query(ge=0)] = 0
) -> Response:
    number = parse_human_id(incident_id)
    page = load_alerts(services_of(request), number, after_id=after)
    return render(request, "_alerts.html", who, alerts=page, number=number)


def _acted(request: Request, form: Posted, number: int, notice: str = "") -> Response:
    """After an action: the refreshed panel for htmx, or back to the incident page."""
    if not is_htmx(request):
        return redirect(request, f"/incidents/{number}")
    view = load_incident(services_of(request), number)
    return render(request, "_incident_actions.html", form.viewer, view=view, oob_summary=True, notice=notice)


def _act(request: Request, incident_id: str, form: Posted, action: str) -> Response:
    services = services_of(request)
    number = parse_human_id(incident_id)
    actor = form.viewer.name
    incidents = services.incidents
    if action == "ack":
        incidents.acknowledge(number, actor=actor)
    elif action == "state":
        incidents.change_state(number, _state(form.text("state")), actor=actor, note=form.text("note"))
    elif action == "resolve":
        incidents.change_state(number, IncidentState.RESOLVED, actor=actor, note=form.text("note"))
    elif action == "severity":
        incidents.change_severity(number, form.text("severity"), actor=actor)
    elif action == "role":
        incidents.assign_role(number, _role(form.text("role")), form.text("person"), actor=actor)
    elif action == "note":
        incidents.add_note(number, form.text("text"), actor=actor)
    elif action == "customer-facing":
        services.statuspage.set_customer_facing(number, form.flag("customer_facing"), actor=actor)
    elif action == "checklist":
        incidents.add_note(number, _checklist_note(services, number, form.text("step")), actor=actor)
    elif action == "public-update":
        status = _public_status(form.text("status"))
        services.statuspage.post_update(number, status, form.text("body"), actor=actor)
    else:
        raise InvalidInput(f"unknown action {action!r}", code="unknown_action")
    return _acted(request, form, number)


ACTIONS = (
    "ack",
    "state",
    "resolve",
    "severity",
    "role",
    "note",
    "checklist",
    "customer-facing",
    "public-update",
)


def _route(action: str) -> None:
    def endpoint(request: Request, incident_id: str, form: Responding) -> Response:
        return _act(request, incident_id, form, action)

    endpoint.__name__ = f"incident_{action.replace('-', '_')}"
    router.post(f"/incidents/{{incident_id}}/{action}")(endpoint)


for _action in ACTIONS:
    _route(_action)


def _checklist_note(services: Services, number: int, step: str) -> str:
    checklist = load_incident(services, number).checklist
    if checklist is None or not step.isdigit() or int(step) >= len(checklist.steps):
        raise InvalidInput("no such checklist step; reload the page", code="bad_step")
    item = checklist.steps[int(step)]
    return step_note(checklist.scenario, item.index, item.step)


def _state(value: str) -> IncidentState:
    try:
        return IncidentState(value)
    except ValueError as exc:
        raise InvalidInput(f"{value!r} is not an incident state", code="invalid_state") from exc


def _role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError as exc:
        raise InvalidInput(
            f"{value!r} is not a role (commander, communications, scribe)", code="bad_role"
        ) from exc


def _public_status(value: str) -> PublicStatus:
    try:
        return PublicStatus(value)
    except ValueError as exc:
        raise InvalidInput(f"{value!r} is not a public status", code="bad_status") from exc
