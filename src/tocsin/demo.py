"""Demo data for ``make demo``: a few incidents in different states, loaded only into an empty database."""

from __future__ import annotations

from tocsin.app import Runtime
from tocsin.domain.incident import IncidentState, Role
from tocsin.services.incidents import Declaration
from tocsin.services.tokens import ApiRole
from tocsin.store.incidents import IncidentFilter

__all__ = ["load_demo"]

_ACTOR = "demo"


def load_demo(runtime: Runtime) -> list[str]:
    """Load the demo data unless there already are incidents; return lines to show the user."""
    services = runtime.services
    _, existing = services.incidents.find(IncidentFilter(), limit=1)
    if existing:
        return [f"Demo data: the database already has {existing} incidents; left as it is."]
    incidents = services.incidents
    old = incidents.declare(
        Declaration("Checkout latency above 2 s", "SEV2", "p99 latency on /checkout", ["checkout"], "alice"),
        actor=_ACTOR,
    )
    incidents.acknowledge(old.number, actor="alice")
    incidents.change_state(old.number, IncidentState.IDENTIFIED, actor="alice", note="slow query on orders")
    incidents.add_note(old.number, "Added the missing index on orders(customer_id).", actor="alice")
    incidents.change_state(old.number, IncidentState.RESOLVED, actor="alice")
    live = incidents.declare(
        Declaration(
            "API returning 5xx for 8% of requests",
            "SEV1",
            "Error rate jumped after the 14:02 deploy.",
            ["api", "payments"],
            customer_facing=True,
        ),
        actor=_ACTOR,
    )
    incidents.assign_role(live.number, Role.COMMANDER, "bob", actor=_ACTOR)
    _, secret = services.tokens.create("demo-admin", ApiRole.ADMIN)
    return [
        f"Demo data: {old.human_id} (resolved) and {live.human_id} (SEV1, waiting for acknowledgement).",
        f"Demo API token (admin): {secret}",
        f"  try: curl -H 'Authorization: Bearer {secret}' {runtime.settings.public_url()}/api/v1/incidents",
    ]
