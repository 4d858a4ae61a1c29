"""Acknowledging from outside the API: the e-mail's signed link, and Slack's ``/incident`` command.

An acknowledge link carries a signed token (incident, user, nonce, expiry). Using it records the nonce in
``ack_link_uses`` in the same transaction as the acknowledgement, so a link works once: a second use finds
its nonce and is refused, and a failed acknowledgement leaves the link usable.

A Slack slash command is verified against the app's signing secret over the raw body (a timestamp more
than five minutes off is refused), and each signature is remembered for ten minutes, so a captured
request replayed within Slack's window is refused too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar
from urllib.parse import parse_qs

from sqlalchemy import Connection, delete, insert, select
from sqlalchemy.exc import IntegrityError

from tocsin.builtin.signing import AckClaim, read_ack_token, verify_slack_request
from tocsin.clock import Clock
from tocsin.domain.chatops import (
    HELP_TEXT,
    AcknowledgeIncident,
    CreateIncident,
    IncidentStatus,
    ResolveIncident,
    ShowHelp,
    SlashCommand,
    parse_slash_command,
)
from tocsin.domain.incident import Incident, IncidentState, parse_human_id
from tocsin.errors import Conflict, NotFound, TocsinError, Unauthenticated
from tocsin.services.incidents import ConcurrentChange, Declaration, IncidentService
from tocsin.services.paging_channels import SLACK_SIGNING_SECRET
from tocsin.services.paging_common import PagingConfig, ack_link_secret
from tocsin.store import incidents, people, policies, severities
from tocsin.store.db import Database
from tocsin.store.incidents import IncidentFilter
from tocsin.store.schema_paging import ack_link_uses, slack_requests

__all__ = ["AckLink", "AckService", "SlackReply"]

T = TypeVar("T")
_RETRIES = 5
_REPLAY_MEMORY = timedelta(minutes=10)


@dataclass(frozen=True)
class AckLink:
    """What an acknowledge link is for, to show before the person confirms."""

    incident: Incident
    user_id: str
    user_name: str
    used: bool


@dataclass(frozen=True)
class SlackReply:
    text: str
    in_channel: bool = False

    def body(self) -> dict[str, str]:
        return {"response_type": "in_channel" if self.in_channel else "ephemeral", "text": self.text}


class AckService:
    def __init__(self, db: Database, clock: Clock, incidents: IncidentService, config: PagingConfig) -> None:
        self.db = db
        self.clock = clock
        self.incidents = incidents
        self.config = config

    # -- acknowledge links -----------------------------------------------------------------------------

    def _claim(self, conn: Connection, token: str) -> AckClaim:
        return read_ack_token(ack_link_secret(conn), token, self.clock.now())

    def inspect_link(self, token: str) -> AckLink:
        """Check a link (signature, expiry) and say what it acknowledges; changes nothing."""
        with self.db.write() as conn:  # write: the signing key is made on first use
            claim = self._claim(conn, token)
            incident = incidents.get(conn, parse_human_id(claim.incident_id))
            if incident is None:
                raise NotFound("this acknowledge link's incident no longer exists", code="incident_not_found")
            user = people.get_user(conn, claim.user_id)
            used = conn.execute(
                select(ack_link_uses.c.nonce).where(ack_link_uses.c.nonce == claim.nonce)
            ).first()
            return AckLink(incident, claim.user_id, user.name if user else claim.user_id, used is not None)

    def acknowledge_by_link(self, token: str) -> Incident:
        """Acknowledge the link's incident as the link's user; the link cannot be used again."""

        def attempt() -> Incident:
            with self.db.write() as conn:
                now = self.clock.now()
                claim = self._claim(conn, token)
                number = parse_human_id(claim.incident_id)
                try:
                    with conn.begin_nested():
                        conn.execute(
                            insert(ack_link_uses).values(
                                nonce=claim.nonce, incident_id=number, user_id=claim.user_id, used_at=now
                            )
                        )
                except IntegrityError:
                    raise Conflict(
                        "this acknowledge link has already been used; it works only once",
                        code="ack_link_used",
                    ) from None
                return self.incidents.acknowledge_in(conn, number, actor=f"user:{claim.user_id}", now=now)

        return _retrying(attempt)

    # -- Slack -----------------------------------------------------------------------------------------

    def slash_command(self, body: bytes, timestamp: str, signature: str) -> SlackReply:
        """Verify and run one ``/incident`` slash command (PROTOCOLS §6.2, §6.3); answer what Slack shows."""
        with self.db.read() as conn:
            secret = policies.get_setting(conn, SLACK_SIGNING_SECRET)
        if not isinstance(secret, str):
            raise Unauthenticated(
                "Slack commands are not set up: set the app's signing secret with `tocsin channel slack`",
                code="slack_not_configured",
            )
        verify_slack_request(secret, body, timestamp, signature, self.clock.now())
        form = {name: values[0] for name, values in parse_qs(body.decode("utf-8", "replace")).items()}
        return _retrying(lambda: self._run_command(form, signature))

    def _run_command(self, form: dict[str, str], signature: str) -> SlackReply:
        with self.db.write() as conn:
            now = self.clock.now()
            conn.execute(delete(slack_requests).where(slack_requests.c.received_at < now - _REPLAY_MEMORY))
            try:
                with conn.begin_nested():
                    conn.execute(insert(slack_requests).values(signature=signature[:80], received_at=now))
            except IntegrityError:
                raise Unauthenticated(
                    "this Slack request was already received (a replay)", code="slack_replay"
                ) from None
            actor = self._slack_actor(conn, form)
            try:
                with conn.begin_nested():
                    command = parse_slash_command(form.get("text", ""), severities.load_scheme(conn))
                    return self._execute(conn, command, actor, now)
            except ConcurrentChange:
                raise
            except TocsinError as error:
                return SlackReply(error.message)

    @staticmethod
    def _slack_actor(conn: Connection, form: dict[str, str]) -> str:
        slack_id = form.get("user_id", "")
        user = people.user_by_slack_id(conn, slack_id) if slack_id else None
        if user is not None:
            return f"user:{user.id}"
        return f"slack:{form.get('user_name') or slack_id or 'unknown'}"

    def _execute(self, conn: Connection, command: SlashCommand, actor: str, now: datetime) -> SlackReply:
        match command:
            case ShowHelp():
                return SlackReply(HELP_TEXT)
            case CreateIncident(severity=level, title=title):
                created = self.incidents.declare_in(
                    conn, Declaration(title, level.name), actor=actor, now=now
                )
                return SlackReply(
                    f"Declared {self._link(created)} ({created.severity}): {title}", in_channel=True
                )
            case AcknowledgeIncident(incident_id=None) | ResolveIncident(incident_id=None):
                return SlackReply(_which_incident(conn))
            case AcknowledgeIncident(incident_id=str(human_id)):
                acked = self.incidents.acknowledge_in(conn, parse_human_id(human_id), actor=actor, now=now)
                return SlackReply(
                    f"{self._link(acked)} acknowledged by {actor}: escalation stopped.", in_channel=True
                )
            case ResolveIncident(incident_id=str(human_id)):
                number = parse_human_id(human_id)
                done = self.incidents.change_state_in(
                    conn, number, IncidentState.RESOLVED, actor=actor, now=now
                )
                return SlackReply(f"{self._link(done)} resolved by {actor}.", in_channel=True)
            case IncidentStatus(incident_id=None):
                return SlackReply(_which_incident(conn))
            case IncidentStatus(incident_id=str(human_id)):
                found = incidents.get(conn, parse_human_id(human_id))
                if found is None:
                    return SlackReply(f"There is no incident {human_id}.")
                return SlackReply(_status_line(found, self._link(found)))
        raise AssertionError(f"unhandled slash command {command!r}")  # pragma: no cover

    def _link(self, incident: Incident) -> str:
        return f"<{self.config.url(f'/incidents/{incident.human_id}')}|{incident.human_id}>"


def _status_line(incident: Incident, link: str) -> str:
    by = f" by {incident.acknowledged_by}" if incident.acknowledged_by else ""
    return f"{link} ({incident.severity}) is {incident.state}{by}: {incident.title}"


def _which_incident(conn: Connection) -> str:
    """Without an id there is no telling which incident is meant: list the open ones to pick from."""
    found, total = incidents.list_incidents(conn, IncidentFilter(states=sorted(_OPEN)), limit=5, offset=0)
    if not found:
        return "There are no open incidents."
    listed = ", ".join(f"{i.human_id} ({i.severity}, {i.state}: {i.title})" for i in found)
    more = f" and {total - len(found)} more" if total > len(found) else ""
    return f"Which incident? Say it like `/incident ack INC-42`. Open: {listed}{more}."


_OPEN = {state for state in IncidentState if state.is_open}


def _retrying(attempt: Callable[[], T]) -> T:
    """Run a transaction again when another writer changed the incident between our read and write."""
    for _ in range(_RETRIES):
        try:
            return attempt()
        except ConcurrentChange:
            continue
    raise Conflict("the incident is being changed by someone else; try again", code="concurrent_change")
