"""Schema migrations (Alembic), run by ``tocsin db upgrade`` and checked by ``/health/ready``."""

from __future__ import annotations

import functools
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from tocsin.store.db import Database

__all__ = ["current_revision", "head_revision", "is_current", "upgrade"]

# Features add their tables as migrations branching from the core revision; "heads" applies them all.

_SCRIPTS = Path(__file__).parent / "migrations"


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(_SCRIPTS))
    return config


def upgrade(db: Database, revision: str = "heads") -> None:
    """Bring the schema up to ``revision`` (all of it by default)."""
    with db.write() as conn:
        config = _config()
        config.attributes["connection"] = conn
        command.upgrade(config, revision)


@functools.cache
def head_revision() -> str | None:
    """The revision(s) this code expects, comma-separated when several features branch (read once: the
    scripts ship with the code, and readiness probes ask often)."""
    heads = sorted(ScriptDirectory.from_config(_config()).get_heads())
    return ",".join(heads) or None


def current_revision(db: Database) -> str | None:
    """The revision(s) the database is at, in the same form as :func:`head_revision`."""
    with db.read() as conn:
        heads = sorted(MigrationContext.configure(conn).get_current_heads())
    return ",".join(heads) or None


def is_current(db: Database) -> bool:
    return current_revision(db) == head_revision()
