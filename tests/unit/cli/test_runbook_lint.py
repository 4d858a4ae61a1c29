from __future__ import annotations

import json
from pathlib import Path

import pytest

from tocsin.cli.runbook_lint import lint_command

RUNBOOK = "# Runbook\n\n## Severity levels\n\n- **SEV1**: outage; ack 5 min\n\n## Misc\n\nSomething else.\n"


def test_lint_prints_the_report_and_exits_zero_even_with_unparsed_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "runbook.md"
    path.write_text(RUNBOOK, encoding="utf-8")
    assert lint_command(path, json_output=False) == 0
    out = capsys.readouterr().out
    assert "SEV1" in out
    assert "Not understood: 1" in out
    assert "line 9: Something else." in out


def test_lint_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "runbook.md"
    path.write_text(RUNBOOK, encoding="utf-8")
    assert lint_command(path, json_output=True) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["source"] == "runbook.md"
    assert report["severities"][0]["response_target_s"] == 300
    assert report["unparsed"] == [
        {"line": 9, "text": "Something else.", "reason": report["unparsed"][0]["reason"]}
    ]


def test_a_windows_1252_file_with_crlf_is_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "legacy.md"
    path.write_bytes(
        RUNBOOK.replace("Something else.", "Caf\xe9 closed.").replace("\n", "\r\n").encode("cp1252")
    )
    assert lint_command(path, json_output=True) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["unparsed"][0]["line"] == 9
    assert report["unparsed"][0]["text"] == "Café closed."


@pytest.mark.parametrize("kind", ["missing", "directory", "binary"])
def test_unreadable_input_exits_non_zero_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    path = tmp_path / "runbook.md"
    if kind == "directory":
        path.mkdir()
    elif kind == "binary":
        path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    assert lint_command(path, json_output=False) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(f"tocsin: cannot read runbook {path}")
    assert captured.err.count("\n") == 1
