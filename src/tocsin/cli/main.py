"""``tocsin``: the command line. Works on the local database, or on a server with ``--server``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from tocsin import __version__
from tocsin.cli import admin, alert, channel, incident, integration, oncall, people, policy, runbook, user
from tocsin.cli.client import CliError, Target
from tocsin.config import Settings
from tocsin.errors import TocsinError

__all__ = ["app", "main"]

app = typer.Typer(
    name="tocsin",
    help="Incident response from the first alert to the finished postmortem.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        print(f"tocsin {__version__}")
        raise typer.Exit


@app.callback()
def root(
    ctx: typer.Context,
    data_dir: Annotated[
        Path | None, typer.Option(envvar="TOCSIN_DATA_DIR", help="Where the embedded database lives.")
    ] = None,
    server: Annotated[
        str | None, typer.Option(envvar="TOCSIN_SERVER", help="Talk to this tocsin server instead.")
    ] = None,
    token: Annotated[str | None, typer.Option(envvar="TOCSIN_TOKEN", help="API token for --server.")] = None,
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True)] = False,
) -> None:
    settings = Settings()
    if data_dir is not None:
        settings.data_dir = data_dir
    ctx.obj = Target(settings=settings, server=server, token=token)
    ctx.call_on_close(ctx.obj.close)


app.command()(admin.serve)
app.command()(admin.worker)
app.add_typer(incident.app, name="incident")
app.add_typer(integration.app, name="integration")
app.add_typer(alert.app, name="alert")
app.add_typer(runbook.app, name="runbook")
app.add_typer(admin.db_app, name="db")
app.add_typer(admin.token_app, name="token")
user.register(people.user_app)  # sign-in accounts live beside the paged people
app.add_typer(people.user_app, name="user")
app.add_typer(people.team_app, name="team")
app.add_typer(oncall.schedule_app, name="schedule")
app.add_typer(oncall.oncall_app, name="oncall")
app.add_typer(policy.app, name="policy")
app.add_typer(channel.app, name="channel")


def main() -> None:
    """Entry point: one clear line and a non-zero exit for every expected failure."""
    try:
        app(standalone_mode=False)
    except CliError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        sys.exit(exc.exit_code)
    except TocsinError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        sys.exit(1)
    except typer.Abort:
        sys.exit(130)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:  # click usage errors and the like
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        raise
