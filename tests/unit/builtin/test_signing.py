from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest

from tocsin.builtin.signing import (
    AckClaim,
    generate_webhook_secret,
    make_ack_token,
    new_ack_nonce,
    parse_webhook_secret,
    read_ack_token,
    sign_slack_request,
    sign_webhook,
    verify_slack_request,
    verify_webhook,
    webhook_headers,
)
from tocsin.clock import FakeClock
from tocsin.errors import InvalidInput, Unauthenticated

# Slack's own test vector (PROTOCOLS.md §6.3).
SLACK_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
SLACK_TS = "1531420618"
SLACK_BODY = (
    b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V"
    b"&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text="
    b"&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN"
    b"&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
)
SLACK_SIGNATURE = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
SLACK_NOW = datetime.fromtimestamp(int(SLACK_TS), UTC)

# The Standard Webhooks spec's test vector (PROTOCOLS.md §7).
WH_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
WH_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
WH_TS = 1614265330
WH_BODY = b'{"test": 2432232314}'
WH_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
WH_NOW = datetime.fromtimestamp(WH_TS, UTC)

ACK_SECRET = "an-app-secret-of-enough-length"


# --- Slack -----------------------------------------------------------------------------------------


def test_slack_vector_signs_and_verifies() -> None:
    assert sign_slack_request(SLACK_SECRET, int(SLACK_TS), SLACK_BODY) == SLACK_SIGNATURE
    verify_slack_request(
        SLACK_SECRET, SLACK_BODY, SLACK_TS, SLACK_SIGNATURE, SLACK_NOW + timedelta(seconds=299)
    )


@pytest.mark.parametrize(
    ("body", "signature", "secret"),
    [
        (SLACK_BODY.replace(b"text=", b"text=resolve"), SLACK_SIGNATURE, SLACK_SECRET),
        (SLACK_BODY, SLACK_SIGNATURE[:-1] + "0", SLACK_SECRET),
        (SLACK_BODY, SLACK_SIGNATURE, "another-signing-secret"),
        (SLACK_BODY, "", SLACK_SECRET),
    ],
    ids=["tampered body", "tampered signature", "wrong secret", "no signature"],
)
def test_slack_forgeries_are_refused(body: bytes, signature: str, secret: str) -> None:
    with pytest.raises(Unauthenticated) as caught:
        verify_slack_request(secret, body, SLACK_TS, signature, SLACK_NOW)
    assert caught.value.code == "slack_bad_signature"


@pytest.mark.parametrize("offset", [timedelta(seconds=301), timedelta(hours=-1)])
def test_slack_replays_outside_five_minutes_are_refused(offset: timedelta) -> None:
    clock = FakeClock(SLACK_NOW)
    clock.set(SLACK_NOW + offset)
    with pytest.raises(Unauthenticated) as caught:
        verify_slack_request(SLACK_SECRET, SLACK_BODY, SLACK_TS, SLACK_SIGNATURE, clock.now())
    assert caught.value.code == "slack_stale_request"


def test_slack_malformed_timestamp_is_refused() -> None:
    with pytest.raises(Unauthenticated, match="timestamp"):
        verify_slack_request(SLACK_SECRET, SLACK_BODY, "yesterday", SLACK_SIGNATURE, SLACK_NOW)


# --- Standard Webhooks -----------------------------------------------------------------------------


def test_standard_webhooks_vector() -> None:
    assert sign_webhook(WH_SECRET, WH_ID, WH_TS, WH_BODY) == WH_SIGNATURE


def test_headers_verify_with_any_header_case_and_a_rotated_key_list() -> None:
    headers = webhook_headers(WH_SECRET, WH_ID, WH_NOW, WH_BODY)
    assert headers["webhook-timestamp"] == str(WH_TS)
    rotated = {
        "Webhook-Id": headers["webhook-id"],
        "Webhook-Timestamp": headers["webhook-timestamp"],
        "Webhook-Signature": "v1,b2xkLWtleQ== v1a,ZWQyNTUxOQ== " + headers["webhook-signature"],
    }
    verify_webhook(WH_SECRET, rotated, WH_BODY, WH_NOW)


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"body": b'{"test": 1}'}, "webhook_bad_signature"),
        ({"webhook-id": "msg_other"}, "webhook_bad_signature"),
        ({"webhook-signature": "v1a," + WH_SIGNATURE[3:]}, "webhook_bad_signature"),
        ({"webhook-timestamp": ""}, "webhook_bad_signature"),
        ({"now": WH_NOW + timedelta(minutes=6)}, "webhook_stale_request"),
    ],
)
def test_webhook_tampering_and_replay_are_refused(change: dict[str, object], code: str) -> None:
    headers = {"webhook-id": WH_ID, "webhook-timestamp": str(WH_TS), "webhook-signature": WH_SIGNATURE}
    headers |= {k: v for k, v in change.items() if k.startswith("webhook-")}  # type: ignore[misc]
    body = change.get("body", WH_BODY)
    now = change.get("now", WH_NOW)
    with pytest.raises(Unauthenticated) as caught:
        verify_webhook(WH_SECRET, headers, body, now)  # type: ignore[arg-type]
    assert caught.value.code == code


def test_generated_secrets_are_usable_and_distinct() -> None:
    first, second = generate_webhook_secret(), generate_webhook_secret()
    assert first != second
    assert len(parse_webhook_secret(first)) == 32


@pytest.mark.parametrize(
    "secret",
    ["MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_not base64!", "whsec_" + base64.b64encode(b"short").decode()],
)
def test_bad_webhook_secrets_are_refused(secret: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_webhook_secret(secret)
    assert caught.value.code == "invalid_webhook_secret"


def test_a_message_id_with_a_dot_cannot_be_signed() -> None:
    with pytest.raises(ValueError, match="must not contain"):
        sign_webhook(WH_SECRET, "msg.1", WH_TS, WH_BODY)


# --- acknowledge links -----------------------------------------------------------------------------


def test_ack_token_round_trip_is_url_safe() -> None:
    clock = FakeClock()
    expires = clock.now() + timedelta(hours=1)
    nonce = new_ack_nonce()
    token = make_ack_token(ACK_SECRET, "INC-42", "u-alice", nonce, expires)
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")
    assert read_ack_token(ACK_SECRET, token, clock.now()) == AckClaim("INC-42", "u-alice", nonce, expires)


def test_ack_token_expires() -> None:
    clock = FakeClock()
    token = make_ack_token(ACK_SECRET, "INC-42", "u-alice", "n1", clock.now() + timedelta(minutes=30))
    clock.advance(minutes=29, seconds=59)
    read_ack_token(ACK_SECRET, token, clock.now())
    clock.advance(seconds=1)
    with pytest.raises(Unauthenticated) as caught:
        read_ack_token(ACK_SECRET, token, clock.now())
    assert caught.value.code == "ack_link_expired"


def _swap_payload(token: str, other: str) -> str:
    version, _, signature = token.split(".")
    return f"{version}.{other.split('.')[1]}.{signature}"


def test_tampered_ack_tokens_are_refused() -> None:
    now = FakeClock().now()
    expires = now + timedelta(hours=1)
    token = make_ack_token(ACK_SECRET, "INC-42", "u-alice", "n1", expires)
    for_bob = make_ack_token("someone-elses-secret!!", "INC-42", "u-bob", "n1", expires)
    forgeries = [
        _swap_payload(token, for_bob),  # Bob's claim under Alice's signature
        for_bob,  # signed with the wrong secret
        token[:-2],  # truncated signature
        token.replace("v1.", "v2.", 1),
        "",
        "v1..",
    ]
    for forged in forgeries:
        with pytest.raises(Unauthenticated) as caught:
            read_ack_token(ACK_SECRET, forged, now)
        assert caught.value.code == "ack_link_invalid", forged


def test_a_short_ack_secret_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 16 bytes"):
        make_ack_token("short", "INC-1", "u", "n", datetime(2030, 1, 1, tzinfo=UTC))
