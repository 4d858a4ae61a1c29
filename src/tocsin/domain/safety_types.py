"""The safety classes of a runbook command, shared by the shell and SQL classifiers.

See :mod:`tocsin.domain.safety` for what each class allows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

__all__ = ["CommandVerdict", "Judgement", "Safety", "words"]


class Safety(StrEnum):
    """How much running a command can change, from least to most."""

    READ_ONLY = "read_only"  # only looks: may run automatically
    MUTATING = "mutating"  # changes something that can be changed back: needs a responder's confirmation
    DESTRUCTIVE = "destructive"  # kills, deletes, flushes or forces: needs confirmation, and says so loudly

    @property
    def rank(self) -> int:
        return _RANKS[self]

    def stricter(self, other: Safety) -> Safety:
        """The stricter of two classes."""
        return self if self.rank >= other.rank else other

    @classmethod
    def strictest(cls, values: Iterable[Safety]) -> Safety:
        """The strictest of ``values``; read-only when there are none (nothing runs)."""
        result = cls.READ_ONLY
        for value in values:
            result = result.stricter(value)
        return result


_RANKS = {Safety.READ_ONLY: 0, Safety.MUTATING: 1, Safety.DESTRUCTIVE: 2}


@dataclass(frozen=True)
class CommandVerdict:
    """One command of a block, its class, and why (shown to the responder asked to confirm it)."""

    command: str
    safety: Safety
    reason: str


Judgement = tuple[Safety, str]  # a class and the reason for it, before it is tied to a command


def words(text: str) -> frozenset[str]:
    """A set of names written as one space-separated string, to keep long tables short."""
    return frozenset(text.split())
