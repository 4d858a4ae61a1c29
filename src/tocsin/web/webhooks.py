"""Alert webhooks: Alertmanager, PagerDuty Events v2, Grafana and the generic JSON webhook.

Every request is answered 2xx only after its alerts are committed. Bad bodies get 400 with the reason
(nothing stored, a counter and a log line); unknown and revoked keys get the same 404; bodies over the
limit get 413; when ingest cannot keep up, 503 (which senders retry).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from prometheus_client import Counter

from tocsin.builtin.sources import (
    AlertmanagerSource,
    GenericWebhookSource,
    GrafanaSigning,
    GrafanaSource,
    PagerDutySource,
    pagerduty_accepted,
    pagerduty_change_accepted,
    pagerduty_rejected,
)
from tocsin.errors import NotFound, PayloadTooLarge, TocsinError, Unavailable
from tocsin.plugins.sources import AlertSource
from tocsin.services.container import Services
from tocsin.services.ingest import IngestResult, Submission
from tocsin.services.integrations import IntegrationSettings, SourceName
from tocsin.store.integrations import StoredIntegration
from tocsin.web.auth import services_of
from tocsin.web.problems import problem

__all__ = ["router"]

log = logging.getLogger("tocsin.webhooks")
RECEIVED = Counter("tocsin_alerts_received_total", "Alerts accepted by source", ["source"])
REJECTED = Counter("tocsin_webhooks_rejected_total", "Webhook requests refused", ["source", "code"])

router = APIRouter(tags=["alert webhooks"])
_COMMIT_TIMEOUT_S = 30.0
_ALERTMANAGER = AlertmanagerSource()
_GENERIC = GenericWebhookSource()
_PAGERDUTY = PagerDutySource()
_UNKNOWN_KEY = "no active integration has this key"


async def _read_body(request: Request, limit: int, source: str) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"{source} body is {declared} bytes; the limit is {limit} bytes", limit=limit)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise PayloadTooLarge(f"{source} body is over the limit of {limit} bytes", limit=limit)
    return bytes(body)


def _integration(services: Services, key: str, source: SourceName) -> StoredIntegration:
    found = services.integrations.by_key(key)
    if found is None or found.source != source.value:
        raise NotFound(_UNKNOWN_KEY, code="unknown_integration")
    return found


async def _commit(services: Services, submission: Submission) -> IngestResult:
    try:
        async with asyncio.timeout(_COMMIT_TIMEOUT_S):  # cheaper than wait_for: no extra task
            return await services.ingest_queue.commit(submission)
    except TimeoutError:
        raise Unavailable("the alert store is slow to commit; retry shortly", code="ingest_timeout") from None


def _refused(source: str, error: TocsinError, request: Request) -> JSONResponse:
    REJECTED.labels(source, error.code).inc()
    log.warning(
        "refused %s webhook from %s: %s", source, request.client.host if request.client else "?", error
    )
    headers = {"Retry-After": "5"} if isinstance(error, Unavailable) else None
    response = problem(error.status, error.code, error.message, **error.details)
    if headers:
        response.headers.update(headers)
    return response


def _accepted(result: IngestResult) -> dict[str, Any]:
    return {
        "status": "accepted",
        "alerts": result.accepted,
        "repeats": result.repeats,
        "resolved": result.resolved,
        "incidents_opened": result.incidents_opened,
        "incidents": sorted(result.incidents_touched),
    }


async def _ingest(request: Request, key: str, source: SourceName, parser: AlertSource | None) -> JSONResponse:
    services = services_of(request)
    try:
        integration = _integration(services, key, source)
        if parser is None:  # Grafana: the parser carries the integration's own signing secret
            parser = _grafana_parser(services, integration)
        body = await _read_body(request, parser.max_body_bytes, source.value)
        batch = parser.parse(body, request.headers)
        result = await _commit(services, Submission(integration, batch))
    except TocsinError as error:
        return _refused(source.value, error, request)
    RECEIVED.labels(source.value).inc(result.accepted)
    return JSONResponse(_accepted(result), status_code=202 if source == SourceName.GENERIC else 200)


def _grafana_parser(services: Services, integration: StoredIntegration) -> GrafanaSource:
    secret = IntegrationSettings.from_json(integration.settings).signing_secret
    signing = GrafanaSigning(secret=secret.encode()) if secret else None
    return GrafanaSource(signing=signing, clock=services.clock)


@router.post("/integrations/alertmanager/{key}", summary="Alertmanager webhook (version 4)")
async def alertmanager(key: str, request: Request) -> JSONResponse:
    return await _ingest(request, key, SourceName.ALERTMANAGER, _ALERTMANAGER)


@router.post("/integrations/grafana/{key}", summary="Grafana unified alerting webhook")
async def grafana(key: str, request: Request) -> JSONResponse:
    return await _ingest(request, key, SourceName.GRAFANA, None)


@router.post("/integrations/generic/{key}", summary="Generic JSON webhook (see docs/integrations)")
async def generic(key: str, request: Request) -> JSONResponse:
    return await _ingest(request, key, SourceName.GENERIC, _GENERIC)


def _pd_error(error: TocsinError, request: Request) -> JSONResponse:
    REJECTED.labels("pagerduty", error.code).inc()
    log.warning("refused PagerDuty event: %s", error)
    if isinstance(error, Unavailable):
        body = {"status": "unavailable", "message": error.message, "errors": [error.message]}
        return JSONResponse(body, status_code=503, headers={"Retry-After": "5"})
    if isinstance(error, NotFound):
        body = {"status": "invalid event", "message": "Event object is invalid", "errors": [_UNKNOWN_KEY]}
        return JSONResponse(body, status_code=404)
    return JSONResponse(pagerduty_rejected(error), status_code=error.status if error.status < 500 else 400)


@router.post("/v2/enqueue", status_code=202, summary="PagerDuty Events API v2: trigger, acknowledge, resolve")
async def pagerduty_enqueue(request: Request) -> JSONResponse:
    services = services_of(request)
    try:
        body = await _read_body(request, _PAGERDUTY.max_body_bytes, "PagerDuty event")
        batch = _PAGERDUTY.parse(body, request.headers)
        integration = _integration(services, batch.integration_key or "", SourceName.PAGERDUTY)
        await _commit(services, Submission(integration, batch))
    except TocsinError as error:
        return _pd_error(error, request)
    RECEIVED.labels("pagerduty").inc()
    return JSONResponse(pagerduty_accepted(batch.alerts[0].dedup_key), status_code=202)


@router.post("/v2/change/enqueue", status_code=202, summary="PagerDuty Events API v2: change events")
async def pagerduty_change(request: Request) -> JSONResponse:
    services = services_of(request)
    try:
        body = await _read_body(request, _PAGERDUTY.max_body_bytes, "PagerDuty change event")
        change = _PAGERDUTY.parse_change(body, request.headers)
        integration = _integration(services, change.integration_key, SourceName.PAGERDUTY)
        change_id = await asyncio.to_thread(services.changes.record, integration, change)
    except TocsinError as error:
        return _pd_error(error, request)
    return JSONResponse(pagerduty_change_accepted(change_id), status_code=202)
