from __future__ import annotations

from collections.abc import Iterator
from email.message import EmailMessage

import pytest

from tests.unit.builtin.channels.conftest import (
    SMTP_PASSWORD,
    SMTP_USER,
    SelfSignedCert,
    SmtpServer,
    free_port,
)
from tests.unit.plugins.notifications import ALICE, make_notification
from tocsin.builtin.channels.email import EmailChannel, EmailConfig, SmtpSecurity, message_id
from tocsin.clock import FakeClock
from tocsin.domain.notification import NotificationKind
from tocsin.errors import InvalidInput
from tocsin.plugins.channels import ChannelContext


@pytest.fixture
def channel() -> Iterator[EmailChannel]:
    email = EmailChannel(ChannelContext(clock=FakeClock()))
    yield email
    email.close()


def plain_config(channel: EmailChannel, server: SmtpServer) -> EmailConfig:
    return channel.validate_config(
        {"host": "127.0.0.1", "port": server.port, "security": "plain", "from_address": "oncall@example.org"}
    )


def tls_config(
    channel: EmailChannel, server: SmtpServer, cert: SelfSignedCert, **extra: object
) -> EmailConfig:
    raw: dict[str, object] = {
        "host": "127.0.0.1",
        "port": server.port,
        "from_address": "oncall@example.org",
        "ca_file": str(cert.cert),
        "username": SMTP_USER,
        "password": SMTP_PASSWORD,
    }
    return channel.validate_config(raw | extra)


def parts(message: EmailMessage) -> tuple[str, str]:
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None
    assert html is not None
    return text.get_content(), html.get_content()


def test_a_page_arrives_with_both_links_in_text_and_html(
    channel: EmailChannel, plain_smtp: SmtpServer
) -> None:
    notification = make_notification()
    result = channel.send(notification, plain_config(channel, plain_smtp))

    assert result.ok, result.reason
    [message] = plain_smtp.inbox.messages
    assert plain_smtp.inbox.envelope_recipients == [["alice@example.org"]]
    assert message["Subject"] == "[Page] SEV1 INC-42: Database connection timeout"
    assert message["To"] == "Alice Smith <alice@example.org>"
    assert message["From"] == "tocsin <oncall@example.org>"
    assert message["Auto-Submitted"] == "auto-generated"
    assert (
        message["Message-ID"]
        == result.reference
        == message_id(notification.idempotency_key, "oncall@example.org")
    )
    text, html = parts(message)
    assert "You are paged for SEV1 INC-42: Database connection timeout" in text
    assert "Acknowledge (stops the escalation): https://tocsin.example.org/ack/v1.abc.def" in text
    assert "Open the incident: https://tocsin.example.org/incidents/42" in text
    assert "10:00 CET (Europe/Berlin)" in text  # 09:00 UTC shown in Alice's zone
    assert 'href="https://tocsin.example.org/ack/v1.abc.def"' in html
    assert 'href="https://tocsin.example.org/incidents/42"' in html


def test_a_retry_carries_the_same_message_id_and_another_notification_does_not(
    channel: EmailChannel, plain_smtp: SmtpServer
) -> None:
    config = plain_config(channel, plain_smtp)
    channel.send(make_notification(), config)
    channel.send(make_notification(), config)
    channel.send(make_notification(idempotency_key="ntf_43"), config)
    ids = [message["Message-ID"] for message in plain_smtp.inbox.messages]
    assert ids[0] == ids[1] != ids[2]


def test_untrusted_title_is_escaped_and_flattened(channel: EmailChannel, plain_smtp: SmtpServer) -> None:
    notification = make_notification(
        title="<script>alert(1)</script>\nBcc: victim@example.org",
        summary="<img src=x onerror=alert(2)>",
        kind=NotificationKind.UPDATE,
        ack_url=None,
    )
    assert channel.send(notification, plain_config(channel, plain_smtp)).ok
    [message] = plain_smtp.inbox.messages
    # strip(): Python may fold a long subject right after "Subject:", which its own parser keeps as a space.
    assert (
        message["Subject"].strip()
        == "[Update] SEV1 INC-42: <script>alert(1)</script> Bcc: victim@example.org"
    )
    assert message["Bcc"] is None
    _, html = parts(message)
    assert "<script>" not in html
    assert "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Acknowledge" not in html  # no ack link on an update


def test_starttls_with_auth(
    channel: EmailChannel, starttls_smtp: SmtpServer, self_signed: SelfSignedCert
) -> None:
    result = channel.send(make_notification(), tls_config(channel, starttls_smtp, self_signed))
    assert result.ok, result.reason
    assert len(starttls_smtp.inbox.messages) == 1


def test_implicit_tls(channel: EmailChannel, ssl_smtp: SmtpServer, self_signed: SelfSignedCert) -> None:
    config = channel.validate_config(
        {
            "host": "127.0.0.1",
            "port": ssl_smtp.port,
            "security": "ssl",
            "from_address": "oncall@example.org",
            "ca_file": str(self_signed.cert),
        }
    )
    result = channel.send(make_notification(), config)
    assert result.ok, result.reason
    assert len(ssl_smtp.inbox.messages) == 1


def test_wrong_password_is_not_retried(
    channel: EmailChannel, starttls_smtp: SmtpServer, self_signed: SelfSignedCert
) -> None:
    result = channel.send(
        make_notification(), tls_config(channel, starttls_smtp, self_signed, password="wrong")
    )
    assert not result.ok
    assert not result.retryable
    assert "refused the login: 535" in result.reason
    assert starttls_smtp.inbox.messages == []


def test_untrusted_certificate_is_refused_and_says_what_to_set(
    channel: EmailChannel, starttls_smtp: SmtpServer, self_signed: SelfSignedCert
) -> None:
    config = tls_config(channel, starttls_smtp, self_signed, ca_file=None)
    result = channel.send(make_notification(), config)
    assert not result.ok
    assert not result.retryable
    assert "TLS certificate not trusted" in result.reason
    assert "set ca_file" in result.reason
    assert starttls_smtp.inbox.messages == []


@pytest.mark.parametrize(
    ("reply", "retryable"),
    [("550 5.1.1 no such user", False), ("451 4.3.0 mailbox busy, try later", True)],
)
def test_a_refused_recipient_is_retried_only_for_a_temporary_refusal(
    channel: EmailChannel, plain_smtp: SmtpServer, reply: str, retryable: bool
) -> None:
    plain_smtp.inbox.refuse_recipients_with = reply
    result = channel.send(make_notification(), plain_config(channel, plain_smtp))
    assert not result.ok
    assert result.retryable is retryable
    assert reply.split()[0] in result.reason


def test_server_down_is_retryable(channel: EmailChannel) -> None:
    config = channel.validate_config(
        {"host": "127.0.0.1", "port": free_port(), "security": "plain", "from_address": "oncall@example.org"}
    )
    result = channel.send(make_notification(), config)
    assert not result.ok
    assert result.retryable
    assert "127.0.0.1" in result.reason


def test_a_recipient_without_email_is_not_retried(channel: EmailChannel, plain_smtp: SmtpServer) -> None:
    notification = make_notification(recipient=ALICE.__class__(user_id="u-bob", name="Bob"))
    result = channel.send(notification, plain_config(channel, plain_smtp))
    assert (result.ok, result.retryable, result.reason) == (False, False, "Bob has no e-mail address")


def test_config_defaults_the_port_by_security(channel: EmailChannel) -> None:
    def port(security: str) -> int:
        return channel.validate_config({"host": "h", "security": security, "from_address": "a@b.io"}).port

    assert (port("plain"), port("starttls"), port("ssl")) == (25, 587, 465)
    assert channel.validate_config({"host": "h", "from_address": "a@b.io"}).security is SmtpSecurity.STARTTLS


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        ({"security": "plain", "username": "u", "password": "p"}, "unencrypted"),
        ({"username": "u"}, "give both or neither"),
        ({"from_address": "not-an-address"}, "e-mail address"),
    ],
)
def test_unsafe_or_incomplete_config_is_refused(
    channel: EmailChannel, raw: dict[str, object], says: str
) -> None:
    with pytest.raises(InvalidInput, match=says):
        channel.validate_config({"host": "h", "from_address": "a@b.io"} | raw)


def test_the_password_is_not_in_the_configs_repr(channel: EmailChannel) -> None:
    config = channel.validate_config(
        {"host": "h", "from_address": "a@b.io", "username": "u", "password": "hunter2-secret"}
    )
    assert "hunter2-secret" not in repr(config)
