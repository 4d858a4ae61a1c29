"""``tocsin runbook ...``: lint, import, list, show, export and apply runbooks."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from tocsin.cli.client import CliError, Target
from tocsin.cli.render import console, print_json, when
from tocsin.cli.runbook_lint import lint_command, read_runbook_file

__all__ = ["app"]

app = typer.Typer(help="Runbooks as configuration: lint, import, export and apply.", no_args_is_help=True)

JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]
NameArg = Annotated[str, typer.Argument(help="The playbook's name (the file name's stem by default).")]
VersionOpt = Annotated[int | None, typer.Option("--version", "-v", min=1, help="Default: the latest.")]


@app.command()
def lint(
    file: Annotated[Path, typer.Argument(help="A Markdown runbook.")],
    as_json: JsonOpt = False,
) -> None:
    """Show what tocsin understands of a runbook, and every line it does not (stores nothing)."""
    code = lint_command(file, as_json)
    if code:
        raise typer.Exit(code)


def _read(file: Path) -> str:
    try:
        return read_runbook_file(file)
    except (OSError, ValueError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        raise CliError(f"cannot read runbook {file}: {reason}") from error


@app.command("import")
def import_(
    ctx: typer.Context,
    files: Annotated[list[Path], typer.Argument(help="Markdown runbooks or playbook YAML files.")],
    name: Annotated[str | None, typer.Option(help="Store under this name (one file only).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Import runbooks; a changed file becomes a new version, an unchanged one is left as it is."""
    if name and len(files) > 1:
        raise CliError("--name names one playbook; import one file at a time with it")
    target: Target = ctx.obj
    results = []
    for file in files:
        body = {"content": _read(file), "source_name": file.name, "name": name}
        results.append(target.client().call("POST", "/playbooks", json=body))
    if as_json:
        print_json(results)
        return
    for result in results:
        verb = "Imported" if result["created"] else "Unchanged:"
        counts = ", ".join(
            f"{n} {k.replace('_', ' ')}" for k, n in result["contents"].items() if k != "unparsed"
        )
        console.print(f"{verb} [bold]{escape(result['playbook'])}[/] v{result['version']} ({counts})")
        if result["unparsed"]:
            console.print(f"  {len(result['unparsed'])} lines not understood: see `tocsin runbook lint`")


@app.command("list")
def list_(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """Imported playbooks and which one is active."""
    target: Target = ctx.obj
    rows = target.client().call("GET", "/playbooks")
    if as_json:
        print_json(rows)
        return
    table = Table(title="Playbooks", title_justify="left")
    for column in ("Name", "Latest", "Active", "Scenarios", "Imported"):
        table.add_column(column)
    for row in rows:
        active = "yes" if row["active"] else ""
        table.add_row(
            escape(row["playbook"]),
            f"v{row['version']}",
            active,
            str(row["contents"]["scenarios"]),
            when(row["created_at"]),
        )
    console.print(table)


@app.command()
def show(ctx: typer.Context, name: NameArg, version: VersionOpt = None, as_json: JsonOpt = False) -> None:
    """What a playbook version holds: severities, escalation, scenarios, templates, checklists."""
    target: Target = ctx.obj
    params = {"version": version} if version else None
    data = target.client().call("GET", f"/playbooks/{name}", params=params)
    if as_json:
        print_json(data)
        return
    _print_version(data)


def _print_version(data: dict[str, Any]) -> None:
    lint = data["lint"]
    state = " (active)" if data["active"] else ""
    console.print(
        f"[bold]{escape(data['playbook'])}[/] v{data['version']}{state} from {escape(data['source_name'])}"
    )
    for level in lint.get("severities", []):
        targets = f"ack {_dur(level['response_target_s'])}, resolve {_dur(level['resolution_target_s'])}"
        console.print(f"  severity {escape(level['name'])}: {targets}")
    for level in lint.get("escalation", []):
        console.print(f"  escalation L{level['level']}: {escape(level['target'])} ({_dur(level['delay_s'])})")
    for scenario in lint.get("scenarios", []):
        console.print(f"  scenario: {escape(scenario['title'])} ({len(scenario['steps'])} steps)")
    for template in lint.get("templates", []):
        console.print(f"  template: {escape(template['name'])}")
    for checklist in lint.get("checklists", []):
        console.print(f"  checklist: {escape(checklist['name'])} ({len(checklist['items'])} items)")


def _dur(seconds: int | None) -> str:
    if seconds is None:
        return "no target"
    if seconds % 3600 == 0:
        return f"{seconds // 3600}h"
    return f"{seconds // 60}m" if seconds % 60 == 0 else f"{seconds}s"


@app.command()
def export(
    ctx: typer.Context,
    name: NameArg,
    fmt: Annotated[str, typer.Option("--format", help="yaml")] = "yaml",
    version: VersionOpt = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")
    ] = None,
) -> None:
    """Export a playbook version as YAML: edit it, then `tocsin runbook import FILE.yaml`."""
    if fmt != "yaml":
        raise CliError(f"unknown format {fmt!r}; the one export format is yaml")
    target: Target = ctx.obj
    params: dict[str, Any] = {"format": fmt} | ({"version": version} if version else {})
    response = target.client().http.get(f"/api/v1/playbooks/{name}/export", params=params)
    if response.status_code >= 400:
        raise CliError(response.json().get("detail", f"export failed ({response.status_code})"))
    if output:
        output.write_text(response.text, encoding="utf-8")
        console.print(f"Wrote {output}")
    else:
        print(response.text, end="")


@app.command()
def apply(ctx: typer.Context, name: NameArg, version: VersionOpt = None, as_json: JsonOpt = False) -> None:
    """Make a playbook version the active configuration (severities, escalation, templates, checklists)."""
    target: Target = ctx.obj
    result = target.client().call("POST", f"/playbooks/{name}/apply", json={"version": version})
    if as_json:
        print_json(result)
        return
    applied = result["applied"]
    console.print(f"Applied [bold]{escape(applied['playbook'])}[/] v{applied['version']}:")
    for change in result["changes"]:
        console.print(f"  {escape(change)}")
