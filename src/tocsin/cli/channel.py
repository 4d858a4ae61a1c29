"""``tocsin channel ...``: how tocsin reaches people (SMTP, Slack, signed webhooks, PagerDuty, console).

Settings are given as ``--set name=value`` (``tocsin channel kinds`` lists each kind's settings). Secrets
are never printed back.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from tocsin.cli.client import CliError
from tocsin.cli.paging_args import client_of, done, parse_setting
from tocsin.cli.render import console, print_json

__all__ = ["app"]

app = typer.Typer(help="Notification channels: how people are reached.", no_args_is_help=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]
ChannelArg = Annotated[str, typer.Argument(help="The channel's id, e.g. email (users' rules name it).")]
SetOpt = Annotated[list[str] | None, typer.Option("--set", help="A setting, name=value; repeat.")]


def _settings(specs: list[str]) -> dict[str, Any]:
    return dict(parse_setting(spec) for spec in specs)


@app.command("kinds")
def channel_kinds(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """The installed channel kinds and their settings."""
    kinds = client_of(ctx).call("GET", "/channels/kinds")
    if as_json:
        print_json(kinds)
        return
    for kind in kinds:
        limit = f" (at most {kind['throttle']})" if kind["throttle"] else ""
        console.print(Text(f"{kind['kind']}: {kind['display_name']}{limit}", style="bold"))
        for field in kind["fields"]:
            flags = ", ".join(
                flag for flag, on in (("required", field["required"]), ("secret", field["secret"])) if on
            )
            default = f" [default {field['default']}]" if field["default"] not in (None, "") else ""
            console.print(
                Text(f"  {field['name']:16} {field['help']}{default}" + (f" ({flags})" if flags else ""))
            )


@app.command("add")
def channel_add(
    ctx: typer.Context,
    channel_id: ChannelArg,
    kind: Annotated[str, typer.Option(help="email, slack, webhook, pagerduty, console, ...")],
    setting: SetOpt = None,
    enabled: Annotated[bool, typer.Option("--enabled/--disabled")] = True,
    as_json: JsonOpt = False,
) -> None:
    """Configure a channel; its settings are checked now."""
    body = {"id": channel_id, "kind": kind, "config": _settings(setting or []), "enabled": enabled}
    created = client_of(ctx).call("POST", "/channels", json=body)
    done(created, as_json, f"Added channel [bold]{created['id']}[/] ({created['kind']}).")


@app.command("list")
def channel_list(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """List configured channels (secrets hidden)."""
    channels = client_of(ctx).call("GET", "/channels")
    if as_json:
        print_json(channels)
        return
    table = Table(title=f"Channels ({len(channels)})", title_justify="left")
    for column in ("Id", "Kind", "Enabled", "Settings"):
        table.add_column(column)
    for channel in channels:
        settings = ", ".join(f"{name}={value}" for name, value in channel["config"].items())
        table.add_row(
            Text(channel["id"]), Text(channel["kind"]), "yes" if channel["enabled"] else "no", Text(settings)
        )
    console.print(table)


@app.command("set")
def channel_set(
    ctx: typer.Context,
    channel_id: ChannelArg,
    setting: SetOpt = None,
    enabled: Annotated[bool | None, typer.Option("--enable/--disable")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Change some settings (the others stay), or switch a channel on or off."""
    client = client_of(ctx)
    config = None
    if setting:
        config = client.call("GET", f"/channels/{channel_id}")["config"] | _settings(setting)
    if config is None and enabled is None:
        raise CliError("nothing to change: give --set name=value, --enable or --disable")
    updated = client.call("PATCH", f"/channels/{channel_id}", json={"config": config, "enabled": enabled})
    done(updated, as_json, f"Updated channel {updated['id']}.")


@app.command("remove")
def channel_remove(ctx: typer.Context, channel_id: ChannelArg) -> None:
    """Remove a channel (refused while a user's rule names it)."""
    client_of(ctx).call("DELETE", f"/channels/{channel_id}")
    console.print(f"Removed channel {channel_id}.")


@app.command("test")
def channel_test(
    ctx: typer.Context,
    channel_id: ChannelArg,
    user: Annotated[str, typer.Option(help="Who receives the test message.")],
) -> None:
    """Send a test message now and say what the receiver answered."""
    result = client_of(ctx).call("POST", f"/channels/{channel_id}/test", json={"user": user})
    if result["status"] != "sent":
        raise CliError(f"the test message was not delivered: {result['reason']}")
    console.print(f"Sent a test message to {user} on {channel_id}.")


@app.command("slack")
def channel_slack(
    ctx: typer.Context,
    signing_secret: Annotated[str | None, typer.Option(help="The Slack app's signing secret.")] = None,
    off: Annotated[bool, typer.Option("--off", help="Stop accepting slash commands.")] = False,
) -> None:
    """Set up Slack's /incident slash command: the app's signing secret, and the URL to give Slack."""
    client = client_of(ctx)
    if signing_secret or off:
        state = client.call("PUT", "/slack", json={"signing_secret": None if off else signing_secret})
    else:
        state = client.call("GET", "/slack")
    if state["configured"]:
        console.print(
            f"Slash commands are on. In your Slack app, set the command's Request URL to {state['command_url']}"
        )
    else:
        console.print(
            "Slash commands are off. Turn them on with --signing-secret (from your Slack app's settings)."
        )
