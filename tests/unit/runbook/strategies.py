"""Hypothesis strategies that write runbook-like Markdown: headings, labels, lists, tables and fences."""

from __future__ import annotations

from hypothesis import strategies as st

_WORDS = st.sampled_from(
    [
        "Severity",
        "SEV1",
        "P0",
        "Critical",
        "High",
        "Escalation",
        "L1",
        "on-call",
        "Symptoms",
        "Resolution",
        "Investigation",
        "Phase 1",
        "(0-5 min)",
        "Template",
        "[Service]",
        "{{title}}",
        "checklist",
        "within",
        "1 hour",
        "15 minutes",
        "→",
        "->",
        "P2",
        "Common Issues",
        "Related",
        "https://example.org/x",
        "**",
        "`kubectl get pods`",
        "Post-Incident",
        "Is it down?",
        "No",
        "Yes",
        ":",
        "|",
        "#",
        "-",
        "[ ]",
        "rm -rf",
        "Contacts",
        "CTO",
        "Next business day",
        "Immediate",
        "<ALB_DNS>",
        "$DATABASE_URL",
        "i-xxxxx",
        "🚨",
    ]
)
_LINE = st.lists(st.one_of(_WORDS, st.text(max_size=12)), min_size=1, max_size=8).map(" ".join)
_CODE_LINES = st.sampled_from(
    [
        "aws ecs describe-services --cluster x",
        "# Check things",
        "# 2. Restart",
        "kubectl -n app rollout restart deploy/api",
        'psql $DATABASE_URL -c "SELECT count(*) FROM pg_stat_activity"',
        "redis-cli -h <HOST> FLUSHDB",
        "curl -fsS http://127.0.0.1:8080/health \\",
        "  | jq .",
        "echo 'unclosed",
        "cat <<EOF",
        "EOF",
        "",
        "Status: [Investigating]",
        "SELECT 1;",
        "-- comment",
    ]
)


@st.composite
def fences(draw: st.DrawFn) -> str:
    language = draw(st.sampled_from(["", "bash", "sql", "sh", "text", "yaml", "console", "python"]))
    body = draw(st.lists(st.one_of(_CODE_LINES, _LINE), min_size=1, max_size=6))
    return f"```{language}\n" + "\n".join(body) + "\n```"


@st.composite
def blocks(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["heading", "label", "list", "ordered", "table", "fence", "para", "quote"]))
    line = draw(_LINE)
    if kind == "heading":
        return "#" * draw(st.integers(1, 6)) + " " + line
    if kind == "label":
        return draw(st.sampled_from([f"**{line}**:", f"{line}:", f"**{line}**"]))
    if kind in ("list", "ordered"):
        items = draw(st.lists(_LINE, min_size=1, max_size=4))
        marker = "1." if kind == "ordered" else "-"
        nested = draw(st.booleans())
        lines = [f"{marker} {item}" for item in items]
        if nested:
            lines.append("   - " + draw(_LINE))
        if draw(st.booleans()):
            lines.append("\n   " + draw(fences()).replace("\n", "\n   "))
        return "\n".join(lines)
    if kind == "table":
        width = draw(st.integers(1, 4))
        header = [draw(_WORDS) for _ in range(width)]
        rows = draw(st.lists(st.lists(_LINE, min_size=width, max_size=width), max_size=3))
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * width]
        lines += ["| " + " | ".join(cell.replace("|", " ") for cell in row) + " |" for row in rows]
        return "\n".join(lines)
    if kind == "fence":
        return draw(fences())
    if kind == "quote":
        return "> " + line
    return line


markdown_documents = st.lists(blocks(), max_size=14).map("\n\n".join)
