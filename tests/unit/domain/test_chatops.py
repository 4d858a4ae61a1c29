from __future__ import annotations

import pytest

from tocsin.domain.chatops import (
    AcknowledgeIncident,
    CreateIncident,
    IncidentStatus,
    ResolveIncident,
    ShowHelp,
    parse_slash_command,
)
from tocsin.domain.severity import DEFAULT_SCHEME
from tocsin.errors import InvalidInput


def parse(text: str) -> object:
    return parse_slash_command(text, DEFAULT_SCHEME)


def test_seed_004_create_command() -> None:
    command = parse('create sev1 "Database connection timeout"')
    assert isinstance(command, CreateIncident)
    assert command.severity.name == "SEV1"
    assert command.title == "Database connection timeout"


@pytest.mark.parametrize(
    ("text", "severity", "title"),
    [
        ("create P0 API down", "SEV1", "API down"),
        ("CREATE sev-2 'Checkout errors'", "SEV2", "Checkout errors"),
        ("create Severity 3 \u201cSearch is slow\u201d", "SEV3", "Search is slow"),
        ("declare sev4 Can't log in on Safari", "SEV4", "Can't log in on Safari"),
        ('create sev1 "two  spaces kept"', "SEV1", "two  spaces kept"),
        ("create\tsev2\tPayments &amp; refunds &lt;EU&gt;", "SEV2", "Payments & refunds <EU>"),
    ],
)
def test_create_accepts_aliases_quotes_and_unquoted_titles(text: str, severity: str, title: str) -> None:
    command = parse(text)
    assert command == CreateIncident(DEFAULT_SCHEME.resolve(severity), title)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ack", AcknowledgeIncident(None)),
        ("ack INC-42", AcknowledgeIncident("INC-42")),
        ("acknowledge inc-7", AcknowledgeIncident("INC-7")),
        ("resolve #12", ResolveIncident("INC-12")),
        ("status 5", IncidentStatus("INC-5")),
        ("status", IncidentStatus(None)),
        ("help", ShowHelp()),
        ("", ShowHelp()),
        ("   ", ShowHelp()),
    ],
)
def test_lifecycle_commands(text: str, expected: object) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("text", "code", "says"),
    [
        ("page everyone", "invalid_slash_command", "unknown command 'page'"),
        ("create", "invalid_slash_command", "say the severity"),
        ('create sev9 "x"', "unknown_severity", "SEV1, SEV2, SEV3, SEV4"),
        ("create sev1", "invalid_slash_command", "give the incident a title"),
        ('create sev1 ""', "invalid_slash_command", "give the incident a title"),
        ('create sev1 "never closed', "invalid_slash_command", "never closed"),
        ("create sev1 " + "x" * 201, "too_long", "limit is 200"),
        ("ack INC-4x", "invalid_incident_id", "INC-42"),
        ("resolve INC-1 INC-2", "invalid_slash_command", "at most one incident id"),
    ],
)
def test_bad_commands_say_what_to_type(text: str, code: str, says: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse(text)
    assert caught.value.code == code
    assert says in caught.value.message
    assert "/incident help" in caught.value.message
