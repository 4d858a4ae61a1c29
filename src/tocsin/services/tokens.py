"""API tokens: created once (the secret is shown only then), hashed at rest, revocable."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy.exc import IntegrityError

from tocsin.clock import Clock
from tocsin.domain.incident import check_text
from tocsin.errors import Conflict, NotFound, Unauthenticated
from tocsin.store import tokens
from tocsin.store.db import Database
from tocsin.store.tokens import StoredToken

__all__ = ["ApiRole", "Principal", "TokenService"]

_PREFIX = "tocsin_"


class ApiRole(StrEnum):
    VIEWER = "viewer"
    RESPONDER = "responder"
    ADMIN = "admin"

    def allows(self, needed: ApiRole) -> bool:
        order = [ApiRole.VIEWER, ApiRole.RESPONDER, ApiRole.ADMIN]
        return order.index(self) >= order.index(needed)


@dataclass(frozen=True)
class Principal:
    """Who is calling: a token, a signed-in user or the local CLI."""

    name: str
    role: ApiRole


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class TokenService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    def create(self, name: str, role: ApiRole) -> tuple[StoredToken, str]:
        """Create a token; returns it and its secret, which is never shown again."""
        name = check_text("token name", name, 100, required=True)
        secret = _PREFIX + secrets.token_urlsafe(32)
        try:
            with self.db.write() as conn:
                now = self.clock.now()
                tokens.insert_token(
                    conn, name=name, role=role.value, token_hash=_hash(secret), prefix=secret[:12], at=now
                )
                stored = next(t for t in tokens.list_tokens(conn) if t.name == name)
        except IntegrityError as exc:
            raise Conflict(f"a token named {name!r} exists; pick another name", code="token_exists") from exc
        return stored, secret

    def authenticate(self, secret: str) -> Principal:
        with self.db.read() as conn:
            found = tokens.find_by_hash(conn, _hash(secret))
        if found is None or found.revoked_at is not None:
            raise Unauthenticated("the API token is not valid; create one with `tocsin token create`")
        return Principal(name=f"token:{found.name}", role=ApiRole(found.role))

    def list(self) -> list[StoredToken]:
        with self.db.read() as conn:
            return tokens.list_tokens(conn)

    def revoke(self, name: str) -> None:
        with self.db.write() as conn:
            if not tokens.revoke(conn, name, self.clock.now()):
                raise NotFound(f"no active token named {name!r}", code="token_not_found")
