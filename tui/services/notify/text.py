"""What a notification says, made safe: server text inert, live secrets masked, headlines in words."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from tui.backends.http import redact
from tui.services.log_spill import live_secrets
from tui.services.watch import EventKind, WatchEvent
from tui.text_safety import one_line

Secrets = Callable[[], list[str]]


def inert(text: object, secrets: Secrets = live_secrets, limit: int = 300) -> str:
    """``text`` on one line with every control made visible and every live connection secret masked
    (the log spill's rule: the secrets of the HTTP clients alive now, and anything token-shaped)."""
    clean = redact(one_line(text), secrets())
    return clean if len(clean) <= limit else clean[: limit - 1] + "…"


def headline(event: WatchEvent) -> str:
    """``load_orders failed``: one event in words (not yet inert)."""
    if event.kind is EventKind.OVERDUE:
        return f"{event.name} overdue: scheduled, not started"
    if event.kind is EventKind.FINISHED:
        return f"{event.name} run {event.run_id} finished: {event.state.lower() or 'ended'}"
    return f"{event.name} {event.kind.value}"


def detail(event: WatchEvent) -> str:
    """Where, and the first error line: the body of a one-event notification (not yet inert)."""
    where = " · ".join(part for part in (event.profile, event.scope) if part)
    if event.error:
        failed = f"{event.error_task}: " if event.error_task else ""
        return f"{where} · {failed}{event.error}"
    return where


_PAST = {
    EventKind.FAILED: "failed",
    EventKind.SUCCEEDED: "succeeded",
    EventKind.OVERDUE: "overdue",
    EventKind.FINISHED: "finished",
}
NAMES_SHOWN = 5  # of a summary's graphs, named in its body


def summary(events: Sequence[WatchEvent]) -> tuple[str, str]:
    """Title and body of one notification for ``events``: ``40 graphs failed`` (not 40 notifications)."""
    if len(events) == 1:
        return headline(events[0]), detail(events[0])
    counts: dict[EventKind, int] = {}
    for event in events:
        counts[event.kind] = counts.get(event.kind, 0) + 1
    parts = [f"{count} {_PAST[kind]}" for kind, count in sorted(counts.items(), key=lambda kv: -kv[1])]
    first, rest = parts[0].split(" ", 1)
    graphs = "graph" if first == "1" else "graphs"
    title = ", ".join([f"{first} {graphs} {rest}", *parts[1:]])
    names = list(dict.fromkeys(event.name for event in events))
    body = ", ".join(names[:NAMES_SHOWN])
    if len(names) > NAMES_SHOWN:
        body += f" and {len(names) - NAMES_SHOWN} more"
    return title, body
