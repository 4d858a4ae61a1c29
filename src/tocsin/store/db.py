"""Connections to the one database: SQLite (WAL, one writer) embedded by default, PostgreSQL in production.

Every use case runs in either :meth:`Database.write` or :meth:`Database.read`. On SQLite, writes from this
process queue on a lock and start with ``BEGIN IMMEDIATE``, so a writer never fails half-way through on a
lock it could not upgrade; readers see a consistent WAL snapshot and never wait for the writer.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from tocsin.errors import Unavailable

__all__ = ["Database", "after_commit"]

_WRITE = "tocsin_write"
_AFTER_COMMIT = "tocsin_after_commit"


def after_commit(conn: Connection, callback: Callable[[], None]) -> None:
    """Run ``callback`` once the write transaction on ``conn`` has committed (never if it rolls back).

    Use it for effects that must not be seen before the data is durable: waking live views or the worker.
    """
    conn.info.setdefault(_AFTER_COMMIT, []).append(callback)


class Database:
    """An engine plus the discipline for using it; one per process."""

    def __init__(self, url: str, *, pool_size: int = 10) -> None:
        self.url = url
        self.is_sqlite = make_url(url).get_backend_name() == "sqlite"
        self._write_lock = threading.Lock() if self.is_sqlite else None
        self.engine = self._sqlite_engine(url) if self.is_sqlite else self._server_engine(url, pool_size)

    @staticmethod
    def _server_engine(url: str, pool_size: int) -> Engine:
        return create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True)

    @staticmethod
    def _sqlite_engine(url: str) -> Engine:
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _configure(dbapi_connection: Any, _record: Any) -> None:
            # Take transaction control from the driver so BEGIN is ours to choose.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            # FULL: a commit is on disk before we answer 2xx, even across a power cut.
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _begin(conn: Connection) -> None:
            write = conn.get_execution_options().get(_WRITE, False)
            conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

        return engine

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A read-write transaction, committed when the block ends without an exception."""
        lock = self._write_lock
        if lock is not None:
            lock.acquire()
        callbacks: list[Callable[[], None]] = []
        try:
            with self.engine.connect().execution_options(**{_WRITE: True}) as conn:
                conn.info[_AFTER_COMMIT] = callbacks
                try:
                    with conn.begin():
                        yield conn
                finally:
                    conn.info.pop(_AFTER_COMMIT, None)
        except OperationalError as exc:
            if _is_lock_timeout(exc):
                raise Unavailable("the database is busy; retry shortly", code="store_busy") from exc
            raise
        finally:
            if lock is not None:
                lock.release()
        for callback in callbacks:
            callback()

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read-only snapshot."""
        with self.engine.connect() as conn, conn.begin():
            yield conn

    def ping(self) -> bool:
        try:
            with self.engine.connect() as conn:
                conn.exec_driver_sql("SELECT 1")
        except OperationalError:
            return False
        return True

    def dispose(self) -> None:
        self.engine.dispose()


def _is_lock_timeout(exc: OperationalError) -> bool:
    text = str(exc.orig).lower()
    return "database is locked" in text or "lock timeout" in text
