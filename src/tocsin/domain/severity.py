"""Severity levels and the ordered scheme that holds them.

A scheme is ordered from most to least severe. Each level carries its targets: how soon the incident must
be acknowledged (response) and resolved, and how often stakeholders must hear an update. A target of
``None`` means the source did not say, never a guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

__all__ = ["DEFAULT_SCHEME", "SeverityLevel", "SeverityScheme", "normalize_severity_name"]


def normalize_severity_name(text: str) -> str:
    """Fold a severity name for comparison: ``"Severity 1"``, ``"sev-1"`` and ``"SEV1"`` all match."""
    return re.sub(r"[\s_\-]+", "", text).casefold()


@dataclass(frozen=True)
class SeverityLevel:
    name: str
    rank: int  # 0 is the most severe
    description: str = ""
    aliases: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()
    response_target: timedelta | None = None
    resolution_target: timedelta | None = None
    update_cadence: timedelta | None = None
    pages: bool = True
    business_hours_only: bool = False

    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


@dataclass(frozen=True)
class SeverityScheme:
    levels: tuple[SeverityLevel, ...]
    _index: dict[str, SeverityLevel] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.levels:
            raise ValueError("a severity scheme needs at least one level")
        index: dict[str, SeverityLevel] = {}
        for level in self.levels:
            for name in level.names():
                index.setdefault(normalize_severity_name(name), level)
        object.__setattr__(self, "_index", index)

    def resolve(self, name: str) -> SeverityLevel | None:
        """The level called ``name`` or any of its aliases, or ``None``."""
        return self._index.get(normalize_severity_name(name))

    def by_rank(self, rank: int) -> SeverityLevel:
        return self.levels[min(max(rank, 0), len(self.levels) - 1)]

    def names(self) -> list[str]:
        return [level.name for level in self.levels]

    @property
    def least_severe(self) -> SeverityLevel:
        return self.levels[-1]


def _level(rank: int, name: str, description: str, aliases: tuple[str, ...], **kw: Any) -> SeverityLevel:
    return replace(SeverityLevel(name=name, rank=rank, description=description, aliases=aliases), **kw)


DEFAULT_SCHEME = SeverityScheme(
    levels=(
        _level(
            0,
            "SEV1",
            "Critical: complete outage, data loss or security breach",
            ("P0", "Severity 1", "Critical"),
            examples=("All services down", "Data breach"),
            response_target=timedelta(minutes=15),
            resolution_target=timedelta(hours=1),
            update_cadence=timedelta(minutes=15),
        ),
        _level(
            1,
            "SEV2",
            "Major: significant degradation for many users",
            ("P1", "Severity 2", "High"),
            examples=("Partial outage", "High error rate"),
            response_target=timedelta(minutes=30),
            resolution_target=timedelta(hours=4),
            update_cadence=timedelta(minutes=30),
        ),
        _level(
            2,
            "SEV3",
            "Minor: limited impact, a workaround exists",
            ("P2", "Severity 3", "Medium"),
            examples=("Single component degraded",),
            response_target=timedelta(hours=2),
            resolution_target=timedelta(hours=24),
            update_cadence=timedelta(hours=2),
            pages=False,
        ),
        _level(
            3,
            "SEV4",
            "Low: minimal impact",
            ("P3", "Severity 4", "Low"),
            examples=("Non-critical bug",),
            response_target=None,
            resolution_target=timedelta(weeks=1),
            pages=False,
            business_hours_only=True,
        ),
    )
)
