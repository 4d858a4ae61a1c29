"""Who is looking at a UI page, may they, and is their form genuine (its CSRF token)?

UI routes use :class:`UiRoute`, so an error becomes a page (or, for htmx, a message in the page's flash
area) instead of problem JSON, and a visitor who is not signed in is sent to the sign-in page.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from fastapi import Depends, Request, Response
from fastapi.responses import RedirectResponse
from fastapi.routing import APIRoute
from starlette.datastructures import FormData

from tocsin.errors import Forbidden, TocsinError
from tocsin.services.tokens import ApiRole
from tocsin.web.auth import CSRF_HEADER, csrf_matches, signed_in
from tocsin.web.ui.render import SECURITY_HEADERS, Viewer, render

__all__ = ["Posted", "UiRoute", "is_htmx", "posted", "redirect", "viewer"]

_PASSWORD_PAGES = frozenset({"/account", "/account/password", "/logout"})


class LoginRequired(Exception):
    """No live session: send the visitor to the sign-in page and back here afterwards."""


class PasswordChangeRequired(Exception):
    """The account still has its one-time password."""


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def redirect(request: Request, url: str) -> Response:
    """A redirect that works for a plain form post (303) and for an htmx request (``HX-Redirect``)."""
    if is_htmx(request):
        return Response(status_code=200, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


def viewer(role: ApiRole) -> Callable[[Request], Viewer]:
    """A dependency: the signed-in viewer, whose role must be at least ``role``."""

    def dependency(request: Request) -> Viewer:
        session = signed_in(request)
        if session is None:
            raise LoginRequired
        if session.account.must_change_password and request.url.path not in _PASSWORD_PAGES:
            raise PasswordChangeRequired
        found = Viewer.of(request, session)
        if not found.role.allows(role):
            raise Forbidden(f"this needs the {role} role; you are {found.role}", code="forbidden")
        return found

    return dependency


@dataclass(frozen=True)
class Posted:
    """A form posted by a signed-in viewer, its CSRF token checked."""

    viewer: Viewer
    form: FormData

    def text(self, name: str, default: str = "") -> str:
        value = self.form.get(name, default)
        return value if isinstance(value, str) else default

    def texts(self, name: str) -> list[str]:
        return [value for value in self.form.getlist(name) if isinstance(value, str)]

    def flag(self, name: str) -> bool:
        return self.text(name) in ("on", "true", "1", "yes")


def posted(role: ApiRole) -> Callable[..., Coroutine[Any, Any, Posted]]:
    """A dependency for form posts: the viewer (role at least ``role``) and the form, CSRF-checked.

    The token comes in the form's ``csrf_token`` field or, from htmx, in the ``X-CSRF-Token`` header.
    """

    async def dependency(request: Request, who: Viewer = Depends(viewer(role))) -> Posted:
        form = await request.form()
        supplied = request.headers.get(CSRF_HEADER) or form.get("csrf_token")
        if not isinstance(supplied, str) or not csrf_matches(who.signed_in, supplied):
            raise Forbidden("the form has expired; reload the page and try again", code="csrf_failed")
        return Posted(who, form)

    return dependency


def _login_redirect(request: Request) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return redirect(request, f"/login?next={quote(target, safe='')}")


def _error_page(request: Request, exc: TocsinError) -> Response:
    if is_htmx(request):
        headers = SECURITY_HEADERS | {"HX-Retarget": "#flash", "HX-Reswap": "innerHTML"}
        response = render(request, "_flash.html", None, status_code=exc.status, error=exc.message)
        response.headers.update(headers)
        return response
    return render(request, "error.html", None, status_code=exc.status, error=exc.message, status=exc.status)


class UiRoute(APIRoute):
    """An API route that answers errors and missing sign-ins the way a browser user needs."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        original = super().get_route_handler()

        async def handler(request: Request) -> Response:
            try:
                return await original(request)
            except LoginRequired:
                return _login_redirect(request)
            except PasswordChangeRequired:
                return redirect(request, "/account")
            except TocsinError as exc:
                return _error_page(request, exc)

        return handler
