"""``tocsin alert send``: fire (or resolve) a test alert through an integration, as its sender would.

The alert is written in the integration's own format (an Alertmanager message for an Alertmanager
integration, a PagerDuty event for a PagerDuty one, ...). Where it goes:

- with ``--key``, it is posted to the integration's webhook (``--server``'s, or the local app's in
  process), so the key, the parser and the ingest queue are all exercised as for a real sender;
- on the local database without ``--key`` (the key is only shown at creation), the integration is looked
  up by name and the body goes through the same parser and the same ingest queue, without the HTTP hop.
"""

from __future__ import annotations

from typing import Annotated, Any

import httpx
import typer
from rich.markup import escape
from rich.table import Table

from tocsin.builtin.sources import AlertmanagerSource, GenericWebhookSource, GrafanaSource, PagerDutySource
from tocsin.cli.alert_bodies import SentAlert, alert_body
from tocsin.cli.client import CliError, Target
from tocsin.cli.integration import SOURCES
from tocsin.cli.render import console, print_json, when
from tocsin.clock import SystemClock
from tocsin.plugins.sources import AlertSource
from tocsin.services.ingest import Submission

__all__ = ["app", "parse_labels"]

app = typer.Typer(help="Send test alerts; list an incident's alerts.", no_args_is_help=True)

_COMMIT_TIMEOUT_S = 60.0
_PARSERS: dict[str, AlertSource] = {
    "alertmanager": AlertmanagerSource(),
    "grafana": GrafanaSource(),  # the local path is trusted: whoever opens the database is its admin
    "generic": GenericWebhookSource(),
    "pagerduty": PagerDutySource(),
}


def parse_labels(pairs: list[str]) -> dict[str, str]:
    """``["service=api", "env=prod"]`` as a label map; a pair without ``=`` is an error."""
    labels: dict[str, str] = {}
    for pair in pairs:
        name, equals, value = pair.partition("=")
        if not equals or not name.strip():
            raise CliError(f"cannot read label {pair!r}: write it as name=value")
        labels[name.strip()] = value
    return labels


def _webhook_path(source: str, key: str) -> str:
    return "/v2/enqueue" if source == "pagerduty" else f"/integrations/{source}/{key}"


def _refusal(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return f"tocsin answered {response.status_code}: {response.text[:200]}"
    if isinstance(body, dict):
        errors = body.get("errors")
        if isinstance(errors, list) and errors and not body.get("detail"):
            return f"tocsin refused the alert ({response.status_code}): {'; '.join(map(str, errors))}"
        if body.get("detail"):
            return f"tocsin refused the alert ({response.status_code}): {body['detail']} [{body.get('code')}]"
    return f"tocsin answered {response.status_code}"


def _post(target: Target, source: str, key: str, body: bytes) -> dict[str, Any]:
    """Post ``body`` to the integration's webhook: on ``--server``, or in process on the local app."""
    headers = {"Content-Type": "application/json", "User-Agent": "tocsin-cli"}
    path = _webhook_path(source, key)
    try:
        if target.server:
            with httpx.Client(base_url=target.server.rstrip("/"), timeout=30) as http:
                response = http.post(path, content=body, headers=headers)
        else:
            response = target.client().http.post(path, content=body, headers=headers)
    except httpx.HTTPError as exc:
        raise CliError(f"cannot reach the tocsin server: {exc}") from exc
    if response.status_code >= 300:
        raise CliError(_refusal(response))
    answer: dict[str, Any] = response.json()
    return answer


def _ingest_locally(target: Target, name: str, alert: SentAlert) -> dict[str, Any]:
    """Look the integration up in the local database and ingest through the webhook's own queue."""
    services = target.runtime().services
    integration = services.integrations.get(name)
    if not integration.active:
        raise CliError(f"integration {name!r} is revoked; its alerts are refused")
    batch = _PARSERS[integration.source].parse(alert_body(integration.source, alert), {})
    result = services.ingest_queue.submit(Submission(integration, batch)).result(_COMMIT_TIMEOUT_S)
    return {
        "alerts": result.accepted,
        "repeats": result.repeats,
        "resolved": result.resolved,
        "incidents_opened": result.incidents_opened,
        "incidents": sorted(result.incidents_touched),
    }


def _source_of(target: Target, name: str | None, source: str | None) -> str:
    if source is not None:
        if source not in SOURCES:
            raise CliError(f"unknown source {source!r}; choose one of {', '.join(SOURCES)}")
        return source
    if name is None:
        raise CliError("name the integration with --integration (or give both --key and --source)")
    found: str = target.client().call("GET", f"/integrations/{name}")["source"]
    return found


def _report(answer: dict[str, Any], alert: SentAlert, name: str, as_json: bool) -> None:
    report = {**answer, "integration": name, "dedup_key": alert.key, "status": alert.status}
    if as_json:
        print_json(report)
        return
    verb = "Resolved" if alert.resolved else "Fired"
    console.print(f"{verb} [bold]{escape(alert.title)}[/] through {escape(name)} (dedup key {alert.key}).")
    opened, touched = answer.get("incidents_opened") or [], answer.get("incidents") or []
    if opened:
        console.print(f"Opened {', '.join(opened)}.")
    elif touched:
        console.print(f"Updated {', '.join(touched)}.")


@app.command()
def send(
    ctx: typer.Context,
    title: Annotated[str, typer.Option(help="What is wrong, in a few words.")],
    integration: Annotated[
        str | None, typer.Option(help="The integration to send through (its name).")
    ] = None,
    severity: Annotated[
        str, typer.Option(help="The sender's severity: SEV1..SEV4, P0..P3, or critical/error/warning/info.")
    ] = "",
    summary: Annotated[str, typer.Option(help="One line more than the title.")] = "",
    label: Annotated[list[str] | None, typer.Option(help="A label, name=value; repeat.")] = None,
    dedup_key: Annotated[
        str, typer.Option(help="Identifies the alert; default: derived from the title and labels.")
    ] = "",
    resolve: Annotated[
        bool, typer.Option("--resolve", help="Resolve the alert instead of firing it.")
    ] = False,
    key: Annotated[
        str | None,
        typer.Option(envvar="TOCSIN_INTEGRATION_KEY", help="The integration's key: post to its webhook."),
    ] = None,
    source: Annotated[
        str | None, typer.Option(help="The integration's source, to skip looking it up (with --key).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Fire (or with --resolve, resolve) a test alert through an integration."""
    target: Target = ctx.obj
    alert = SentAlert(
        title=title, at=SystemClock().now(), severity=severity, summary=summary,
        labels=parse_labels(label or []), dedup_key=dedup_key, resolved=resolve,
    )  # fmt: skip
    if not title.strip():
        raise CliError("--title must not be empty")
    name = integration or source or "?"
    if key:
        kind = _source_of(target, integration, source)
        answer = _post(target, kind, key, alert_body(kind, alert, routing_key=key))
    elif target.server:
        raise CliError(
            "sending to a server needs the integration's key: pass --key (or TOCSIN_INTEGRATION_KEY); "
            "it was printed by `tocsin integration create` or `rotate`"
        )
    elif integration is None:
        raise CliError("name the integration with --integration")
    else:
        answer = _ingest_locally(target, integration, alert)
    _report(answer, alert, name, as_json)


@app.command("list")
def list_(
    ctx: typer.Context,
    incident: Annotated[str, typer.Argument(help="The incident, e.g. INC-42.")],
    after: Annotated[int, typer.Option(min=0, help="Only alerts with a greater id (the next page).")] = 0,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 100,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """List an incident's alerts, oldest first, one page at a time."""
    target: Target = ctx.obj
    page = target.client().call(
        "GET", f"/incidents/{incident}/alerts", params={"after": after, "limit": limit}
    )
    if as_json:
        print_json(page)
        return
    table = Table(title=f"Alerts of {escape(incident.upper())} ({page['firing']} of {page['total']} firing)")
    for column in ("ID", "Status", "Title", "Integration", "Dedup key", "Events", "Last seen"):
        table.add_column(column)
    for alert in page["items"]:
        style = "bold red" if alert["status"] == "firing" else "green"
        table.add_row(
            str(alert["id"]), f"[{style}]{alert['status']}[/]", escape(alert["title"]),
            escape(alert["integration"]), escape(alert["dedup_key"]), str(alert["event_count"]),
            when(alert["last_seen_at"]),
        )  # fmt: skip
    console.print(table)
    if page["next_after"] is not None:
        console.print(f"[dim]next page: --after {page['next_after']}[/]")
