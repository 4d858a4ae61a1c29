"""Reading the inline Markdown of runbooks: labels, key/value lines, plain text, links and code spans."""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "KeyValue",
    "clean_heading",
    "code_spans",
    "key_value",
    "label_of",
    "links_in",
    "plain",
    "split_list",
]

# Spans are bounded so that a pathological line ("*a *a *a ..." 60 KB long) is read in linear time.
_LINK = re.compile(r"!?\[([^\]\n]{0,500})\]\(([^)\s]{0,2000})(?:\s+\"[^\"\n]{0,500}\")?\)")
_AUTOLINK = re.compile(r"<((?:https?|mailto):[^>\s]+)>")
_BARE_URL = re.compile(r"\bhttps?://[^\s<>()\[\]`]+[^\s<>()\[\]`.,;:!?'\"]")
_EMPHASIS = re.compile(
    r"(\*\*|\*|~~)(?=\S)(.{1,300}?)(?<=\S)\1|(?<!\w)(__|_)(?=\S)(.{1,300}?)(?<=\S)\3(?!\w)"
)
_CODE = re.compile(r"(`{1,5})(.{1,2000}?)\1")
# Only real HTML tags: "<ALB_DNS>" in a runbook is a placeholder and stays.
_TAG = re.compile(
    r"</?(?:a|b|i|u|s|em|strong|code|span|div|p|br|hr|sub|sup|kbd|img|details|summary|small|mark|del|ins)\b[^<>]*>",
    re.IGNORECASE,
)
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>~])")
# Leading decoration of headings: emoji, symbols, numbering ("3.1", "1.", "2)", "A.").
_LEADING_SYMBOLS = re.compile(r"^[^\w\[(<\"'`$]+", re.UNICODE)
_NUMBERING = re.compile(r"^(?:\d+(?:\.\d+)*[.)]?|[A-Za-z][.)])\s+(?=\S)")
_TRAILING_SYMBOLS = re.compile(r"[\s:]*[^\w)\]?!.\"'`%>]*$", re.UNICODE)


def _link_text(match: re.Match[str]) -> str:
    """A link as its text and, when the text does not already say it, its target."""
    text, url = match.group(1).strip(), match.group(2)
    if match.group().startswith("!") or not url or not text or url in text:
        return text or url
    return f"{text} ({url})"


def plain(raw: str) -> str:
    """Inline Markdown as the reader sees it: no emphasis markers, code ticks or tags; links as
    "text (url)".

    Whitespace runs (line breaks included) become one space.
    """
    text = _LINK.sub(_link_text, raw)
    text = _AUTOLINK.sub(r"\1", text)
    text = _CODE.sub(lambda m: m.group(2).strip(), text)
    for _ in range(2):  # nested emphasis ("***x***")
        text = _EMPHASIS.sub(lambda m: m.group(2) if m.group(2) is not None else m.group(4), text)
    text = _TAG.sub("", text)
    text = _ESCAPE.sub(r"\1", text)
    return " ".join(text.split())


def clean_heading(raw: str) -> str:
    """A heading without decoration: "🚨 Incident Severity Classification" → "Incident Severity
    Classification", "3.1 Database Connection Failure" → "Database Connection Failure"."""
    text = plain(raw)
    text = _LEADING_SYMBOLS.sub("", text)
    text = _NUMBERING.sub("", text)
    text = _TRAILING_SYMBOLS.sub("", text)
    return text.strip() or plain(raw)


@dataclass(frozen=True)
class KeyValue:
    key: str  # plain, without the colon: "Response Time"
    value: str  # raw inline Markdown of the rest
    bold: bool  # whether the key was emphasised ("**Key**: value")


_BOLD_KEY = re.compile(r"^\s*(\*\*|__)(?P<key>[^*_\n]+?)(?::\s*)?\1\s*(?::|-|–|—)?\s*(?P<value>.*)$", re.S)  # noqa: RUF001
_PLAIN_KEY = re.compile(r"^\s*(?P<key>[A-Za-z][\w /&()'+-]{0,40}?)\s*:\s+(?P<value>\S.*)$", re.S)


def key_value(raw: str) -> KeyValue | None:
    """``**Response Time**: Immediate`` or ``Response time: 15 minutes`` as a key and a value.

    A plain (not bold) key must be short and the line must not be a URL, so ordinary sentences with a
    colon in them are not mistaken for fields.
    """
    bold = _BOLD_KEY.match(raw)
    if bold:
        return KeyValue(plain(bold.group("key")).rstrip(":").strip(), bold.group("value").strip(), True)
    match = _PLAIN_KEY.match(raw)
    if match and len(match.group("key").split()) <= 5 and "://" not in match.group("key"):
        return KeyValue(match.group("key").strip(), match.group("value").strip(), False)
    return None


def label_of(raw: str) -> str | None:
    """The label a paragraph is, if it is only a label: ``**Investigation**:``, ``**Database Issue?**``,
    ``Within 1 hour:``, ``For P0/P1 incidents affecting users:``. ``None`` for ordinary text."""
    text = raw.strip()
    if "\n" in text:
        return None
    bold = re.fullmatch(r"(\*\*|__)(.+?)\1\s*:?", text)
    if bold:
        return plain(bold.group(2)).rstrip(":").strip()
    if text.endswith(":") and len(text.split()) <= 12 and not text.startswith(("-", "*")):
        return plain(text[:-1]).strip()
    return None


def code_spans(raw: str) -> list[str]:
    """The contents of the inline code spans of ``raw``."""
    return [match.group(2).strip() for match in _CODE.finditer(raw)]


def links_in(raw: str) -> list[tuple[str, str]]:
    """(text, url) for each link in ``raw``: Markdown links, autolinks and bare URLs."""
    found = [(plain(m.group(1)) or m.group(2), m.group(2)) for m in _LINK.finditer(raw)]
    rest = _LINK.sub(" ", raw)
    found += [(m.group(1), m.group(1)) for m in _AUTOLINK.finditer(rest)]
    rest = _AUTOLINK.sub(" ", rest)
    found += [(m.group(), m.group()) for m in _BARE_URL.finditer(rest)]
    return found


def split_list(text: str) -> list[str]:
    """Split "Health checks failing, ALB returning 5xx errors" into its items, at commas and semicolons
    outside parentheses."""
    items: list[str] = []
    current: list[str] = []
    depth = 0
    for char in text:
        if char in "([":
            depth += 1
        elif char in ")]":
            depth = max(0, depth - 1)
        if char in ",;" and depth == 0:
            items.append("".join(current))
            current = []
        else:
            current.append(char)
    items.append("".join(current))
    return [item.strip() for item in items if item.strip()]
