"""Reading and replacing the active severity scheme."""

from __future__ import annotations

from tocsin.domain.severity import SeverityLevel, SeverityScheme
from tocsin.errors import InvalidInput
from tocsin.store import severities
from tocsin.store.db import Database

__all__ = ["SeverityService", "resolve_severity"]


def resolve_severity(scheme: SeverityScheme, name: str) -> SeverityLevel:
    """The level called ``name`` (or an alias of it); a clear error naming the choices otherwise."""
    level = scheme.resolve(name)
    if level is None:
        raise InvalidInput(
            f"unknown severity {name!r}; use one of {', '.join(scheme.names())} (or an alias)",
            code="unknown_severity",
        )
    return level


class SeverityService:
    def __init__(self, db: Database) -> None:
        self.db = db

    def scheme(self) -> SeverityScheme:
        with self.db.read() as conn:
            return severities.load_scheme(conn)

    def replace(self, scheme: SeverityScheme) -> None:
        with self.db.write() as conn:
            severities.replace_scheme(conn, scheme)

    def resolve(self, name: str) -> SeverityLevel:
        return resolve_severity(self.scheme(), name)
