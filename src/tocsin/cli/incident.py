"""``tocsin incident ...``: declare, list, show and change incidents."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

import typer
from rich.markup import escape

from tocsin.cli.client import ApiClient, Target
from tocsin.cli.render import console, print_incident, print_incidents, print_json, print_timeline

__all__ = ["app"]

app = typer.Typer(help="Declare, list, show and change incidents.", no_args_is_help=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]
IdArg = Annotated[str, typer.Argument(help="The incident, e.g. INC-42 (or 42).")]


def _client(ctx: typer.Context) -> ApiClient:
    target: Target = ctx.obj
    return target.client()


def _done(data: dict[str, Any], as_json: bool, message: str) -> None:
    if as_json:
        print_json(data)
    else:
        console.print(message)


@app.command()
def declare(
    ctx: typer.Context,
    title: Annotated[str, typer.Argument(help="What is wrong, in a few words.")],
    severity: Annotated[str, typer.Option("--severity", "-s", help="SEV1..SEV4 or an alias (P0, Critical).")],
    service: Annotated[
        list[str] | None, typer.Option("--service", help="An affected service; repeat.")
    ] = None,
    summary: Annotated[str, typer.Option(help="What is known so far.")] = "",
    commander: Annotated[str | None, typer.Option(help="The incident commander.")] = None,
    customer_facing: Annotated[bool, typer.Option("--customer-facing/--internal")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Declare a new incident."""
    body: dict[str, Any] = {
        "title": title,
        "severity": severity,
        "services": service or [],
        "summary": summary,
    }
    body |= {"commander": commander, "customer_facing": customer_facing}
    item = _client(ctx).call("POST", "/incidents", json=body)
    _done(item, as_json, f"Declared [bold]{item['id']}[/] ({item['severity']}).")


@app.command("list")
def list_(
    ctx: typer.Context,
    state: Annotated[list[str] | None, typer.Option(help="Only these states; repeat.")] = None,
    severity: Annotated[list[str] | None, typer.Option(help="Only these severities; repeat.")] = None,
    service: Annotated[str | None, typer.Option(help="Only incidents affecting this service.")] = None,
    since: Annotated[
        datetime | None, typer.Option(help="Started at or after (ISO time, UTC if no zone).")
    ] = None,
    until: Annotated[datetime | None, typer.Option(help="Started before (ISO time).")] = None,
    limit: Annotated[int, typer.Option(min=1, max=500)] = 50,
    offset: Annotated[int, typer.Option(min=0)] = 0,
    as_json: JsonOpt = False,
) -> None:
    """List incidents, newest first."""
    params: dict[str, Any] = {
        "state": state or [],
        "severity": severity or [],
        "limit": limit,
        "offset": offset,
    }
    if service:
        params["service"] = service
    for key, value in (("since", since), ("until", until)):
        if value is not None:
            params[key] = (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()
    page = _client(ctx).call("GET", "/incidents", params=params)
    print_json(page) if as_json else print_incidents(page)


@app.command()
def show(ctx: typer.Context, incident: IdArg, as_json: JsonOpt = False) -> None:
    """Show an incident, its derived times and its timeline."""
    client = _client(ctx)
    item = client.call("GET", f"/incidents/{incident}")
    entries = client.call("GET", f"/incidents/{incident}/timeline")
    if as_json:
        print_json(item | {"timeline": entries})
        return
    print_incident(item)
    print_timeline(entries)


@app.command()
def ack(ctx: typer.Context, incident: IdArg, as_json: JsonOpt = False) -> None:
    """Acknowledge: you are on it (stops escalation)."""
    item = _client(ctx).call("POST", f"/incidents/{incident}/ack")
    _done(item, as_json, f"{item['id']} acknowledged by {item['acknowledged_by']}.")


@app.command()
def state(
    ctx: typer.Context,
    incident: IdArg,
    new_state: Annotated[
        str, typer.Argument(metavar="STATE", help="investigating, identified, mitigating, ...")
    ],
    note: Annotated[str, typer.Option(help="Why, for the timeline.")] = "",
    as_json: JsonOpt = False,
) -> None:
    """Move an incident through its lifecycle."""
    item = _client(ctx).call("POST", f"/incidents/{incident}/state", json={"state": new_state, "note": note})
    _done(item, as_json, f"{item['id']} is now {item['state']}.")


@app.command()
def resolve(
    ctx: typer.Context,
    incident: IdArg,
    note: Annotated[str, typer.Option(help="How it was resolved.")] = "",
    as_json: JsonOpt = False,
) -> None:
    """Resolve an incident."""
    item = _client(ctx).call("POST", f"/incidents/{incident}/resolve", json={"note": note})
    _done(item, as_json, f"{item['id']} resolved.")


@app.command()
def severity(
    ctx: typer.Context,
    incident: IdArg,
    level: Annotated[str, typer.Argument(metavar="SEVERITY")],
    as_json: JsonOpt = False,
) -> None:
    """Change an incident's severity."""
    item = _client(ctx).call("POST", f"/incidents/{incident}/severity", json={"severity": level})
    _done(item, as_json, f"{item['id']} is now {item['severity']}.")


@app.command()
def assign(
    ctx: typer.Context,
    incident: IdArg,
    role: Annotated[str, typer.Argument(help="commander, communications or scribe")],
    person: Annotated[str, typer.Argument()],
    as_json: JsonOpt = False,
) -> None:
    """Assign an incident role."""
    item = _client(ctx).call("POST", f"/incidents/{incident}/roles", json={"role": role, "person": person})
    _done(item, as_json, f"{item['id']}: {role} is {person}.")


@app.command()
def note(
    ctx: typer.Context, incident: IdArg, text: Annotated[str, typer.Argument()], as_json: JsonOpt = False
) -> None:
    """Add a note to the timeline."""
    item = _client(ctx).call("POST", f"/incidents/{incident}/notes", json={"text": text})
    _done(item, as_json, f"Noted on {item['id']}.")


@app.command()
def link(
    ctx: typer.Context,
    incident: IdArg,
    url: Annotated[str, typer.Argument()],
    title: Annotated[str, typer.Option(help="What the link is.")] = "",
    as_json: JsonOpt = False,
) -> None:
    """Attach a link (dashboard, ticket, doc)."""
    item = _client(ctx).call("POST", f"/incidents/{incident}/links", json={"url": url, "title": title})
    _done(item, as_json, f"Linked to {item['id']}.")


@app.command()
def message(
    ctx: typer.Context,
    incident: IdArg,
    template: Annotated[str | None, typer.Argument(help="A template's name; leave out to list them.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """The runbook's message templates for an incident, filled with its facts (ready to post)."""
    client = _client(ctx)
    if template is None:
        templates = client.call("GET", f"/incidents/{incident}/messages")
        if as_json:
            print_json(templates)
            return
        for item in templates:
            console.print(f"{escape(item['name'])}  [dim]({item['kind']})[/]")
        return
    filled = client.call("GET", f"/incidents/{incident}/messages/{template}")
    if as_json:
        print_json(filled)
        return
    print(filled["text"])
    if filled["unfilled"]:
        console.print(f"[yellow]still to write: {escape(', '.join(filled['unfilled']))}[/]", highlight=False)
