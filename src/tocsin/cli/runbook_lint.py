"""``tocsin runbook lint FILE [--json]``: show what tocsin would take from a runbook, storing nothing."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from rich.console import Console

from tocsin.runbook import lint_report, parse_runbook, render_lint

__all__ = ["lint_command", "read_runbook_file"]


def read_runbook_file(file: Path) -> str:
    """The text of a runbook file. UTF-8 (with or without a byte-order mark) is expected; other bytes
    are read as Windows-1252, whose mojibake the importer repairs. Raises ``OSError`` or ``ValueError``
    when the file cannot be read or is not text."""
    data = file.read_bytes()
    if b"\x00" in data:
        raise ValueError("it is a binary file, not a Markdown runbook")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def lint_command(file: Path, json_output: bool) -> int:
    """Parse ``file`` and print what was extracted and every line not understood (with line numbers).

    Answers the exit code: 0 whenever the file could be read, even if parts were not understood (that
    is what the report is for); 1 when it could not be read.
    """
    try:
        text = read_runbook_file(file)
    except (OSError, ValueError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        print(f"tocsin: cannot read runbook {file}: {reason}", file=sys.stderr)
        return 1
    report = lint_report(parse_runbook(text, source_name=file.name))
    if json_output:
        print(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        render_lint(report, Console(highlight=False))
    return 0
