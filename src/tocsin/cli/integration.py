"""``tocsin integration ...``: create, list, show, configure, rotate and revoke alert integrations.

An integration's key is printed once, when it is created or rotated, with the URL to give the sender.
Locally, that URL is built from ``TOCSIN_BASE_URL`` (or ``http://HOST:PORT``); with ``--server``, from the
server's address.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from tocsin.cli.client import ApiClient, CliError, Target
from tocsin.cli.render import console, print_json, when
from tocsin.domain.durations import parse_duration

__all__ = ["app", "parse_severity_rule", "parse_window_seconds"]

app = typer.Typer(
    help="Alert integrations: where alerts come from, and how they become incidents.", no_args_is_help=True
)

JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]
NameArg = Annotated[str, typer.Argument(help="The integration's name.")]
SOURCES = ("alertmanager", "pagerduty", "grafana", "generic")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")


def parse_severity_rule(text: str) -> dict[str, str]:
    """``'severity="critical"=SEV1'`` (or ``'... -> SEV1'``) as the API's ``{matchers, severity}``.

    The severity is what follows the last ``=`` (level names never contain one), so matchers may use
    ``=``, ``!=``, ``=~`` and commas freely: ``'team="db",env=~"prod.*"=SEV2'``.
    """
    matchers, arrow, severity = text.rpartition("->")
    if not arrow:
        matchers, _, severity = text.rpartition("=")
    matchers, severity = matchers.strip(), severity.strip()
    if not matchers or not severity or matchers.endswith(("=", "!", "~")):
        raise CliError(
            f"cannot read severity rule {text!r}: write MATCHERS=SEVERITY, e.g. 'severity=\"critical\"=SEV1'"
        )
    return {"matchers": matchers, "severity": severity}


def parse_window_seconds(text: str, option: str) -> int:
    """A window such as ``90s``, ``10m``, ``1h30m`` or a number of seconds, in whole seconds."""
    stripped = text.strip()
    found = timedelta(seconds=int(stripped)) if stripped.isdigit() else parse_duration(stripped)
    if found is None:
        raise CliError(f"{option} {text!r} is not a duration; write it like 90s, 10m or 1h30m")
    return int(found.total_seconds())


def _client(ctx: typer.Context) -> ApiClient:
    target: Target = ctx.obj
    return target.client()


def _base_url(ctx: typer.Context) -> str:
    """Where senders reach tocsin: the server given, or this machine's configured public URL."""
    target: Target = ctx.obj
    return (target.server or target.settings.public_url()).rstrip("/")


def _settings_body(
    *,
    current: dict[str, Any],
    default_severity: str | None,
    severity_rules: list[str] | None,
    group_by: list[str] | None,
    group_window: str | None,
    reopen_window: str | None,
    auto_resolve: bool | None,
    source_severity: bool | None,
    service_labels: list[str] | None,
    signing_secret: str | None,
) -> dict[str, Any]:
    """The settings to send: ``current`` with every option that was given replacing its field."""
    body = {key: value for key, value in current.items() if key != "signed"}
    changes: dict[str, Any] = {
        "default_severity": default_severity,
        "severity_rules": [parse_severity_rule(rule) for rule in severity_rules] if severity_rules else None,
        "group_by": group_by or None,
        "group_window_s": parse_window_seconds(group_window, "--group-window") if group_window else None,
        "reopen_window_s": parse_window_seconds(reopen_window, "--reopen-window") if reopen_window else None,
        "auto_resolve": auto_resolve,
        "use_source_severity": source_severity,
        "service_labels": service_labels or None,
        "signing_secret": signing_secret,
    }
    body |= {key: value for key, value in changes.items() if value is not None}
    return body


_WHERE = {
    "alertmanager": "Alertmanager webhook_configs url:",
    "grafana": "Grafana webhook contact point URL:",
    "generic": "POST alerts as JSON to:",
    "pagerduty": "PagerDuty Events API v2 URL (the key is the routing_key):",
}


def _print_key(ctx: typer.Context, item: dict[str, Any], verb: str) -> None:
    # The key and the URL go out unwrapped, one per line, so they can be copied whole.
    console.print(f"{verb} integration [bold]{escape(item['name'])}[/] ({item['source']}).")
    console.print("Its key is shown only now:")
    print(item["key"])
    console.print(_WHERE[item["source"]])
    print(_base_url(ctx) + item["webhook_path"])


def _print_integration(item: dict[str, Any]) -> None:
    settings = item["settings"]
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold")
    table.add_column()
    rules = [f"{rule['matchers']} -> {rule['severity']}" for rule in settings["severity_rules"]]
    window = settings["group_window_s"]
    rows = [
        ("Integration", f"{item['name']} ({item['source']})"),
        ("Status", "active" if item["active"] else f"revoked {when(item['revoked_at'])}"),
        ("Key", f"{item['key_prefix']}…"),
        ("Created", when(item["created_at"])),
        ("Alerts", f"{item['alert_count']} (last {when(item['last_alert_at'])})"),
        ("Severity rules", "; ".join(rules) or "-"),
        ("Default severity", settings["default_severity"] or "-"),
        ("Sender's severity", "used" if settings["use_source_severity"] else "ignored"),
        ("Group by", ", ".join(settings["group_by"]) or "the sender's grouping"),
        ("Group window", f"{window} s" if window else "-"),
        ("Auto-resolve", "yes" if settings["auto_resolve"] else "no"),
        ("Reopen window", f"{settings['reopen_window_s']} s"),
        ("Service labels", ", ".join(settings["service_labels"]) or "default"),
    ]
    if item["source"] == "grafana":
        rows.append(("HMAC signature", "required" if settings["signed"] else "not checked"))
    for key, value in rows:
        table.add_row(key, escape(value))  # names, matchers and labels are user input: never markup
    console.print(table)


RuleOpt = Annotated[
    list[str] | None,
    typer.Option("--severity-rule", help="MATCHERS=SEVERITY, e.g. 'severity=\"critical\"=SEV1'; repeat."),
]
DefaultOpt = Annotated[
    str | None, typer.Option("--default-severity", help="When no rule or sender severity applies.")
]
GroupByOpt = Annotated[
    list[str] | None, typer.Option("--group-by", help="Group alerts by this label; repeat. '...' = all.")
]
GroupWindowOpt = Annotated[
    str | None, typer.Option("--group-window", help="An alert joins its group's incident only this long.")
]
ReopenOpt = Annotated[
    str | None,
    typer.Option("--reopen-window", help="A re-firing alert reopens a resolved incident this long."),
]
AutoResolveOpt = Annotated[
    bool | None,
    typer.Option("--auto-resolve/--no-auto-resolve", help="Resolve the incident when its alerts resolve."),
]
SourceSeverityOpt = Annotated[
    bool | None,
    typer.Option("--source-severity/--no-source-severity", help="Use the sender's own severity word."),
]
ServiceLabelOpt = Annotated[
    list[str] | None, typer.Option("--service-label", help="Label naming the service; repeat, in order.")
]
SecretOpt = Annotated[
    str | None, typer.Option("--signing-secret", help="Grafana only: the contact point's HMAC secret.")
]


@app.command()
def create(
    ctx: typer.Context,
    source: Annotated[str, typer.Option(help="alertmanager, pagerduty, grafana or generic.")],
    name: Annotated[str, typer.Option(help="A name for it: letters, digits, '.', '_' and '-'.")],
    default_severity: DefaultOpt = None,
    severity_rule: RuleOpt = None,
    group_by: GroupByOpt = None,
    group_window: GroupWindowOpt = None,
    reopen_window: ReopenOpt = None,
    auto_resolve: AutoResolveOpt = None,
    source_severity: SourceSeverityOpt = None,
    service_label: ServiceLabelOpt = None,
    signing_secret: SecretOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Create an integration; its key and webhook URL are printed once."""
    if source not in SOURCES:
        raise CliError(f"unknown source {source!r}; choose one of {', '.join(SOURCES)}")
    if not _NAME.fullmatch(name):
        raise CliError(f"cannot name an integration {name!r}: use letters, digits, '.', '_' and '-'")
    settings = _settings_body(
        current={}, default_severity=default_severity, severity_rules=severity_rule, group_by=group_by,
        group_window=group_window, reopen_window=reopen_window, auto_resolve=auto_resolve,
        source_severity=source_severity, service_labels=service_label, signing_secret=signing_secret,
    )  # fmt: skip
    body = {"name": name, "source": source, "settings": settings}
    created = _client(ctx).call("POST", "/integrations", json=body)
    created["webhook_url"] = _base_url(ctx) + created["webhook_path"]
    if as_json:
        print_json(created)
    else:
        _print_key(ctx, created, "Created")


@app.command("list")
def list_(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """List integrations (never their keys)."""
    items = _client(ctx).call("GET", "/integrations")
    if as_json:
        print_json(items)
        return
    table = Table(title=f"Integrations ({len(items)})", title_justify="left")
    for column in ("Name", "Source", "Key", "Status", "Alerts", "Last alert"):
        table.add_column(column)
    for item in items:
        status = "active" if item["active"] else "[dim]revoked[/]"
        table.add_row(
            escape(item["name"]),
            item["source"],
            f"{item['key_prefix']}…",
            status,
            str(item["alert_count"]),
            when(item["last_alert_at"]),
        )
    console.print(table)


@app.command()
def show(ctx: typer.Context, name: NameArg, as_json: JsonOpt = False) -> None:
    """Show an integration and its settings."""
    item = _client(ctx).call("GET", f"/integrations/{name}")
    print_json(item) if as_json else _print_integration(item)


@app.command()
def update(
    ctx: typer.Context,
    name: NameArg,
    default_severity: DefaultOpt = None,
    severity_rule: RuleOpt = None,
    group_by: GroupByOpt = None,
    group_window: GroupWindowOpt = None,
    reopen_window: ReopenOpt = None,
    auto_resolve: AutoResolveOpt = None,
    source_severity: SourceSeverityOpt = None,
    service_label: ServiceLabelOpt = None,
    signing_secret: SecretOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Change an integration's settings; options left out keep their value (a given list replaces it)."""
    client = _client(ctx)
    current = client.call("GET", f"/integrations/{name}")["settings"]
    body = _settings_body(
        current=current, default_severity=default_severity, severity_rules=severity_rule,
        group_by=group_by, group_window=group_window, reopen_window=reopen_window,
        auto_resolve=auto_resolve, source_severity=source_severity, service_labels=service_label,
        signing_secret=signing_secret,
    )  # fmt: skip
    item = client.call("PUT", f"/integrations/{name}/settings", json=body)
    print_json(item) if as_json else _print_integration(item)


@app.command()
def rotate(ctx: typer.Context, name: NameArg, as_json: JsonOpt = False) -> None:
    """Give the integration a new key; the old one stops working at once."""
    rotated = _client(ctx).call("POST", f"/integrations/{name}/rotate")
    rotated["webhook_url"] = _base_url(ctx) + rotated["webhook_path"]
    if as_json:
        print_json(rotated)
    else:
        _print_key(ctx, rotated, "Rotated")


@app.command()
def revoke(ctx: typer.Context, name: NameArg) -> None:
    """Revoke an integration: its key stops working for good (its alerts and incidents stay)."""
    _client(ctx).call("DELETE", f"/integrations/{name}")
    console.print(f"Revoked {escape(name)}.")
