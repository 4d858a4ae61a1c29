"""``/api/v1/severities`` and ``/api/v1/tokens``."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, status
from pydantic import BaseModel, Field

from tocsin.services.container import Services
from tocsin.services.tokens import ApiRole, Principal
from tocsin.store.tokens import StoredToken
from tocsin.web.auth import require, services_of
from tocsin.web.schemas import SeverityOut

__all__ = ["router"]

router = APIRouter()
Viewer = Annotated[Principal, Depends(require(ApiRole.VIEWER))]
Admin = Annotated[Principal, Depends(require(ApiRole.ADMIN))]
Svc = Annotated[Services, Depends(services_of)]


@router.get("/severities", tags=["severities"], summary="The active severity scheme, most severe first")
def list_severities(_: Viewer, services: Svc) -> list[SeverityOut]:
    return [SeverityOut.of(level) for level in services.severities.scheme().levels]


class TokenIn(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    role: ApiRole


class TokenOut(BaseModel):
    name: str
    role: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def of(cls, token: StoredToken) -> TokenOut:
        return cls(
            name=token.name,
            role=token.role,
            prefix=token.prefix,
            created_at=token.created_at,
            last_used_at=token.last_used_at,
            revoked_at=token.revoked_at,
        )


class CreatedTokenOut(TokenOut):
    token: str = Field(description="the secret; shown only now")


@router.get("/tokens", tags=["tokens"], summary="API tokens (never their secrets)")
def list_tokens(_: Admin, services: Svc) -> list[TokenOut]:
    return [TokenOut.of(t) for t in services.tokens.list()]


@router.post("/tokens", tags=["tokens"], status_code=status.HTTP_201_CREATED, summary="Create an API token")
def create_token(body: TokenIn, _: Admin, services: Svc) -> CreatedTokenOut:
    stored, secret = services.tokens.create(body.name, body.role)
    return CreatedTokenOut(**TokenOut.of(stored).model_dump(), token=secret)


@router.delete("/tokens/{name}", tags=["tokens"], status_code=status.HTTP_204_NO_CONTENT, summary="Revoke")
def revoke_token(name: str, _: Admin, services: Svc) -> None:
    services.tokens.revoke(name)
