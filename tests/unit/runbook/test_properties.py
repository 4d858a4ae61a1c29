"""Properties of any import, on arbitrary Markdown: it never crashes, it never loses a code block without
a word, and what it extracts survives the YAML round trip."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.unit.runbook.invariants import lost_lines
from tests.unit.runbook.strategies import fences, markdown_documents
from tocsin.runbook import lint_report, parse_runbook, playbook_from_yaml, playbook_to_yaml
from tocsin.runbook.document import repair_text

FAST = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(st.one_of(markdown_documents, st.text(max_size=400)))
def test_arbitrary_markdown_never_crashes_and_lints_to_plain_data(markdown: str) -> None:
    playbook = parse_runbook(markdown)
    assert playbook.title
    json.dumps(lint_report(playbook))


@FAST
@given(markdown_documents)
def test_no_fenced_code_block_is_lost_silently(markdown: str) -> None:
    """Every line of every fenced block is in a step, a template or an unparsed entry."""
    assert lost_lines(repair_text(markdown), parse_runbook(markdown)) == []


@FAST
@given(st.lists(fences(), min_size=1, max_size=4), st.sampled_from(["Investigation", "Overview", "Anything"]))
def test_code_blocks_anywhere_are_kept(blocks: list[str], heading: str) -> None:
    markdown = f"# Runbook\n\n## {heading}\n\n" + "\n\n".join(blocks)
    assert lost_lines(repair_text(markdown), parse_runbook(markdown)) == []


@FAST
@given(markdown_documents)
def test_every_import_round_trips_through_yaml(markdown: str) -> None:
    playbook = parse_runbook(markdown)
    exported = playbook_to_yaml(playbook)
    assert playbook_from_yaml(exported) == playbook
    assert playbook_to_yaml(playbook_from_yaml(exported)) == exported


@FAST
@given(markdown_documents)
def test_unparsed_entries_point_at_real_lines(markdown: str) -> None:
    lines = repair_text(markdown).split("\n")
    for entry in parse_runbook(markdown).unparsed:
        assert 1 <= entry.line <= len(lines)
        assert entry.text
