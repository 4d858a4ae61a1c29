"""``/api/v1/channels``: configured notification channels (secrets never shown back), and Slack commands.

``GET /channels/kinds`` lists the installed channel plugins with the settings each one declares, so a UI
or a script can build the form without knowing the plugin.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, status
from pydantic import BaseModel, ConfigDict, Field

from tocsin.plugins.channels import ConfigValue
from tocsin.services.container import Services
from tocsin.services.tokens import ApiRole, Principal
from tocsin.store.channels_store import ConfiguredChannel
from tocsin.web.auth import require, services_of

__all__ = ["ChannelOut", "router"]

router = APIRouter(tags=["channels"])
Viewer = Annotated[Principal, Depends(require(ApiRole.VIEWER))]
Admin = Annotated[Principal, Depends(require(ApiRole.ADMIN))]
Svc = Annotated[Services, Depends(services_of)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FieldOut(BaseModel):
    name: str
    type: str
    help: str
    required: bool
    secret: bool
    default: ConfigValue | None
    choices: list[str]


class KindOut(BaseModel):
    kind: str
    display_name: str
    fields: list[FieldOut]
    throttle: str | None = Field(description="the channel's own rate limit, e.g. '5 per 5 s'")


class ChannelIn(_In):
    id: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_\-]*$")
    kind: str = Field(min_length=1, max_length=40)
    config: dict[str, ConfigValue] = Field(default_factory=dict)
    enabled: bool = True


class ChannelUpdate(_In):
    config: dict[str, ConfigValue] | None = Field(
        default=None, description="'********' keeps a stored secret"
    )
    enabled: bool | None = None


class ChannelOut(BaseModel):
    id: str
    kind: str
    config: dict[str, Any] = Field(description="secrets shown as '********'")
    enabled: bool
    created_at: datetime | None
    updated_at: datetime | None


class TestIn(_In):
    user: str = Field(min_length=1, max_length=64, description="who receives the test message")


class TestOut(BaseModel):
    status: str
    reason: str
    reference: str | None


class SlackIn(_In):
    signing_secret: str | None = Field(default=None, max_length=200, description="null turns commands off")


class SlackOut(BaseModel):
    configured: bool
    command_url: str


def _out(services: Services, channel: ConfiguredChannel) -> ChannelOut:
    return ChannelOut(
        id=channel.id,
        kind=channel.kind,
        config=services.paging.channels.redacted(channel),
        enabled=channel.enabled,
        created_at=channel.created_at,
        updated_at=channel.updated_at,
    )


@router.get("/channels/kinds", summary="Installed channel kinds and the settings each declares")
def list_kinds(_: Viewer, services: Svc) -> list[KindOut]:
    kinds = []
    for channel in services.paging.channels.registry:
        throttle = channel.throttle
        fields = [
            FieldOut(
                name=f.name,
                type=f.type.value,
                help=f.help,
                required=f.required,
                secret=f.secret,
                default=f.default,
                choices=list(f.choices),
            )
            for f in channel.fields
        ]
        limit = f"{throttle.max_messages} per {throttle.per.total_seconds():g} s" if throttle else None
        kinds.append(
            KindOut(kind=channel.kind, display_name=channel.display_name, fields=fields, throttle=limit)
        )
    return kinds


@router.get("/channels", summary="Configured channels")
def list_channels(_: Viewer, services: Svc) -> list[ChannelOut]:
    return [_out(services, channel) for channel in services.paging.channels.list_channels()]


@router.post("/channels", status_code=status.HTTP_201_CREATED, summary="Configure a channel")
def create_channel(body: ChannelIn, _: Admin, services: Svc) -> ChannelOut:
    created = services.paging.channels.create(body.id, body.kind, body.config, enabled=body.enabled)
    return _out(services, created)


@router.get("/channels/{channel_id}", summary="One configured channel")
def get_channel(channel_id: str, _: Viewer, services: Svc) -> ChannelOut:
    return _out(services, services.paging.channels.get(channel_id))


@router.patch("/channels/{channel_id}", summary="Change a channel's settings, or switch it on or off")
def update_channel(channel_id: str, body: ChannelUpdate, _: Admin, services: Svc) -> ChannelOut:
    changed = services.paging.channels.update(channel_id, config=body.config, enabled=body.enabled)
    return _out(services, changed)


@router.delete("/channels/{channel_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Remove a channel")
def delete_channel(channel_id: str, _: Admin, services: Svc) -> None:
    services.paging.channels.delete(channel_id)


@router.post(
    "/channels/{channel_id}/test", summary="Send a test message now and say what the receiver answered"
)
def send_test_message(channel_id: str, body: TestIn, _: Admin, services: Svc) -> TestOut:
    result = services.paging.channels.send_test(channel_id, body.user)
    return TestOut(status=result.status.value, reason=result.reason, reference=result.reference)


@router.get("/slack", summary="Whether Slack slash commands are set up, and their URL")
def get_slack(_: Admin, services: Svc) -> SlackOut:
    url = services.paging.config.url("/slack/commands")
    return SlackOut(configured=services.paging.channels.slack_configured(), command_url=url)


@router.put("/slack", summary="Set the Slack app's signing secret (verifies /incident commands)")
def set_slack(body: SlackIn, _: Admin, services: Svc) -> SlackOut:
    services.paging.channels.set_slack_signing_secret(body.signing_secret)
    return get_slack(_, services)
