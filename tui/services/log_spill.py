"""A log of any length kept in a private file, not in memory (as Toolong reads huge files).

Lines are neutralised (``safe_text``) and the live clients' secrets masked *before* they are written,
so the file holds exactly what the screen may show. Memory per line is one offset and one width
(12 bytes); the text stays on disk and is read back a screenful at a time, or in large chunks by a
search. The file lives in dagtop's state directory, readable by the user only, and is deleted by
``close``. Stale files of a process that died are removed when the next one opens.

Append costs O(new lines) in C-speed string operations (a join, a check for control bytes, the offsets);
the write itself is done by a thread (spill_writer.py), so a huge log's first screen does not wait for
it and a follow of 10,000 lines/s is a fraction of a core.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import tempfile
from array import array
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Callable, Iterator
from itertools import accumulate
from pathlib import Path

from rich.cells import cell_len

from tui.locations import state_dir
from tui.services.spill_writer import AppendWriter
from tui.text_safety import safe_text

_CHUNK = 1 << 20  # bytes read at a time by a search (bigger blocks left the process bigger after one)
_CACHE_LINES = 2048  # decoded lines kept for rendering: a few screenfuls
_REDACTED = "***"
_PLUS_ONE = (1).__add__
_PRINTABLE = bytes(range(0x20, 0x7F)) + b"\t"  # deleted by the check: newlines and what needs escaping


def spill_dir() -> Path:
    return state_dir() / "spill"


def live_secrets() -> list[str]:
    """The secrets of every live HTTP client: the registry that redacts the debug log and httpx's lines.

    Not imported here: when the HTTP layer was never loaded, no client lives and there is no secret."""
    http = sys.modules.get("tui.backends.http")
    if http is None:
        return []
    return [s for s in http.live_secrets() if s and len(s) >= 4]


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
        self.lines = array("I")
        self.nths = array("I")

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


class SpillLog:
    """The lines of one log: appended at the end, read by index, searched through the file."""

    def __init__(self, secrets: Callable[[], list[str]] = live_secrets) -> None:
        self._secrets = secrets
        self._fd: int | None = None
        self._writer: AppendWriter | None = None  # writes on a thread; reads see what it has not yet
        self.path: Path | None = None
        self._starts = array("Q", [0])  # byte offset where each line starts, and the end
        self._widths = array("I")  # cells each line takes (tabs expanded)
        self.max_width = 0
        self._cache: OrderedDict[int, str] = OrderedDict()

    # -- the file ---------------------------------------------------------------------------------
    def _open(self) -> int:
        if self._fd is None:
            prefix = f"{os.getpid()}-"
            try:
                directory = spill_dir()
                directory.mkdir(parents=True, exist_ok=True, mode=0o700)
                _sweep_stale(directory)
                fd, name = tempfile.mkstemp(prefix=prefix, suffix=".log", dir=directory)  # 0600
            except OSError:  # an unwritable state directory must not cost the log: the system's temp
                fd, name = tempfile.mkstemp(prefix=f"dagtop-{prefix}", suffix=".log")
            self._fd, self.path = fd, Path(name)
            self._writer = AppendWriter(fd)
        return self._fd

    def close(self) -> None:
        """Delete the file and forget every line."""
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        if self.path is not None:
            self.path.unlink(missing_ok=True)
            self.path = None
        self._starts = array("Q", [0])
        self._widths = array("I")
        self.max_width = 0
        self._cache.clear()

    def flush(self) -> None:
        """Wait until the file holds every line appended (reads never need to: they see them all)."""
        if self._writer is not None:
            self._writer.flush()

    def __del__(self) -> None:  # a view that never unmounted must not leave its file behind
        with contextlib.suppress(OSError):
            self.close()

    # -- writing ----------------------------------------------------------------------------------
    def _clean(self, text: str, lines: int) -> tuple[str, bytes | None, bool]:
        """What may be shown and stored: controls made visible, known secrets masked; its bytes when
        it is plain ASCII (then a character is a byte and a cell); and whether it holds exactly
        ``lines`` lines (``lines - 1`` newlines) as it came."""
        data = text.encode("ascii") if text.isascii() else None
        # Plain ASCII with no control byte (nearly every log) needs no escaping. One C-speed pass
        # (translate) tells both: what it leaves is the newlines and the bytes that need escaping.
        left = data.translate(None, _PRINTABLE) if data is not None else None
        if left is not None and not left.translate(None, b"\n"):
            same = len(left) == lines - 1
        else:
            original = text
            text, data = safe_text(text, keep_newlines=True, keep_tabs=True), None
            same = text is original and text.count("\n") == lines - 1
        for secret in sorted(self._secrets(), key=len, reverse=True):
            if secret in text:
                text, data, same = text.replace(secret, _REDACTED), None, False
        if data is None and text.isascii():
            data = text.encode("ascii")
        return text, data, same

    def append(self, chunks: list[str]) -> list[str]:
        """Add lines (each may hold several, split at ``\\n``); the stored (clean) lines are returned."""
        if not chunks:
            return []
        joined = "\n".join(chunks)
        text, plain, same = self._clean(joined, len(chunks))
        # Unchanged and one line a chunk (the usual case): the chunks are the lines, no split needed.
        lines = chunks if same else text.split("\n")
        self._open()
        assert self._writer is not None
        self._writer.write(plain if plain is not None else text.encode("utf-8"))
        self._writer.write(b"\n")
        if plain is not None:
            sizes = array("I", map(len, lines))
        else:
            sizes = array("I", (len(line.encode("utf-8")) for line in lines))
        # Line i starts after every earlier line and its \n: a running sum of (size + 1), in C.
        ends = accumulate(map(_PLUS_ONE, sizes), initial=self._starts[-1])
        next(ends)  # ``initial`` itself: the old end, already there
        self._starts.extend(ends)
        if plain is not None and b"\t" not in plain:
            widths = sizes
        else:
            widths = array("I", (cell_len(line.expandtabs()) for line in lines))
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
            raw = self._writer.read(start, end - start - 1)  # type: ignore[union-attr]
            line = raw.decode("utf-8", "replace")
            self._cache[index] = line
            if len(self._cache) > _CACHE_LINES:
                self._cache.popitem(last=False)
        return line

    def __iter__(self) -> Iterator[str]:
        for _first, lines in self._chunks(0):
            yield from lines

    def save(self, path: Path) -> None:
        """Write every line (each ending in a newline) to ``path``: the spill file is exactly that."""
        with path.open("wb") as out:
            if self._fd is None:
                out.write(b"\n")  # an empty log saves as one empty line, as it always did
                return
            offset, end = 0, self._starts[-1]
            while offset < end:
                data = self._writer.read(offset, min(_CHUNK, end - offset))  # type: ignore[union-attr]
                out.write(data)
                offset += len(data)

    def text(self) -> str:
        """The whole log (for save and copy)."""
        return "\n".join(self)

    # -- searching --------------------------------------------------------------------------------
    def _blocks(self, first: int) -> Iterator[tuple[int, str]]:
        """(index of the first line, whole lines joined by \\n) from line ``first``, about 1 MB at a time."""
        for first_line, _last, text in self._ranged_blocks(first):
            yield first_line, text

    def _ranged_blocks(self, first: int) -> Iterator[tuple[int, int, str]]:
        count = len(self)
        while first < count:
            start = self._starts[first]
            last = max(first + 1, bisect_right(self._starts, start + _CHUNK, first, count + 1) - 1)
            data = self._writer.read(start, self._starts[last] - start)  # type: ignore[union-attr]
            yield first, last, data.decode("utf-8", "replace")
            first = last

    def text_blocks(self, first: int) -> Iterator[tuple[int, str, int]]:
        """(index of the first line, whole lines joined by \\n, how many) from line ``first``, about
        1 MB at a time, read back from the file: for a scan that runs after the lines were shown."""
        for first_line, last, text in self._ranged_blocks(first):
            yield first_line, text[:-1], last - first_line

    def _chunks(self, first: int) -> Iterator[tuple[int, list[str]]]:
        """(index of the first line, lines) for the whole file from line ``first``, a few MB at a time."""
        for base, block in self._blocks(first):
            yield base, block.split("\n")[:-1]

    def _line_of(self, base: int, position: int) -> int:
        """The line holding byte ``position`` of the block that starts at line ``base``."""
        return bisect_right(self._starts, self._starts[base] + position) - 1

    def search(self, needle: str, first: int = 0) -> Matches:
        """Every occurrence of ``needle`` (case-insensitive) from line ``first`` on, read from the file.

        A block is lowered and scanned whole (C speed); only its hits cost Python work, each placed on
        its line by bisecting the offsets. A block with non-ASCII text (where characters are not bytes,
        and lowering can change lengths) is searched line by line instead."""
        found = Matches()
        needle = needle.lower()
        if not needle or "\n" in needle:
            return found
        for base, block in self._blocks(first):
            low = block.lower()
            at = low.find(needle)
            if at == -1:
                continue
            if not block.isascii():
                for offset, line in enumerate(block.split("\n")[:-1]):
                    if needle in line.lower():
                        found.add(base + offset, line.lower().count(needle))
                continue
            line, count = -1, 0
            while at != -1:
                here = self._line_of(base, at)
                if here != line:
                    if count:
                        found.add(line, count)
                    line, count = here, 0
                count += 1
                at = low.find(needle, at + len(needle))
            found.add(line, count)
        return found

    def first_match(self, pattern: re.Pattern[str], words: tuple[str, ...], first: int = 0) -> int | None:
        """The first line from ``first`` on where ``pattern`` matches, or None. ``words`` (lower case):
        one of them is in every match, so a block is scanned with ``str.find`` (a regex that ignores
        case is ~20x slower over a long log) and only lines holding a word are tried."""
        for base, block in self._blocks(first):
            low = block.lower()
            at = 0
            while True:
                hits = [hit for word in words if (hit := low.find(word, at)) != -1]
                if not hits:
                    break
                hit = min(hits)
                start = low.rfind("\n", 0, hit) + 1
                end = low.find("\n", hit)
                if pattern.search(block, start, end):
                    return base + block.count("\n", 0, start)
                at = end + 1
        return None
