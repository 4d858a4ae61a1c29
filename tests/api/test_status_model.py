"""How the status page reads incident history: component status, the page indicator, and 90-day uptime,
computed from incidents with a fake clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tocsin.clock import FakeClock
from tocsin.domain.incident import IncidentState
from tocsin.services.container import Services
from tocsin.services.incidents import Declaration
from tocsin.services.statuspage import ComponentSpec, MaintenanceSpec
from tocsin.services.statuspage_model import ComponentStatus, Indicator, PublicStatus, StatusSnapshot

MIDNIGHT = datetime(2026, 3, 1, tzinfo=UTC)


def _snapshot(services: Services) -> StatusSnapshot:
    services.statuspage.forget()
    return services.statuspage.snapshot()


def _component(snapshot: StatusSnapshot, name: str) -> ComponentStatus:
    return next(c.status for c in snapshot.components if c.component.name == name)


def _outage(services: Services, clock: FakeClock, severity: str, hours: float, **extra: object) -> int:
    declared = Declaration("Outage", severity, services=["api"], customer_facing=True, **extra)  # type: ignore[arg-type]
    number = services.incidents.declare(declared, actor="t").number
    clock.advance(hours=hours)
    services.incidents.change_state(number, IncidentState.RESOLVED, actor="t")
    return number


def test_uptime_counts_major_outages_fully_and_partial_ones_at_thirty_percent(
    services: Services, clock: FakeClock
) -> None:
    clock.set(MIDNIGHT)
    services.statuspage.create_component(ComponentSpec("API", services=["api"]))
    clock.advance(days=1, hours=6)
    _outage(services, clock, "SEV1", 6)  # a major outage, 06:00-12:00 on day 2
    clock.set(MIDNIGHT + timedelta(days=3, hours=6))
    _outage(services, clock, "SEV2", 10)  # a partial outage, 06:00-16:00 on day 4
    clock.set(MIDNIGHT + timedelta(days=10, hours=1))
    api = _snapshot(services).components[0]
    counted = [day for day in api.days if day.status is not None]
    assert len(counted) == 11  # from the day the component was added, to today (begun)
    assert [d.status for d in api.days[-10:-6]] == [
        ComponentStatus.MAJOR_OUTAGE, ComponentStatus.OPERATIONAL, ComponentStatus.PARTIAL_OUTAGE,
        ComponentStatus.OPERATIONAL,
    ]  # fmt: skip
    assert api.days[-10].downtime_s == 6 * 3600
    assert api.days[-8].downtime_s == 0.3 * 10 * 3600
    down = 6 * 3600 + 0.3 * 10 * 3600
    assert api.uptime_percent == round(100 * (1 - down / (10 * 86400 + 3600)), 2)
    assert len(api.days) == 90
    assert api.days[0].status is None


def test_an_outage_across_midnight_counts_on_both_days(services: Services, clock: FakeClock) -> None:
    clock.set(MIDNIGHT)
    services.statuspage.create_component(ComponentSpec("API", services=["api"]))
    clock.advance(hours=22)
    _outage(services, clock, "SEV1", 4)  # 22:00 to 02:00
    clock.advance(hours=6)
    days = _snapshot(services).components[0].days
    assert (days[-2].downtime_s, days[-1].downtime_s) == (2 * 3600, 2 * 3600)


def test_days_are_counted_in_the_page_time_zone(services: Services, clock: FakeClock) -> None:
    clock.set(MIDNIGHT)
    services.statuspage.update_page(time_zone="America/New_York")  # UTC-5 in March before the switch
    services.statuspage.create_component(ComponentSpec("API", services=["api"]))
    clock.advance(days=1, hours=2)
    _outage(services, clock, "SEV1", 2)  # 02:00-04:00 UTC on the 2nd is 21:00-23:00 on the 1st in New York
    clock.advance(hours=6)  # 10:00 UTC, 05:00 in New York: the 2nd in both
    days = _snapshot(services).components[0].days
    assert days[-1].downtime_s == 0
    assert days[-2].downtime_s == 2 * 3600


def test_a_component_follows_the_worst_open_customer_facing_incident(services: Services) -> None:
    status = services.statuspage
    status.create_component(ComponentSpec("API", services=["api"]))
    status.create_component(ComponentSpec("Search", services=["search"]))
    services.incidents.declare(Declaration("Internal only", "SEV1", services=["search"]), actor="t")
    assert _component(_snapshot(services), "Search") == ComponentStatus.OPERATIONAL
    for severity, expected in (
        ("SEV3", "degraded_performance"),
        ("SEV2", "partial_outage"),
        ("SEV1", "major_outage"),
    ):
        services.incidents.declare(
            Declaration("x", severity, services=["api"], customer_facing=True), actor="t"
        )
        assert _component(_snapshot(services), "API") == expected


def test_an_override_wins_and_maintenance_shows_when_nothing_is_wrong(
    services: Services, clock: FakeClock
) -> None:
    status = services.statuspage
    api = status.create_component(ComponentSpec("API", services=["api"]))
    start = clock.now() + timedelta(minutes=30)
    status.schedule_maintenance(
        MaintenanceSpec("Upgrade", start, start + timedelta(hours=1), "", [api.id]), actor="t"
    )
    snapshot = _snapshot(services)
    assert (_component(snapshot, "API"), snapshot.indicator) == (ComponentStatus.OPERATIONAL, Indicator.NONE)
    clock.advance(minutes=31)
    snapshot = _snapshot(services)
    assert (_component(snapshot, "API"), snapshot.indicator) == ("under_maintenance", Indicator.MAINTENANCE)
    status.update_component(
        api.id, ComponentSpec("API", services=["api"], status_override=ComponentStatus.MAJOR_OUTAGE)
    )
    snapshot = _snapshot(services)
    assert (_component(snapshot, "API"), snapshot.indicator) == ("major_outage", Indicator.MAJOR)
    clock.advance(hours=1)
    status.update_component(api.id, ComponentSpec("API", services=["api"]))
    assert _component(_snapshot(services), "API") == ComponentStatus.OPERATIONAL


def test_the_indicator_is_the_worst_unresolved_impact(services: Services) -> None:
    assert _snapshot(services).indicator == Indicator.NONE
    low = services.incidents.declare(Declaration("a", "SEV3", customer_facing=True), actor="t")
    assert _snapshot(services).indicator == Indicator.MINOR
    top = services.incidents.declare(Declaration("b", "SEV1", customer_facing=True), actor="t")
    assert _snapshot(services).indicator == Indicator.CRITICAL
    services.statuspage.post_update(top.number, PublicStatus.RESOLVED, "Fixed.", actor="t")
    assert _snapshot(services).indicator == Indicator.MINOR  # publicly resolved, though still open inside
    services.incidents.change_state(low.number, IncidentState.RESOLVED, actor="t")
    assert _snapshot(services).indicator == Indicator.NONE


def test_the_snapshot_is_reused_until_something_changes_or_it_is_ten_seconds_old(
    services: Services, clock: FakeClock
) -> None:
    first = services.statuspage.snapshot()
    assert services.statuspage.snapshot() is first
    assert services.statuspage.fresh_snapshot() is first
    services.incidents.declare(Declaration("x", "SEV2", customer_facing=True), actor="t")
    changed = services.statuspage.snapshot()
    assert changed is not first
    assert len(changed.incidents) == 1
