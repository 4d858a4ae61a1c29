"""``tocsin schedule ...`` and ``tocsin oncall ...``: rotations, overrides, and who is on call.

The tables are drawn by :mod:`tocsin.cli.oncall_render` from the schedules the API returns, so they agree
with what the escalation engine pages. Times are given in ISO 8601 (UTC when they name no zone) and shown
in each schedule's zone.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from tocsin.cli.client import ApiClient, CliError
from tocsin.cli.oncall_render import format_local, on_call_now_table, upcoming_shifts_table
from tocsin.cli.paging_args import client_of, done, parse_days, parse_minutes, parse_when
from tocsin.cli.render import console, print_json
from tocsin.clock import SystemClock
from tocsin.web.api.schedules import ScheduleOut

__all__ = ["oncall_app", "schedule_app"]

schedule_app = typer.Typer(
    help="On-call schedules: rotations in layers, and overrides.", no_args_is_help=True
)
oncall_app = typer.Typer(help="Who is on call.", no_args_is_help=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]
ScheduleArg = Annotated[str, typer.Argument(help="The schedule's id, e.g. primary.")]


def _names(client: ApiClient) -> dict[str, str]:
    return {user["id"]: user["name"] for user in client.call("GET", "/users")}


def _layer(
    name: str, participants: str, start: str, handoff: str, every: str, tz: str | None, restrict: list[str]
) -> dict[str, Any]:
    """A layer from the command line's words: ``--every daily|weekly|12h``, ``--restrict mon-fri/09:00-17:00``."""
    kind, length = (every, None) if every in ("daily", "weekly") else ("custom", parse_minutes(every) / 60)
    windows = []
    for spec in restrict:
        days, _, hours = spec.partition("/")
        begins, _, ends = hours.partition("-")
        if not begins or not ends:
            raise CliError(f"{spec!r} is not a restriction; write it like mon-fri/09:00-17:00")
        windows.append({"days": parse_days(days), "start": begins, "end": ends})
    rotation = {
        "participants": [p.strip() for p in participants.split(",") if p.strip()],
        "start": start,
        "handoff": handoff,
        "tz": tz,
        "kind": kind,
        "length_hours": length,
    }
    return {"name": name, "rotation": rotation, "restrictions": windows}


Participants = Annotated[str, typer.Option(help="User ids in turn order, comma-separated: alice,bob,carol.")]
Start = Annotated[str, typer.Option(help="Local date of the first handoff, e.g. 2026-03-02.")]
Handoff = Annotated[str, typer.Option(help="Local time of every handoff.")]
Every = Annotated[str, typer.Option(help="daily, weekly, or a turn length such as 12h.")]
Restrict = Annotated[
    list[str] | None,
    typer.Option(help="Only on duty within DAYS/HH:MM-HH:MM, e.g. mon-fri/09:00-17:00; repeat."),
]


@schedule_app.command("add")
def schedule_add(
    ctx: typer.Context,
    schedule_id: ScheduleArg,
    name: Annotated[str, typer.Option(help="The schedule's name.")],
    participants: Participants,
    start: Start,
    tz: Annotated[str, typer.Option(help="The schedule's time zone (handoffs happen in it).")] = "UTC",
    handoff: Handoff = "09:00",
    every: Every = "weekly",
    restrict: Restrict = None,
    as_json: JsonOpt = False,
) -> None:
    """Add a schedule with one rotation."""
    layer = _layer("primary", participants, start, handoff, every, None, restrict or [])
    body = {"id": schedule_id, "name": name, "time_zone": tz, "layers": [layer]}
    created = client_of(ctx).call("POST", "/schedules", json=body)
    done(created, as_json, f"Added schedule [bold]{created['id']}[/] ({created['time_zone']}).")


@schedule_app.command("layer")
def schedule_layer(
    ctx: typer.Context,
    schedule_id: ScheduleArg,
    name: Annotated[str, typer.Option(help="The layer's name, e.g. 'business hours'.")],
    participants: Participants,
    start: Start,
    handoff: Handoff = "09:00",
    every: Every = "weekly",
    tz: Annotated[str | None, typer.Option(help="The layer's zone; the schedule's by default.")] = None,
    restrict: Restrict = None,
    as_json: JsonOpt = False,
) -> None:
    """Add a layer on top of a schedule's others (where it has someone, it wins)."""
    client = client_of(ctx)
    current = client.call("GET", f"/schedules/{schedule_id}")
    layers = [*current["layers"], _layer(name, participants, start, handoff, every, tz, restrict or [])]
    body = {"name": current["name"], "time_zone": current["time_zone"], "layers": layers}
    updated = client.call("PUT", f"/schedules/{schedule_id}", json=body)
    done(updated, as_json, f"{schedule_id} now has {len(updated['layers'])} layers.")


@schedule_app.command("list")
def schedule_list(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """List schedules."""
    schedules = client_of(ctx).call("GET", "/schedules")
    if as_json:
        print_json(schedules)
        return
    table = Table(title=f"Schedules ({len(schedules)})", title_justify="left")
    for column in ("Id", "Name", "Zone", "Layers", "Overrides"):
        table.add_column(column)
    for s in schedules:
        cells = (s["id"], s["name"], s["time_zone"], len(s["layers"]), len(s["overrides"]))
        table.add_row(*(Text(str(cell)) for cell in cells))
    console.print(table)


@schedule_app.command("override")
def schedule_override(
    ctx: typer.Context,
    schedule_id: ScheduleArg,
    user: Annotated[str, typer.Option(help="Who takes over.")],
    start: Annotated[str, typer.Option(help="From (ISO time).")],
    end: Annotated[str, typer.Option(help="Until (ISO time).")],
    note: Annotated[str, typer.Option(help="Why, for the others.")] = "",
    as_json: JsonOpt = False,
) -> None:
    """Put someone on call for a while, whatever the rotations say (a swap)."""
    body = {"user_id": user, "start": parse_when(start), "end": parse_when(end), "note": note}
    made = client_of(ctx).call("POST", f"/schedules/{schedule_id}/overrides", json=body)
    done(made, as_json, f"Override {made['id']}: {made['user_id']} is on call on {schedule_id} then.")


@schedule_app.command("unoverride")
def schedule_unoverride(
    ctx: typer.Context, schedule_id: ScheduleArg, override_id: Annotated[int, typer.Argument()]
) -> None:
    """Remove an override."""
    client_of(ctx).call("DELETE", f"/schedules/{schedule_id}/overrides/{override_id}")
    console.print(f"Removed override {override_id} of {schedule_id}.")


@schedule_app.command("feed")
def schedule_feed(ctx: typer.Context, schedule_id: ScheduleArg) -> None:
    """Make a secret calendar feed URL of the schedule (an earlier one stops working)."""
    feed = client_of(ctx).call("POST", f"/schedules/{schedule_id}/feed")
    console.print("Subscribe to this URL in a calendar app (keep it secret):")
    print(feed["url"])


@schedule_app.command("remove")
def schedule_remove(ctx: typer.Context, schedule_id: ScheduleArg) -> None:
    """Remove a schedule (refused while a policy pages it)."""
    client_of(ctx).call("DELETE", f"/schedules/{schedule_id}")
    console.print(f"Removed schedule {schedule_id}.")


@oncall_app.command("now")
def oncall_now(
    ctx: typer.Context,
    at: Annotated[str | None, typer.Option(help="Another moment (ISO time) instead of now.")] = None,
    schedule: Annotated[str | None, typer.Option(help="Only this schedule.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Who is on call now (or at --at), until when, and who is next."""
    client = client_of(ctx)
    params = {
        key: value for key, value in (("at", parse_when(at) if at else None), ("schedule", schedule)) if value
    }
    if as_json:
        print_json(client.call("GET", "/oncall", params=params))
        return
    moment = datetime.fromisoformat(params["at"]) if "at" in params else SystemClock().now()
    found = [client.call("GET", f"/schedules/{schedule}")] if schedule else client.call("GET", "/schedules")
    if not found:
        raise CliError("there are no schedules yet; add one with `tocsin schedule add`")
    schedules = [ScheduleOut.model_validate(item).to_domain() for item in found]
    console.print(on_call_now_table(schedules, moment, user_names=_names(client)))


@oncall_app.command("show")
def oncall_show(
    ctx: typer.Context,
    schedule_id: ScheduleArg,
    days: Annotated[int, typer.Option(min=1, max=366, help="How many days ahead.")] = 14,
    as_json: JsonOpt = False,
) -> None:
    """The schedule's shifts for the coming days, in its own time zone."""
    client = client_of(ctx)
    found = client.call("GET", f"/schedules/{schedule_id}")
    if as_json:
        print_json(client.call("GET", f"/schedules/{schedule_id}/shifts", params={"days": days}))
        return
    schedule = ScheduleOut.model_validate(found).to_domain()
    now = SystemClock().now()
    console.print(upcoming_shifts_table(schedule, now, days, user_names=_names(client)))
    for override in found["overrides"]:
        console.print(
            Text(
                f"override {override['id']}: {override['user_id']} from "
                f"{format_local(datetime.fromisoformat(override['start']), schedule.tz)} to "
                f"{format_local(datetime.fromisoformat(override['end']), schedule.tz)} {override['note']}".rstrip()
            )
        )
