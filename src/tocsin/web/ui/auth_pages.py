"""Signing in and out, and the viewer's own account (password, time zone).

The sign-in form carries its own CSRF token (a cookie and a hidden field that must match), since there
is no session yet to hold one. Sessions live in an HttpOnly, SameSite=Lax cookie, marked Secure when the
app is reached over https.
"""

from __future__ import annotations

import hmac
import secrets
import zoneinfo
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.concurrency import run_in_threadpool

from tocsin.errors import InvalidInput, TooManyAttempts, Unauthenticated
from tocsin.services.tokens import ApiRole
from tocsin.web.auth import SESSION_COOKIE, services_of, signed_in
from tocsin.web.ui.deps import Posted, UiRoute, posted, redirect, viewer
from tocsin.web.ui.render import Viewer, render

__all__ = ["router"]

router = APIRouter(route_class=UiRoute, include_in_schema=False)

LOGIN_CSRF_COOKIE = "tocsin_login_csrf"
_ZONES = sorted(zoneinfo.available_timezones())


def _safe_next(target: str) -> str:
    """Only a path on this site: never ``//evil.example`` or ``https://...`` (an open redirect)."""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/incidents"


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def _login_page(
    request: Request, *, next_url: str, username: str = "", error: str = "", status_code: int = 200
) -> Response:
    token = secrets.token_urlsafe(24)
    response = render(
        request,
        "login.html",
        None,
        status_code=status_code,
        login_csrf=token,
        next_url=next_url,
        username=username,
        error=error,
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", secure=_secure(request), path="/login"
    )
    return response


@router.get("/login")
def login_form(request: Request, next: str = "/incidents") -> Response:
    if signed_in(request) is not None:
        return redirect(request, _safe_next(next))
    return _login_page(request, next_url=_safe_next(next))


@router.post("/login")
async def login(
    request: Request,
    username: Annotated[str, Form(max_length=100)],
    password: Annotated[str, Form(max_length=1024)],
    csrf_token: Annotated[str, Form(max_length=100)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/incidents",
) -> Response:
    next_url = _safe_next(next)
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not hmac.compare_digest(expected, csrf_token):
        error = "The sign-in form expired. Please try again."
        return _login_page(request, next_url=next_url, username=username, error=error, status_code=400)
    client = request.client.host if request.client else "unknown"
    accounts = services_of(request).accounts
    user_agent = request.headers.get("user-agent", "")
    try:
        started = await run_in_threadpool(
            accounts.sign_in, username, password, client=client, user_agent=user_agent
        )
    except TooManyAttempts as exc:
        response = _login_page(
            request, next_url=next_url, username=username, error=exc.message, status_code=429
        )
        response.headers["Retry-After"] = str(exc.details.get("retry_after_s", 900))
        return response
    except Unauthenticated as exc:
        return _login_page(request, next_url=next_url, username=username, error=exc.message, status_code=401)
    must_change = started.signed_in.account.must_change_password
    response = redirect(request, "/account" if must_change else next_url)
    response.set_cookie(
        SESSION_COOKIE,
        started.secret,
        max_age=int(accounts.policy.session_absolute.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=_secure(request),
        path="/",
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout")
def logout(request: Request, _: Annotated[Posted, Depends(posted(ApiRole.VIEWER))]) -> Response:
    secret = request.cookies.get(SESSION_COOKIE)
    if secret:
        services_of(request).accounts.sign_out(secret)
    response = redirect(request, "/login")
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=_secure(request))
    return response


@router.get("/account")
def account(request: Request, who: Annotated[Viewer, Depends(viewer(ApiRole.VIEWER))]) -> Response:
    return render(request, "account.html", who, zones=_ZONES, error="", notice="")


@router.post("/account/password")
def change_password(request: Request, form: Annotated[Posted, Depends(posted(ApiRole.VIEWER))]) -> Response:
    accounts = services_of(request).accounts
    try:
        accounts.change_password(form.viewer.signed_in, form.text("current"), form.text("password"))
    except InvalidInput as exc:
        return render(
            request, "account.html", form.viewer, status_code=400, zones=_ZONES, error=exc.message, notice=""
        )
    refreshed = accounts.session(request.cookies.get(SESSION_COOKIE, ""))
    who = Viewer.of(request, refreshed) if refreshed else form.viewer
    return render(request, "account.html", who, zones=_ZONES, error="", notice="Your password is changed.")


@router.post("/account/time-zone")
def set_time_zone(request: Request, form: Annotated[Posted, Depends(posted(ApiRole.VIEWER))]) -> Response:
    services_of(request).accounts.set_time_zone(
        form.viewer.signed_in.account.id, form.text("time_zone").strip() or None
    )
    return redirect(request, "/account")
