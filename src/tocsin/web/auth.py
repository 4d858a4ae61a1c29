"""Who is calling, and may they? An API call carries a bearer token, or comes from a signed-in browser
(its session cookie, plus the session's CSRF token in ``X-CSRF-Token`` on anything that changes state),
or from the trusted local CLI."""

from __future__ import annotations

import hmac
from collections.abc import Callable

from fastapi import Request

from tocsin.errors import Forbidden, Unauthenticated
from tocsin.services.accounts import SignedIn
from tocsin.services.container import Services
from tocsin.services.tokens import ApiRole, Principal

__all__ = [
    "CSRF_HEADER",
    "SAFE_METHODS",
    "SESSION_COOKIE",
    "csrf_matches",
    "require",
    "services_of",
    "signed_in",
]

SESSION_COOKIE = "tocsin_session"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_UNKNOWN = object()


def services_of(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


def _principal(request: Request) -> Principal:
    local: Principal | None = request.app.state.local_principal
    if local is not None:
        return local
    header = request.headers.get("authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() == "bearer" and secret.strip():
        return services_of(request).tokens.authenticate(secret.strip())
    session = signed_in(request)
    if session is None:
        raise Unauthenticated(
            "this endpoint needs an API token (`Authorization: Bearer <token>`) or a signed-in browser"
        )
    if session.account.must_change_password:
        raise Forbidden("change your one-time password first, at /account", code="password_change_required")
    if request.method not in SAFE_METHODS and not csrf_matches(session, request.headers.get(CSRF_HEADER)):
        raise Forbidden(
            "the CSRF token is missing or wrong; reload the page and try again", code="csrf_failed"
        )
    return session.principal


def signed_in(request: Request) -> SignedIn | None:
    """The browser session of this request, if its cookie names a live one (looked up once per request)."""
    found: object = getattr(request.state, "signed_in", _UNKNOWN)
    if found is _UNKNOWN:
        secret = request.cookies.get(SESSION_COOKIE)
        found = services_of(request).accounts.session(secret) if secret else None
        request.state.signed_in = found
    assert found is None or isinstance(found, SignedIn)
    return found


def csrf_matches(session: SignedIn, supplied: str | None) -> bool:
    """Whether ``supplied`` is the session's CSRF token (compared in constant time)."""
    return bool(supplied) and hmac.compare_digest(session.session.csrf_token, supplied or "")


def require(role: ApiRole) -> Callable[[Request], Principal]:
    """A dependency that authenticates the caller and checks their role is at least ``role``."""

    def dependency(request: Request) -> Principal:
        principal = _principal(request)
        if not principal.role.allows(role):
            raise Forbidden(f"this action needs the {role} role; {principal.name} is {principal.role}")
        return principal

    return dependency
