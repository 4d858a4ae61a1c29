"""Users, their notification rules, and teams.

Who is paged (escalation policies, schedules, teams) is kept apart from how a paged person is reached:
each user's own notification rules ("Slack at once, e-mail at once, the webhook after 2 minutes"). A
rule names a configured channel (``tocsin channel add``); a user without rules is e-mailed at once.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from tocsin.clock import Clock
from tocsin.domain.escalation import ScheduleTarget, TeamTarget, UserTarget
from tocsin.domain.incident import check_text
from tocsin.domain.notification_rules import NotificationRule
from tocsin.domain.schedule_window import zone
from tocsin.errors import Conflict, InvalidInput, NotFound
from tocsin.services.paging_common import check_slug
from tocsin.store import people, policies, schedules
from tocsin.store.db import Database
from tocsin.store.people import Team, User
from tocsin.store.schedules import FeedSubject

__all__ = ["PeopleService", "references_to"]

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_SLACK_USER = re.compile(r"[UW][A-Z0-9]{2,40}")
_PHONE = re.compile(r"\+?[0-9 ()\-.]{3,40}")
MAX_RULES = 10


def _check_user(user: User) -> User:
    check_slug("user", user.id)
    name = check_text("name", user.name, 200, required=True)
    email = (user.email or "").strip() or None
    if email is not None and (len(email) > 320 or not _EMAIL.fullmatch(email)):
        raise InvalidInput(f"{email!r} is not an e-mail address", code="invalid_email", field="email")
    slack = (user.slack_user_id or "").strip() or None
    if slack is not None and not _SLACK_USER.fullmatch(slack):
        raise InvalidInput(
            f"{slack!r} is not a Slack user id (it looks like U024BE7LH; find it in the user's Slack "
            "profile under 'Copy member ID')",
            code="invalid_slack_user_id",
            field="slack_user_id",
        )
    phone = (user.phone or "").strip() or None
    if phone is not None and not _PHONE.fullmatch(phone):
        raise InvalidInput(f"{phone!r} is not a phone number", code="invalid_phone", field="phone")
    zone(user.time_zone)
    if len(user.rules) > MAX_RULES:
        raise InvalidInput(f"at most {MAX_RULES} notification rules per user", code="too_many")
    for rule in user.rules:
        check_slug("channel", rule.channel_kind)
    return replace(user, name=name, email=email, slack_user_id=slack, phone=phone)


def references_to(conn: Connection, kind: str, ident: str) -> list[str]:
    """Where a user, team or schedule is used ("policy default level 2", "schedule primary"), so that
    deleting it does not silently leave a level that pages nobody."""
    wanted = {"user": UserTarget(ident), "team": TeamTarget(ident), "schedule": ScheduleTarget(ident)}[kind]
    found = [
        f"policy {stored.policy.id} level {index + 1}"
        for stored in policies.list_policies(conn)
        for index, level in enumerate(stored.policy.levels)
        if wanted in level.targets
    ]
    if kind == "user":
        for stored_schedule in schedules.list_schedules(conn):
            layers = stored_schedule.schedule.layers
            if any(ident in layer.rotation.participants for layer in layers):
                found.append(f"schedule {stored_schedule.schedule.id}")
    return found


class PeopleService:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    # -- users -----------------------------------------------------------------------------------------

    def create_user(self, user: User) -> User:
        """Add a user; the id is what policies, schedules and teams refer to."""
        user = _check_user(user)
        try:
            with self.db.write() as conn:
                people.insert_user(conn, user, self.clock.now())
                return self._user(conn, user.id)
        except IntegrityError as exc:
            raise Conflict(f"a user with id {user.id!r} exists", code="user_exists") from exc

    def update_user(self, user: User) -> User:
        """Replace a user's details and rules (the id stays)."""
        user = _check_user(user)
        with self.db.write() as conn:
            if not people.update_user(conn, user, self.clock.now()):
                raise _no_user(user.id)
            return self._user(conn, user.id)

    def set_rules(self, user_id: str, rules: Sequence[NotificationRule]) -> User:
        """Replace how ``user_id`` is reached once paged, in order."""
        with self.db.write() as conn:
            user = _check_user(replace(self._user(conn, user_id), rules=tuple(rules)))
            people.update_user(conn, user, self.clock.now())
            return self._user(conn, user_id)

    def get_user(self, user_id: str) -> User:
        with self.db.read() as conn:
            return self._user(conn, user_id)

    def list_users(self) -> list[User]:
        with self.db.read() as conn:
            return people.list_users(conn)

    def delete_user(self, user_id: str) -> None:
        """Remove a user; refused while a policy or a rotation still names them."""
        with self.db.write() as conn:
            used = references_to(conn, "user", user_id)
            if used:
                raise Conflict(
                    f"user {user_id!r} is still used by {', '.join(used)}; change those first",
                    code="user_in_use",
                )
            if not people.delete_user(conn, user_id):
                raise _no_user(user_id)
            schedules.delete_feed(conn, FeedSubject("user", user_id))

    @staticmethod
    def _user(conn: Connection, user_id: str) -> User:
        user = people.get_user(conn, user_id)
        if user is None:
            raise _no_user(user_id)
        return user

    # -- teams -----------------------------------------------------------------------------------------

    def create_team(self, team_id: str, name: str, members: Sequence[str] = ()) -> Team:
        """Add a team; paging it pages every member."""
        check_slug("team", team_id)
        name = check_text("team name", name, 200, required=True)
        try:
            with self.db.write() as conn:
                people.insert_team(conn, team_id, name, self.clock.now())
                people.set_members(conn, team_id, self._members(conn, members))
                return self._team(conn, team_id)
        except IntegrityError as exc:
            raise Conflict(f"a team with id {team_id!r} exists", code="team_exists") from exc

    def update_team(
        self, team_id: str, *, name: str | None = None, members: Sequence[str] | None = None
    ) -> Team:
        """Rename a team and/or replace its members."""
        with self.db.write() as conn:
            self._team(conn, team_id)
            if name is not None:
                people.rename_team(conn, team_id, check_text("team name", name, 200, required=True))
            if members is not None:
                people.set_members(conn, team_id, self._members(conn, members))
            return self._team(conn, team_id)

    def get_team(self, team_id: str) -> Team:
        with self.db.read() as conn:
            return self._team(conn, team_id)

    def list_teams(self) -> list[Team]:
        with self.db.read() as conn:
            return people.list_teams(conn)

    def delete_team(self, team_id: str) -> None:
        """Remove a team; refused while a policy still pages it."""
        with self.db.write() as conn:
            used = references_to(conn, "team", team_id)
            if used:
                raise Conflict(
                    f"team {team_id!r} is still paged by {', '.join(used)}; change those first",
                    code="team_in_use",
                )
            if not people.delete_team(conn, team_id):
                raise NotFound(f"no team {team_id!r}", code="team_not_found")

    @staticmethod
    def _team(conn: Connection, team_id: str) -> Team:
        team = people.get_team(conn, team_id)
        if team is None:
            raise NotFound(f"no team {team_id!r}", code="team_not_found")
        return team

    @staticmethod
    def _members(conn: Connection, members: Sequence[str]) -> list[str]:
        wanted = list(dict.fromkeys(members))
        missing = sorted(set(wanted) - set(people.users_by_id(conn, wanted)))
        if missing:
            raise InvalidInput(f"no such user: {', '.join(missing)}", code="unknown_user", field="members")
        return wanted


def _no_user(user_id: str) -> NotFound:
    return NotFound(f"no user {user_id!r}", code="user_not_found")
