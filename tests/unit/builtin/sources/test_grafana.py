"""Grafana's webhook contact point, version 1, with and without HMAC signing."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta

import pytest

from tests.unit.builtin.sources.payloads import ALERTMANAGER_FIRING, GRAFANA_FIRING, body
from tocsin.builtin.sources import GrafanaSigning, GrafanaSource
from tocsin.builtin.sources.grafana import grafana_signature
from tocsin.clock import FakeClock
from tocsin.domain.alert import AlertSourceKind, AlertStatus
from tocsin.errors import InvalidInput, Unauthenticated
from tocsin.plugins.sources import AlertSource

SECRET = b"contact-point-secret"
NOW = datetime(2026, 3, 2, 9, 0, 30, tzinfo=UTC)


def test_firing_message_is_normalised() -> None:
    source = GrafanaSource()
    assert isinstance(source, AlertSource)
    batch = source.parse(body(GRAFANA_FIRING), {})
    assert batch.source is AlertSourceKind.GRAFANA
    assert batch.title == "[FIRING:1] HighCPU (Infra blue)"
    assert batch.group_key == '{}:{alertname="HighCPU"}'
    (alert,) = batch.alerts
    assert alert.source is AlertSourceKind.GRAFANA
    assert alert.status is AlertStatus.FIRING
    assert alert.dedup_key == "c6eadffa33fcdf37"
    assert alert.title == "HighCPU: CPU above 90%"
    assert alert.labels["grafana_folder"] == "Infra"
    assert alert.details == {
        "value.B": "93.5",
        "value.C": "1",
        "valueString": "[ var='B' labels={} value=93.5 ]",
    }
    assert [link.text for link in alert.links] == [
        "Source",
        "Silence",
    ]  # empty dashboard/panel URLs are dropped
    assert alert.client.url == "https://grafana.example.org/"


def test_alertmanager_body_is_refused_with_a_hint() -> None:
    with pytest.raises(InvalidInput) as caught:
        GrafanaSource().parse(body(ALERTMANAGER_FIRING), {})
    assert "Grafana webhook version 1" in caught.value.message
    assert "Alertmanager" in caught.value.message


class TestSignature:
    def test_signature_is_hex_hmac_sha256_of_the_body_or_of_timestamp_colon_body(self) -> None:
        payload = b'{"a":1}'
        assert grafana_signature(SECRET, payload) == hmac.new(SECRET, payload, hashlib.sha256).hexdigest()
        assert grafana_signature(SECRET, payload, "1700000000") == (
            hmac.new(SECRET, b'1700000000:{"a":1}', hashlib.sha256).hexdigest()
        )

    @pytest.mark.parametrize("header", ["X-Grafana-Alerting-Signature", "x-grafana-alert-signature"])
    def test_signed_body_is_accepted_under_either_default_header(self, header: str) -> None:
        payload = body(GRAFANA_FIRING)
        source = GrafanaSource(GrafanaSigning(SECRET))
        batch = source.parse(payload, {header: grafana_signature(SECRET, payload)})
        assert len(batch.alerts) == 1

    def test_unsigned_body_is_refused(self) -> None:
        with pytest.raises(Unauthenticated) as caught:
            GrafanaSource(GrafanaSigning(SECRET)).parse(body(GRAFANA_FIRING), {})
        assert caught.value.code == "signature_missing"

    def test_tampered_body_is_refused(self) -> None:
        payload = body(GRAFANA_FIRING)
        signature = grafana_signature(SECRET, payload)
        tampered = payload.replace(b"HighCPU", b"LowCPU!")
        with pytest.raises(Unauthenticated) as caught:
            GrafanaSource(GrafanaSigning(SECRET)).parse(tampered, {"X-Grafana-Alerting-Signature": signature})
        assert caught.value.code == "signature_mismatch"

    def test_wrong_secret_is_refused(self) -> None:
        payload = body(GRAFANA_FIRING)
        headers = {"X-Grafana-Alerting-Signature": grafana_signature(b"other", payload)}
        with pytest.raises(Unauthenticated):
            GrafanaSource(GrafanaSigning(SECRET)).parse(payload, headers)

    def test_custom_header_name(self) -> None:
        payload = body(GRAFANA_FIRING)
        signing = GrafanaSigning(SECRET, signature_headers=("X-Sig",))
        assert GrafanaSource(signing).parse(payload, {"x-sig": grafana_signature(SECRET, payload)}).alerts

    def test_signature_is_checked_before_the_body_is_read(self) -> None:
        with pytest.raises(Unauthenticated):
            GrafanaSource(GrafanaSigning(SECRET)).parse(b"not json", {"X-Grafana-Alerting-Signature": "00"})


class TestTimestampedSignature:
    SIGNING = GrafanaSigning(SECRET, timestamp_header="X-Grafana-Alerting-Timestamp")

    def _headers(self, payload: bytes, signed_at: datetime) -> dict[str, str]:
        stamp = str(int(signed_at.timestamp()))
        return {
            "X-Grafana-Alerting-Timestamp": stamp,
            "X-Grafana-Alerting-Signature": grafana_signature(SECRET, payload, stamp),
        }

    def test_fresh_timestamp_is_accepted(self) -> None:
        payload = body(GRAFANA_FIRING)
        source = GrafanaSource(self.SIGNING, clock=FakeClock(NOW))
        assert source.parse(payload, self._headers(payload, NOW - timedelta(seconds=20))).alerts

    @pytest.mark.parametrize("skew", [timedelta(minutes=6), -timedelta(minutes=6)])
    def test_stale_or_future_timestamp_is_refused(self, skew: timedelta) -> None:
        payload = body(GRAFANA_FIRING)
        source = GrafanaSource(self.SIGNING, clock=FakeClock(NOW))
        with pytest.raises(Unauthenticated) as caught:
            source.parse(payload, self._headers(payload, NOW - skew))
        assert caught.value.code == "signature_expired"

    def test_timestamp_is_part_of_what_is_signed(self) -> None:
        payload = body(GRAFANA_FIRING)
        headers = self._headers(payload, NOW)
        headers["X-Grafana-Alerting-Timestamp"] = str(int(NOW.timestamp()) + 1)
        with pytest.raises(Unauthenticated) as caught:
            GrafanaSource(self.SIGNING, clock=FakeClock(NOW)).parse(payload, headers)
        assert caught.value.code == "signature_mismatch"

    @pytest.mark.parametrize("stamp", ["", "soon", "1e9", "99999999999999999999999"])
    def test_unreadable_timestamps_are_refused(self, stamp: str) -> None:
        payload = body(GRAFANA_FIRING)
        headers = {"X-Grafana-Alerting-Timestamp": stamp, "X-Grafana-Alerting-Signature": "00"}
        with pytest.raises(Unauthenticated):
            GrafanaSource(self.SIGNING, clock=FakeClock(NOW)).parse(payload, headers)

    def test_checking_timestamps_needs_a_clock(self) -> None:
        with pytest.raises(ValueError, match="clock"):
            GrafanaSource(self.SIGNING)
