"""``/api/v1/integrations``: where alerts come from. Create, list, show, rotate, revoke, configure (admin).

An integration's key is shown once, when it is created or rotated, together with the URL its sender
posts to; afterwards only its first characters are shown. The Grafana HMAC secret is write-only.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request, status
from pydantic import BaseModel, ConfigDict, Field

from tocsin.services.container import Services
from tocsin.services.integrations import IntegrationSettings, SourceName
from tocsin.services.tokens import ApiRole, Principal
from tocsin.store.integrations import StoredIntegration
from tocsin.web.auth import require, services_of

__all__ = [
    "CreatedIntegrationOut",
    "IntegrationIn",
    "IntegrationOut",
    "IntegrationSettingsIn",
    "IntegrationSettingsOut",
    "SeverityRuleIn",
    "router",
    "webhook_path",
]

router = APIRouter(prefix="/integrations", tags=["integrations"])
Admin = Annotated[Principal, Depends(require(ApiRole.ADMIN))]
Svc = Annotated[Services, Depends(services_of)]

_NAME = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"  # it is a path segment of this API: keep it URL-safe
_MAX_WINDOW_S = 30 * 24 * 3600
_LABEL_NAME = Annotated[str, Field(min_length=1, max_length=128)]


def webhook_path(source: SourceName, key: str) -> str:
    """The path a sender posts to; for PagerDuty senders the key goes in the body as ``routing_key``."""
    if source is SourceName.PAGERDUTY:
        return "/v2/enqueue"
    return f"/integrations/{source.value}/{key}"


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SeverityRuleIn(_In):
    matchers: str = Field(
        min_length=1, max_length=1000, description='Alertmanager matchers, e.g. severity="critical",team="db"'
    )
    severity: str = Field(min_length=1, max_length=50, description="a level of the scheme, e.g. SEV1")


class IntegrationSettingsIn(_In):
    """How the integration's alerts become incidents; every field has a safe default."""

    severity_rules: list[SeverityRuleIn] = Field(default_factory=list, max_length=100)
    default_severity: str | None = Field(default=None, max_length=50)
    use_source_severity: bool = True
    group_by: list[_LABEL_NAME] = Field(default_factory=list, max_length=32)
    group_window_s: int | None = Field(default=None, ge=1, le=_MAX_WINDOW_S)
    auto_resolve: bool = True
    reopen_window_s: int = Field(default=3600, ge=0, le=_MAX_WINDOW_S)
    service_labels: list[_LABEL_NAME] = Field(default_factory=list, max_length=32)
    signing_secret: str | None = Field(
        default=None,
        min_length=1,
        max_length=512,
        description="Grafana HMAC secret (write-only). On update, leave it out to keep the current one, "
        "or send null to stop checking signatures.",
    )

    def to_settings(self, keep_secret: str | None = None) -> IntegrationSettings:
        secret = self.signing_secret if "signing_secret" in self.model_fields_set else keep_secret
        return IntegrationSettings(
            severity_rules=tuple((rule.matchers, rule.severity) for rule in self.severity_rules),
            default_severity=self.default_severity,
            use_source_severity=self.use_source_severity,
            group_by=tuple(self.group_by),
            group_window_s=self.group_window_s,
            auto_resolve=self.auto_resolve,
            reopen_window_s=self.reopen_window_s,
            service_labels=tuple(self.service_labels),
            signing_secret=secret,
        )


class IntegrationIn(_In):
    name: str = Field(min_length=1, max_length=100, pattern=_NAME)
    source: SourceName
    settings: IntegrationSettingsIn = Field(default_factory=IntegrationSettingsIn)


class SeverityRuleOut(BaseModel):
    matchers: str
    severity: str


class IntegrationSettingsOut(BaseModel):
    severity_rules: list[SeverityRuleOut]
    default_severity: str | None
    use_source_severity: bool
    group_by: list[str]
    group_window_s: int | None
    auto_resolve: bool
    reopen_window_s: int
    service_labels: list[str]
    signed: bool = Field(description="whether requests must carry a valid Grafana HMAC signature")

    @classmethod
    def of(cls, settings: IntegrationSettings) -> IntegrationSettingsOut:
        return cls(
            severity_rules=[SeverityRuleOut(matchers=m, severity=s) for m, s in settings.severity_rules],
            default_severity=settings.default_severity,
            use_source_severity=settings.use_source_severity,
            group_by=list(settings.group_by),
            group_window_s=settings.group_window_s,
            auto_resolve=settings.auto_resolve,
            reopen_window_s=settings.reopen_window_s,
            service_labels=list(settings.service_labels),
            signed=bool(settings.signing_secret),
        )


class IntegrationOut(BaseModel):
    name: str
    source: SourceName
    active: bool
    key_prefix: str = Field(description="the first characters of the key, to tell keys apart")
    created_at: datetime
    rotated_at: datetime | None
    revoked_at: datetime | None
    last_alert_at: datetime | None
    alert_count: int
    settings: IntegrationSettingsOut

    @classmethod
    def of(cls, found: StoredIntegration) -> IntegrationOut:
        return cls(
            name=found.name,
            source=SourceName(found.source),
            active=found.active,
            key_prefix=found.key_prefix,
            created_at=found.created_at,
            rotated_at=found.rotated_at,
            revoked_at=found.revoked_at,
            last_alert_at=found.last_alert_at,
            alert_count=found.alert_count,
            settings=IntegrationSettingsOut.of(IntegrationSettings.from_json(found.settings)),
        )


class CreatedIntegrationOut(IntegrationOut):
    key: str = Field(description="the secret key; shown only now")
    webhook_path: str = Field(description="where the sender posts, relative to tocsin's base URL")
    webhook_url: str = Field(description="the same, absolute, as this request reached tocsin")


def _with_key(request: Request, found: StoredIntegration, key: str) -> CreatedIntegrationOut:
    path = webhook_path(SourceName(found.source), key)
    base = str(request.base_url).rstrip("/")
    return CreatedIntegrationOut(
        **IntegrationOut.of(found).model_dump(), key=key, webhook_path=path, webhook_url=base + path
    )


@router.get("", summary="Every integration (never its key)")
def list_integrations(_: Admin, services: Svc) -> list[IntegrationOut]:
    return [IntegrationOut.of(found) for found in services.integrations.list()]


@router.post(
    "", status_code=status.HTTP_201_CREATED, summary="Create an integration; its key is shown only now"
)
def create_integration(
    body: IntegrationIn, request: Request, _: Admin, services: Svc
) -> CreatedIntegrationOut:
    created, key = services.integrations.create(body.name, body.source, body.settings.to_settings())
    return _with_key(request, created, key)


@router.get("/{name}", summary="One integration (never its key)")
def show_integration(name: str, _: Admin, services: Svc) -> IntegrationOut:
    return IntegrationOut.of(services.integrations.get(name))


@router.post("/{name}/rotate", summary="Give the integration a new key; the old one stops working at once")
def rotate_integration(name: str, request: Request, _: Admin, services: Svc) -> CreatedIntegrationOut:
    rotated, key = services.integrations.rotate(name)
    return _with_key(request, rotated, key)


@router.delete(
    "/{name}", status_code=status.HTTP_204_NO_CONTENT, summary="Revoke: its key stops working for good"
)
def revoke_integration(name: str, _: Admin, services: Svc) -> None:
    services.integrations.revoke(name)


@router.put("/{name}/settings", summary="Replace the integration's settings")
def update_settings(name: str, body: IntegrationSettingsIn, _: Admin, services: Svc) -> IntegrationOut:
    current = IntegrationSettings.from_json(services.integrations.get(name).settings)
    updated = services.integrations.update_settings(name, body.to_settings(current.signing_secret))
    return IntegrationOut.of(updated)
