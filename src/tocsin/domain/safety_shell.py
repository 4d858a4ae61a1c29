"""Just enough of the POSIX shell grammar to tell one command from the next.

Runbook code blocks are shell: commands continued over lines with ``\\``, quoted SQL spanning lines,
heredocs, pipelines, ``&&`` chains, ``$(...)`` substitutions and comments. :func:`logical_lines` groups
the physical lines of a block into the lines a shell would read (so a step never ends in the middle of
a command), and :func:`simple_commands` splits one logical line into the simple commands whose safety is
judged one by one. This is a reader for classification, not an interpreter: it never expands anything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

__all__ = ["LineKind", "LogicalLine", "SimpleCommand", "logical_lines", "simple_commands"]

_HEREDOC_RE = re.compile(r"<<(-?)\s*(['\"]?)([A-Za-z_][\w]*)\2")
_ORDINARY_RUN = re.compile(r"[^\s#'\"\\$`<>;|&()]+")
_PLACEHOLDER_RE = re.compile(r"<[A-Za-z_][^<>\s]*>")
_REDIRECT_OPS = (">>", ">&", ">|", "&>", "<<<", "<<-", "<<", "<&", "<>", ">", "<")
_CONTROL_OPS = ("&&", "||", ";;", "|&", ";", "|", "&")


class LineKind(StrEnum):
    BLANK = "blank"
    COMMENT = "comment"
    CODE = "code"


@dataclass(frozen=True)
class LogicalLine:
    """One line as the shell reads it: its text (possibly several physical lines) and where it is."""

    kind: LineKind
    text: str
    first: int  # index of its first physical line in the block
    last: int  # index of its last physical line
    heredoc: str = ""  # the body of a heredoc the line opens, if any


@dataclass
class SimpleCommand:
    """One command: its words with quotes removed, where its output goes, and what it substitutes."""

    words: list[str] = field(default_factory=list)
    redirects: list[tuple[str, str]] = field(default_factory=list)  # (operator, target)
    substitutions: list[str] = field(default_factory=list)  # the text inside $(...) and `...`
    heredoc: str = ""


def _open_quote(text: str, quote: str | None) -> str | None:
    """The quote still open at the end of ``text`` when it starts inside ``quote`` (``None``: none)."""
    index = 0
    while index < len(text):
        char = text[index]
        if quote is None:
            if char == "\\":
                index += 1
            elif char == "#" and (index == 0 or text[index - 1] in " \t"):
                return None  # the rest is a comment; quotes in it do not count
            elif char in "'\"":
                quote = char
        elif quote == '"' and char == "\\":
            index += 1
        elif char == quote:
            quote = None
        index += 1
    return quote


def _classify_line(stripped: str, comment_prefixes: tuple[str, ...]) -> LineKind:
    if not stripped:
        return LineKind.BLANK
    if stripped.startswith(comment_prefixes):
        return LineKind.COMMENT
    return LineKind.CODE


def logical_lines(code: str, *, comment_prefixes: tuple[str, ...] = ("#",)) -> list[LogicalLine]:
    """Group the physical lines of a shell block into logical lines.

    A line ending in ``\\``, a quote left open, or a heredoc (``<<EOF`` ... ``EOF``) continues onto
    the next lines. Comment and blank lines are their own logical lines.
    """
    physical = code.split("\n")
    result: list[LogicalLine] = []
    index = 0
    while index < len(physical):
        first = index
        kind = _classify_line(physical[index].strip(), comment_prefixes)
        if kind is not LineKind.CODE:
            result.append(LogicalLine(kind, physical[index], first, first))
            index += 1
            continue
        parts = [physical[index]]
        quote = _open_quote(physical[index], None)
        while index + 1 < len(physical) and (quote is not None or parts[-1].rstrip().endswith("\\")):
            index += 1
            parts.append(physical[index])
            quote = _open_quote(physical[index], quote)
        text = "\n".join(parts)
        heredoc, index = _read_heredoc(text, physical, index)
        result.append(LogicalLine(LineKind.CODE, text, first, index, heredoc))
        index += 1
    return result


def _read_heredoc(text: str, physical: list[str], index: int) -> tuple[str, int]:
    """The body of the heredoc ``text`` opens (ending at its delimiter line), and the new line index."""
    opened = _HEREDOC_RE.search(text)
    if opened is None or "<<<" in text[max(0, opened.start() - 1) : opened.start() + 3]:
        return "", index
    strip_tabs, delimiter = opened.group(1) == "-", opened.group(3)
    body: list[str] = []
    while index + 1 < len(physical):
        index += 1
        line = physical[index].lstrip("\t") if strip_tabs else physical[index]
        if line.strip() == delimiter:
            break
        body.append(physical[index])
    return "\n".join(body), index


def _balanced_end(text: str, start: int) -> int:
    """Index just past the ``)`` closing the ``(`` at ``start``, honouring quotes; len(text) if unclosed."""
    depth, index, quote = 0, start, None
    while index < len(text):
        char = text[index]
        if quote:
            if char == "\\" and quote == '"':
                index += 1
            elif char == quote:
                quote = None
        elif char in "'\"":
            quote = char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return index + 1
        index += 1
    return len(text)


class _Lexer:
    """Splits one logical line into simple commands."""

    def __init__(self, text: str) -> None:
        self.text = text.replace("\\\n", " ")
        self.index = 0
        self.commands: list[SimpleCommand] = [SimpleCommand()]
        self.word: list[str] = []
        self.in_word = False
        self.pending_redirect: str | None = None

    @property
    def current(self) -> SimpleCommand:
        return self.commands[-1]

    def flush(self) -> None:
        if not self.in_word:
            return
        word = "".join(self.word)
        if self.pending_redirect is not None:
            self.current.redirects.append((self.pending_redirect, word))
            self.pending_redirect = None
        else:
            self.current.words.append(word)
        self.word, self.in_word = [], False

    def end_command(self) -> None:
        self.flush()
        if self.current.words or self.current.redirects or self.current.substitutions:
            self.commands.append(SimpleCommand())

    def add(self, text: str) -> None:
        self.word.append(text)
        self.in_word = True

    def run(self) -> list[SimpleCommand]:
        while self.index < len(self.text):
            self.step()
        self.end_command()
        return [command for command in self.commands if command.words or command.redirects]

    def step(self) -> None:
        text, index = self.text, self.index
        ordinary = _ORDINARY_RUN.match(text, index)
        if ordinary:  # most of a command: plain characters, taken in one go
            self.add(ordinary.group())
            self.index = ordinary.end()
            return
        char = text[index]
        if char in " \t":
            self.flush()
            self.index += 1
        elif char == "\n":
            self.end_command()
            self.index += 1
        elif char == "#" and not self.in_word:
            end = text.find("\n", index)
            self.index = len(text) if end < 0 else end
        elif char == "'":
            end = text.find("'", index + 1)
            end = len(text) if end < 0 else end
            self.add(text[index + 1 : end])
            self.index = end + 1
        elif char == '"':
            self.double_quoted()
        elif char == "\\":
            self.add(text[index + 1 : index + 2])
            self.index += 2
        elif char == "$" and text.startswith("$(", index):
            self.substitution()
        elif char == "`":
            end = text.find("`", index + 1)
            end = len(text) if end < 0 else end
            self.current.substitutions.append(text[index + 1 : end])
            self.add(text[index : end + 1])
            self.index = end + 1
        else:
            self.operator_or_char()

    def double_quoted(self) -> None:
        text, index = self.text, self.index + 1
        parts: list[str] = []
        while index < len(text) and text[index] != '"':
            if text[index] == "\\" and index + 1 < len(text):
                parts.append(text[index + 1])
                index += 2
            elif text.startswith("$(", index):
                end = _balanced_end(text, index + 1)
                self.note_substitution(text[index:end])
                parts.append(text[index:end])
                index = end
            else:
                parts.append(text[index])
                index += 1
        self.add("".join(parts))
        self.index = index + 1

    def note_substitution(self, text: str) -> None:
        """Record ``$(...)``; arithmetic ``$((...))`` is not a command, but what it substitutes is."""
        if text.startswith("$(("):
            inner = text[3:-2]
            for nested in re.finditer(r"\$\(", inner):
                end = _balanced_end(inner, nested.start() + 1)
                self.note_substitution(inner[nested.start() : end])
            return
        self.current.substitutions.append(text[2:-1])

    def substitution(self) -> None:
        end = _balanced_end(self.text, self.index + 1)
        self.note_substitution(self.text[self.index : end])
        self.add(self.text[self.index : end])
        self.index = end

    def operator_or_char(self) -> None:
        text, index = self.text, self.index
        placeholder = _PLACEHOLDER_RE.match(text, index)
        if placeholder:  # "<ALB_DNS>" is a value the reader fills in, not a redirection
            self.add(placeholder.group())
            self.index = placeholder.end()
            return
        for operator in _REDIRECT_OPS:
            if text.startswith(operator, index):
                self.redirect(operator)
                return
        for operator in _CONTROL_OPS:
            if text.startswith(operator, index):
                self.end_command()
                self.index += len(operator)
                return
        if text[index] in "()" and not self.in_word:
            self.end_command()
        else:
            self.add(text[index])
        self.index += 1

    def redirect(self, operator: str) -> None:
        # "2>" and "2>&1": a file descriptor number glued to the operator belongs to it.
        if self.in_word and "".join(self.word).isdigit():
            self.word, self.in_word = [], False
        else:
            self.flush()
        self.index += len(operator)
        if operator in (">&", "<&") or (operator == ">" and self.text.startswith("&", self.index)):
            match = re.match(r"&?[\d-]+", self.text[self.index :])
            if match:  # duplicating a descriptor (2>&1) goes nowhere new
                self.index += match.end()
                return
        self.pending_redirect = operator


def simple_commands(line: LogicalLine | str) -> list[SimpleCommand]:
    """The simple commands of one logical line, split at ``;``, ``&&``, ``||``, ``|`` and ``&``."""
    text = line.text if isinstance(line, LogicalLine) else line
    heredoc = line.heredoc if isinstance(line, LogicalLine) else ""
    marker = _HEREDOC_RE.search(text)
    if marker and heredoc:
        text = text[: marker.start()] + text[marker.end() :]
    commands = _Lexer(text).run()
    if heredoc and commands:
        commands[0].heredoc = heredoc
    return commands
