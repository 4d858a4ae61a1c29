"""Alert ingest throughput: Alertmanager webhook batches and single PagerDuty events against ``tocsin serve``.

From this process, over loopback, into a ``tocsin serve`` subprocess (SQLite, then PostgreSQL on a scratch
database): 100,000 Alertmanager alerts in webhook batches of 50 (1,000 groups of 50 alerts with realistic
label sets, about 1% distinct groups; each group sent twice, the second time as an identical repeat, with
a fifth of its alerts resolved, or all resolved), then single PagerDuty events, one per request. Every
alert is durable when its request is answered (SQLite ``synchronous=FULL``). The same batches go to
Debian's Alertmanager ``/api/v2/alerts`` as the reference.

Reported: accepted alerts/s, p50/p99 request latency, peak RSS of the server; checked against the targets
in issue 4. Run: ``.venv/bin/python bench/ingest.py`` (``--help`` for the knobs); ``make bench`` runs it
with the others. Exit status 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from common import ALERTMANAGER, Alertmanager, LoadResult, Request, TocsinServer, run_load

ALERTNAMES = {
    "HighLatency": "warning", "HighErrorRate": "critical", "DiskFull": "critical", "HostOutOfMemory": "critical",
    "CPUThrottlingHigh": "warning", "PodCrashLooping": "warning", "ReplicasMismatch": "warning",
    "PostgresReplicationLag": "critical", "RedisDown": "critical", "TargetDown": "warning",
    "FilesystemAlmostFull": "warning", "HTTPProbeFailed": "critical", "CertificateExpiringSoon": "info",
    "QueueBacklogGrowing": "warning", "KafkaConsumerLag": "warning", "ContainerOOMKilled": "warning",
    "CronJobFailed": "warning", "SLOBurnRateHigh": "critical", "DNSErrors": "warning", "TLSHandshakeErrors": "info",
}  # fmt: skip
TEAMS = ("payments", "checkout", "search", "platform", "data")
SERVICES = tuple(
    f"{name}-{tier}"
    for name in ("api", "web", "worker", "billing", "ledger", "catalog", "cart", "auth", "notify", "reports")
    for tier in ("eu", "us", "ap", "edge", "batch")
)  # 50 services x 20 alert names = 1,000 groups

TARGET_RATIO = 0.25  # of Alertmanager's own alerts/s, on SQLite
TARGET_EVENTS = 1500.0  # single PagerDuty events/s
TARGET_P99_MS = 100.0
TARGET_RSS_MB = 300.0


@dataclass(frozen=True)
class Workload:
    webhooks: list[list[dict[str, Any]]]  # the alerts of each webhook message, in sending order
    group_keys: list[str]
    alerts: int


def _group_alerts(alertname: str, service: str, size: int, at: datetime) -> list[dict[str, Any]]:
    team = TEAMS[hash(service) % len(TEAMS)]
    alerts = []
    for n in range(size):
        instance = f"{service}-{n:02d}.prod.internal:9100"
        labels = {
            "alertname": alertname, "service": service, "severity": ALERTNAMES[alertname], "team": team,
            "instance": instance, "job": "node-exporter" if n % 3 else service, "namespace": "prod",
            "cluster": "prod-eu-west-1", "pod": f"{service}-7d9f{n:04x}",
        }  # fmt: skip
        annotations = {
            "summary": f"{alertname} on {instance}",
            "description": f"{alertname} has been firing for {service} on {instance} for more than 5 minutes. "
            "Check the dashboard and the recent deploys.",
            "runbook_url": f"https://runbooks.example.org/{alertname.lower()}",
        }
        fingerprint = hashlib.sha256(json.dumps(sorted(labels.items())).encode()).hexdigest()[:16]
        alerts.append(
            {
                "status": "firing", "labels": labels, "annotations": annotations,
                "startsAt": at.isoformat().replace("+00:00", "Z"), "endsAt": "0001-01-01T00:00:00Z",
                "generatorURL": f"http://prometheus.local/graph?g0.expr={alertname}", "fingerprint": fingerprint,
            }
        )  # fmt: skip
    return alerts


def _resolved(alert: dict[str, Any], at: datetime) -> dict[str, Any]:
    return alert | {"status": "resolved", "endsAt": at.isoformat().replace("+00:00", "Z")}


def build_workload(total_alerts: int, batch: int, seed: int = 4) -> Workload:
    """Groups of ``batch`` alerts, each sent twice: first firing, then repeated with some resolved."""
    rng = random.Random(seed)
    groups = total_alerts // batch // 2
    at = datetime.now(UTC) - timedelta(minutes=10)
    pairs = [(name, service) for service in SERVICES for name in ALERTNAMES][:groups]
    firing = {pair: _group_alerts(*pair, batch, at) for pair in pairs}
    second: dict[tuple[str, str], list[dict[str, Any]]] = {}
    ended = at + timedelta(minutes=5)
    for pair in pairs:
        fate = rng.random()
        if fate < 0.7:  # an identical repeat, as Alertmanager re-sends
            second[pair] = firing[pair]
        elif fate < 0.9:  # a fifth resolved; the group still fires
            second[pair] = [_resolved(a, ended) if i % 5 == 0 else a for i, a in enumerate(firing[pair])]
        else:  # all resolved: the incident auto-resolves
            second[pair] = [_resolved(a, ended) for a in firing[pair]]
    rounds = []
    for messages in (firing, second):
        order = list(pairs)
        rng.shuffle(order)
        rounds += [(pair, messages[pair]) for pair in order]
    keys = [f'{{}}:{{alertname="{name}", service="{service}"}}' for (name, service), _ in rounds]
    return Workload([alerts for _, alerts in rounds], keys, sum(len(alerts) for _, alerts in rounds))


def webhook_requests(workload: Workload, key: str) -> list[Request]:
    """The batches as Alertmanager's webhook sends them (version 4)."""
    requests = []
    for group_key, alerts in zip(workload.group_keys, workload.webhooks, strict=True):
        firing = any(alert["status"] == "firing" for alert in alerts)
        message: dict[str, Any] = {
            "receiver": "tocsin", "status": "firing" if firing else "resolved", "alerts": alerts,
            "groupLabels": {}, "commonLabels": {}, "commonAnnotations": {}, "externalURL": "http://am:9093",
            "version": "4", "groupKey": group_key, "truncatedAlerts": 0,
        }  # fmt: skip
        requests.append(
            Request(f"/integrations/alertmanager/{key}", json.dumps(message).encode(), len(alerts))
        )
    return requests


def alertmanager_requests(workload: Workload) -> list[Request]:
    """The same batches as Prometheus posts them to Alertmanager's ``/api/v2/alerts``."""
    requests = []
    for alerts in workload.webhooks:
        posted = [
            {
                "labels": alert["labels"], "annotations": alert["annotations"], "startsAt": alert["startsAt"],
                "generatorURL": alert["generatorURL"],
            } | ({"endsAt": alert["endsAt"]} if alert["status"] == "resolved" else {})
            for alert in alerts
        ]  # fmt: skip
        requests.append(Request("/api/v2/alerts", json.dumps(posted).encode(), len(alerts)))
    return requests


def pagerduty_requests(key: str, events: int, checks: int = 200) -> list[Request]:
    """Single events from ``checks`` monitored checks (1% of the events, as the groups of the batches),
    reporting in turn: triggers (a new incident the first time, repeats after), one resolve per check
    at a point staggered across the checks, then triggers again (which reopen the incident)."""
    reports = max(events // checks, 1)
    requests = []
    for n in range(events):
        check, report = n % checks, n // checks
        dedup_key = f"check-{check}"
        if report == 1 + (check * 7) % max(reports - 2, 1):
            event: dict[str, Any] = {"routing_key": key, "event_action": "resolve", "dedup_key": dedup_key}
        else:
            payload = {"summary": f"{dedup_key} failing", "source": f"host-{check}.prod",
                       "severity": ("critical", "error", "warning")[check % 3], "custom_details": {"report": report}}  # fmt: skip
            event = {
                "routing_key": key,
                "event_action": "trigger",
                "dedup_key": dedup_key,
                "payload": payload,
            }
        requests.append(Request("/v2/enqueue", json.dumps(event).encode()))
    return requests


# --- running --------------------------------------------------------------------------------------------


@dataclass
class Figures:
    label: str
    batches: LoadResult | None = None
    events: LoadResult | None = None
    rss_mb: float | None = None
    stored_alerts: int | None = None


def _line(name: str, result: LoadResult, unit: str) -> str:
    rate = result.alerts_per_second
    statuses = ", ".join(f"{code}: {count}" for code, count in sorted(result.statuses.items()))
    unfinished = f", {result.unfinished} not sent (time limit)" if result.unfinished else ""
    return (
        f"  {name:<34} {rate:>9,.0f} {unit}/s  p50 {result.percentile_ms(0.5):6.1f} ms  "
        f"p99 {result.percentile_ms(0.99):6.1f} ms  ({result.sent} requests in {result.seconds:.1f} s; "
        f"{statuses}{unfinished})"
    )


def bench_alertmanager(workdir: Path, workload: Workload, connections: int, limit: float) -> Figures:
    figures = Figures("Alertmanager 0.25 (reference)")
    with Alertmanager(workdir) as alertmanager:
        figures.batches = run_load(
            alertmanager.url, alertmanager_requests(workload), connections=connections, time_limit=limit
        )
        figures.rss_mb = alertmanager.peak_rss_mb()
    return figures


def bench_tocsin(
    label: str, workdir: Path, database_url: str | None, workload: Workload, args: Any
) -> Figures:
    figures = Figures(label)
    server = TocsinServer(workdir, database_url)
    am_key = server.cli("integration", "create", "--source", "alertmanager", "--name", "bench-am")["key"]  # type: ignore[index]
    pd_key = server.cli("integration", "create", "--source", "pagerduty", "--name", "bench-pd")["key"]  # type: ignore[index]
    with server:
        figures.batches = run_load(
            server.url,
            webhook_requests(workload, am_key),
            connections=args.connections,
            time_limit=args.time_limit,
        )
        figures.events = run_load(
            server.url, pagerduty_requests(pd_key, args.events), connections=args.event_connections,
            time_limit=args.time_limit,
        )  # fmt: skip
        figures.rss_mb = server.peak_rss_mb()
        shown = server.cli("integration", "show", "bench-am")
        figures.stored_alerts = shown["alert_count"]  # type: ignore[index]
    return figures


@contextmanager
def scratch_postgres(admin_url: str) -> Iterator[str | None]:
    """A fresh PostgreSQL database for one run, dropped afterwards; ``None`` when there is no server."""
    import psycopg

    name = f"tocsin_bench_{os.getpid()}"
    try:
        admin = psycopg.connect(admin_url, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        print(f"PostgreSQL: skipped ({exc.__class__.__name__}: cannot connect to {admin_url})")
        yield None
        return
    with admin:
        admin.execute(f"CREATE DATABASE {name}")
        try:
            base = admin_url.rsplit("/", 1)[0].removeprefix("postgresql://")
            yield f"postgresql+psycopg://{base}/{name}"
        finally:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _report(figures: Sequence[Figures], reference: Figures | None) -> list[str]:
    """Print every figure; return the targets missed."""
    missed: list[str] = []
    for item in figures:
        rss = f"{item.rss_mb:.0f} MB" if item.rss_mb is not None else "unknown"
        print(f"{item.label}: peak RSS {rss}")
        if item.batches:
            print(_line("Alertmanager batches of 50", item.batches, "alerts"))
        if item.events:
            print(_line("single PagerDuty events", item.events, "events"))
        if item.stored_alerts is not None and item.batches:
            print(
                f"  alerts counted by the integration: {item.stored_alerts:,} of {item.batches.accepted_alerts:,} accepted"
            )
    for item in figures:
        if item is reference or item.batches is None:
            continue
        missed += _missed(item, reference)
    return missed


def _missed(item: Figures, reference: Figures | None) -> list[str]:
    missed = []
    assert item.batches is not None
    if reference and reference.batches and item.label.startswith("tocsin on SQLite"):
        ratio = item.batches.alerts_per_second / reference.batches.alerts_per_second
        print(f"  {item.label}: {ratio:.2f}x Alertmanager's alerts/s (target >= {TARGET_RATIO}x)")
        if ratio < TARGET_RATIO:
            missed.append(f"{item.label}: batches at {ratio:.2f}x Alertmanager")
    for name, result in (("batches", item.batches), ("events", item.events)):
        if result is not None and result.percentile_ms(0.99) >= TARGET_P99_MS:
            missed.append(f"{item.label}: {name} p99 {result.percentile_ms(0.99):.0f} ms")
    if item.events is not None and item.events.alerts_per_second < TARGET_EVENTS:
        missed.append(f"{item.label}: {item.events.alerts_per_second:.0f} events/s")
    if item.rss_mb is not None and item.rss_mb >= TARGET_RSS_MB:
        missed.append(f"{item.label}: RSS {item.rss_mb:.0f} MB")
    if item.stored_alerts is not None and item.stored_alerts != item.batches.accepted_alerts:
        missed.append(
            f"{item.label}: {item.stored_alerts} alerts stored, {item.batches.accepted_alerts} accepted"
        )
    return missed


def _arguments(argv: Sequence[str] | None) -> Any:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alerts", type=int, default=100_000, help="Alertmanager alerts to send")
    parser.add_argument("--batch", type=int, default=50, help="alerts per webhook message")
    parser.add_argument("--connections", type=int, default=4, help="concurrent connections for batches")
    parser.add_argument("--events", type=int, default=20_000, help="single PagerDuty events to send")
    parser.add_argument("--event-connections", type=int, default=32, help="concurrent connections for events")
    parser.add_argument("--time-limit", type=float, default=120.0, help="seconds per phase at most")
    parser.add_argument("--postgres-admin-url", default=os.environ.get("TOCSIN_BENCH_PG_ADMIN_URL",
                        "postgresql://postgres@127.0.0.1:5432/postgres"))  # fmt: skip
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--skip-alertmanager", action="store_true")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = _arguments(argv)
    workload = build_workload(args.alerts, args.batch)
    print(f"ingest: {workload.alerts:,} Alertmanager alerts in {len(workload.webhooks):,} batches of {args.batch}, "
          f"{len(set(workload.group_keys)):,} groups; {args.events:,} single PagerDuty events")  # fmt: skip
    figures: list[Figures] = []
    reference = None
    with tempfile.TemporaryDirectory(prefix="tocsin-bench-") as tmp:
        work = Path(tmp)
        if not args.skip_alertmanager and ALERTMANAGER:
            reference = bench_alertmanager(work / "alertmanager", workload, args.connections, args.time_limit)
            figures.append(reference)
        figures.append(bench_tocsin("tocsin on SQLite", work / "sqlite", None, workload, args))
        if not args.skip_postgres:
            with scratch_postgres(args.postgres_admin_url) as url:
                if url:
                    figures.append(
                        bench_tocsin("tocsin on PostgreSQL", work / "postgres", url, workload, args)
                    )
    missed = _report(figures, reference)
    print("ingest: all targets met" if not missed else "ingest: targets missed: " + "; ".join(missed))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
