"""A runbook as a tree of sections holding blocks, each block knowing its lines.

markdown-it-py does the Markdown; this module keeps only what the extractors need: headings nest into
:class:`Section` objects, and each section holds its paragraphs, fenced code, lists, tables and quotes
with their line numbers. Every piece of content is a *unit* (a paragraph, a list item's own text, a table
row, a code block) that an extractor must claim; whatever nobody claims is reported as unparsed, so
nothing is ever dropped silently.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import ftfy
from markdown_it import MarkdownIt
from markdown_it.token import Token

from tocsin.runbook.text import label_of

__all__ = [
    "Block",
    "Document",
    "Fence",
    "ListBlock",
    "ListItem",
    "Paragraph",
    "Quote",
    "Section",
    "Table",
    "TableRow",
    "read_document",
    "repair_text",
]

# Only the block structure is needed; inline content is kept raw and read by tocsin.runbook.text, so the
# (costly) inline parse is switched off.
_MARKDOWN = MarkdownIt("commonmark").enable("table").disable(["inline", "text_join"])
# UTF-8 that was read as Mac Roman and encoded again ("\uf8ffüö®" was 🚨, "\u201a\u00dc\u00ed" was →).
# ftfy leaves these alone.
_MAC_ROMAN_RUN = re.compile(r"[^\x00-\x7f]{2,}")


def _undo_mac_roman(match: re.Match[str]) -> str:
    run = match.group()
    try:
        fixed = run.encode("mac_roman").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return run
    # Only symbols come out of this kind of damage in runbooks (emoji, arrows, quotes); accepting letters
    # too would turn legitimate accented text into nonsense.
    return fixed if len(fixed) < len(run) and all(ord(char) >= 0x2000 for char in fixed) else run


def repair_text(text: str) -> str:
    """Undo mojibake (emoji and arrows that were encoded twice) and normalise line breaks.

    ftfy repairs the Latin-1/Windows-1252 kind ("ðŸš¨" → 🚨); a run of non-ASCII characters that is
    UTF-8 read as Mac Roman is repaired here, only when it decodes cleanly, so real accented text stays.
    """
    # NUL becomes U+FFFD as CommonMark requires, so line text and parsed text agree.
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "\ufffd")
    lines = text.split("\n")
    # Line by line, and only lines that need it: ASCII cannot be mojibake, and line numbers must not move.
    return "\n".join(line if line.isascii() else _repair_line(line) for line in lines)


def _repair_line(line: str) -> str:
    fixed = ftfy.fix_text(line, uncurl_quotes=False, fix_line_breaks=False, normalization="NFC")
    return _MAC_ROMAN_RUN.sub(_undo_mac_roman, fixed)


@dataclass(eq=False)
class Paragraph:
    text: str  # the raw inline Markdown, "**Symptoms**: Health checks failing"
    start: int  # 0-based first line
    end: int  # 0-based line after the last


@dataclass(eq=False)
class Fence:
    language: str
    code: str
    start: int
    end: int
    fenced: bool = True  # False for an indented code block


@dataclass(eq=False)
class ListItem:
    text: str  # the item's own first paragraph, raw; "" when it starts with something else
    start: int
    end: int  # end of the item's own text
    number: int | None = None  # its number in an ordered list
    checkbox: bool | None = None  # "- [ ]" is False, "- [x]" True, no box None
    blocks: list[Block] = field(default_factory=list)  # what is nested under it


@dataclass(eq=False)
class ListBlock:
    ordered: bool
    items: list[ListItem]
    start: int
    end: int


@dataclass(eq=False)
class TableRow:
    cells: list[str]
    start: int
    end: int


@dataclass(eq=False)
class Table:
    header: list[str]
    rows: list[TableRow]
    start: int  # the header and its delimiter row
    end: int


@dataclass(eq=False)
class Quote:
    blocks: list[Block]
    start: int
    end: int


@dataclass(eq=False)
class Html:
    text: str
    start: int
    end: int


Block = Paragraph | Fence | ListBlock | Table | Quote | Html
Unit = Paragraph | Fence | ListItem | TableRow | Table | Html


@dataclass(eq=False)
class Section:
    """A heading and what follows it up to the next heading of the same or a higher level."""

    title: str  # raw inline Markdown of the heading
    level: int
    start: int
    blocks: list[Block] = field(default_factory=list)
    children: list[Section] = field(default_factory=list)

    def walk(self) -> Iterator[Section]:
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass
class Document:
    lines: list[str]
    title: str
    preamble: list[Block]  # content before the first section, and the title's own content
    subtitles: list[str]  # extra top-level headings without content ("Emergency procedures ...")
    sections: list[Section]

    def source(self, start: int, end: int) -> str:
        return "\n".join(self.lines[start:end]).strip()


@dataclass
class _Heading:
    level: int
    text: str
    start: int


class _Reader:
    def __init__(self, tokens: Sequence[Token]) -> None:
        self.tokens = tokens
        self.index = 0

    def blocks(self, until: str | None = None, *, headings: bool = False) -> list[Block | _Heading]:
        found: list[Block | _Heading] = []
        while self.index < len(self.tokens) and self.tokens[self.index].type != until:
            token = self.tokens[self.index]
            block = self.block(token, headings)
            if block is not None:
                found.append(block)
        self.index += 1  # past the closing token
        return found

    def block(self, token: Token, headings: bool) -> Block | _Heading | None:
        start, end = token.map or (0, 0)
        kind = token.type
        if kind in ("fence", "code_block"):
            self.index += 1
            language = token.info.strip().split(" ")[0].strip("{}.").casefold() if token.info else ""
            return Fence(language, token.content.rstrip("\n"), start, end, kind == "fence")
        if kind in ("paragraph_open", "heading_open"):
            text = self.tokens[self.index + 1].content
            self.index += 3
            if kind == "heading_open" and headings:
                return _Heading(int(token.tag[1:]), text, start)
            return Paragraph(text, start, end)
        if kind in ("bullet_list_open", "ordered_list_open"):
            return self.list_block(token)
        if kind == "table_open":
            return self.table(token)
        if kind == "blockquote_open":
            self.index += 1
            inner = [b for b in self.blocks("blockquote_close") if not isinstance(b, _Heading)]
            return Quote(inner, start, end)
        self.index += 1
        if kind == "html_block":
            return Html(token.content.strip(), start, end)
        return None  # hr and closing tokens

    def list_block(self, token: Token) -> ListBlock:
        close = token.type.replace("_open", "_close")
        ordered = token.type == "ordered_list_open"
        items: list[ListItem] = []
        self.index += 1
        while self.tokens[self.index].type != close:
            opener = self.tokens[self.index]
            self.index += 1
            content = [b for b in self.blocks("list_item_close") if not isinstance(b, _Heading)]
            items.append(_list_item(opener, content, ordered))
        self.index += 1
        start, end = token.map or (0, 0)
        return ListBlock(ordered, items, start, end)

    def table(self, token: Token) -> Table:
        rows: list[TableRow] = []
        header: list[str] = []
        header_end = (token.map or (0, 0))[0] + 2
        self.index += 1
        while self.tokens[self.index].type != "table_close":
            current = self.tokens[self.index]
            if current.type == "tr_open":
                cells, self.index = _cells(self.tokens, self.index + 1)
                line = (current.map or (0, 0))[0]
                if not header:
                    header, header_end = cells, line + 2
                else:
                    rows.append(TableRow(cells, line, line + 1))
            else:
                self.index += 1
        self.index += 1
        return Table(header, rows, (token.map or (0, 0))[0], header_end)


def _cells(tokens: Sequence[Token], index: int) -> tuple[list[str], int]:
    cells: list[str] = []
    while tokens[index].type != "tr_close":
        if tokens[index].type == "inline":
            cells.append(tokens[index].content.strip())
        index += 1
    return cells, index + 1


_CHECKBOX = re.compile(r"^\[([ xX])\]\s*")


def _list_item(opener: Token, content: list[Block], ordered: bool) -> ListItem:
    start = (opener.map or (0, 0))[0]
    number = int(opener.info) if ordered and opener.info.isdigit() else None
    if content and isinstance(content[0], Paragraph):
        first = content.pop(0)
        assert isinstance(first, Paragraph)
        text, checkbox = first.text, None
        box = _CHECKBOX.match(text)
        if box:
            text, checkbox = text[box.end() :], box.group(1) != " "
        return ListItem(text, first.start, first.end, number, checkbox, content)
    return ListItem("", start, start, number, None, content)


def _nest(items: list[Block | _Heading]) -> tuple[list[Block], list[Section]]:
    """Split a flat list of blocks and headings into leading blocks and a tree of sections."""
    leading: list[Block] = []
    roots: list[Section] = []
    stack: list[Section] = []
    for item in items:
        if isinstance(item, _Heading):
            section = Section(item.text.strip(), item.level, item.start)
            while stack and stack[-1].level >= item.level:
                stack.pop()
            (stack[-1].children if stack else roots).append(section)
            stack.append(section)
        elif stack:
            stack[-1].blocks.append(item)
        else:
            leading.append(item)
    return leading, roots


def _is_decoration(text: str) -> bool:
    """A heading of only rules and symbols ("# ======") is decoration, not a title."""
    return not re.search(r"[^\W_]", text)


def _pseudo_headings(items: list[Block | _Heading]) -> list[Block | _Heading]:
    """In a runbook without section headings, bold or colon-ended label lines ("**Severities**",
    "Escalation path:") that stand before a list, table or code block act as headings."""
    if sum(1 for item in items if isinstance(item, _Heading) and item.level > 1) > 0:
        return items
    result: list[Block | _Heading] = []
    for index, item in enumerate(items):
        following = items[index + 1] if index + 1 < len(items) else None
        label = label_of(item.text) if isinstance(item, Paragraph) else None
        if label and isinstance(following, ListBlock | Table | Fence) and isinstance(item, Paragraph):
            result.append(_Heading(2, label, item.start))
        else:
            result.append(item)
    return result


def read_document(text: str) -> Document:
    """Parse repaired runbook text into a :class:`Document`."""
    tokens = _MARKDOWN.parse(text)
    leading, roots = _nest(_pseudo_headings(_Reader(tokens).blocks(headings=True)))
    roots = [root for root in roots if not _is_decoration(root.title) or root.blocks or root.children]
    lines = text.split("\n")
    tops = [root for root in roots if root.level == 1]
    with_content = [root for root in tops if root.blocks or root.children]
    if not tops or len(with_content) > 1:
        title = tops[0].title if tops else ""
        return Document(lines, title, leading, [], roots)
    # One document title (and perhaps banner lines under it): its subsections are the top level.
    title = tops[0].title
    subtitles = [root.title for root in tops[1:] if not (root.blocks or root.children)]
    container = with_content[0] if with_content else tops[0]
    if container is not tops[0]:
        subtitles.append(container.title)
    sections: list[Section] = []
    for root in roots:
        if root is container:
            sections.extend(root.children)
        elif root.level != 1:
            sections.append(root)
    return Document(lines, title, [*leading, *container.blocks], subtitles, sections)
