"""Demo data for ``make demo``: a few incidents in different states, loaded only into an empty database."""

from __future__ import annotations

import json
import secrets
from datetime import time, timedelta

from tocsin.app import Runtime
from tocsin.builtin.sources import AlertmanagerSource
from tocsin.domain.escalation import EscalationLevel, EscalationPolicy, ScheduleTarget
from tocsin.domain.incident import Incident, IncidentState, Role, parse_human_id
from tocsin.domain.notification_rules import NotificationRule
from tocsin.domain.schedule import Layer, Rotation, RotationKind, Schedule
from tocsin.services.incidents import Declaration
from tocsin.services.ingest import Submission
from tocsin.services.integrations import SourceName
from tocsin.services.statuspage import ComponentSpec, MaintenanceSpec
from tocsin.services.statuspage_model import PublicStatus
from tocsin.services.tokens import ApiRole
from tocsin.store.incidents import IncidentFilter
from tocsin.store.people import User

__all__ = ["load_demo"]

_ACTOR = "demo"


def load_demo(runtime: Runtime) -> list[str]:
    """Load the demo data unless there already are incidents; return lines to show the user."""
    services = runtime.services
    _, existing = services.incidents.find(IncidentFilter(), limit=1)
    if existing:
        return [f"Demo data: the database already has {existing} incidents; left as it is."]
    _load_paging(runtime)
    incidents = services.incidents
    old = incidents.declare(
        Declaration("Checkout latency above 2 s", "SEV2", "p99 latency on /checkout", ["checkout"], "alice"),
        actor=_ACTOR,
    )
    incidents.acknowledge(old.number, actor="alice")
    incidents.change_state(old.number, IncidentState.IDENTIFIED, actor="alice", note="slow query on orders")
    incidents.add_note(old.number, "Added the missing index on orders(customer_id).", actor="alice")
    incidents.change_state(old.number, IncidentState.RESOLVED, actor="alice")
    live, integration_key = _fire_demo_alert(runtime)
    incidents.set_customer_facing(live.number, True, actor=_ACTOR)
    incidents.assign_role(live.number, Role.COMMANDER, "bob", actor=_ACTOR)
    _, secret = services.tokens.create("demo-admin", ApiRole.ADMIN)
    _load_status_page(runtime, live.number)
    password = secrets.token_urlsafe(9)
    services.accounts.create("alice", ApiRole.RESPONDER, password=password, display_name="Alice (demo)")
    return [
        f"Demo data: {old.human_id} (resolved) and {live.human_id} (SEV1, waiting for acknowledgement).",
        f"Demo API token (admin): {secret}",
        f"  try: curl -H 'Authorization: Bearer {secret}' {runtime.settings.public_url()}/api/v1/incidents",
        *_paging_lines(live.human_id),
        f"Alerts: {live.human_id} was opened by an Alertmanager alert to the 'demo-alertmanager' integration;",
        f"  point Alertmanager's webhook_configs at {runtime.settings.public_url()}/integrations/alertmanager/"
        f"{integration_key}",
        f"Web UI: {runtime.settings.public_url()}/login as alice (responder), password: {password}",
        f"Status page: {runtime.settings.public_url()}/status (API down, {live.human_id} is customer-facing)",
    ]


def _fire_demo_alert(runtime: Runtime) -> tuple[Incident, str]:
    """Open the live incident the way production does: an Alertmanager webhook message, parsed by the
    Alertmanager source and committed by the ingest queue (which pages the on-call person)."""
    services = runtime.services
    integration, key = services.integrations.create("demo-alertmanager", SourceName.ALERTMANAGER)
    now = services.clock.now().isoformat().replace("+00:00", "Z")
    labels = {"alertname": "HighErrorRate", "severity": "critical", "service": "api", "env": "prod"}
    message = {
        "version": "4",
        "groupKey": '{}:{alertname="HighErrorRate"}',
        "truncatedAlerts": 0,
        "status": "firing",
        "receiver": "tocsin",
        "groupLabels": {"alertname": "HighErrorRate"},
        "commonLabels": labels,
        "commonAnnotations": {},
        "externalURL": "http://alertmanager.example.org:9093",
        "alerts": [
            {
                "status": "firing",
                "labels": labels,
                "annotations": {
                    "summary": "API returning 5xx for 8% of requests",
                    "description": "Error rate jumped after the 14:02 deploy.",
                },
                "startsAt": now,
                "endsAt": "0001-01-01T00:00:00Z",
                "generatorURL": "http://prometheus.example.org:9090/graph",
                "fingerprint": "a1b2c3d4e5f60718",
            }
        ],
    }
    batch = AlertmanagerSource().parse(json.dumps(message).encode(), {})
    result = services.ingest_queue.submit(Submission(integration, batch)).result(timeout=60)
    return services.incidents.get(parse_human_id(result.incidents_opened[0])), key


def _load_paging(runtime: Runtime) -> None:
    """Dana on call on a daily rotation, reached on the console; SEV1/SEV2 page her, again every 5 minutes
    until someone acknowledges."""
    paging = runtime.services.paging
    paging.channels.create("console", "console", {})
    paging.people.create_user(
        User("dana", "Dana (demo on-call)", "dana@example.org", rules=(NotificationRule("console"),))
    )
    start = runtime.services.clock.now().date()
    rotation = Rotation(("dana",), start, time(0, 0), "UTC", RotationKind.DAILY)
    paging.schedules.create(Schedule("primary", "Primary on-call", "UTC", (Layer(rotation, "primary"),)))
    level = EscalationLevel(timedelta(minutes=5), (ScheduleTarget("primary"),), "On-call engineer")
    paging.policies.create(EscalationPolicy("default", "Page the on-call engineer", (level,), repeat=3))
    paging.policies.set_default("default")


def _load_status_page(runtime: Runtime, live_number: int) -> None:
    """Components linked to the demo's services, a public update on the live incident, and maintenance."""
    status = runtime.services.statuspage
    status.update_page(name="Example Co")
    ids = {
        name: status.create_component(ComponentSpec(name, services=[service])).id
        for name, service in (("API", "api"), ("Payments", "payments"), ("Checkout", "checkout"))
    }
    status.create_component(ComponentSpec("Website", description="www.example.org"))
    status.post_update(
        live_number,
        PublicStatus.INVESTIGATING,
        "Some API requests are failing. We are investigating and will update within 30 minutes.",
        actor=_ACTOR,
    )
    start = runtime.services.clock.now().replace(minute=0, second=0, microsecond=0) + timedelta(days=2)
    status.schedule_maintenance(
        MaintenanceSpec(
            "Database upgrade", start, start + timedelta(hours=1), "Checkout may be slow.", [ids["Checkout"]]
        ),
        actor=_ACTOR,
    )


def _paging_lines(live_id: str) -> list[str]:
    return [
        f"Paging: Dana is on call (schedule 'primary'); {live_id} pages her here, on the console, every "
        "5 minutes until someone acknowledges.",
        f"  acknowledge: tocsin incident ack {live_id} (or open the ack link printed with the page)",
        f"  see who is on call: tocsin oncall now; how {live_id} escalates: tocsin policy status {live_id}",
    ]
