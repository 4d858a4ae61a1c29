"""E-mail over SMTP: plain, STARTTLS or implicit TLS (SSL), with optional AUTH.

The message has a text and an HTML part, both with the incident link and, when the recipient is paged,
the acknowledge link. Its Message-ID is derived from the notification's idempotency key, so a retry after
an unclear failure carries the same Message-ID and mail systems can recognise the duplicate.

Passwords are never sent over an unencrypted connection: ``security = plain`` with a username is refused
at configuration time. Certificates are verified against the system's CAs, or ``ca_file`` for a relay
with a private CA.
"""

from __future__ import annotations

import functools
import hashlib
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from enum import StrEnum

from tocsin.builtin.channels.email_body import html_body
from tocsin.builtin.channels.text import headline, plain_text
from tocsin.domain.notification import DeliveryResult, Notification
from tocsin.errors import InvalidInput
from tocsin.plugins.channels import Channel, ConfigField, FieldType, Throttle, parse_config

__all__ = ["EmailChannel", "EmailConfig", "SmtpSecurity", "build_email", "message_id"]


class SmtpSecurity(StrEnum):
    PLAIN = "plain"  # no encryption: only for a relay on a trusted network, and never with a password
    STARTTLS = "starttls"  # usually port 587
    SSL = "ssl"  # implicit TLS, usually port 465


_DEFAULT_PORTS = {SmtpSecurity.PLAIN: 25, SmtpSecurity.STARTTLS: 587, SmtpSecurity.SSL: 465}


@dataclass(frozen=True)
class EmailConfig:
    host: str
    port: int
    security: SmtpSecurity
    from_address: str
    from_name: str = "tocsin"
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    ca_file: str | None = None
    timeout_seconds: int = 30


class EmailChannel(Channel[EmailConfig]):
    """Sends each notification as one e-mail to the recipient's address."""

    kind = "email"
    display_name = "E-mail (SMTP)"
    fields = (
        ConfigField("host", FieldType.STRING, "SMTP server host name", required=True),
        ConfigField(
            "port",
            FieldType.INTEGER,
            "SMTP port (default 25, 587 or 465 by security)",
            minimum=1,
            maximum=65535,
        ),
        ConfigField(
            "security",
            FieldType.CHOICE,
            "plain, starttls or ssl",
            default=SmtpSecurity.STARTTLS.value,
            choices=tuple(SmtpSecurity),
        ),
        ConfigField(
            "from_address", FieldType.EMAIL, "Sender address, e.g. oncall@example.org", required=True
        ),
        ConfigField("from_name", FieldType.STRING, "Sender display name", default="tocsin"),
        ConfigField("username", FieldType.STRING, "SMTP AUTH user name (needs starttls or ssl)"),
        ConfigField("password", FieldType.STRING, "SMTP AUTH password", secret=True),
        ConfigField("ca_file", FieldType.STRING, "PEM file of the CA that signed the server's certificate"),
        ConfigField(
            "timeout_seconds",
            FieldType.INTEGER,
            "Seconds to wait for the server",
            default=30,
            minimum=1,
            maximum=120,
        ),
    )
    # A guard against a runaway loop, loose enough that a storm of pages still goes out at once.
    throttle = Throttle(max_messages=1000, per=timedelta(seconds=10))

    def validate_config(self, raw: Mapping[str, object]) -> EmailConfig:
        values = parse_config(self.kind, self.fields, raw)
        security = SmtpSecurity(values.text("security"))
        username, password = values.optional_text("username"), values.optional_text("password")
        if (username is None) != (password is None):
            raise _config_error("username and password go together: give both or neither", "password")
        if username is not None and security is SmtpSecurity.PLAIN:
            raise _config_error(
                "refusing to send an SMTP password unencrypted; use starttls or ssl", "security"
            )
        port = values.values.get("port")
        return EmailConfig(
            host=values.text("host"),
            port=port if isinstance(port, int) else _DEFAULT_PORTS[security],
            security=security,
            from_address=values.text("from_address"),
            from_name=values.text("from_name"),
            username=username,
            password=password,
            ca_file=values.optional_text("ca_file"),
            timeout_seconds=values.integer("timeout_seconds"),
        )

    def send(self, notification: Notification, config: EmailConfig) -> DeliveryResult:
        address = notification.recipient.email
        if not address:
            return DeliveryResult.failed(
                f"{notification.recipient.name} has no e-mail address", retryable=False
            )
        try:
            message = build_email(notification, config)
        except (ValueError, IndexError) as error:  # the header registry's complaints about an address
            return DeliveryResult.failed(f"cannot address an e-mail to {address!r}: {error}", retryable=False)
        context = None
        if config.security is not SmtpSecurity.PLAIN:
            try:
                context = _tls_context(config.ca_file)
            except (OSError, ssl.SSLError) as error:
                return DeliveryResult.failed(
                    f"cannot load ca_file {config.ca_file!r}: {error}", retryable=False
                )
        return _deliver(message, config, context)


@functools.lru_cache(maxsize=16)
def _tls_context(ca_file: str | None) -> ssl.SSLContext:
    """One verifying context per CA file: building one loads the trust store (tens of ms of CPU), and a
    context is safe to share between connections and threads."""
    return ssl.create_default_context(cafile=ca_file)


def build_email(notification: Notification, config: EmailConfig) -> EmailMessage:
    """The multipart (text + HTML) message for ``notification``, ready for SMTP."""
    recipient = notification.recipient
    message = EmailMessage()
    message["Subject"] = headline(notification)
    message["From"] = Address(display_name=config.from_name, addr_spec=config.from_address)
    message["To"] = Address(display_name=" ".join(recipient.name.split()), addr_spec=recipient.email or "")
    message["Date"] = format_datetime(notification.created_at)
    message["Message-ID"] = message_id(notification.idempotency_key, config.from_address)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies to a pager
    message["X-Tocsin-Incident"] = notification.incident_id
    message.set_content(plain_text(notification))
    message.add_alternative(html_body(notification), subtype="html")
    return message


def message_id(idempotency_key: str, from_address: str) -> str:
    """``<hash-of-key@sender-domain>``: the same for every attempt at one notification."""
    digest = hashlib.sha256(idempotency_key.encode()).hexdigest()[:40]
    domain = from_address.rpartition("@")[2] or "tocsin.invalid"
    return f"<{digest}.tocsin@{domain}>"


def _deliver(message: EmailMessage, config: EmailConfig, context: ssl.SSLContext | None) -> DeliveryResult:
    server = f"{config.host}:{config.port}"
    try:
        smtp = _connect(config, context)
        try:
            if config.username is not None and config.password is not None:
                smtp.login(config.username, config.password)
            smtp.send_message(message)
        finally:
            # No QUIT round trip: once the server has answered 250 to the message it must deliver it
            # (RFC 5321, 3.8), and every millisecond before we record "sent" is a window for a duplicate.
            smtp.close()
    except ssl.SSLCertVerificationError as error:
        return DeliveryResult.failed(
            f"{server}: TLS certificate not trusted ({error.verify_message}); set ca_file", retryable=False
        )
    except smtplib.SMTPAuthenticationError as error:
        return DeliveryResult.failed(f"{server} refused the login: {_smtp_text(error)}", retryable=False)
    except smtplib.SMTPNotSupportedError as error:
        return DeliveryResult.failed(f"{server}: {error}; check the security setting", retryable=False)
    except smtplib.SMTPRecipientsRefused as error:
        code, text = next(iter(error.recipients.values()))
        return DeliveryResult.failed(
            f"{server} refused the recipient: {code} {text.decode(errors='replace')}", retryable=code < 500
        )
    except smtplib.SMTPResponseException as error:
        return DeliveryResult.failed(
            f"{server} answered {_smtp_text(error)}", retryable=error.smtp_code < 500
        )
    except (smtplib.SMTPException, OSError) as error:
        return DeliveryResult.failed(f"{server}: {str(error) or type(error).__name__}", retryable=True)
    return DeliveryResult.sent(message["Message-ID"])


def _connect(config: EmailConfig, context: ssl.SSLContext | None) -> smtplib.SMTP:
    if config.security is SmtpSecurity.SSL:
        return smtplib.SMTP_SSL(config.host, config.port, timeout=config.timeout_seconds, context=context)
    smtp = smtplib.SMTP(config.host, config.port, timeout=config.timeout_seconds)
    if config.security is SmtpSecurity.STARTTLS:
        try:
            smtp.starttls(context=context)
        except BaseException:
            smtp.close()
            raise
    return smtp


def _smtp_text(error: smtplib.SMTPResponseException) -> str:
    text = (
        error.smtp_error.decode(errors="replace")
        if isinstance(error.smtp_error, bytes)
        else str(error.smtp_error)
    )
    return f"{error.smtp_code} {text}"


def _config_error(problem: str, field_name: str) -> InvalidInput:
    return InvalidInput(f"email channel: {problem}", code="invalid_channel_config", field=field_name)
