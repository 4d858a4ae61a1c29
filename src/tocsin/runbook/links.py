"""Related runbooks, tools, dashboards and URLs."""

from __future__ import annotations

from tocsin.domain.playbook import Link
from tocsin.runbook.context import ParseContext
from tocsin.runbook.document import ListBlock, ListItem, Paragraph, Section
from tocsin.runbook.text import clean_heading, key_value, links_in, plain

__all__ = ["read_links"]


def _item_links(raw: str, category: str) -> list[Link]:
    """ "[Database Operations](database-operations.md)", "**Grafana**: https://grafana..." or a tool named
    without a URL ("CloudWatch Dashboards")."""
    found = links_in(raw)
    pair = key_value(raw)
    if pair and len(found) == 1 and plain(pair.value).strip() == found[0][1]:
        return [Link(pair.key, found[0][1], category)]
    if found:
        return [Link(text, url, category) for text, url in found]
    return [Link(plain(raw), None, category)] if plain(raw) else []


def _items(ctx: ParseContext, items: list[ListItem], category: str) -> None:
    for item in items:
        links = _item_links(item.text, category)
        if links:
            ctx.draft.links.extend(links)
            ctx.use(item)
        for inner in item.blocks:
            if isinstance(inner, ListBlock):
                _items(ctx, inner.items, category)


def read_links(ctx: ParseContext, section: Section) -> None:
    """Links from the section's lists, and from paragraphs that hold links."""
    category = clean_heading(section.title)
    for block in section.blocks:
        if isinstance(block, ListBlock):
            _items(ctx, block.items, category)
        elif isinstance(block, Paragraph) and links_in(block.text):
            ctx.draft.links.extend(Link(text, url, category) for text, url in links_in(block.text))
            ctx.use(block)
