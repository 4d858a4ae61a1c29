"""The Statuspage-compatible JSON API (``/status/api/v2/...``), field for field as Statuspage serves it
(PROTOCOLS.md §5), so existing status widgets and monitors can read tocsin's page."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from tocsin.services.statuspage_model import (
    ComponentView,
    MaintenanceStatus,
    MaintenanceView,
    PublicIncident,
    StatusSnapshot,
)
from tocsin.store.status import StoredUpdate

__all__ = ["DOCUMENTS", "incident_url", "render_document", "summary", "timestamp"]

Json = dict[str, Any]
RECENT_INCIDENTS = 50


def timestamp(value: datetime | None) -> str | None:
    """``2026-03-02T09:15:00.000Z``: UTC with milliseconds, as Statuspage writes times."""
    if value is None:
        return None
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def incident_url(snapshot: StatusSnapshot, public_id: str) -> str:
    return f"{snapshot.url}/incidents/{public_id}"


def _page(snapshot: StatusSnapshot) -> Json:
    page = snapshot.page
    return {
        "id": page.page_id,
        "name": page.name,
        "url": snapshot.url,
        "time_zone": page.time_zone,
        "updated_at": timestamp(snapshot.updated_at),
    }


def _status(snapshot: StatusSnapshot) -> Json:
    return {"indicator": snapshot.indicator.value, "description": snapshot.description}


def _component(view: ComponentView, snapshot: StatusSnapshot) -> Json:
    component = view.component
    return {
        "id": view.id,
        "name": component.name,
        "status": view.status.value,
        "created_at": timestamp(component.created_at),
        "updated_at": timestamp(view.updated_at),
        "position": component.position,
        "description": component.description,
        "showcase": component.showcase,
        "start_date": component.created_at.date().isoformat(),
        "group_id": None,
        "page_id": snapshot.page.page_id,
        "group": False,
        "only_show_if_degraded": component.only_show_if_degraded,
    }


def _update(update: StoredUpdate) -> Json:
    at = timestamp(update.created_at)
    return {
        "id": f"upd_{update.id}",
        "incident_id": f"inc_{update.incident_number}",
        "status": update.status,
        "body": update.body,
        "created_at": at,
        "updated_at": at,
        "display_at": at,
        "affected_components": None,
        "deliver_notifications": True,
        "custom_tweet": None,
        "tweet_id": None,
    }


def _incident(incident: PublicIncident, snapshot: StatusSnapshot) -> Json:
    return {
        "id": incident.id,
        "name": incident.name,
        "status": incident.status.value,
        "impact": incident.impact.value,
        "created_at": timestamp(incident.started_at),
        "updated_at": timestamp(incident.updated_at),
        "started_at": timestamp(incident.started_at),
        "monitoring_at": timestamp(incident.monitoring_at),
        "resolved_at": timestamp(incident.resolved_at),
        "shortlink": incident_url(snapshot, incident.id),
        "page_id": snapshot.page.page_id,
        "incident_updates": [_update(u) for u in incident.updates],
        "components": [_component(c, snapshot) for c in snapshot.components_of(incident)],
    }


def _maintenance(view: MaintenanceView, snapshot: StatusSnapshot) -> Json:
    window = view.maintenance
    updated = timestamp(window.updated_at)
    updates = []
    if window.body:
        updates.append({
            "id": f"{view.id}_upd", "incident_id": view.id, "status": view.status.value, "body": window.body,
            "created_at": updated, "updated_at": updated, "display_at": updated, "affected_components": None,
            "deliver_notifications": True, "custom_tweet": None, "tweet_id": None,
        })  # fmt: skip
    components = [c for c in snapshot.components if c.component.id in window.component_ids]
    return {
        "id": view.id,
        "name": window.name,
        "status": view.status.value,
        "impact": "maintenance",
        "created_at": timestamp(window.created_at),
        "updated_at": updated,
        "started_at": timestamp(window.scheduled_for),
        "monitoring_at": None,
        "resolved_at": timestamp(window.scheduled_until)
        if view.status == MaintenanceStatus.COMPLETED
        else None,
        "shortlink": snapshot.url,
        "page_id": snapshot.page.page_id,
        "scheduled_for": timestamp(window.scheduled_for),
        "scheduled_until": timestamp(window.scheduled_until),
        "incident_updates": updates,
        "components": [_component(c, snapshot) for c in components],
    }


def _maintenances(snapshot: StatusSnapshot, *statuses: MaintenanceStatus) -> list[Json]:
    return [_maintenance(m, snapshot) for m in snapshot.maintenances if not statuses or m.status in statuses]


def summary(snapshot: StatusSnapshot) -> Json:
    return {
        "page": _page(snapshot),
        "status": _status(snapshot),
        "components": [_component(c, snapshot) for c in snapshot.components],
        "incidents": [_incident(i, snapshot) for i in snapshot.unresolved],
        "scheduled_maintenances": _maintenances(
            snapshot, MaintenanceStatus.SCHEDULED, MaintenanceStatus.IN_PROGRESS, MaintenanceStatus.VERIFYING
        ),
    }


DOCUMENTS: dict[str, Callable[[StatusSnapshot], Json]] = {
    "summary.json": summary,
    "status.json": lambda s: {"page": _page(s), "status": _status(s)},
    "components.json": lambda s: {"page": _page(s), "components": [_component(c, s) for c in s.components]},
    "incidents.json": lambda s: {
        "page": _page(s),
        "incidents": [_incident(i, s) for i in s.incidents[:RECENT_INCIDENTS]],
    },
    "incidents/unresolved.json": lambda s: {
        "page": _page(s),
        "incidents": [_incident(i, s) for i in s.unresolved],
    },
    "scheduled-maintenances.json": lambda s: {
        "page": _page(s),
        "scheduled_maintenances": _maintenances(s)[-RECENT_INCIDENTS:][::-1],
    },
    "scheduled-maintenances/upcoming.json": lambda s: {
        "page": _page(s),
        "scheduled_maintenances": _maintenances(s, MaintenanceStatus.SCHEDULED),
    },
    "scheduled-maintenances/active.json": lambda s: {
        "page": _page(s),
        "scheduled_maintenances": _maintenances(
            s, MaintenanceStatus.IN_PROGRESS, MaintenanceStatus.VERIFYING
        ),
    },
}


def render_document(name: str, snapshot: StatusSnapshot) -> bytes:
    """The JSON document ``name`` (a key of :data:`DOCUMENTS`) as compact UTF-8 bytes."""
    return json.dumps(DOCUMENTS[name](snapshot), separators=(",", ":"), ensure_ascii=False).encode()
