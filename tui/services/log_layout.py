"""The shape of a log: its ``::group::`` sections (foldable) and its tracebacks (shown wrapped).

Airflow writes ``::group::NAME`` / ``::endgroup::`` around its own chatter (task runner set-up, post
execution); its UI folds those sections by default. They come after a record's header on both versions
(``[ts] {file:1} INFO - ::group::Pre task execution logs``, ``ts INFO ::group::Pre Execute``), or bare.

Scanning is O(new text) at C speed: a chunk is searched whole for the markers and for traceback headers;
only the lines they are on (and a traceback's own lines) cost Python work, so a million plain lines cost
two ``str.find`` passes (~25 ms). Pure: no Textual, no I/O.

A group still open (its end not yet arrived: a running task) is shown unfolded so a followed log shows
its new lines; it folds when its end arrives, unless the user has opened or closed it by hand.
"""

from __future__ import annotations

import re
from array import array
from bisect import bisect_right
from dataclasses import dataclass

GROUP = "::group::"
END_GROUP = "::endgroup::"
_EITHER_MARKER = "group::"  # in both markers: one pass over a chunk tells whether it holds either
TRACEBACK = "Traceback (most recent call last):"
# The marker must start the line or follow whitespace (a record's header): never inside a word.
_GROUP_LINE = re.compile(r"(?:^|\s)::group::(.*)$")
_END_LINE = re.compile(r"(?:^|\s)::endgroup::\s*$")
# Where a traceback's exception message ends: the next record (a timestamp first), another traceback,
# or a chained exception's words.
_RECORD = re.compile(r"^\s*\[?\d{4}-?\d\d-?\d\d[T ]?\d\d:?\d\d")
_CHAIN = ("During handling of the above exception", "The above exception was the direct cause")
MAX_MESSAGE_LINES = 200  # an exception message longer than this is no longer part of its traceback


@dataclass
class Group:
    header: int  # the line holding ``::group::NAME``
    name: str
    end: int | None = None  # the ``::endgroup::`` line, None while open
    folded: bool = False
    touched: bool = False  # opened or closed by the user: closing the group no longer folds it
    parent: int | None = None  # index of the enclosing group

    def hidden(self) -> tuple[int, int] | None:
        """The lines [first, last) this group hides now."""
        if self.end is None:
            return None  # open: shown, whatever its state (the user follows its new lines)
        if self.folded:
            return self.header + 1, self.end + 1
        return self.end, self.end + 1  # the end marker says nothing a reader needs

    def size(self, total: int) -> int:
        """Lines inside (markers excluded)."""
        return (self.end if self.end is not None else total) - self.header - 1


class LogLayout:
    """Groups and tracebacks of one log, found as lines are appended; which lines are hidden."""

    def __init__(self, fold_by_default: bool = True) -> None:
        self.fold_by_default = fold_by_default
        self.groups: list[Group] = []
        self._headers: dict[int, int] = {}  # header line -> group index
        self._open: list[int] = []  # indexes of open groups, innermost last
        self.tracebacks: list[tuple[int, int]] = []  # [first, last) lines of each traceback
        self._tb: tuple[int, int, int] | None = None  # (start, header indent, message lines) while open
        self.total = 0
        self.version = 0  # bumped when hidden lines change anywhere but the new lines
        self._ranges: tuple[array, array] | None = None

    # -- scanning -------------------------------------------------------------------------------
    def scan(self, first: int, text: str, count: int) -> bool:
        """Take ``count`` lines ``first``.. as stored, joined by ``\\n``. True when lines before
        ``first`` changed (a group closed and folded, a traceback grew): lay the whole log out again."""
        self.total = max(self.total, first + count)
        version = self.version
        if self._tb is not None or TRACEBACK in text:
            self._scan_tracebacks(first, text)
        if _EITHER_MARKER in text:
            index, pos = 0, 0
            for at in sorted(_hits(text, [GROUP, END_GROUP])):
                index += text.count("\n", pos, at)  # counted on from the last hit: O(text) in all
                pos = at
                self._marker(first + index, _line_around(text, at))
        self._ranges = None
        return self.version != version

    def _marker(self, index: int, line: str) -> None:
        if index in self._headers or (self.groups and self.groups[-1].end == index):
            return  # a line holding both markers, or met twice
        start = _GROUP_LINE.search(line)
        if start is not None:
            parent = self._open[-1] if self._open else None
            self._headers[index] = len(self.groups)
            self._open.append(len(self.groups))
            self.groups.append(Group(index, start.group(1).strip() or "group", parent=parent))
            return
        if _END_LINE.search(line) and self._open:
            group = self.groups[self._open.pop()]
            group.end = index
            if not group.touched:
                group.folded = self.fold_by_default
            self.version += 1

    def _scan_tracebacks(self, first: int, text: str) -> None:
        """Extend the open traceback over the new lines, then find and follow each new one. Only a
        traceback's own lines cost Python work; the rest is skipped by ``str.find``."""
        index, pos = 0, 0  # a line and the offset where it starts in ``text``
        grew_old = self._tb is not None and self.tracebacks[-1][0] < first
        while pos <= len(text):
            if self._tb is None:
                at = text.find(TRACEBACK, pos)
                if at == -1:
                    break
                index += text.count("\n", pos, at)
                pos = text.rfind("\n", 0, at) + 1
                line = _line_around(text, pos)
                self._tb = (first + index, len(line) - len(line.lstrip()), 0)
                self.tracebacks.append((first + index, first + index + 1))
            else:
                line = _line_around(text, pos)
                if not self._tb_takes(line):
                    self._tb = None
                    continue  # this line may itself start the next traceback
                self.tracebacks[-1] = (self.tracebacks[-1][0], first + index + 1)
            pos += len(line) + 1
            index += 1
        if grew_old:
            self.version += 1  # a traceback begun in an earlier chunk grew: its rows change

    def _tb_takes(self, line: str) -> bool:
        """Whether ``line`` still belongs to the open traceback (and note where it is in it)."""
        assert self._tb is not None
        start, depth, message = self._tb
        indent = len(line) - len(line.lstrip())
        stripped = line.strip()
        if message == 0 and stripped and indent > depth:
            return True  # a frame, its source line or its ^^^ markers
        if not stripped or _RECORD.match(line) or stripped.startswith(_CHAIN) or stripped.endswith(TRACEBACK):
            return False
        if message >= MAX_MESSAGE_LINES:
            return False
        self._tb = (start, depth, message + 1)
        return True

    # -- folding --------------------------------------------------------------------------------
    def group_at_header(self, line: int) -> Group | None:
        index = self._headers.get(line)
        return self.groups[index] if index is not None else None

    def enclosing(self, line: int) -> list[Group]:
        """The groups whose inside holds ``line``, outermost first."""
        found = [g for g in self.groups if g.header < line and (g.end is None or line <= g.end)]
        return found

    def toggle(self, group: Group) -> None:
        group.folded, group.touched = not group.folded, True
        self.version += 1
        self._ranges = None

    def set_all(self, folded: bool) -> None:
        for group in self.groups:
            group.folded, group.touched = folded, True
        self.version += 1
        self._ranges = None

    def reveal(self, line: int) -> bool:
        """Unfold every group hiding ``line``; True when one was unfolded."""
        changed = False
        for group in self.enclosing(line):
            if group.folded and group.end is not None and line != group.end:
                group.folded, group.touched, changed = False, True, True
        if changed:
            self.version += 1
            self._ranges = None
        return changed

    def hidden_ranges(self) -> list[tuple[int, int]]:
        """Hidden lines as disjoint [first, last) ranges, in order."""
        spans = sorted(span for g in self.groups if (span := g.hidden()) is not None)
        merged: list[tuple[int, int]] = []
        for a, b in spans:
            if merged and a <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], b))
            else:
                merged.append((a, b))
        return merged

    def is_hidden(self, line: int) -> bool:
        starts, ends = self._index()
        i = bisect_right(starts, line) - 1
        return i >= 0 and line < ends[i]

    def visible_before(self, line: int) -> int:
        """The nearest shown line at or before ``line`` (0 when none)."""
        starts, ends = self._index()
        i = bisect_right(starts, line) - 1
        if i >= 0 and line < ends[i]:
            return max(0, starts[i] - 1)
        return line

    def _index(self) -> tuple[array, array]:
        if self._ranges is None:
            ranges = self.hidden_ranges()
            self._ranges = (array("Q", (a for a, _ in ranges)), array("Q", (b for _, b in ranges)))
        return self._ranges

    @property
    def trivial(self) -> bool:
        """Nothing hidden and no traceback: every line is one row (the fast path)."""
        return not self.groups and not self.tracebacks

    def display(self, line: int, text: str) -> str:
        """What a line shows: a group's header reads ``▸ NAME (N lines)`` folded, ``▾ NAME`` open."""
        group = self.group_at_header(line)
        if group is None:
            return text
        if group.folded and group.end is not None:
            size = group.size(self.total)
            return f"▸ {group.name} ({size} line{'s' if size != 1 else ''})"
        return f"▾ {group.name}"

    def in_traceback(self, line: int) -> bool:
        i = bisect_right(self.tracebacks, (line, 1 << 62)) - 1
        return i >= 0 and line < self.tracebacks[i][1]

    def traceback_spans(self, first: int, last: int) -> list[tuple[int, int]]:
        """Tracebacks' lines within [first, last)."""
        out = []
        for a, b in self.tracebacks:
            if b > first and a < last:
                out.append((max(a, first), min(b, last)))
        return out


def _line_around(text: str, at: int) -> str:
    """The line of ``text`` holding offset ``at``."""
    start = text.rfind("\n", 0, at) + 1
    end = text.find("\n", at)
    return text[start:] if end == -1 else text[start:end]


def _hits(text: str, needles: list[str]) -> list[int]:
    found = []
    for needle in needles:
        at = text.find(needle)
        while at != -1:
            found.append(at)
            at = text.find(needle, at + len(needle))
    return found
