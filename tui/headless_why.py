"""``dagtop why NAME``: the console's `W` printed once — why a task did not run, or will not run next.

Text: the verdict, then each fact (✗ what stops it, ? what the API cannot tell, · the rest) with the
request and field it came from; times absolute, in the chosen zone. ``-o json``::

    {"task": KEY, "verdict": str, "facts": [{"text", "source", "blocking", "known", "when", "due"}]}

    # "text" has its time written in (ISO-8601 UTC); "when" is that time (null when none).
A backend without an explainer exits 2 and says so.
"""

from __future__ import annotations

from typing import Any

from tui import render_text as rt
from tui.backends.base import Backend
from tui.services.why import NO_EXPLAINER, Explanation, explain, fact_text
from tui.text_safety import safe_text

MARKS = {"blocking": ("✗", "31"), "unknown": ("?", "33"), "info": ("·", "")}


def absent(backend: Backend) -> str | None:
    """Why this backend cannot say (the caller exits 2 with it), or None when it can."""
    return None if backend.capabilities.explain else f"{backend.kind}: {NO_EXPLAINER}"


async def fetch(backend: Backend, name: str) -> Explanation:
    return await explain(backend, await backend.get_task(name))


def as_json(found: Explanation) -> str:
    facts = [
        {
            "text": fact_text(f, rt.iso_utc(f.when) or ""),
            "source": f.source,
            "blocking": f.blocking,
            "known": f.known,
            "when": rt.iso_utc(f.when),
            "due": f.due,
        }
        for f in found.facts
    ]
    verdict = found.verdict(rt.iso_utc(found.next_run) or "")
    return rt.dump_json({"task": found.task.key, "verdict": verdict, "facts": facts})


def as_text(found: Explanation, tz: str, color: bool) -> str:
    def paint(text: str, style: str) -> str:
        return f"\x1b[{style}m{text}\x1b[0m" if color and style else text

    lines = [safe_text(found.verdict(rt.format_time(found.next_run, tz)))]
    for fact in found.facts:
        kind = "blocking" if fact.blocking else "unknown" if not fact.known else "info"
        mark, style = MARKS[kind]
        lines.append(f"{paint(mark, style)} {safe_text(fact_text(fact, rt.format_time(fact.when, tz)))}")
        lines.append(paint(f"    from {safe_text(fact.source)}", "2"))
    return "\n".join(lines)


def register(subparsers: Any, leaf: Any) -> None:
    parser = leaf(subparsers, "why", "why a task did not run, or will not run next: the backend's facts")
    parser.add_argument("name", metavar="NAME")
