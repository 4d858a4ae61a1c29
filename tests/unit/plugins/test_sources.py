"""The alert-source contract's helpers: body limits and header lookup."""

from __future__ import annotations

import pytest

from tocsin.errors import PayloadTooLarge
from tocsin.plugins.sources import check_body_size, header_value


def test_body_at_the_limit_passes_and_one_byte_more_is_too_large() -> None:
    check_body_size(b"x" * 10, 10, "test")
    with pytest.raises(PayloadTooLarge) as caught:
        check_body_size(b"x" * 11, 10, "test")
    assert caught.value.message == "test body is 11 bytes; the limit is 10 bytes"
    assert caught.value.details == {"limit": 10, "size": 11}


def test_headers_are_found_whatever_their_case() -> None:
    headers = {"x-grafana-alerting-signature": "abc", "Content-Type": "application/json"}
    assert header_value(headers, "X-Grafana-Alerting-Signature") == "abc"
    assert header_value(headers, "content-type") == "application/json"
    assert header_value(headers, "X-Missing") is None
