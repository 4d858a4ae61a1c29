"""The default severity scheme and how people's names for severities resolve to its levels."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest

from tocsin.domain.severity import DEFAULT_SCHEME, SeverityLevel, SeverityScheme, normalize_severity_name


def test_the_default_scheme_is_sev1_to_sev4_most_severe_first() -> None:
    assert DEFAULT_SCHEME.names() == ["SEV1", "SEV2", "SEV3", "SEV4"]
    assert [level.rank for level in DEFAULT_SCHEME.levels] == [0, 1, 2, 3]
    assert DEFAULT_SCHEME.least_severe.name == "SEV4"


@pytest.mark.parametrize(
    ("spoken", "level"),
    [
        ("SEV1", "SEV1"),
        ("sev1", "SEV1"),
        ("Sev 1", "SEV1"),
        ("sev-2", "SEV2"),
        ("SEV_3", "SEV3"),
        ("P0", "SEV1"),
        ("p1", "SEV2"),
        ("P2", "SEV3"),
        ("P3", "SEV4"),
        ("Severity 1", "SEV1"),
        ("severity 2", "SEV2"),
        ("Severity 3", "SEV3"),
        ("SEVERITY4", "SEV4"),
        ("Critical", "SEV1"),
        ("high", "SEV2"),
        ("MEDIUM", "SEV3"),
        ("Low", "SEV4"),
    ],
)
def test_names_and_aliases_people_use_resolve(spoken: str, level: str) -> None:
    found = DEFAULT_SCHEME.resolve(spoken)
    assert found is not None
    assert found.name == level


@pytest.mark.parametrize("unknown", ["SEV5", "P4", "Severity 0", "urgent", "", "S1"])
def test_unknown_names_resolve_to_nothing(unknown: str) -> None:
    assert DEFAULT_SCHEME.resolve(unknown) is None


def test_each_level_carries_its_targets() -> None:
    sev1, sev2, sev3, sev4 = DEFAULT_SCHEME.levels
    assert (sev1.response_target, sev1.resolution_target) == (timedelta(minutes=15), timedelta(hours=1))
    assert (sev2.response_target, sev2.resolution_target) == (timedelta(minutes=30), timedelta(hours=4))
    assert (sev3.response_target, sev3.resolution_target) == (timedelta(hours=2), timedelta(hours=24))
    assert sev4.response_target is None  # "not said" is None, never a guess
    assert sev4.resolution_target == timedelta(weeks=1)
    assert [level.pages for level in DEFAULT_SCHEME.levels] == [True, True, False, False]


def test_each_level_is_described_for_people() -> None:
    for level in DEFAULT_SCHEME.levels:
        assert level.description
        assert level.examples
        assert level.update_cadence is None or level.update_cadence > timedelta(0)


def test_targets_tighten_with_severity() -> None:
    resolution = [level.resolution_target for level in DEFAULT_SCHEME.levels]
    assert all(a is not None and b is not None and a < b for a, b in itertools.pairwise(resolution))


def test_by_rank_clamps_to_the_scheme() -> None:
    assert DEFAULT_SCHEME.by_rank(0).name == "SEV1"
    assert DEFAULT_SCHEME.by_rank(2).name == "SEV3"
    assert DEFAULT_SCHEME.by_rank(-3).name == "SEV1"
    assert DEFAULT_SCHEME.by_rank(99).name == "SEV4"


def test_a_scheme_needs_a_level() -> None:
    with pytest.raises(ValueError, match="at least one level"):
        SeverityScheme(levels=())


def test_a_custom_scheme_resolves_its_own_names() -> None:
    scheme = SeverityScheme(
        levels=(
            SeverityLevel(name="P0", rank=0, aliases=("Emergency",)),
            SeverityLevel(name="P1", rank=1, aliases=("Urgent",)),
        )
    )
    assert scheme.resolve("emergency") == scheme.levels[0]
    assert scheme.resolve("p1") == scheme.levels[1]
    assert scheme.resolve("SEV1") is None


def test_a_name_claimed_by_two_levels_means_the_more_severe() -> None:
    scheme = SeverityScheme(
        levels=(
            SeverityLevel(name="Major", rank=0, aliases=("High",)),
            SeverityLevel(name="Minor", rank=1, aliases=("High",)),
        )
    )
    found = scheme.resolve("high")
    assert found is not None
    assert found.name == "Major"


@pytest.mark.parametrize(
    ("raw", "folded"), [("Severity 1", "severity1"), ("sev-1", "sev1"), ("SEV_1", "sev1")]
)
def test_names_fold_spaces_dashes_underscores_and_case(raw: str, folded: str) -> None:
    assert normalize_severity_name(raw) == folded
