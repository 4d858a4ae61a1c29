"""``tocsin serve``, ``tocsin worker``, ``tocsin db upgrade`` and ``tocsin token ...``."""

from __future__ import annotations

import logging
from typing import Annotated

import typer

from tocsin.app import serve as serve_app
from tocsin.cli.client import Target
from tocsin.cli.render import console, print_json
from tocsin.store import migrate

__all__ = ["db_app", "serve", "token_app", "worker"]

db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens.", no_args_is_help=True)


def _logging(level: str) -> None:
    logging.basicConfig(level=level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # Alembic announces its context on every readiness probe; only its warnings matter to an operator.
    logging.getLogger("alembic").setLevel(max(logging.WARNING, logging.getLogger().level))


def serve(
    ctx: typer.Context,
    host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
    worker: Annotated[bool, typer.Option("--worker/--no-worker", help="Run the worker in-process.")] = True,
    demo: Annotated[bool, typer.Option(help="Load demo data first (only into an empty database).")] = False,
) -> None:
    """Serve the web app, the API and (by default) the worker."""
    target: Target = ctx.obj
    settings = target.settings
    if host:
        settings.host = host
    if port:
        settings.port = port
    _logging(settings.log_level)
    runtime = target.runtime()
    if demo:
        from tocsin.demo import load_demo

        for line in load_demo(runtime):
            console.print(line)
    console.print(
        f"tocsin is serving on [bold]{settings.public_url()}[/]  (API: {settings.public_url()}/api/v1/docs)"
    )
    serve_app(runtime, with_worker=worker)


def worker(ctx: typer.Context) -> None:
    """Run a worker alone: claims due jobs (timers, deliveries) until interrupted."""
    target: Target = ctx.obj
    _logging(target.settings.log_level)
    runner = target.runtime().worker()
    try:
        runner.run_forever()
    except KeyboardInterrupt:
        runner.stop()


@db_app.command()
def upgrade(ctx: typer.Context) -> None:
    """Bring the database schema up to date (safe to run again)."""
    target: Target = ctx.obj
    runtime = target.runtime()
    console.print(f"database schema at {migrate.current_revision(runtime.services.db)} (current)")


@token_app.command("create")
def token_create(
    ctx: typer.Context,
    name: Annotated[str, typer.Option(help="What the token is for, e.g. 'grafana' or 'alice-laptop'.")],
    role: Annotated[str, typer.Option(help="viewer, responder or admin")] = "responder",
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Create an API token; its secret is printed once."""
    target: Target = ctx.obj
    created = target.client().call("POST", "/tokens", json={"name": name, "role": role})
    if as_json:
        print_json(created)
        return
    console.print(f"Created token [bold]{created['name']}[/] ({created['role']}). It is shown only now:")
    print(created["token"])


@token_app.command("list")
def token_list(ctx: typer.Context, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List API tokens (never their secrets)."""
    target: Target = ctx.obj
    tokens = target.client().call("GET", "/tokens")
    if as_json:
        print_json(tokens)
        return
    for token in tokens:
        status = "revoked" if token["revoked_at"] else "active"
        console.print(f"{token['name']:24} {token['role']:10} {token['prefix']}…  {status}")


@token_app.command("revoke")
def token_revoke(ctx: typer.Context, name: Annotated[str, typer.Argument()]) -> None:
    """Revoke an API token."""
    target: Target = ctx.obj
    target.client().call("DELETE", f"/tokens/{name}")
    console.print(f"Revoked {name}.")
