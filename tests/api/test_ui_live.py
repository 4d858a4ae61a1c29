"""Server-sent events over a real socket: a new timeline entry reaches an open incident page at once, a
reconnect with ``Last-Event-ID`` resumes exactly after the last entry seen, and the list hears of new
incidents."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

import httpx
import pytest

from tests.api.ui_support import PASSWORD, fast_accounts, serving, sign_in
from tocsin.services.container import Services
from tocsin.services.incidents import Declaration
from tocsin.services.tokens import ApiRole
from tocsin.web.app import create_app
from tocsin.web.ui import live

pytestmark = pytest.mark.timeout(60)
WAIT_S = 5.0


@dataclass
class Event:
    name: str = "message"
    id: str | None = None
    data: list[str] = field(default_factory=list)


class EventReader:
    """Reads a ``text/event-stream`` in a thread on a connection of its own, handing over whole events.

    Use it as a context manager: leaving closes the connection, as a browser leaving the page does.
    """

    def __init__(self, signed_in: httpx.Client, url: str, headers: dict[str, str] | None = None) -> None:
        self.events: queue.Queue[Event] = queue.Queue()
        self.status: queue.Queue[int] = queue.Queue()
        self._http = httpx.Client(base_url=signed_in.base_url, cookies=signed_in.cookies)
        self._context = self._http.stream("GET", url, headers=headers, timeout=httpx.Timeout(10, read=None))
        self._thread = threading.Thread(target=self._read, daemon=True)

    def __enter__(self) -> EventReader:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._http.close()
        self._thread.join(timeout=WAIT_S)

    def _read(self) -> None:
        try:
            with self._context as response:
                self.status.put(response.status_code)
                event = Event()
                for line in response.iter_lines():
                    if not line:
                        if event.data:
                            self.events.put(event)
                        event = Event()
                    elif line.startswith("event: "):
                        event.name = line[7:]
                    elif line.startswith("id: "):
                        event.id = line[4:]
                    elif line.startswith("data: "):
                        event.data.append(line[6:])
        except (httpx.HTTPError, RuntimeError):
            return  # the test closed the connection

    def next(self, name: str, wait: float = WAIT_S) -> Event:
        """The next event called ``name`` (others are skipped); raises :class:`queue.Empty` after ``wait``."""
        while True:
            event = self.events.get(timeout=wait)
            if event.name == name:
                return event


@pytest.fixture
def site(services: Services, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, Services]]:
    # Streams look at the database (and so notice a closed connection) every RECHECK_S; make it quick.
    monkeypatch.setattr(live, "RECHECK_S", 0.3)
    fast_accounts(services)
    services.accounts.create("alice", ApiRole.VIEWER, password=PASSWORD)
    with serving(create_app(services)) as url:
        yield url, services


@pytest.fixture
def alice(site: tuple[str, Services]) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=site[0], timeout=10) as http:
        assert sign_in(http, "alice").status_code == 303
        yield http


def test_a_new_timeline_entry_arrives_without_a_reload(
    site: tuple[str, Services], alice: httpx.Client
) -> None:
    _, services = site
    number = services.incidents.declare(Declaration("Checkout down", "SEV1"), actor="test").number
    seen = services.incidents.timeline(number)[-1].id
    with EventReader(alice, f"/incidents/{number}/live?after={seen}") as reader:
        assert reader.status.get(timeout=WAIT_S) == 200
        services.incidents.add_note(number, "rolled back <b>v42</b>", actor="bob")
        entry = reader.next("entry")
        html = "\n".join(entry.data)
        assert "rolled back &lt;b&gt;v42&lt;/b&gt;" in html
        assert "bob" in html
        assert entry.id == str(services.incidents.timeline(number)[-1].id)
        summary = "\n".join(reader.next("summary").data)
        assert 'id="incident-summary"' in summary
        services.incidents.acknowledge(number, actor="bob")
        assert "acknowledged" in "\n".join(reader.next("entry").data)
        assert 'id="incident-state">acknowledged<' in "\n".join(reader.next("summary").data)


def test_a_reconnect_resumes_after_the_last_entry_seen(
    site: tuple[str, Services], alice: httpx.Client
) -> None:
    _, services = site
    number = services.incidents.declare(Declaration("Checkout down", "SEV1"), actor="test").number
    for text in ("one", "two", "three"):
        services.incidents.add_note(number, f"note {text}", actor="bob")
    notes = [e for e in services.incidents.timeline(number) if e.kind == "note"]
    resume = {"Last-Event-ID": str(notes[0].id)}
    with EventReader(alice, f"/incidents/{number}/live", headers=resume) as reader:
        received = [reader.next("entry") for _ in range(2)]
        assert [e.id for e in received] == [str(notes[1].id), str(notes[2].id)]
        assert "note two" in "\n".join(received[0].data)
        with pytest.raises(queue.Empty):
            reader.next("entry", wait=1.0)  # nothing older comes again


def test_the_list_hears_of_new_incidents(site: tuple[str, Services], alice: httpx.Client) -> None:
    _, services = site
    with EventReader(alice, "/incidents-live") as reader:
        assert reader.status.get(timeout=WAIT_S) == 200
        number = services.incidents.declare(Declaration("Search is slow", "SEV3"), actor="test").number
        assert reader.next("changed").data == [str(number)]


def test_live_streams_need_a_signed_in_viewer(site: tuple[str, Services]) -> None:
    url, services = site
    number = services.incidents.declare(Declaration("Checkout down", "SEV1"), actor="test").number
    with httpx.Client(base_url=url, timeout=10) as anonymous:
        response = anonymous.get(f"/incidents/{number}/live")
    assert (response.status_code, response.headers["location"].split("?")[0]) == (303, "/login")
