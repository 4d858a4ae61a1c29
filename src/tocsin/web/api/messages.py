"""``/api/v1/incidents/{id}/messages``: the runbook's templates, filled with the incident's facts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel

from tocsin.domain.incident import parse_human_id
from tocsin.services.container import Services
from tocsin.services.tokens import ApiRole, Principal
from tocsin.web.auth import require, services_of

__all__ = ["router"]

router = APIRouter(prefix="/incidents/{incident_id}/messages", tags=["messages"])
Viewer = Annotated[Principal, Depends(require(ApiRole.VIEWER))]
Svc = Annotated[Services, Depends(services_of)]


class TemplateOut(BaseModel):
    name: str
    kind: str
    placeholders: list[str]


class MessageOut(BaseModel):
    template: str
    kind: str
    text: str
    filled: dict[str, str]
    unfilled: list[str]


@router.get("", summary="The message templates of the incident's playbook")
def list_templates(incident_id: str, _: Viewer, services: Svc) -> list[TemplateOut]:
    templates = services.messages.templates(parse_human_id(incident_id))
    return [
        TemplateOut(name=t.name, kind=t.kind.value, placeholders=[p.text for p in t.placeholders])
        for t in templates
    ]


@router.get("/{name}", summary="A template filled with the incident's facts; unknown blanks are listed")
def render(incident_id: str, name: str, request: Request, _: Viewer, services: Svc) -> MessageOut:
    number = parse_human_id(incident_id)
    url = str(request.base_url).rstrip("/") + f"/incidents/INC-{number}"
    message = services.messages.render(number, name, url=url)
    return MessageOut(
        template=message.template,
        kind=message.kind,
        text=message.text,
        filled=message.filled,
        unfilled=list(message.unfilled),
    )
