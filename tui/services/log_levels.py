"""The level of a log line (error, warning, info, debug), read from its header only.

A level counts only where a logger puts it: first on the line, or after the header's timestamp and
bracketed fields. Airflow 2 writes ``[ts] {file.py:12} ERROR - msg``; dagtop writes Airflow 3's
structured events as ``ts ERROR msg`` (the event's ``level`` field, upper-cased by the adapter);
other loggers ``ERROR: msg``, ``[ERROR] msg``, ``2026-12-01 02:23:39,123 WARNING msg``, or Qlik's
``20261201T021500.123+0000 Error: msg``. A level word anywhere else (``Got ERROR from peer``,
``errors=0``, ``MyError``) is message text, not a level. Upper case always counts; a capitalised
word only with a colon after it (``Error:``), as script logs write it.

A line with no header of its own (a traceback's frames, the rest of a multi-line message) belongs to
the record above it and takes its level: ``LevelCache`` finds it by looking back a bounded number of
lines. Pure: no Textual.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from enum import IntEnum


class Level(IntEnum):
    NONE = 0  # no level, or INFO: shown plain
    DEBUG = 1
    WARNING = 2
    ERROR = 3


_WORDS = {
    "CRITICAL": Level.ERROR,
    "FATAL": Level.ERROR,
    "ERROR": Level.ERROR,
    "EXCEPTION": Level.ERROR,
    "WARNING": Level.WARNING,
    "WARN": Level.WARNING,
    "INFO": Level.NONE,
    "NOTICE": Level.NONE,
    "DEBUG": Level.DEBUG,
    "TRACE": Level.DEBUG,
}
_UPPER = "|".join(sorted(_WORDS, key=len, reverse=True))
_TITLE = "|".join(word.capitalize() for word in sorted(_WORDS, key=len, reverse=True))
# Header fields before the level: a timestamp or number (starts with a digit), [bracketed], {braced}
# or (parenthesised). Bounded and disjoint: no backtracking blow-up on a hostile line.
_FIELD = r"(?:\[[^\]\n]{0,80}\]|\{[^}\n]{0,200}\}|\([^)\n]{0,80}\)|\d[\w:.,+\-/]{0,40})"
_LEVEL = re.compile(
    rf"^[ \t]*(?:{_FIELD}[ \t]+){{0,4}}(?:\[?(?P<upper>{_UPPER})\]?(?=[ \t:|\-]|$)|(?P<title>{_TITLE}):)"
)
# A line that starts a record of its own (has a timestamp first) even without a level.
_RECORD = re.compile(r"^[ \t]*\[?\d{4}-?\d\d-?\d\d[T ]?\d\d:?\d\d")


def level_of(line: str) -> Level | None:
    """The level in ``line``'s header; None when the line has no header (a continuation line)."""
    found = _LEVEL.match(line)
    if found is not None:
        return _WORDS[(found.group("upper") or found.group("title")).upper()]
    if _RECORD.match(line):
        return Level.NONE  # a record that names no level
    return None


LOOK_BACK = 300  # lines searched back for a continuation line's record; past it, the line is plain


class LevelCache:
    """Each line's level, its own or its record's, found on demand and remembered (a few screenfuls)."""

    def __init__(self, line: Callable[[int], str], size: int = 4096) -> None:
        self._line = line
        self._size = size
        self._known: dict[int, Level] = {}

    def clear(self) -> None:
        self._known.clear()

    def __call__(self, index: int) -> Level:
        known = self._known.get(index)
        if known is not None:
            return known
        # Walk back to the nearest line whose level is known or stated, then fill in forwards.
        pending: list[int] = []
        level = Level.NONE
        at = index
        while at >= 0 and len(pending) <= LOOK_BACK:
            known = self._known.get(at)
            if known is not None:
                level = known
                break
            own = level_of(self._line(at))
            pending.append(at)
            if own is not None:
                level = own
                break
            at -= 1
        if len(self._known) + len(pending) > self._size:
            self._known.clear()
        for line in pending:
            self._known[line] = level
        return level
