"""How long ``tocsin runbook lint`` takes on a ~100 KB runbook (target: under 0.5 s).

The runbook is built from the seed runbooks (when ``../shared/seeds`` is beside the repo) and the test
fixtures, each copy pushed one heading level down under a heading of its own, until it passes 100 KB.
Run: ``.venv/bin/python bench/runbook_lint.py``.
"""

from __future__ import annotations

import re
import statistics
import sys
import time
from pathlib import Path

from tocsin.runbook import lint_report, parse_runbook

REPO = Path(__file__).resolve().parents[1]
SOURCES = [
    *sorted((REPO.parent / "shared" / "seeds").glob("*.txt")),
    *sorted((REPO / "tests" / "fixtures" / "runbooks").glob("*.md")),
    REPO / "examples" / "runbooks" / "example.md",
]
TARGET_BYTES = 100_000
BUDGET_SECONDS = 0.5


def build_runbook() -> str:
    """Concatenate the sources, each under its own heading with its headings one level deeper."""
    parts = ["# Combined incident runbook\n"]
    size, copy = 0, 0
    texts = [path.read_text(encoding="utf-8") for path in SOURCES if path.is_file()]
    while size < TARGET_BYTES:
        text = texts[copy % len(texts)]
        copy += 1
        deeper = re.sub(r"^(#{1,5}) ", r"#\1 ", text, flags=re.MULTILINE)
        part = f"\n## Service {copy}\n\n{deeper}\n"
        parts.append(part)
        size += len(part.encode("utf-8"))
    return "".join(parts)


def main() -> int:
    text = build_runbook()
    timings = []
    for _ in range(5):
        started = time.perf_counter()
        report = lint_report(parse_runbook(text, source_name="combined.md"))
        timings.append(time.perf_counter() - started)
    best, median = min(timings), statistics.median(timings)
    steps = report["counts"]["steps"]
    print(
        f"runbook lint: {len(text.encode('utf-8')) / 1000:.0f} KB, {steps} steps, "
        f"best {best * 1000:.0f} ms, median {median * 1000:.0f} ms (budget {BUDGET_SECONDS * 1000:.0f} ms)"
    )
    return 0 if median < BUDGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
