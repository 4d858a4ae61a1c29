"""``tocsin user ...`` and ``tocsin team ...``: who can be paged, and how each person is reached."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from tocsin.cli.client import CliError
from tocsin.cli.paging_args import client_of, done, parse_minutes
from tocsin.cli.render import console, print_json

__all__ = ["team_app", "user_app"]

user_app = typer.Typer(help="Users who can be paged, and their notification rules.", no_args_is_help=True)
team_app = typer.Typer(help="Teams: paging a team pages every member.", no_args_is_help=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]
UserArg = Annotated[str, typer.Argument(help="The user's id, e.g. alice.")]
RuleOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--rule", help="CHANNEL:DELAY, e.g. slack:0 or webhook:2m; repeat, in order. Default: email at once."
    ),
]


def _rules(specs: list[str]) -> list[dict[str, Any]]:
    rules = []
    for spec in specs:
        channel, _, delay = spec.partition(":")
        if not channel:
            raise CliError(f"{spec!r} is not a rule; write it like email:0 or webhook:2m")
        rules.append({"channel": channel, "delay_minutes": parse_minutes(delay) if delay else 0})
    return rules


def _describe_rule(rule: dict[str, Any]) -> str:
    delay = rule["delay_minutes"]
    return f"{rule['channel']} " + (f"after {delay:g} min" if delay else "at once")


def _describe_rules(rules: list[dict[str, Any]]) -> str:
    """``"slack at once, webhook after 2 min"``."""
    return ", ".join(_describe_rule(rule) for rule in rules) if rules else "email at once (default)"


@user_app.command("add")
def user_add(
    ctx: typer.Context,
    user_id: UserArg,
    name: Annotated[str, typer.Option(help="Full name, as messages show it.")],
    email: Annotated[str | None, typer.Option(help="E-mail address.")] = None,
    slack: Annotated[str | None, typer.Option(help="Slack member id, like U024BE7LH.")] = None,
    phone: Annotated[str | None, typer.Option(help="Phone number.")] = None,
    tz: Annotated[str, typer.Option(help="Time zone, e.g. Europe/Berlin.")] = "UTC",
    rule: RuleOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Add a user."""
    body = {
        "id": user_id,
        "name": name,
        "email": email,
        "slack_user_id": slack,
        "phone": phone,
        "time_zone": tz,
    }
    created = client_of(ctx).call("POST", "/users", json=body | {"rules": _rules(rule or [])})
    done(created, as_json, f"Added user [bold]{created['id']}[/] ({_describe_rules(created['rules'])}).")


@user_app.command("list")
def user_list(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """List users."""
    users = client_of(ctx).call("GET", "/users")
    if as_json:
        print_json(users)
        return
    table = Table(title=f"Users ({len(users)})", title_justify="left")
    for column in ("Id", "Name", "E-mail", "Slack", "Zone", "Reached by"):
        table.add_column(column)
    for user in users:
        cells = (
            user["id"],
            user["name"],
            user["email"] or "-",
            user["slack_user_id"] or "-",
            user["time_zone"],
        )
        table.add_row(*(Text(str(cell)) for cell in cells), Text(_describe_rules(user["rules"])))
    console.print(table)


@user_app.command("show")
def user_show(ctx: typer.Context, user_id: UserArg, as_json: JsonOpt = False) -> None:
    """Show a user, their rules and teams."""
    user = client_of(ctx).call("GET", f"/users/{user_id}")
    if as_json:
        print_json(user)
        return
    console.print(Text(f"{user['id']}: {user['name']}", style="bold"))
    for label, key in (
        ("E-mail", "email"),
        ("Slack", "slack_user_id"),
        ("Phone", "phone"),
        ("Zone", "time_zone"),
    ):
        console.print(Text(f"  {label + ':':8} {user[key] or '-'}"))
    console.print(Text(f"  Reached: {_describe_rules(user['rules'])}"))
    console.print(Text(f"  Teams:   {', '.join(user['teams']) or '-'}"))


@user_app.command("edit")
def user_edit(
    ctx: typer.Context,
    user_id: UserArg,
    name: Annotated[str | None, typer.Option()] = None,
    email: Annotated[str | None, typer.Option()] = None,
    slack: Annotated[str | None, typer.Option()] = None,
    phone: Annotated[str | None, typer.Option()] = None,
    tz: Annotated[str | None, typer.Option()] = None,
    as_json: JsonOpt = False,
) -> None:
    """Change a user's details (what is not given stays)."""
    client = client_of(ctx)
    user = client.call("GET", f"/users/{user_id}")
    changes = {"name": name, "email": email, "slack_user_id": slack, "phone": phone, "time_zone": tz}
    body = {key: user[key] for key in ("name", "email", "slack_user_id", "phone", "time_zone", "rules")}
    body |= {key: value for key, value in changes.items() if value is not None}
    updated = client.call("PUT", f"/users/{user_id}", json=body)
    done(updated, as_json, f"Updated {updated['id']}.")


@user_app.command("rules")
def user_rules(
    ctx: typer.Context,
    user_id: UserArg,
    rules: Annotated[
        list[str], typer.Argument(help="CHANNEL:DELAY in order, e.g. slack:0 email:0 webhook:2m")
    ],
    as_json: JsonOpt = False,
) -> None:
    """Replace how a user is reached once paged."""
    updated = client_of(ctx).call("PUT", f"/users/{user_id}/rules", json=_rules(rules))
    done(updated, as_json, f"{updated['id']} is reached by: {_describe_rules(updated['rules'])}.")


@user_app.command("remove")
def user_remove(ctx: typer.Context, user_id: UserArg) -> None:
    """Remove a user (refused while a policy or rotation names them)."""
    client_of(ctx).call("DELETE", f"/users/{user_id}")
    console.print(f"Removed {user_id}.")


@user_app.command("feed")
def user_feed(ctx: typer.Context, user_id: UserArg) -> None:
    """Make a secret calendar feed URL of a user's shifts (an earlier one stops working)."""
    feed = client_of(ctx).call("POST", f"/users/{user_id}/feed")
    console.print("Subscribe to this URL in your calendar app (keep it secret):")
    print(feed["url"])


@team_app.command("add")
def team_add(
    ctx: typer.Context,
    team_id: Annotated[str, typer.Argument(help="The team's id, e.g. db-team.")],
    name: Annotated[str, typer.Option(help="The team's name.")],
    member: Annotated[list[str] | None, typer.Option("--member", help="A member's user id; repeat.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Add a team."""
    created = client_of(ctx).call(
        "POST", "/teams", json={"id": team_id, "name": name, "members": member or []}
    )
    done(created, as_json, f"Added team [bold]{created['id']}[/] ({len(created['members'])} members).")


@team_app.command("list")
def team_list(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """List teams."""
    teams = client_of(ctx).call("GET", "/teams")
    if as_json:
        print_json(teams)
        return
    table = Table(title=f"Teams ({len(teams)})", title_justify="left")
    for column in ("Id", "Name", "Members"):
        table.add_column(column)
    for team in teams:
        table.add_row(Text(team["id"]), Text(team["name"]), Text(", ".join(team["members"]) or "-"))
    console.print(table)


@team_app.command("members")
def team_members(
    ctx: typer.Context,
    team_id: Annotated[str, typer.Argument()],
    members: Annotated[list[str], typer.Argument(help="User ids: the team's members from now on.")],
    as_json: JsonOpt = False,
) -> None:
    """Replace a team's members."""
    updated = client_of(ctx).call("PATCH", f"/teams/{team_id}", json={"members": members})
    done(updated, as_json, f"{updated['id']}: {', '.join(updated['members'])}.")


@team_app.command("remove")
def team_remove(ctx: typer.Context, team_id: Annotated[str, typer.Argument()]) -> None:
    """Remove a team (refused while a policy pages it)."""
    client_of(ctx).call("DELETE", f"/teams/{team_id}")
    console.print(f"Removed team {team_id}.")
