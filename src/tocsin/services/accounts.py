"""Accounts for the web UI: who may sign in, with which role, and their browser sessions.

Passwords are kept as argon2id hashes. Sign-in attempts are rate-limited per username and client, and per
client alone, in the database, so the limit holds across every ``tocsin serve`` process. A session is a
random secret in an HttpOnly cookie; the server keeps its hash, a CSRF token, and an idle and an
absolute expiry.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from tocsin.clock import Clock
from tocsin.domain.incident import check_text
from tocsin.errors import Conflict, InvalidInput, NotFound, TooManyAttempts, Unauthenticated
from tocsin.services.tokens import ApiRole, Principal
from tocsin.store import sessions, users_auth
from tocsin.store.db import Database
from tocsin.store.sessions import StoredSession
from tocsin.store.users_auth import StoredAccount

__all__ = ["AccountService", "LoginPolicy", "NewSession", "SignedIn", "check_time_zone"]

FIRST_ADMIN = "admin"
_USERNAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789._-@")
_MIN_PASSWORD, _MAX_PASSWORD = 10, 1024


@dataclass(frozen=True)
class LoginPolicy:
    """How many failed sign-ins are allowed in ``window``, and how long sessions live."""

    failures_per_username: int = 5
    failures_per_client: int = 50
    window: timedelta = timedelta(minutes=15)
    session_idle: timedelta = timedelta(hours=12)
    session_absolute: timedelta = timedelta(days=7)
    touch_every: timedelta = timedelta(minutes=1)


@dataclass(frozen=True)
class SignedIn:
    """A live session and its account."""

    account: StoredAccount
    session: StoredSession

    @property
    def principal(self) -> Principal:
        return Principal(name=self.account.username, role=ApiRole(self.account.role))


@dataclass(frozen=True)
class NewSession:
    """A session just started; ``secret`` goes into the cookie and is never stored."""

    secret: str
    signed_in: SignedIn


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _check_username(username: str) -> str:
    name = check_text("username", username, 100, required=True).lower()
    if not set(name) <= _USERNAME_CHARS:
        raise InvalidInput(
            "a username uses letters, digits and . _ - @ only", code="invalid_username", field="username"
        )
    return name


def _check_password(password: str, username: str) -> str:
    if not _MIN_PASSWORD <= len(password) <= _MAX_PASSWORD:
        raise InvalidInput(
            f"a password needs {_MIN_PASSWORD} to {_MAX_PASSWORD} characters",
            code="weak_password",
            field="password",
        )
    if password.lower() == username.lower():
        raise InvalidInput("the password must not be the username", code="weak_password", field="password")
    return password


def check_time_zone(name: str) -> str:
    """``name`` if it is an IANA time zone (``Europe/Berlin``); a clear error otherwise."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidInput(
            f"{name!r} is not a time zone; use a name like Europe/Berlin", code="bad_zone"
        ) from exc
    return name


class AccountService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        *,
        hasher: PasswordHasher | None = None,
        policy: LoginPolicy | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.hasher = hasher or PasswordHasher()
        self.policy = policy or LoginPolicy()
        self._dummy_hash: str | None = None

    # -- accounts --------------------------------------------------------------------------------------

    def create(
        self, username: str, role: ApiRole, *, password: str | None = None, display_name: str = ""
    ) -> tuple[StoredAccount, str | None]:
        """Create an account. Without ``password`` a one-time password is generated and returned; it
        must be changed at the first sign-in."""
        name = _check_username(username)
        one_time = password is None
        secret = secrets.token_urlsafe(12) if password is None else _check_password(password, name)
        now = self.clock.now()
        values = {
            "username": name,
            "display_name": check_text("display name", display_name, 100) or name,
            "role": role.value,
            "password_hash": self.hasher.hash(secret),
            "must_change_password": one_time,
            "created_at": now,
            "updated_at": now,
        }
        try:
            with self.db.write() as conn:
                if users_auth.by_username(conn, name) is not None:
                    raise Conflict(f"an account named {name!r} exists", code="account_exists")
                created = users_auth.by_id(conn, users_auth.insert_account(conn, **values))
        except IntegrityError as exc:
            raise Conflict(f"an account named {name!r} exists", code="account_exists") from exc
        assert created is not None
        return created, secret if one_time else None

    def ensure_first_admin(self) -> tuple[StoredAccount, str] | None:
        """On first run (no admin account yet) create ``admin`` with a one-time password; return both.

        So there is always a way in: ``tocsin serve`` calls this and prints the password once.
        """
        with self.db.read() as conn:
            if any(a.role == ApiRole.ADMIN for a in users_auth.list_accounts(conn)):
                return None
        try:
            account, secret = self.create(FIRST_ADMIN, ApiRole.ADMIN, display_name="Administrator")
        except Conflict:
            return None  # another process created it first
        assert secret is not None
        return account, secret

    def list(self) -> list[StoredAccount]:
        with self.db.read() as conn:
            return users_auth.list_accounts(conn)

    def get(self, username: str) -> StoredAccount:
        with self.db.read() as conn:
            return self._get(conn, username)

    @staticmethod
    def _get(conn: Connection, username: str) -> StoredAccount:
        found = users_auth.by_username(conn, username.strip())
        if found is None:
            raise NotFound(f"no account named {username!r}", code="account_not_found")
        return found

    def update(
        self, username: str, *, role: ApiRole | None = None, active: bool | None = None
    ) -> StoredAccount:
        """Change an account's role or disable/enable it; the last active admin cannot be demoted."""
        with self.db.write() as conn:
            account = self._get(conn, username)
            values: dict[str, object] = {"updated_at": self.clock.now()}
            if role is not None:
                values["role"] = role.value
            if active is not None:
                values["disabled_at"] = None if active else self.clock.now()
            losing_admin = (
                account.role == ApiRole.ADMIN
                and account.active
                and ((role is not None and role != ApiRole.ADMIN) or active is False)
            )
            if losing_admin and self._active_admins(conn) <= 1:
                raise Conflict("this is the last active admin; make another admin first", code="last_admin")
            users_auth.update_account(conn, account.id, **values)
            if active is False:
                sessions.delete_for_account(conn, account.id)
            return self._get(conn, username)

    @staticmethod
    def _active_admins(conn: Connection) -> int:
        return sum(1 for a in users_auth.list_accounts(conn) if a.role == ApiRole.ADMIN and a.active)

    def reset_password(self, username: str) -> str:
        """Give the account a new one-time password (returned) and end its sessions."""
        secret = secrets.token_urlsafe(12)
        digest = self.hasher.hash(secret)
        with self.db.write() as conn:
            account = self._get(conn, username)
            users_auth.update_account(
                conn, account.id, password_hash=digest, must_change_password=True, updated_at=self.clock.now()
            )
            sessions.delete_for_account(conn, account.id)
        return secret

    def change_password(self, signed_in: SignedIn, current: str, new: str) -> StoredAccount:
        """Change the signed-in account's password; other sessions of the account end."""
        account = signed_in.account
        with self.db.read() as conn:
            stored = users_auth.password_hash(conn, account.id)
        if not self._verify(stored, current):
            raise InvalidInput("the current password is not right", code="wrong_password", field="current")
        if new == current:
            raise InvalidInput("choose a new password", code="weak_password", field="password")
        digest = self.hasher.hash(_check_password(new, account.username))
        with self.db.write() as conn:
            users_auth.update_account(
                conn,
                account.id,
                password_hash=digest,
                must_change_password=False,
                updated_at=self.clock.now(),
            )
            sessions.delete_for_account(conn, account.id, keep=signed_in.session.id)
            changed = users_auth.by_id(conn, account.id)
        assert changed is not None
        return changed

    def set_time_zone(self, account_id: int, time_zone: str | None) -> None:
        """Show this account's times in ``time_zone`` (``None``: the browser's zone)."""
        zone = check_time_zone(time_zone) if time_zone else None
        with self.db.write() as conn:
            users_auth.update_account(conn, account_id, time_zone=zone, updated_at=self.clock.now())

    # -- signing in ------------------------------------------------------------------------------------

    def sign_in(self, username: str, password: str, *, client: str, user_agent: str = "") -> NewSession:
        """Check the password and start a session; refuses (429) after too many failures."""
        name = username.strip().lower()[:100]
        now = self.clock.now()
        self._check_rate(name, client, now)
        with self.db.read() as conn:
            account = users_auth.by_username(conn, name) if name else None
            stored = users_auth.password_hash(conn, account.id) if account else None
        valid = self._verify(stored, password) and account is not None and account.active
        if not valid or account is None:
            with self.db.write() as conn:  # committed: the failure must count even though we refuse
                users_auth.record_attempt(conn, username=name, client=client, at=now, succeeded=False)
                users_auth.prune_attempts(conn, now - 4 * self.policy.window)
            raise Unauthenticated("the username or password is not right", code="bad_credentials")
        with self.db.write() as conn:
            users_auth.record_attempt(conn, username=name, client=client, at=now, succeeded=True)
            users_auth.prune_attempts(conn, now - 4 * self.policy.window)
            if stored is not None and self.hasher.check_needs_rehash(stored):
                users_auth.update_account(conn, account.id, password_hash=self.hasher.hash(password))
            users_auth.update_account(conn, account.id, last_login_at=now)
            sessions.prune_expired(conn, now)
            return self._start_session(conn, account.id, now, user_agent)

    def _check_rate(self, name: str, client: str, now: datetime) -> None:
        with self.db.read() as conn:
            counts = users_auth.failures_since(
                conn, username=name, client=client, since=now - self.policy.window
            )
        if (
            counts.for_username >= self.policy.failures_per_username
            or counts.for_client >= self.policy.failures_per_client
        ):
            minutes = int(self.policy.window.total_seconds() // 60)
            raise TooManyAttempts(
                f"too many failed sign-ins; wait {minutes} minutes and try again",
                retry_after_s=int(self.policy.window.total_seconds()),
            )

    def _verify(self, stored: str | None, password: str) -> bool:
        if stored is None:
            # Spend the same time on unknown usernames, so timing does not tell which exist.
            self._dummy_hash = self._dummy_hash or self.hasher.hash(secrets.token_hex(16))
            stored = self._dummy_hash
        try:
            return self.hasher.verify(stored, password[:_MAX_PASSWORD])
        except (VerificationError, InvalidHashError):
            return False

    def _start_session(self, conn: Connection, account_id: int, now: datetime, user_agent: str) -> NewSession:
        secret = secrets.token_urlsafe(32)
        session_id = sessions.insert_session(
            conn,
            token_hash=_digest(secret),
            account_id=account_id,
            csrf_token=secrets.token_urlsafe(32),
            at=now,
            expires_at=now + self.policy.session_idle,
            user_agent=user_agent,
        )
        session = sessions.find_by_hash(conn, _digest(secret))
        account = users_auth.by_id(conn, account_id)
        assert session is not None
        assert session.id == session_id
        assert account is not None
        return NewSession(secret=secret, signed_in=SignedIn(account=account, session=session))

    def session(self, secret: str) -> SignedIn | None:
        """The live session for a cookie's secret, or ``None`` (unknown, expired or account disabled)."""
        now = self.clock.now()
        with self.db.read() as conn:
            session = sessions.find_by_hash(conn, _digest(secret))
            account = users_auth.by_id(conn, session.account_id) if session else None
        if session is None or account is None or not account.active or session.expires_at <= now:
            return None
        if now - session.last_seen_at >= self.policy.touch_every:
            expires = min(now + self.policy.session_idle, session.created_at + self.policy.session_absolute)
            with self.db.write() as conn:
                sessions.touch(conn, session.id, at=now, expires_at=expires)
        return SignedIn(account=account, session=session)

    def sign_out(self, secret: str) -> None:
        with self.db.write() as conn:
            sessions.delete_by_hash(conn, _digest(secret))
