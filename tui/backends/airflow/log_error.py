"""The exception a failed Airflow task instance died of, read from its log.

Airflow has no error field on a DAG run or task instance: the error is only in the task's log. This
finds the LAST traceback in a log's readable lines (``mapping.parse_log`` output, Airflow 3 and 2 alike)
and returns its final lines: the exception and its message (a multi-line message keeps a few lines).
Pure: no I/O, no Textual.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_TRACEBACK = "Traceback (most recent call last):"
# Where an exception's message ends: the next log record (``[2026-11-30T18:56:00.205+0000] {...}`` on
# Airflow 2, ``2026-11-30T18:56:06.502827Z INFO ...`` on Airflow 3) or the next chained traceback.
_RECORD = re.compile(r"^\s*\[?\d{4}-\d\d-\d\d[T ]\d\d:\d\d")
_CHAIN = ("During handling of the above exception", "The above exception was the direct cause")
MAX_LINES = 3  # the exception line and at most two more lines of its message
MAX_CHARS = 500  # one line of a message this long is cut (a dumped payload is no on-call reading)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _clip(line: str) -> str:
    return line if len(line) <= MAX_CHARS else line[: MAX_CHARS - 1] + "…"


def exception_of(lines: Sequence[str]) -> str | None:
    """The last traceback's exception (``RuntimeError: boom``), with up to two more lines of a
    multi-line message; None when the log has no traceback."""
    start = next((i for i in range(len(lines) - 1, -1, -1) if lines[i].rstrip().endswith(_TRACEBACK)), None)
    if start is None:
        return None
    depth = _indent(lines[start])
    i = start + 1
    # Frames ("  File ...", the source line, ^^^ markers) are indented deeper than the header.
    while i < len(lines) and (not lines[i].strip() or _indent(lines[i]) > depth):
        i += 1
    out: list[str] = []
    for line in lines[i:]:
        text = line.strip()
        if out and (not text or _RECORD.match(line) or text.startswith(_CHAIN) or text.endswith(_TRACEBACK)):
            break
        if not text:
            continue
        out.append(_clip(text))
        if len(out) == MAX_LINES:
            break
    return "\n".join(out) or None
