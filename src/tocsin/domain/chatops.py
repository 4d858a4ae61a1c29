"""The ``/incident`` Slack slash command, as seed 004 uses it.

::

    /incident create sev1 "Database connection timeout"
    /incident ack [INC-42]
    /incident resolve [INC-42]
    /incident status [INC-42]
    /incident help

Slack sends everything after ``/incident`` as the ``text`` field (with ``&``, ``<`` and ``>`` escaped);
:func:`parse_slash_command` turns it into one typed command. When ``ack``, ``resolve`` or ``status`` name no incident, ``incident_id`` is
``None`` and the caller picks the incident the Slack channel belongs to (and says so if it cannot).
"""

from __future__ import annotations

from dataclasses import dataclass

from tocsin.domain.incident import LIMITS, format_human_id, parse_human_id
from tocsin.domain.severity import SeverityLevel, SeverityScheme
from tocsin.errors import InvalidInput

__all__ = [
    "HELP_TEXT",
    "AcknowledgeIncident",
    "CreateIncident",
    "IncidentStatus",
    "ResolveIncident",
    "ShowHelp",
    "SlashCommand",
    "parse_slash_command",
]

HELP_TEXT = """\
*/incident* commands:
• `/incident create sev1 "Database connection timeout"`: declare an incident
• `/incident ack [INC-42]`: acknowledge (stops the escalation)
• `/incident resolve [INC-42]`: resolve
• `/incident status [INC-42]`: show the incident's state
Without an incident id, the incident this channel belongs to is used."""


@dataclass(frozen=True)
class CreateIncident:
    severity: SeverityLevel
    title: str


@dataclass(frozen=True)
class AcknowledgeIncident:
    incident_id: str | None


@dataclass(frozen=True)
class ResolveIncident:
    incident_id: str | None


@dataclass(frozen=True)
class IncidentStatus:
    incident_id: str | None


@dataclass(frozen=True)
class ShowHelp:
    pass


SlashCommand = CreateIncident | AcknowledgeIncident | ResolveIncident | IncidentStatus | ShowHelp

_VERBS = {
    "create": "create",
    "declare": "create",
    "ack": "ack",
    "acknowledge": "ack",
    "resolve": "resolve",
    "status": "status",
    "help": "help",
}
# Slack clients on macOS and iOS often turn straight quotes into typographic ones, and people mix the
# two when they edit a command, so any quote mark opens or closes the title.
_QUOTES = frozenset("\"'\u201c\u201d\u201e\u2018\u2019")


def _invalid(message: str, code: str = "invalid_slash_command") -> InvalidInput:
    return InvalidInput(f"{message}. Try /incident help", code=code)


def parse_slash_command(text: str, scheme: SeverityScheme) -> SlashCommand:
    """Parse the text after ``/incident`` into a command; raise :class:`InvalidInput` saying what to type.

    ``scheme`` is the applied playbook's severity scheme: ``sev1``, ``P0`` or ``critical`` are accepted
    wherever that scheme knows the name or alias.
    """
    words = _unescape_slack(text).split(maxsplit=1)
    if not words:
        return ShowHelp()
    verb, rest = words[0], words[1].strip() if len(words) > 1 else ""
    kind = _VERBS.get(verb.casefold())
    if kind is None:
        raise _invalid(f"unknown command {verb!r}; use create, ack, resolve, status or help")
    if kind == "help":
        return ShowHelp()
    if kind == "create":
        return _parse_create(rest, scheme)
    incident_id = _parse_optional_incident(rest, verb)
    if kind == "ack":
        return AcknowledgeIncident(incident_id)
    if kind == "resolve":
        return ResolveIncident(incident_id)
    return IncidentStatus(incident_id)


def _unescape_slack(text: str) -> str:
    """Slack sends ``&``, ``<`` and ``>`` in a command's text as HTML entities; undo exactly those."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _parse_optional_incident(rest: str, verb: str) -> str | None:
    if not rest:
        return None
    if " " in rest:
        raise _invalid(f"/incident {verb} takes at most one incident id, like INC-42; got {rest!r}")
    try:
        return format_human_id(parse_human_id(rest.removeprefix("#")))
    except InvalidInput:
        raise _invalid(
            f"{rest!r} is not an incident id; use the form INC-42", "invalid_incident_id"
        ) from None


def _parse_create(rest: str, scheme: SeverityScheme) -> CreateIncident:
    severity, title_text = _split_severity(rest, scheme)
    title = _unquote(title_text).strip()
    if not title:
        raise _invalid('give the incident a title: /incident create sev1 "Database connection timeout"')
    if len(title) > LIMITS.title:
        raise _invalid(f"the title is {len(title)} characters; the limit is {LIMITS.title}", "too_long")
    return CreateIncident(severity=severity, title=title)


def _split_severity(rest: str, scheme: SeverityScheme) -> tuple[SeverityLevel, str]:
    """Take the severity off the front; it may be two words (``Severity 1``) in some runbooks."""
    for taken in (1, 2):
        parts = rest.split(maxsplit=taken)
        if len(parts) >= taken:
            level = scheme.resolve(" ".join(parts[:taken]))
            if level is not None:
                return level, parts[taken] if len(parts) > taken else ""
    names = ", ".join(scheme.names())
    if not rest:
        raise _invalid(f'say the severity and a title: /incident create sev1 "title" (severities: {names})')
    raise _invalid(f"unknown severity {rest.split()[0]!r}; use one of {names}", "unknown_severity")


def _unquote(text: str) -> str:
    """Strip one pair of quotes; an unquoted title is taken as it is (``Can't log in``)."""
    text = text.strip()
    if not text or text[0] not in _QUOTES:
        return text
    if len(text) < 2 or text[-1] not in _QUOTES:
        raise _invalid(f"the title's opening quote {text[0]} is never closed")
    return text[1:-1]
