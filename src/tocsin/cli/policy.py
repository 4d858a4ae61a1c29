"""``tocsin policy ...``: escalation policies, and which severities page by which policy.

A level is written ``DELAY:TARGET[,TARGET...]``, e.g. ``5m:schedule:primary,user:alice``: page those
targets, then wait DELAY for an acknowledgement before the next level.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from tocsin.cli.client import CliError
from tocsin.cli.paging_args import client_of, parse_days, parse_minutes
from tocsin.cli.render import console, print_json, when

__all__ = ["app"]

app = typer.Typer(help="Escalation policies and routing by severity.", no_args_is_help=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]
PolicyArg = Annotated[str, typer.Argument(help="The policy's id, e.g. default.")]
_KINDS = ("user", "schedule", "team")


def _targets(text: str) -> list[dict[str, str]]:
    targets = []
    for spec in filter(None, (part.strip() for part in text.split(","))):
        kind, _, ident = spec.partition(":")
        if kind not in _KINDS or not ident:
            raise CliError(f"{spec!r} is not a target; write it like user:alice, schedule:primary or team:db")
        targets.append({"kind": kind, "id": ident})
    return targets


def _levels(specs: list[str], labels: list[str]) -> list[dict[str, Any]]:
    levels = []
    for n, spec in enumerate(specs):
        delay, _, targets = spec.partition(":")
        label = labels[n] if n < len(labels) else ""
        levels.append({"label": label, "delay_minutes": parse_minutes(delay), "targets": _targets(targets)})
    return levels


def _describe_targets(targets: list[dict[str, str]]) -> str:
    return ", ".join(f"{t['kind']}:{t['id']}" for t in targets) or "nobody yet (unassigned)"


def print_policy(policy: dict[str, Any]) -> None:
    repeat = f", repeated {policy['repeat']} more time(s)" if policy["repeat"] else ""
    console.print(Text(f"{policy['id']}: {policy['name']}{repeat}", style="bold"))
    table = Table(title_justify="left")
    for column in ("Level", "Role", "Pages", "Then waits"):
        table.add_column(column)
    for n, level in enumerate(policy["levels"], start=1):
        waits = f"{level['delay_minutes']:g} min"
        table.add_row(str(n), Text(level["label"] or "-"), Text(_describe_targets(level["targets"])), waits)
    console.print(table)


LevelOpt = Annotated[
    list[str], typer.Option("--level", help="DELAY:TARGETS, e.g. 5m:schedule:primary; repeat in order.")
]
LabelOpt = Annotated[list[str] | None, typer.Option("--label", help="The role of each level, in order.")]


@app.command("add")
def policy_add(
    ctx: typer.Context,
    policy_id: PolicyArg,
    name: Annotated[str, typer.Option(help="The policy's name.")],
    level: LevelOpt,
    label: LabelOpt = None,
    repeat: Annotated[int, typer.Option(min=0, max=9, help="Passes over all levels after the first.")] = 0,
    as_json: JsonOpt = False,
) -> None:
    """Add a policy (the first one added is the default)."""
    body = {"id": policy_id, "name": name, "repeat": repeat, "levels": _levels(level, label or [])}
    created = client_of(ctx).call("POST", "/policies", json=body)
    if as_json:
        print_json(created)
    else:
        print_policy(created)


@app.command("set")
def policy_set(
    ctx: typer.Context,
    policy_id: PolicyArg,
    level: LevelOpt,
    name: Annotated[str | None, typer.Option(help="A new name.")] = None,
    label: LabelOpt = None,
    repeat: Annotated[int | None, typer.Option(min=0, max=9)] = None,
    as_json: JsonOpt = False,
) -> None:
    """Replace a policy's levels (running escalations keep the copy they started with)."""
    client = client_of(ctx)
    current = client.call("GET", f"/policies/{policy_id}")
    body = {
        "name": name or current["name"],
        "repeat": current["repeat"] if repeat is None else repeat,
        "levels": _levels(level, label or []),
    }
    updated = client.call("PUT", f"/policies/{policy_id}", json=body)
    print_json(updated) if as_json else print_policy(updated)


@app.command("assign")
def policy_assign(
    ctx: typer.Context,
    policy_id: PolicyArg,
    level: Annotated[int, typer.Argument(min=1, help="The level, 1 for the first.")],
    targets: Annotated[str, typer.Argument(help="TARGETS, e.g. team:leads or user:cto,user:deputy")],
    as_json: JsonOpt = False,
) -> None:
    """Set who one level pages (e.g. a level built from a runbook role that pages nobody yet)."""
    client = client_of(ctx)
    current = client.call("GET", f"/policies/{policy_id}")
    levels = current["levels"]
    if level > len(levels):
        raise CliError(f"{policy_id} has {len(levels)} levels; there is no level {level}")
    levels[level - 1]["targets"] = _targets(targets)
    body = {"name": current["name"], "repeat": current["repeat"], "levels": levels}
    updated = client.call("PUT", f"/policies/{policy_id}", json=body)
    print_json(updated) if as_json else print_policy(updated)


@app.command("list")
def policy_list(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """List policies, each with its levels."""
    policies = client_of(ctx).call("GET", "/policies")
    if as_json:
        print_json(policies)
        return
    if not policies:
        console.print("No escalation policies yet: add one with `tocsin policy add`.")
    for policy in policies:
        print_policy(policy)


@app.command("show")
def policy_show(ctx: typer.Context, policy_id: PolicyArg, as_json: JsonOpt = False) -> None:
    """Show one policy."""
    policy = client_of(ctx).call("GET", f"/policies/{policy_id}")
    print_json(policy) if as_json else print_policy(policy)


@app.command("remove")
def policy_remove(ctx: typer.Context, policy_id: PolicyArg) -> None:
    """Remove a policy (refused while it is the default or a severity is routed to it)."""
    client_of(ctx).call("DELETE", f"/policies/{policy_id}")
    console.print(f"Removed policy {policy_id}.")


def print_routing(routing: dict[str, Any]) -> None:
    table = Table(
        title=f"Routing (default policy: {routing['default_policy'] or 'none'})", title_justify="left"
    )
    for column in (
        "Severity",
        "Pages",
        "Policy",
        "Business hours only",
        "Unresolved escalates after",
        "Set by",
    ):
        table.add_column(column)
    for route in routing["routes"]:
        after = route["unresolved_after_minutes"]
        table.add_row(
            Text(route["severity"]),
            "yes" if route["pages"] else "no",
            Text(route["policy"] or "-"),
            "yes" if route["business_hours_only"] else "no",
            f"{after:g} min" if after else "resolution target",
            "operator" if route["set_by_operator"] else "severity scheme",
        )
    console.print(table)
    hours = routing["business_hours"]
    days = ",".join(("mon", "tue", "wed", "thu", "fri", "sat", "sun")[day] for day in hours["days"])
    console.print(f"Business hours: {days} {hours['start'][:5]}-{hours['end'][:5]} ({hours['tz']})")


@app.command("routes")
def policy_routes(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """Which severities page, by which policy."""
    routing = client_of(ctx).call("GET", "/routing")
    print_json(routing) if as_json else print_routing(routing)


@app.command("default")
def policy_default(ctx: typer.Context, policy_id: PolicyArg) -> None:
    """Make a policy the one every severity not routed elsewhere escalates by."""
    client_of(ctx).call("PUT", "/routing/default", json={"policy": policy_id})
    console.print(f"{policy_id} is the default policy.")


@app.command("route")
def policy_route(
    ctx: typer.Context,
    severity: Annotated[str, typer.Argument(help="SEV1, P0, Critical, ...")],
    policy: Annotated[
        str | None, typer.Option(help="Escalate by this policy (default: the default one).")
    ] = None,
    pages: Annotated[
        bool, typer.Option("--page/--no-page", help="Whether this severity pages at all.")
    ] = True,
    business_hours: Annotated[bool, typer.Option("--business-hours/--any-time")] = False,
    unresolved_after: Annotated[
        str | None, typer.Option(help="Unresolved this long (e.g. 30m): notify the next level.")
    ] = None,
    clear: Annotated[bool, typer.Option("--clear", help="Follow the severity scheme again.")] = False,
) -> None:
    """Route one severity: its policy, whether it pages, and when an unresolved one escalates."""
    client = client_of(ctx)
    if clear:
        routing = client.call("DELETE", f"/routing/{severity}")
    else:
        body = {
            "policy": policy,
            "pages": pages,
            "business_hours_only": business_hours,
            "unresolved_after_minutes": parse_minutes(unresolved_after) if unresolved_after else None,
        }
        routing = client.call("PUT", f"/routing/{severity}", json=body)
    print_routing(routing)


@app.command("hours")
def policy_hours(
    ctx: typer.Context,
    tz: Annotated[str, typer.Option(help="The zone business hours are in.")] = "UTC",
    days: Annotated[str, typer.Option(help="e.g. mon-fri")] = "mon-fri",
    start: Annotated[str, typer.Option("--from", help="Opening time.")] = "09:00",
    end: Annotated[str, typer.Option("--to", help="Closing time.")] = "17:00",
    closed: Annotated[list[str] | None, typer.Option(help="A holiday (YYYY-MM-DD); repeat.")] = None,
) -> None:
    """Set business hours (for severities that page, or are due, only then)."""
    body = {"tz": tz, "days": parse_days(days), "start": start, "end": end, "closed_dates": closed or []}
    print_routing(client_of(ctx).call("PUT", "/routing/business-hours", json=body))


@app.command("status")
def policy_status(
    ctx: typer.Context,
    incident: Annotated[str, typer.Argument(help="The incident, e.g. INC-42.")],
    as_json: JsonOpt = False,
) -> None:
    """How an incident escalates (its frozen policy) and every message sent for it."""
    paging = client_of(ctx).call("GET", f"/incidents/{incident}/paging")
    if as_json:
        print_json(paging)
        return
    if paging["policy"] is None:
        console.print(f"{paging['incident']} does not page (see its timeline for why).")
    else:
        console.print(
            f"{paging['incident']}: escalation {paging['status']}, started {when(paging['started_at'])}"
        )
        print_policy(paging["policy"])
    table = Table(title="Messages", title_justify="left")
    for column in ("Due", "To", "Channel", "Level", "Status", "Attempts", "Last error"):
        table.add_column(column)
    for m in paging["messages"]:
        cells = (
            when(m["due_at"]),
            m["user"],
            m["channel"],
            m["level"] or "-",
            m["status"],
            m["attempts"],
            m["last_error"] or "",
        )
        table.add_row(*(Text(str(cell)) for cell in cells))
    console.print(table)
