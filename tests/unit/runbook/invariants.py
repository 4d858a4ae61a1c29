"""What a reader can check on any import: no fenced code block disappears without a word."""

from __future__ import annotations

import re

from markdown_it import MarkdownIt

from tocsin.domain.playbook import Playbook

_MARKDOWN = MarkdownIt("commonmark").enable("table")
_COMMENT = re.compile(r"^\s*(?:#+|--|//)\s*(?:(?:step|option)\s*)?(?:\d+[.):]\s*)?")


def fenced_blocks(markdown: str) -> list[str]:
    """The content of every fenced code block, wherever it is (lists and quotes included)."""
    return [token.content for token in _MARKDOWN.parse(markdown) if token.type == "fence"]


def captured_text(playbook: Playbook) -> str:
    """All the text a playbook keeps from code blocks: steps, templates and unparsed entries."""
    parts: list[str] = []
    for step in playbook.all_steps():
        parts += [step.code, step.description]
    parts += [template.body for template in playbook.templates]
    parts += [entry.text for entry in playbook.unparsed]
    return "\n".join(parts)


def lost_lines(markdown: str, playbook: Playbook) -> list[str]:
    """Lines of fenced code blocks found neither in a step, a template nor an unparsed entry."""
    kept = " ".join(captured_text(playbook).split())
    lost = []
    for block in fenced_blocks(markdown):
        for line in block.split("\n"):
            core = " ".join(_COMMENT.sub("", line).split())
            if core and core not in kept:
                lost.append(line)
    return lost
