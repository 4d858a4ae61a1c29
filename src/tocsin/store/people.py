"""Users (with their notification rules) and teams.

A user's notification rules are an ordered JSON list on the user's row: they are always read and written
whole, and their order is the rule index used in idempotency keys.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, RowMapping, delete, insert, select, update

from tocsin.domain.notification_rules import NotificationRule
from tocsin.store.schema_paging import team_members, teams, users

__all__ = [
    "Team",
    "User",
    "delete_team",
    "delete_user",
    "get_team",
    "get_user",
    "insert_team",
    "insert_user",
    "list_teams",
    "list_users",
    "members_of",
    "rename_team",
    "set_members",
    "teams_of",
    "update_user",
    "user_by_slack_id",
    "users_by_id",
]


@dataclass(frozen=True)
class User:
    """A person who can be paged, and how they want to be reached."""

    id: str
    name: str
    email: str | None = None
    slack_user_id: str | None = None
    phone: str | None = None
    time_zone: str = "UTC"
    rules: tuple[NotificationRule, ...] = ()
    created_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True)
class Team:
    """A named group of users; paging a team pages every member."""

    id: str
    name: str
    members: tuple[str, ...] = ()
    created_at: datetime | None = None


def _rules_to_json(rules: Sequence[NotificationRule]) -> list[dict[str, Any]]:
    return [{"channel": rule.channel_kind, "delay_s": rule.delay.total_seconds()} for rule in rules]


def _rules_from_json(data: Sequence[dict[str, Any]]) -> tuple[NotificationRule, ...]:
    return tuple(NotificationRule(item["channel"], timedelta(seconds=item["delay_s"])) for item in data)


def _to_user(row: RowMapping) -> User:
    return User(
        id=row["id"],
        name=row["name"],
        email=row["email"],
        slack_user_id=row["slack_user_id"],
        phone=row["phone"],
        time_zone=row["time_zone"],
        rules=_rules_from_json(row["rules"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def _user_values(user: User) -> dict[str, Any]:
    return {
        "name": user.name,
        "email": user.email,
        "slack_user_id": user.slack_user_id,
        "phone": user.phone,
        "time_zone": user.time_zone,
        "rules": _rules_to_json(user.rules),
    }


def insert_user(conn: Connection, user: User, now: datetime) -> None:
    """Add ``user``; a taken id raises IntegrityError."""
    conn.execute(insert(users).values(id=user.id, created_at=now, updated_at=now, **_user_values(user)))


def update_user(conn: Connection, user: User, now: datetime) -> bool:
    """Replace everything about ``user`` but its id; ``False`` if there is no such user."""
    result = conn.execute(
        update(users).where(users.c.id == user.id).values(updated_at=now, **_user_values(user))
    )
    return result.rowcount == 1


def get_user(conn: Connection, user_id: str) -> User | None:
    row = conn.execute(select(users).where(users.c.id == user_id)).mappings().first()
    return _to_user(row) if row else None


def list_users(conn: Connection) -> list[User]:
    return [_to_user(row) for row in conn.execute(select(users).order_by(users.c.id)).mappings()]


def users_by_id(conn: Connection, user_ids: Collection[str]) -> dict[str, User]:
    """The users among ``user_ids`` that exist."""
    if not user_ids:
        return {}
    query = select(users).where(users.c.id.in_(sorted(set(user_ids))))
    return {row["id"]: _to_user(row) for row in conn.execute(query).mappings()}


def user_by_slack_id(conn: Connection, slack_user_id: str) -> User | None:
    row = conn.execute(select(users).where(users.c.slack_user_id == slack_user_id)).mappings().first()
    return _to_user(row) if row else None


def delete_user(conn: Connection, user_id: str) -> bool:
    """Remove a user (and their team memberships, by cascade)."""
    conn.execute(delete(team_members).where(team_members.c.user_id == user_id))
    return conn.execute(delete(users).where(users.c.id == user_id)).rowcount == 1


def insert_team(conn: Connection, team_id: str, name: str, now: datetime) -> None:
    conn.execute(insert(teams).values(id=team_id, name=name, created_at=now))


def rename_team(conn: Connection, team_id: str, name: str) -> bool:
    return conn.execute(update(teams).where(teams.c.id == team_id).values(name=name)).rowcount == 1


def set_members(conn: Connection, team_id: str, members: Sequence[str]) -> None:
    """Replace the team's members, keeping the given order."""
    conn.execute(delete(team_members).where(team_members.c.team_id == team_id))
    if members:
        rows = [{"team_id": team_id, "user_id": user, "position": n} for n, user in enumerate(members)]
        conn.execute(insert(team_members), rows)


def members_of(conn: Connection, team_ids: Collection[str]) -> dict[str, list[str]]:
    """Team id → member user ids in order, for the teams among ``team_ids`` that exist."""
    if not team_ids:
        return {}
    wanted = sorted(set(team_ids))
    found: dict[str, list[str]] = {
        team_id: [] for team_id in conn.execute(select(teams.c.id).where(teams.c.id.in_(wanted))).scalars()
    }
    query = (
        select(team_members.c.team_id, team_members.c.user_id)
        .where(team_members.c.team_id.in_(wanted))
        .order_by(team_members.c.team_id, team_members.c.position)
    )
    for team_id, user_id in conn.execute(query):
        found[team_id].append(user_id)
    return found


def _to_team(row: RowMapping, members: Sequence[str]) -> Team:
    return Team(id=row["id"], name=row["name"], members=tuple(members), created_at=row["created_at"])


def get_team(conn: Connection, team_id: str) -> Team | None:
    row = conn.execute(select(teams).where(teams.c.id == team_id)).mappings().first()
    return _to_team(row, members_of(conn, [team_id]).get(team_id, [])) if row else None


def list_teams(conn: Connection) -> list[Team]:
    rows = conn.execute(select(teams).order_by(teams.c.id)).mappings().all()
    members = members_of(conn, [row["id"] for row in rows])
    return [_to_team(row, members.get(row["id"], [])) for row in rows]


def teams_of(conn: Connection, user_id: str) -> list[str]:
    """The ids of the teams ``user_id`` belongs to."""
    query = select(team_members.c.team_id).where(team_members.c.user_id == user_id)
    return sorted(conn.execute(query).scalars())


def delete_team(conn: Connection, team_id: str) -> bool:
    conn.execute(delete(team_members).where(team_members.c.team_id == team_id))
    return conn.execute(delete(teams).where(teams.c.id == team_id)).rowcount == 1
