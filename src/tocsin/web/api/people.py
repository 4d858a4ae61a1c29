"""``/api/v1/users`` and ``/api/v1/teams``: who can be paged, and how each person is reached."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, status
from pydantic import BaseModel, ConfigDict, Field

from tocsin.domain.notification_rules import NotificationRule
from tocsin.services.container import Services
from tocsin.services.tokens import ApiRole, Principal
from tocsin.store.people import Team, User
from tocsin.web.auth import require, services_of

__all__ = ["RuleIn", "TeamOut", "UserOut", "router"]

router = APIRouter()
Viewer = Annotated[Principal, Depends(require(ApiRole.VIEWER))]
Admin = Annotated[Principal, Depends(require(ApiRole.ADMIN))]
Svc = Annotated[Services, Depends(services_of)]
_ID = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_\-]*$")


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RuleIn(_In):
    """Reach the user on ``channel`` (a configured channel's id) ``delay_minutes`` after they are paged."""

    channel: str = Field(min_length=1, max_length=64)
    delay_minutes: float = Field(default=0, ge=0, le=24 * 60)

    def to_rule(self) -> NotificationRule:
        return NotificationRule(self.channel, timedelta(minutes=self.delay_minutes))


class RuleOut(BaseModel):
    channel: str
    delay_minutes: float

    @classmethod
    def of(cls, rule: NotificationRule) -> RuleOut:
        return cls(channel=rule.channel_kind, delay_minutes=rule.delay.total_seconds() / 60)


class UserFields(_In):
    name: str = Field(min_length=1, max_length=200)
    email: str | None = Field(default=None, max_length=320)
    slack_user_id: str | None = Field(default=None, max_length=40)
    phone: str | None = Field(default=None, max_length=40)
    time_zone: str = Field(default="UTC", max_length=64)
    rules: list[RuleIn] = Field(default_factory=list, max_length=10, description="empty: e-mail at once")

    def to_user(self, user_id: str) -> User:
        return User(
            id=user_id,
            name=self.name,
            email=self.email,
            slack_user_id=self.slack_user_id,
            phone=self.phone,
            time_zone=self.time_zone,
            rules=tuple(rule.to_rule() for rule in self.rules),
        )


class UserIn(UserFields):
    id: str = _ID


class UserOut(BaseModel):
    id: str
    name: str
    email: str | None
    slack_user_id: str | None
    phone: str | None
    time_zone: str
    rules: list[RuleOut]
    teams: list[str] = []
    created_at: datetime | None
    updated_at: datetime | None

    @classmethod
    def of(cls, user: User) -> UserOut:
        return cls(
            id=user.id,
            name=user.name,
            email=user.email,
            slack_user_id=user.slack_user_id,
            phone=user.phone,
            time_zone=user.time_zone,
            rules=[RuleOut.of(rule) for rule in user.rules],
            created_at=user.created_at,
            updated_at=user.updated_at,
        )


class TeamIn(_In):
    id: str = _ID
    name: str = Field(min_length=1, max_length=200)
    members: list[str] = Field(default_factory=list, max_length=200)


class TeamUpdate(_In):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    members: list[str] | None = Field(default=None, max_length=200)


class TeamOut(BaseModel):
    id: str
    name: str
    members: list[str]

    @classmethod
    def of(cls, team: Team) -> TeamOut:
        return cls(id=team.id, name=team.name, members=list(team.members))


class FeedOut(BaseModel):
    url: str = Field(description="the secret feed URL; shown only now, and any earlier one stops working")


@router.get("/users", tags=["people"], summary="Users who can be paged")
def list_users(_: Viewer, services: Svc) -> list[UserOut]:
    return [UserOut.of(user) for user in services.paging.people.list_users()]


@router.post("/users", tags=["people"], status_code=status.HTTP_201_CREATED, summary="Add a user")
def create_user(body: UserIn, _: Admin, services: Svc) -> UserOut:
    return UserOut.of(services.paging.people.create_user(body.to_user(body.id)))


@router.get("/users/{user_id}", tags=["people"], summary="One user, with their rules and teams")
def get_user(user_id: str, _: Viewer, services: Svc) -> UserOut:
    people = services.paging.people
    found = UserOut.of(people.get_user(user_id))
    found.teams = [team.id for team in people.list_teams() if user_id in team.members]
    return found


@router.put("/users/{user_id}", tags=["people"], summary="Replace a user's details and rules")
def update_user(user_id: str, body: UserFields, _: Admin, services: Svc) -> UserOut:
    return UserOut.of(services.paging.people.update_user(body.to_user(user_id)))


@router.put("/users/{user_id}/rules", tags=["people"], summary="Replace how a user is reached when paged")
def set_rules(user_id: str, body: list[RuleIn], _: Admin, services: Svc) -> UserOut:
    return UserOut.of(services.paging.people.set_rules(user_id, [rule.to_rule() for rule in body]))


@router.delete("/users/{user_id}", tags=["people"], status_code=status.HTTP_204_NO_CONTENT, summary="Remove")
def delete_user(user_id: str, _: Admin, services: Svc) -> None:
    services.paging.people.delete_user(user_id)


@router.post(
    "/users/{user_id}/feed", tags=["people"], summary="A new secret iCalendar feed of a user's shifts"
)
def user_feed(user_id: str, _: Admin, services: Svc) -> FeedOut:
    return FeedOut(url=services.paging.schedules.create_feed("user", user_id))


@router.get("/teams", tags=["people"], summary="Teams")
def list_teams(_: Viewer, services: Svc) -> list[TeamOut]:
    return [TeamOut.of(team) for team in services.paging.people.list_teams()]


@router.post("/teams", tags=["people"], status_code=status.HTTP_201_CREATED, summary="Add a team")
def create_team(body: TeamIn, _: Admin, services: Svc) -> TeamOut:
    return TeamOut.of(services.paging.people.create_team(body.id, body.name, body.members))


@router.get("/teams/{team_id}", tags=["people"], summary="One team")
def get_team(team_id: str, _: Viewer, services: Svc) -> TeamOut:
    return TeamOut.of(services.paging.people.get_team(team_id))


@router.patch("/teams/{team_id}", tags=["people"], summary="Rename a team or replace its members")
def update_team(team_id: str, body: TeamUpdate, _: Admin, services: Svc) -> TeamOut:
    return TeamOut.of(services.paging.people.update_team(team_id, name=body.name, members=body.members))


@router.delete("/teams/{team_id}", tags=["people"], status_code=status.HTTP_204_NO_CONTENT, summary="Remove")
def delete_team(team_id: str, _: Admin, services: Svc) -> None:
    services.paging.people.delete_team(team_id)
