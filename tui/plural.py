"""Counted nouns: ``1 run``, ``2 runs``. The one place that decides a plural, so no screen says ``1 runs``."""

from __future__ import annotations

IRREGULAR = {"match": "matches", "index": "indexes", "entry": "entries", "try": "tries", "child": "children"}


def plural(count: int, noun: str, many: str | None = None) -> str:
    """``count`` and ``noun``, the noun in the plural unless the count is one."""
    if count == 1:
        return f"1 {noun}"
    last = noun.rsplit(" ", 1)[-1]  # "task instance" -> "task instances"
    word = many or noun[: len(noun) - len(last)] + IRREGULAR.get(last, last + "s")
    return f"{count} {word}"
