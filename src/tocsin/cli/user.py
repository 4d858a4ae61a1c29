"""``tocsin user create|accounts|set-role|disable|enable|reset-password``: accounts that sign in to the
web UI. (``tocsin user add`` and friends manage the people who get paged; an account and a paged person
may share a name, but neither needs the other.)"""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from tocsin.cli.client import CliError, Target
from tocsin.cli.render import console, print_json, when

__all__ = ["register"]

NameArg = Annotated[str, typer.Argument(help="The account's username, e.g. alice.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]
_ROLES = ("viewer", "responder", "admin")


def _role(value: str) -> str:
    if value not in _ROLES:
        raise CliError(f"{value!r} is not a role; use viewer, responder or admin")
    return value


def create(
    ctx: typer.Context,
    username: NameArg,
    role: Annotated[str, typer.Option(help="viewer, responder or admin.")] = "responder",
    name: Annotated[str, typer.Option(help="Display name.")] = "",
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from stdin instead of generating one.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Create an account that can sign in to the web UI; prints a one-time password unless given one."""
    target: Target = ctx.obj
    body: dict[str, object] = {"username": username, "role": _role(role), "display_name": name}
    if password_stdin:
        body["password"] = sys.stdin.readline().rstrip("\n")
    created = target.client().call("POST", "/accounts", json=body)
    if as_json:
        print_json(created)
        return
    console.print(f"Created account [bold]{created['username']}[/] ({created['role']}).")
    if created["one_time_password"]:
        console.print("One-time password (shown only now; it must be changed at the first sign-in):")
        print(created["one_time_password"])


def accounts(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """List the accounts that can sign in to the web UI."""
    target: Target = ctx.obj
    found = target.client().call("GET", "/accounts")
    if as_json:
        print_json(found)
        return
    table = Table(title=f"Accounts ({len(found)})", title_justify="left")
    for column in ("Username", "Name", "Role", "Status", "Last sign-in"):
        table.add_column(column)
    for account in found:
        status = "active" if account["active"] else "disabled"
        if account["must_change_password"]:
            status += ", one-time password"
        cells = (account["username"], account["display_name"], account["role"], status)
        table.add_row(*(Text(c) for c in cells), when(account["last_login_at"]))
    console.print(table)


def set_role(
    ctx: typer.Context,
    username: NameArg,
    role: Annotated[str, typer.Argument(help="viewer, responder or admin.")],
) -> None:
    """Change an account's role."""
    target: Target = ctx.obj
    changed = target.client().call("PATCH", f"/accounts/{username}", json={"role": _role(role)})
    console.print(f"{changed['username']} is now {changed['role']}.")


def disable(ctx: typer.Context, username: NameArg) -> None:
    """Disable an account: it cannot sign in, and its sessions end."""
    target: Target = ctx.obj
    target.client().call("PATCH", f"/accounts/{username}", json={"active": False})
    console.print(f"Disabled {username}.")


def enable(ctx: typer.Context, username: NameArg) -> None:
    """Enable a disabled account again."""
    target: Target = ctx.obj
    target.client().call("PATCH", f"/accounts/{username}", json={"active": True})
    console.print(f"Enabled {username}.")


def reset_password(ctx: typer.Context, username: NameArg) -> None:
    """Give an account a new one-time password (its sessions end)."""
    target: Target = ctx.obj
    reset = target.client().call("POST", f"/accounts/{username}/reset-password")
    console.print(f"New one-time password for {username} (shown only now):")
    print(reset["one_time_password"])


def register(user_app: typer.Typer) -> None:
    """Add the account commands to ``tocsin user``."""
    user_app.command("create")(create)
    user_app.command("accounts")(accounts)
    user_app.command("set-role")(set_role)
    user_app.command("disable")(disable)
    user_app.command("enable")(enable)
    user_app.command("reset-password")(reset_password)
