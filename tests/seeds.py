"""Where the real runbooks the product was specified from live: ``../shared/seeds`` beside the repo."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SEEDS_DIR = REPO_ROOT.parent / "shared" / "seeds"
SEED_FILES = sorted(SEEDS_DIR.glob("*.txt")) if SEEDS_DIR.is_dir() else []

requires_seeds = pytest.mark.skipif(
    not SEED_FILES,
    reason="the seed runbooks are not beside the repo (expected ../shared/seeds); CI always has them",
)


def seed(prefix: str) -> Path:
    """The seed whose file name starts with ``prefix`` (e.g. ``"003"``)."""
    for path in SEED_FILES:
        if path.name.startswith(prefix):
            return path
    pytest.skip(f"seed {prefix} is not in ../shared/seeds")
