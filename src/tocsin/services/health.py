"""Readiness: can we reach the database, and is its schema the one this code expects?"""

from __future__ import annotations

from dataclasses import dataclass

from tocsin.store import migrate
from tocsin.store.db import Database

__all__ = ["Readiness", "readiness"]


@dataclass(frozen=True)
class Readiness:
    database: bool
    migrations_current: bool
    revision: str | None
    expected_revision: str | None

    @property
    def ready(self) -> bool:
        return self.database and self.migrations_current


def readiness(db: Database) -> Readiness:
    expected = migrate.head_revision()
    if not db.ping():
        return Readiness(False, False, None, expected)
    current = migrate.current_revision(db)
    return Readiness(True, current == expected, current, expected)
