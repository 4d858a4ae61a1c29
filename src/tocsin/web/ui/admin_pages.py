"""Admin pages: accounts (create, role, disable, one-time passwords) and the status page (its name and
zone, components linked to incident services, scheduled maintenance). Admins only, every route."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from tocsin.errors import InvalidInput, TocsinError
from tocsin.services.statuspage import ComponentSpec, MaintenanceSpec
from tocsin.services.statuspage_model import ComponentStatus
from tocsin.services.tokens import ApiRole
from tocsin.web.auth import services_of
from tocsin.web.ui.deps import Posted, UiRoute, posted, redirect, viewer
from tocsin.web.ui.render import Viewer, render

__all__ = ["router"]

router = APIRouter(route_class=UiRoute, include_in_schema=False)
Admin = Annotated[Viewer, Depends(viewer(ApiRole.ADMIN))]
AdminPost = Annotated[Posted, Depends(posted(ApiRole.ADMIN))]
_ROLES = tuple(ApiRole)


def _role(value: str) -> ApiRole:
    try:
        return ApiRole(value)
    except ValueError as exc:
        raise InvalidInput(f"{value!r} is not a role", code="bad_role") from exc


@router.get("/admin")
def admin_home(request: Request, who: Admin) -> Response:
    return redirect(request, "/admin/accounts")


def _accounts_page(
    request: Request, who: Viewer, *, notice: str = "", error: str = "", code: int = 200
) -> Response:
    found = services_of(request).accounts.list()
    return render(request, "admin_accounts.html", who, status_code=code, accounts=found, roles=_ROLES,
                  notice=notice, error=error)  # fmt: skip


@router.get("/admin/accounts")
def accounts(request: Request, who: Admin) -> Response:
    return _accounts_page(request, who)


@router.post("/admin/accounts")
def create_account(request: Request, form: AdminPost) -> Response:
    service = services_of(request).accounts
    try:
        account, password = service.create(
            form.text("username"), _role(form.text("role")), display_name=form.text("display_name")
        )
    except TocsinError as exc:
        return _accounts_page(request, form.viewer, error=exc.message, code=exc.status)
    notice = f"Created {account.username} ({account.role}). One-time password, shown only now: {password}"
    return _accounts_page(request, form.viewer, notice=notice)


@router.post("/admin/accounts/{username}")
def change_account(request: Request, username: str, form: AdminPost) -> Response:
    service = services_of(request).accounts
    action = form.text("action")
    try:
        if action == "role":
            service.update(username, role=_role(form.text("role")))
            notice = f"{username} is now {form.text('role')}."
        elif action in ("disable", "enable"):
            service.update(username, active=action == "enable")
            notice = f"{username} is {action}d."
        elif action == "reset":
            notice = (
                f"New one-time password for {username}, shown only now: {service.reset_password(username)}"
            )
        else:
            raise InvalidInput(f"unknown action {action!r}", code="unknown_action")
    except TocsinError as exc:
        return _accounts_page(request, form.viewer, error=exc.message, code=exc.status)
    return _accounts_page(request, form.viewer, notice=notice)


def _status_page(
    request: Request, who: Viewer, *, notice: str = "", error: str = "", code: int = 200
) -> Response:
    status = services_of(request).statuspage
    return render(
        request,
        "admin_status.html",
        who,
        status_code=code,
        page=status.page(),
        components=status.components(),
        maintenances=status.maintenances(),
        statuses=tuple(ComponentStatus),
        notice=notice,
        error=error,
    )


@router.get("/admin/status")
def status_admin(request: Request, who: Admin) -> Response:
    return _status_page(request, who)


def _component_spec(form: Posted) -> ComponentSpec:
    override = form.text("status_override")
    return ComponentSpec(
        name=form.text("name"),
        description=form.text("description") or None,
        services=[s.strip() for s in form.text("services").split(",") if s.strip()],
        position=int(form.text("position")) if form.text("position").isdigit() else None,
        status_override=ComponentStatus(override) if override in set(ComponentStatus) else None,
        showcase=form.flag("showcase"),
        only_show_if_degraded=form.flag("only_show_if_degraded"),
    )


def _when(form: Posted, name: str) -> datetime:
    """A ``datetime-local`` field, read in the admin's time zone."""
    try:
        return datetime.fromisoformat(form.text(name)).replace(tzinfo=form.viewer.zone)
    except ValueError as exc:
        raise InvalidInput(f"{name.replace('_', ' ')} is not a date and time", code="bad_time") from exc


@router.post("/admin/status/{what}")
def change_status(request: Request, what: str, form: AdminPost) -> Response:
    status = services_of(request).statuspage
    try:
        if what == "page":
            status.update_page(name=form.text("name"), time_zone=form.text("time_zone"))
            notice = "Saved the page settings."
        elif what == "component":
            ident = form.text("id")
            spec = _component_spec(form)
            saved = (
                status.update_component(int(ident), spec)
                if ident.isdigit()
                else status.create_component(spec)
            )
            notice = f"Saved component {saved.name}."
        elif what == "delete-component":
            status.delete_component(int(form.text("id") or 0))
            notice = "Removed the component."
        elif what == "maintenance":
            components = [int(i) for i in form.texts("components") if i.isdigit()]
            window = MaintenanceSpec(form.text("name"), _when(form, "scheduled_for"), _when(form, "scheduled_until"),
                                     form.text("body"), components)  # fmt: skip
            status.schedule_maintenance(window, actor=form.viewer.name)
            notice = "Scheduled the maintenance."
        elif what == "cancel-maintenance":
            status.cancel_maintenance(int(form.text("id") or 0))
            notice = "Cancelled the maintenance."
        else:
            raise InvalidInput(f"unknown change {what!r}", code="unknown_action")
    except TocsinError as exc:
        return _status_page(request, form.viewer, error=exc.message, code=exc.status)
    return _status_page(request, form.viewer, notice=notice)
