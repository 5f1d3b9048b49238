"""A log of any length kept in a private file, not in memory (as Toolong reads huge files).

Lines are neutralised (``safe_text``) and the live clients' secrets masked *before* they are written,
so the file holds exactly what the screen may show. Memory per line is one offset and one width
(12 bytes); the text stays on disk and is read back a screenful at a time, or in large chunks by a
search. The file lives in dagtop's state directory, readable by the user only, and is deleted by
``close``. Stale files of a process that died are removed when the next one opens.

Append costs O(new lines) in C-speed string operations (one join, one regex check, one write), so a
follow of 10,000 lines/s is a fraction of a core.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from array import array
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Callable, Iterator
from itertools import accumulate
from pathlib import Path

from rich.cells import cell_len

from tui.locations import state_dir
from tui.text_safety import UNSAFE_CHARACTER, safe_text

_CHUNK = 4 << 20  # bytes read at a time by a search
_CACHE_LINES = 2048  # decoded lines kept for rendering: a few screenfuls
_REDACTED = "***"


def spill_dir() -> Path:
    return state_dir() / "spill"


def live_secrets() -> list[str]:
    """The secrets of every live HTTP client: the registry that redacts the debug log and httpx's lines."""
    from tui.backends import http  # lazily: the sandbox and `dagtop --help` need no HTTP client

    return [s for client in list(http._LOG_REDACTOR.clients) for s in client.secrets() if s and len(s) >= 4]


def _sweep_stale(directory: Path) -> None:
    """Remove spill files left by processes that no longer run (a crash skips ``close``)."""
    for path in directory.glob("*.log"):
        pid = path.name.split("-", 1)[0]
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            path.unlink(missing_ok=True)
        except OSError:
            pass  # alive under another user, or not ours to judge


class Matches:
    """Search hits as two flat arrays (line, n-th occurrence in it): 8 bytes a hit, not a tuple each."""

    def __init__(self) -> None:
        self.lines = array("L")
        self.nths = array("L")

    def __len__(self) -> int:
        return len(self.lines)

    def __getitem__(self, index: int) -> tuple[int, int]:
        return self.lines[index], self.nths[index]

    def __iter__(self) -> Iterator[tuple[int, int]]:
        return zip(self.lines, self.nths, strict=True)

    def add(self, line: int, count: int) -> None:
        self.lines.extend([line] * count)
        self.nths.extend(range(count))

    def extend(self, other: Matches) -> None:
        self.lines.extend(other.lines)
        self.nths.extend(other.nths)

    def index(self, hit: tuple[int, int]) -> int:
        """Where ``hit`` is (lines are sorted); ValueError when it is not there."""
        line, nth = hit
        at = bisect_right(self.lines, line - 1)
        while at < len(self.lines) and self.lines[at] == line:
            if self.nths[at] == nth:
                return at
            at += 1
        raise ValueError(hit)


class SpillLog:
    """The lines of one log: appended at the end, read by index, searched through the file."""

    def __init__(self, secrets: Callable[[], list[str]] = live_secrets) -> None:
        self._secrets = secrets
        self._fd: int | None = None
        self.path: Path | None = None
        self._starts = array("Q", [0])  # byte offset where each line starts, and the end
        self._widths = array("L")  # cells each line takes (tabs expanded)
        self.max_width = 0
        self._cache: OrderedDict[int, str] = OrderedDict()

    # -- the file ---------------------------------------------------------------------------------
    def _open(self) -> int:
        if self._fd is None:
            directory = spill_dir()
            directory.mkdir(parents=True, exist_ok=True, mode=0o700)
            _sweep_stale(directory)
            fd, name = tempfile.mkstemp(prefix=f"{os.getpid()}-", suffix=".log", dir=directory)  # 0600
            self._fd, self.path = fd, Path(name)
        return self._fd

    def close(self) -> None:
        """Delete the file and forget every line."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        if self.path is not None:
            self.path.unlink(missing_ok=True)
            self.path = None
        self._starts = array("Q", [0])
        self._widths = array("L")
        self.max_width = 0
        self._cache.clear()

    def __del__(self) -> None:  # a view that never unmounted must not leave its file behind
        with contextlib.suppress(OSError):
            self.close()

    # -- writing ----------------------------------------------------------------------------------
    def _clean(self, text: str) -> str:
        """What may be shown and stored: controls made visible, known secrets masked."""
        if UNSAFE_CHARACTER.search(text):
            text = safe_text(text, keep_newlines=True, keep_tabs=True)
        for secret in sorted(self._secrets(), key=len, reverse=True):
            if secret in text:
                text = text.replace(secret, _REDACTED)
        return text

    def append(self, chunks: list[str]) -> list[str]:
        """Add lines (each may hold several, split at ``\\n``); the stored (clean) lines are returned."""
        if not chunks:
            return []
        text = self._clean("\n".join(chunks))
        lines = text.split("\n")
        data = (text + "\n").encode("utf-8", "replace")
        os.write(self._open(), data)
        if text.isascii():
            sizes = [len(line) + 1 for line in lines]
        else:
            sizes = [len(line.encode("utf-8", "replace")) + 1 for line in lines]
        ends = accumulate(sizes, initial=self._starts[-1])
        next(ends)  # ``initial`` itself: the old end, already there
        self._starts.extend(ends)
        if "\t" in text or not text.isascii():
            widths = [cell_len(line.expandtabs()) for line in lines]
        else:
            widths = [len(line) for line in lines]
        self._widths.extend(widths)
        self.max_width = max(self.max_width, max(widths))
        return lines

    # -- reading ----------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._widths)

    @property
    def widths(self) -> array:
        return self._widths

    def __getitem__(self, index: int) -> str:
        count = len(self)
        if index < 0:
            index += count
        if not 0 <= index < count:
            raise IndexError(index)
        line = self._cache.get(index)
        if line is None:
            start, end = self._starts[index], self._starts[index + 1]
            line = os.pread(self._fd, end - start - 1, start).decode("utf-8", "replace")  # type: ignore[arg-type]
            self._cache[index] = line
            if len(self._cache) > _CACHE_LINES:
                self._cache.popitem(last=False)
        return line

    def __iter__(self) -> Iterator[str]:
        for _first, lines in self._chunks(0):
            yield from lines

    def _chunks(self, first: int) -> Iterator[tuple[int, list[str]]]:
        """(index of the first line, lines) for the whole file from line ``first``, a few MB at a time."""
        count = len(self)
        while first < count:
            start = self._starts[first]
            last = max(first + 1, bisect_right(self._starts, start + _CHUNK, first, count + 1) - 1)
            data = os.pread(self._fd, self._starts[last] - start, start)  # type: ignore[arg-type]
            lines = data.decode("utf-8", "replace").split("\n")[:-1]
            yield first, lines
            first = last

    def text(self) -> str:
        """The whole log (for save and copy)."""
        return "\n".join(self)

    # -- searching --------------------------------------------------------------------------------
    def search(self, needle: str, first: int = 0) -> Matches:
        """Every occurrence of ``needle`` (case-insensitive) from line ``first`` on, read from the file."""
        found = Matches()
        needle = needle.lower()
        if not needle:
            return found
        for base, lines in self._chunks(first):
            block = "\n".join(lines).lower()
            if needle not in block:
                continue  # most chunks of a long log: one C-speed scan and done
            for offset, line in enumerate(lines):
                if needle in line.lower():
                    found.add(base + offset, line.lower().count(needle))
        return found

    def first_match(self, pattern: re.Pattern[str], first: int = 0) -> int | None:
        """The first line from ``first`` on where ``pattern`` matches, or None."""
        for base, lines in self._chunks(first):
            if pattern.search("\n".join(lines)) is None:
                continue
            return next(base + offset for offset, line in enumerate(lines) if pattern.search(line))
        return None
