from __future__ import annotations

from datetime import timedelta

import pytest

from tocsin.errors import InvalidInput
from tocsin.plugins.channels import REDACTED, ConfigField, FieldType, Throttle, parse_config, redact_config

FIELDS = (
    ConfigField("host", FieldType.STRING, "SMTP host", required=True),
    ConfigField("port", FieldType.INTEGER, "port", default=587, minimum=1, maximum=65535),
    ConfigField("verify", FieldType.BOOLEAN, "verify TLS", default=True),
    ConfigField("url", FieldType.URL, "where"),
    ConfigField("sender", FieldType.EMAIL, "from"),
    ConfigField(
        "security", FieldType.CHOICE, "mode", default="starttls", choices=("plain", "starttls", "ssl")
    ),
    ConfigField("password", FieldType.STRING, "secret", secret=True),
)


def test_defaults_fill_absent_fields_and_strings_are_coerced() -> None:
    values = parse_config("email", FIELDS, {"host": "smtp.example.org", "port": "2525", "verify": "false"})
    assert values.text("host") == "smtp.example.org"
    assert values.integer("port") == 2525
    assert values.flag("verify") is False
    assert values.text("security") == "starttls"
    assert values.optional_text("password") is None


@pytest.mark.parametrize(
    ("raw", "field", "says"),
    [
        ({}, "host", "host is required: SMTP host"),
        ({"host": "h", "hots": "typo"}, "hots", "unknown setting 'hots'"),
        ({"host": "h", "port": "abc"}, "port", "must be a whole number"),
        ({"host": "h", "port": True}, "port", "must be a whole number"),
        ({"host": "h", "port": 70000}, "port", "at most 65535"),
        ({"host": "h", "verify": "maybe"}, "verify", "true or false"),
        ({"host": "h", "url": "ftp://x"}, "url", "http(s) URL"),
        ({"host": "h", "url": "https://"}, "url", "http(s) URL"),
        ({"host": "h", "sender": "nobody"}, "sender", "e-mail address"),
        ({"host": "h", "security": "tls"}, "security", "plain, starttls, ssl"),
        ({"host": 42}, "host", "must be text"),
    ],
)
def test_bad_values_name_the_field(raw: dict[str, object], field: str, says: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_config("email", FIELDS, raw)
    assert caught.value.code == "invalid_channel_config"
    assert caught.value.details["field"] == field
    assert says in caught.value.message


def test_a_bad_secret_is_not_echoed_in_the_error() -> None:
    fields = (ConfigField("hook", FieldType.URL, "webhook URL", secret=True),)
    with pytest.raises(InvalidInput) as caught:
        parse_config("slack", fields, {"hook": "hooks.slack.com/services/T0/B0/s3cr3t"})
    assert "s3cr3t" not in caught.value.message
    assert REDACTED in caught.value.message


def test_redact_hides_secret_values_only() -> None:
    shown = redact_config(FIELDS, {"host": "smtp.example.org", "password": "hunter2", "url": ""})
    assert shown == {"host": "smtp.example.org", "password": REDACTED, "url": ""}


@pytest.mark.parametrize(("count", "per"), [(0, timedelta(seconds=1)), (1, timedelta(0))])
def test_a_throttle_must_allow_something(count: int, per: timedelta) -> None:
    with pytest.raises(ValueError, match="at least one message"):
        Throttle(count, per)
