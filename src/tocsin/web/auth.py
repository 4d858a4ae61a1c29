"""Who is calling, and may they? Every API call needs a bearer token (or is the trusted local CLI)."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request

from tocsin.errors import Forbidden, Unauthenticated
from tocsin.services.container import Services
from tocsin.services.tokens import ApiRole, Principal

__all__ = ["require", "services_of"]


def services_of(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


def _principal(request: Request) -> Principal:
    local: Principal | None = request.app.state.local_principal
    if local is not None:
        return local
    header = request.headers.get("authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise Unauthenticated("this endpoint needs an API token: send `Authorization: Bearer <token>`")
    return services_of(request).tokens.authenticate(secret.strip())


def require(role: ApiRole) -> Callable[[Request], Principal]:
    """A dependency that authenticates the caller and checks their role is at least ``role``."""

    def dependency(request: Request) -> Principal:
        principal = _principal(request)
        if not principal.role.allows(role):
            raise Forbidden(f"this action needs the {role} role; {principal.name} is {principal.role}")
        return principal

    return dependency
