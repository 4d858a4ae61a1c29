"""What a section of a runbook is about, from its heading, its content and where it sits.

Headings are matched by meaning, not by exact title ("Incident Severity Levels", "Severity
Classification", "Priority Matrix" are all severities), and a heading's guess is kept only if the content
fits (a "P1: High Priority" section holding one code block is not a severity table). A section with no
telling heading is judged by its content: symptoms make a scenario, code makes a procedure.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from tocsin.domain.safety import is_known_program, language_kind
from tocsin.runbook.context import SectionKind
from tocsin.runbook.document import Block, Fence, ListBlock, ListItem, Paragraph, Quote, Section, Table
from tocsin.runbook.severity_names import parse_severity_label
from tocsin.runbook.text import KeyValue, clean_heading, key_value, label_of, plain

__all__ = [
    "SYMPTOM_LABEL",
    "classify",
    "has_window",
    "is_code_fence",
    "is_text_fence",
    "subtree_blocks",
    "symptoms_key",
]

K = SectionKind
SYMPTOM_LABEL = re.compile(
    r"^(symptoms?|signs?|indicators?|how to (recogni[sz]e|spot|tell)|what you(?:'ll| will)? see|"
    r"detection signals?|presentation)\b",
    re.IGNORECASE,
)
_WINDOW = re.compile(
    r"\(\s*(?:\d+\s*(?:s|sec|m|min|mins|minutes|h|hr|hrs|hours?)?\s*[-–—]\s*\d+\s*"  # noqa: RUF001
    r"(?:s|sec|m|min|mins|minutes|h|hr|hrs|hours?)|first\s+\d+\s*\w+)\s*\)|^phase\s*\d+",
    re.IGNORECASE,
)
_HEADING_RULES: list[tuple[SectionKind, str]] = [
    (K.POSTMORTEM, r"post[- ]?mortem|incident report|\brca\b|root cause analysis|retrospective|\bpir\b"),
    (K.POST_INCIDENT, r"post[- ]?incident|after (the )?incident|follow[- ]?up|aftermath|wrap[- ]?up"),
    (
        K.TEMPLATES,
        r"template|canned (message|response)|\bmessages?\b|communicat|notification|announce|"
        r"status ?page|\bcomms\b",
    ),
    (K.CHECKLIST, r"check ?list|\bto-?do\b|action items"),
    (K.ASSESSMENT, r"assess|decision|determin|how to (choose|classify|pick)|triage questions"),
    (K.SEVERITIES, r"severit|priorit|\bsev\b|incident (levels|classes)|classification|impact levels|urgency"),
    (K.ESCALATION, r"escalat"),
    (K.CONTACTS, r"contact|\bteam\b|\broles?\b|on-?call|who to (call|page)|people|responders|stakeholders"),
    (K.ALERT_RULES, r"threshold|alert(ing)? (rules?|levels|mapping)|^alerts?$|monitoring (&|and) alert"),
    (
        K.SCENARIOS,
        r"common (issues|incidents|problems|failures|scenarios|errors)|scenarios|incident types|"
        r"known (issues|problems)|troubleshooting|failure modes|^playbooks?$",
    ),
    (
        K.SCENARIO,
        r"^(sev\w*|p\d|priority \d|severity \d|critical|high|medium|low)\W*\s*incident\s*:|"
        r"^(scenario|incident|issue|problem)\b\s*\d*\s*:",
    ),
    (
        K.LINKS,
        r"related|resources|references|links|see also|documentation|\bdocs\b|tools|dashboards|"
        r"\burls?\b|further reading|runbooks?$",
    ),
    (K.OVERVIEW, r"^(overview|introduction|purpose|about|scope|summary|background)\b"),
    (
        K.PROCEDURE,
        r"^step\s*\d+|procedure|process|response|steps|actions|commands|quick reference|cheat ?sheet|investigat|"
        r"diagnos|triage|detect|recover|rollback|roll back|verif|mitigat|contain|\bchecks?\b|health|how to",
    ),
]


def subtree_blocks(section: Section) -> Iterator[Block]:
    for inner in section.walk():
        yield from inner.blocks


def is_code_fence(block: Block) -> bool:
    """A fence of commands (shell, SQL, a query language ...), not a message or a document."""
    return (
        isinstance(block, Fence)
        and language_kind(block.language) not in ("text",)
        and not (block.language == "" and not _looks_like_commands(block.code))
    )


def is_text_fence(block: Block) -> bool:
    return isinstance(block, Fence) and not is_code_fence(block)


def _looks_like_commands(code: str) -> bool:
    """Whether a fence without a language holds commands rather than a message: most of its lines must
    begin like a shell command or comment, and no line may look like a "Label: [placeholder]" field."""
    lines = [line.strip() for line in code.split("\n") if line.strip()]
    if not lines or any(re.search(r"^[A-Z][\w /-]*:\s*\[", line) for line in lines):
        return False
    commands = sum(
        1 for line in lines if line.startswith(("#", "$ ", "./", "/")) or is_known_program(line.split()[0])
    )
    return commands * 2 > len(lines)


def symptoms_key(pair: KeyValue) -> bool:
    """Whether a key introduces symptoms: "**Symptoms (what users see)**:", or a plain "Symptoms:"."""
    return bool(SYMPTOM_LABEL.match(pair.key) if pair.bold else SYMPTOM_LABEL.fullmatch(pair.key))


def has_window(title: str) -> bool:
    return bool(_WINDOW.search(plain(title)))


def _items(section: Section) -> list[ListItem]:
    return [item for block in section.blocks if isinstance(block, ListBlock) for item in block.items]


def _has_symptoms(section: Section) -> bool:
    for block in section.blocks:
        if isinstance(block, Paragraph):
            label = label_of(block.text)
            pair = key_value(block.text)
            if (label and SYMPTOM_LABEL.match(label)) or (pair and symptoms_key(pair)):
                return True
    return any(SYMPTOM_LABEL.match(clean_heading(child.title)) for child in section.children)


def _severity_names_in(section: Section) -> int:
    """How many severity levels the section seems to define, in its table, its list or its sub-headings."""
    rows = [row.cells[0] for b in section.blocks if isinstance(b, Table) for row in b.rows if row.cells]
    keys = [pair.key if (pair := key_value(item.text)) else plain(item.text) for item in _items(section)]
    titles = [clean_heading(child.title) for child in section.children]
    return max(sum(1 for text in group if parse_severity_label(text)) for group in (rows, keys, titles))


def _severity_content(section: Section) -> bool:
    """Without a telling heading, two levels are needed: one "High CPU" item is not a scheme."""
    return _severity_names_in(section) >= 2


def _templates_content(section: Section) -> bool:
    return any(
        is_text_fence(block)
        or isinstance(block, Quote)
        or (isinstance(block, Paragraph) and re.search(r"\[[A-Z][^\]]*\]", block.text) is not None)
        for block in subtree_blocks(section)
    )


def _only_messages(section: Section) -> bool:
    """Quotes or message fences, and nothing else that means something on its own (lists, tables, code)."""
    blocks = list(subtree_blocks(section))
    messages = [b for b in blocks if isinstance(b, Quote) or is_text_fence(b)]
    others = [b for b in blocks if isinstance(b, ListBlock | Table) or is_code_fence(b)]
    return bool(messages) and not others


def _assessment_content(section: Section) -> bool:
    """Questions with answers under them, or answered on the same line ("Is it down? Yes → SEV1")."""
    for item in _items(section):
        text = plain(item.text).rstrip()
        if (text.endswith("?") and item.blocks) or re.search(r"\?.*(→|->|=>|⇒)", text):
            return True
    return False


def _any_content(section: Section) -> bool:
    return bool(section.blocks or section.children)


def _no_code(section: Section) -> bool:
    return not any(is_code_fence(block) for block in subtree_blocks(section))


_CONTENT_CHECKS: dict[SectionKind, Callable[[Section], bool]] = {
    K.SEVERITIES: lambda s: _severity_names_in(s) >= 1,
    K.TEMPLATES: _templates_content,
    K.ASSESSMENT: _assessment_content,
    K.LINKS: _no_code,
    K.OVERVIEW: _no_code,
    K.SCENARIOS: lambda s: bool(s.children or _items(s)),
}


_DOCUMENT_TITLE = re.compile(r"\b(runbook|playbook|handbook|cheat ?sheet|guide)s?\b", re.IGNORECASE)


def _by_heading(title: str, section: Section) -> SectionKind | None:
    if section.children and _DOCUMENT_TITLE.search(title) and not re.search(r"related|see also", title, re.I):
        return K.OVERVIEW  # the runbook's own title, one level down: its text is a summary
    if has_window(title) and not _has_symptoms(section):
        return K.PHASE
    for kind, pattern in _HEADING_RULES:
        if re.search(pattern, title, re.IGNORECASE) and _CONTENT_CHECKS.get(kind, _any_content)(section):
            return kind
    return None


def _by_content(section: Section) -> SectionKind:
    if _severity_content(section):
        return K.SEVERITIES
    blocks = list(subtree_blocks(section))
    if any(is_code_fence(block) for block in section.blocks):
        return K.PROCEDURE
    if any(item.checkbox is not None for block in blocks for item in _list_items(block)):
        return K.CHECKLIST
    return K.UNKNOWN


def _list_items(block: Block) -> Iterator[ListItem]:
    if isinstance(block, ListBlock):
        yield from block.items


def _post_incident_child(title: str, section: Section) -> SectionKind:
    found = _by_heading(title, section)
    if found in (K.POSTMORTEM, K.TEMPLATES, K.CHECKLIST):
        return found
    if any(is_code_fence(block) for block in section.blocks):
        return K.PROCEDURE
    if any(is_text_fence(block) for block in section.blocks):
        return K.TEMPLATES
    return K.CHECKLIST


def classify(section: Section, parent: SectionKind | None = None) -> SectionKind:
    """The kind of ``section``, given the kind of the section it sits in (``None`` at the top)."""
    title = clean_heading(section.title)
    if parent is K.SCENARIOS:
        return K.SCENARIO
    if parent is K.POST_INCIDENT:
        return _post_incident_child(title, section)
    if _has_symptoms(section):
        return K.SCENARIO
    if _only_messages(section):
        return K.TEMPLATES
    found = _by_heading(title, section)
    if parent is K.LINKS and found in (None, K.TEMPLATES, K.PROCEDURE) and _no_code(section):
        return K.LINKS
    if found is not None:
        return found
    if parent is K.CONTACTS and (section.blocks and _no_code(section)):
        return K.CONTACTS
    return _by_content(section)
