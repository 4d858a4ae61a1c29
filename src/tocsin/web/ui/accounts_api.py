"""``/api/v1/accounts`` (admins manage who may sign in) and ``/api/v1/me`` (who am I)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, status
from pydantic import BaseModel, ConfigDict, Field

from tocsin.services.container import Services
from tocsin.services.tokens import ApiRole, Principal
from tocsin.store.users_auth import StoredAccount
from tocsin.web.auth import require, services_of

__all__ = ["router"]

router = APIRouter(tags=["accounts"])
Viewer = Annotated[Principal, Depends(require(ApiRole.VIEWER))]
Admin = Annotated[Principal, Depends(require(ApiRole.ADMIN))]
Svc = Annotated[Services, Depends(services_of)]


class AccountOut(BaseModel):
    username: str
    display_name: str
    role: ApiRole
    active: bool
    must_change_password: bool
    time_zone: str | None
    created_at: datetime
    last_login_at: datetime | None

    @classmethod
    def of(cls, account: StoredAccount) -> AccountOut:
        return cls(
            username=account.username,
            display_name=account.display_name,
            role=ApiRole(account.role),
            active=account.active,
            must_change_password=account.must_change_password,
            time_zone=account.time_zone,
            created_at=account.created_at,
            last_login_at=account.last_login_at,
        )


class AccountIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=1, max_length=100)
    role: ApiRole = ApiRole.RESPONDER
    display_name: str = Field(default="", max_length=100)
    password: str | None = Field(
        default=None, min_length=10, max_length=1024, description="omit to get a one-time password"
    )


class AccountPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: ApiRole | None = None
    active: bool | None = None


class CreatedAccountOut(AccountOut):
    one_time_password: str | None = Field(description="shown only now; must be changed at first sign-in")


class PasswordOut(BaseModel):
    one_time_password: str


class MeOut(BaseModel):
    name: str
    role: ApiRole


@router.get("/me", summary="Who is calling, with which role")
def me(who: Viewer) -> MeOut:
    return MeOut(name=who.name, role=who.role)


@router.get("/accounts", summary="Accounts that can sign in to the web UI")
def list_accounts(_: Admin, services: Svc) -> list[AccountOut]:
    return [AccountOut.of(a) for a in services.accounts.list()]


@router.post("/accounts", status_code=status.HTTP_201_CREATED, summary="Create an account")
def create_account(body: AccountIn, _: Admin, services: Svc) -> CreatedAccountOut:
    account, one_time = services.accounts.create(
        body.username, body.role, password=body.password, display_name=body.display_name
    )
    return CreatedAccountOut(**AccountOut.of(account).model_dump(), one_time_password=one_time)


@router.patch("/accounts/{username}", summary="Change an account's role, or disable/enable it")
def patch_account(username: str, body: AccountPatch, _: Admin, services: Svc) -> AccountOut:
    return AccountOut.of(services.accounts.update(username, role=body.role, active=body.active))


@router.post("/accounts/{username}/reset-password", summary="Give the account a new one-time password")
def reset_password(username: str, _: Admin, services: Svc) -> PasswordOut:
    return PasswordOut(one_time_password=services.accounts.reset_password(username))
