"""``/api/v1/playbooks``: lint, import, show, export and apply runbooks."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, status
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, Field

from tocsin.domain.incident import parse_human_id
from tocsin.runbook import lint_report, playbook_schema
from tocsin.services.container import Services
from tocsin.services.playbooks import contents
from tocsin.services.tokens import ApiRole, Principal
from tocsin.store.playbooks import StoredVersion
from tocsin.web.auth import require, services_of

__all__ = ["router"]

router = APIRouter(prefix="/playbooks", tags=["playbooks"])
Viewer = Annotated[Principal, Depends(require(ApiRole.VIEWER))]
Admin = Annotated[Principal, Depends(require(ApiRole.ADMIN))]
Svc = Annotated[Services, Depends(services_of)]

MAX_RUNBOOK_CHARS = 2_000_000


class RunbookIn(BaseModel):
    content: str = Field(max_length=MAX_RUNBOOK_CHARS, description="The runbook's Markdown, or playbook YAML")
    source_name: str = Field(default="", max_length=300, description="The file name it came from")
    format: Literal["markdown", "yaml"] | None = Field(default=None, description="Default: by source_name")


class ImportIn(RunbookIn):
    name: str | None = Field(default=None, max_length=100, description="Default: the file name's stem")


class VersionOut(BaseModel):
    playbook: str
    version: int
    source_name: str
    content_sha256: str
    created_at: datetime
    created_by: str
    contents: dict[str, int]
    active: bool = False

    @classmethod
    def of(cls, stored: StoredVersion, active: StoredVersion | None = None) -> VersionOut:
        return cls(
            playbook=stored.playbook,
            version=stored.version,
            source_name=stored.source_name,
            content_sha256=stored.content_sha256,
            created_at=stored.created_at,
            created_by=stored.created_by,
            contents=contents(stored),
            active=active is not None and active.id == stored.id,
        )


class ImportOut(VersionOut):
    created: bool = Field(description="False when the content equals the latest version (nothing new stored)")
    unparsed: list[dict[str, Any]]


class ApplyIn(BaseModel):
    version: int | None = Field(default=None, ge=1, description="Default: the latest version")


class ApplyOut(BaseModel):
    applied: VersionOut
    changes: list[str]


@router.post("/lint", summary="Parse a runbook without storing it: what was understood, and what was not")
def lint(body: RunbookIn, _: Viewer, services: Svc) -> dict[str, Any]:
    playbook = services.playbooks.parse(body.content, source_name=body.source_name, fmt=body.format)
    return lint_report(playbook)


@router.get("/schema", summary="The JSON Schema of playbook YAML")
def schema(_: Viewer) -> dict[str, Any]:
    return playbook_schema()


@router.get("", summary="Imported playbooks")
def catalog(_: Viewer, services: Svc) -> list[VersionOut]:
    active = services.playbooks.active()
    return [
        VersionOut.of(services.playbooks.version(name), active)
        for name, _v, _at in services.playbooks.catalog()
    ]


@router.post("", status_code=status.HTTP_201_CREATED, summary="Import a runbook as a new playbook version")
def import_runbook(body: ImportIn, who: Admin, services: Svc) -> ImportOut:
    result = services.playbooks.import_text(
        body.content, name=body.name, source_name=body.source_name, actor=who.name, fmt=body.format
    )
    version = VersionOut.of(result.version, services.playbooks.active())
    unparsed = list(result.version.lint.get("unparsed", []))
    return ImportOut(**version.model_dump(), created=result.created, unparsed=unparsed)


@router.get("/{name}/versions", summary="Every version of a playbook")
def versions(name: str, _: Viewer, services: Svc) -> list[VersionOut]:
    active = services.playbooks.active()
    return [VersionOut.of(v, active) for v in services.playbooks.versions(name)]


@router.get("/{name}", summary="A playbook version: what it holds, and its lint report")
def show(
    name: str, _: Viewer, services: Svc, version: Annotated[int | None, Query(ge=1)] = None
) -> dict[str, Any]:
    stored = services.playbooks.version(name, version)
    return VersionOut.of(stored, services.playbooks.active()).model_dump(mode="json") | {"lint": stored.lint}


@router.get(
    "/{name}/export",
    summary="A playbook version as YAML (playbook as code)",
    response_class=PlainTextResponse,
)
def export(
    name: str,
    _: Viewer,
    services: Svc,
    version: Annotated[int | None, Query(ge=1)] = None,
    format: Annotated[Literal["yaml"], Query()] = "yaml",
) -> PlainTextResponse:
    stored = services.playbooks.version(name, version)
    return PlainTextResponse(stored.yaml, media_type="application/yaml")


@router.post("/{name}/apply", summary="Make a version the active configuration")
def apply(name: str, who: Admin, services: Svc, body: ApplyIn | None = None) -> ApplyOut:
    result = services.playbooks.apply(name, body.version if body else None, actor=who.name)
    return ApplyOut(applied=VersionOut.of(result.version, result.version), changes=result.changes)


incident_router = APIRouter(tags=["playbooks"])


@incident_router.get(
    "/incidents/{incident_id}/playbook", summary="The playbook version an incident started with"
)
def incident_playbook(incident_id: str, _: Viewer, services: Svc) -> VersionOut | None:
    number = parse_human_id(incident_id)
    services.incidents.get(number)
    stored = services.playbooks.for_incident(number)
    return VersionOut.of(stored) if stored else None
