"""The blanks of a communication template and the incident facts that fill them.

A blank is ``[Brief Description]``, ``{{ service }}``, ``{service}`` or ``<service>``. It is matched to an
incident field by its label when it has one ("Resolved: [Timestamp]" is when the incident was resolved,
"Start Time: [Timestamp]" when it started), else by its own words. A blank nothing matches stays
unmapped: a person fills it in.
"""

from __future__ import annotations

import re

from tocsin.domain.playbook import IncidentField, Placeholder

__all__ = ["find_placeholders", "incident_field"]

F = IncidentField
_BLANK = re.compile(
    r"(?<![!\w\]])\[(?![ xX]\])(?P<square>[^\[\]\n{}]{1,80})\](?!\()"
    r"|\{\{\s*(?P<curly>[^{}\n]{1,60}?)\s*\}\}"
    r"|(?<![{$\w])\{(?P<single>[A-Za-z_][\w .-]{0,40})\}(?!\})"
    r"|<(?P<angle>[A-Za-z][\w .-]{0,40})>"
)
# Tried in order; the first pattern that matches the label (or, failing that, the name) wins. A match
# on ``None`` means "no field", and stops the search.
_FIELDS: list[tuple[IncidentField | None, str]] = [
    (None, r"^eta$|estimated"),  # a forecast nobody records on the incident
    (F.NEXT_UPDATE_AT, r"next update"),
    (F.DURATION, r"duration|how long|start time - end time"),
    (F.RESOLVED_AT, r"^resolved\b|end time|resolution time|recovered"),
    (F.STARTED_AT, r"start|began|detected|^time$|^timestamp$|^when$|^date ?time$"),
    (F.ACKNOWLEDGED_AT, r"acknowledged"),
    (F.INCIDENT_ID, r"incident (id|number|#)|^id$|^#$|ticket|incident ref"),
    (F.SEVERITY, r"severity|^sev\b|priority|^level$|^p\d(/p\d)+$"),
    (F.STATUS, r"^status$|^state$|investigating|identified|mitigating|monitoring"),
    (F.ROOT_CAUSE, r"root cause|cause|brief explanation"),
    (F.RESOLUTION, r"what was done|actions taken|resolution|fix|how it was fixed"),
    (F.LATEST_UPDATE, r"^update$|what we know|latest|current status|progress"),
    (F.COMMANDER, r"commander|\bic\b|incident lead"),
    (F.RESPONDER, r"on-?call|engineer|responder|assignee|owner|investigator"),
    (F.SERVICES, r"service|feature|component|system|affected$|application|^app$|product"),
    (F.IMPACT, r"impact|affected users|users affected|customers|estimate|scope"),
    (F.TITLE, r"title|brief description|one line description|summary|headline|issue|^description$|^name$"),
    (F.URL, r"url|link|status page"),
]


# Names that say what kind of value goes in, not which one: the line's label decides for them.
_GENERIC = re.compile(
    r"^(time|timestamp|date|date ?time|when|brief (description|explanation)|description|details?|estimate|"
    r"value|text|tbd|x+|what\b.*)$",
    re.IGNORECASE,
)


def incident_field(name: str, label: str = "") -> IncidentField | None:
    """The incident field a blank named ``name`` stands for, on a line labelled ``label``.

    A specific name wins ("Resolved: [Incident ID]" is the incident's id); a generic one ("[Timestamp]",
    "[Brief description]") takes its meaning from the label.
    """
    name = re.sub(r"_+", " ", name).strip()
    order = (label, name) if _GENERIC.match(name) else (name, label)
    for text in order:
        for field, pattern in _FIELDS:
            if text and re.search(pattern, text.strip(), re.IGNORECASE):
                return field
    return None


def _label_before(body: str, position: int) -> str:
    """The "Label:" that starts the line a blank is on, if the blank directly follows it."""
    line_start = body.rfind("\n", 0, position) + 1
    if position - line_start > 80:  # no label is that long
        return ""
    before = body[line_start:position]
    match = re.fullmatch(r"\s*[-*]?\s*(?:\W\s*)?([A-Za-z][\w /&'-]{0,40}?)\s*:\s*", before)
    return match.group(1) if match else ""


def find_placeholders(body: str) -> tuple[Placeholder, ...]:
    """Each distinct blank of ``body`` in order, with the field it maps to."""
    found: dict[str, Placeholder] = {}
    for match in _BLANK.finditer(body):
        text = match.group()
        if text in found:
            continue
        name = next(group for group in match.groups() if group is not None).strip()
        if re.fullmatch(r"https?://\S+|\d+|[ xX]", name):
            continue
        found[text] = Placeholder(text, name, incident_field(name, _label_before(body, match.start())))
    return tuple(found.values())
