"""``/api/v1/incidents/{id}/alerts``: the alerts an incident absorbed, paged by id (never the whole list)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from tocsin.domain.incident import parse_human_id
from tocsin.services.container import Services
from tocsin.services.incident_alerts import MAX_PAGE, AlertPage, incident_alerts
from tocsin.services.tokens import ApiRole, Principal
from tocsin.store.alerts import StoredAlert
from tocsin.web.auth import require, services_of

__all__ = ["AlertOut", "AlertPageOut", "router"]

router = APIRouter(prefix="/incidents", tags=["incidents"])
Viewer = Annotated[Principal, Depends(require(ApiRole.VIEWER))]
Svc = Annotated[Services, Depends(services_of)]


class AlertLinkOut(BaseModel):
    href: str
    text: str = ""


class AlertOut(BaseModel):
    id: int
    integration: str
    dedup_key: str
    status: str
    title: str
    summary: str
    description: str
    severity_text: str = Field(description="the sender's own severity word, as sent")
    labels: dict[str, str]
    annotations: dict[str, str]
    links: list[AlertLinkOut]
    starts_at: datetime | None
    ends_at: datetime | None
    first_seen_at: datetime
    last_seen_at: datetime
    event_count: int = Field(description="how many messages carried this alert")

    @classmethod
    def of(cls, alert: StoredAlert, integration: str) -> AlertOut:
        return cls(
            id=alert.id,
            integration=integration,
            dedup_key=alert.dedup_key,
            status=alert.status,
            title=alert.title,
            summary=alert.summary,
            description=alert.description,
            severity_text=alert.severity_text,
            labels=alert.labels,
            annotations=alert.annotations,
            links=[
                AlertLinkOut(href=link.get("href", ""), text=link.get("text", "")) for link in alert.links
            ],
            starts_at=alert.starts_at,
            ends_at=alert.ends_at,
            first_seen_at=alert.first_seen_at,
            last_seen_at=alert.last_seen_at,
            event_count=alert.event_count,
        )


class AlertPageOut(BaseModel):
    items: list[AlertOut]
    total: int = Field(description="all the incident's alerts")
    firing: int = Field(description="those still firing")
    limit: int
    next_after: int | None = Field(description="pass as `after` for the next page; null on the last page")

    @classmethod
    def of(cls, page: AlertPage, limit: int) -> AlertPageOut:
        names = page.integration_names
        return cls(
            items=[AlertOut.of(alert, names.get(alert.integration_id, "?")) for alert in page.alerts],
            total=page.total,
            firing=page.firing,
            limit=limit,
            next_after=page.next_after,
        )


@router.get("/{incident_id}/alerts", summary="The incident's alerts, oldest first, one page at a time")
def list_alerts(
    incident_id: str,
    _: Viewer,
    services: Svc,
    after: Annotated[int, Query(ge=0, description="only alerts with a greater id")] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
) -> AlertPageOut:
    page = incident_alerts(services.db, parse_human_id(incident_id), after_id=after, limit=limit)
    return AlertPageOut.of(page, limit)
