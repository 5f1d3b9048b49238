"""Appending to a spill file on a thread of its own, readable at once.

Writing a million lines is ~150 ms of system calls: on the main thread, the first screen of a huge log
waits for them. ``os.pwrite`` releases the GIL, so a writer thread does that work beside the app's own.
Blocks not written yet stay in memory (in order, until written) and reads take them from there, so a
line is readable the moment it is appended: the view shows the end of a log before the file holds it.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections import deque


class AppendWriter:
    """Byte blocks appended to ``fd`` in order by one daemon thread; ``read`` sees every block queued."""

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._pending: deque[tuple[int, bytes]] = deque()  # (offset, data), not yet in the file
        self._end = 0  # bytes queued in all
        self._cond = threading.Condition()
        self._closed = False
        self.error: OSError | None = None  # a failed write: the rest stays in memory, still readable
        self._thread: threading.Thread | None = None

    def write(self, data: bytes) -> None:
        with self._cond:
            self._pending.append((self._end, data))
            self._end += len(data)
            self._cond.notify()
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="dagtop-spill", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._pending and not self._closed:
                    self._cond.wait()
                if self._closed:
                    return
                offset, data = self._pending[0]
            try:
                done = 0
                while done < len(data):
                    done += os.pwrite(self._fd, memoryview(data)[done:], offset + done)
            except OSError as exc:
                self.error = exc  # keep the block (and the rest) in memory: reads still find them
                return
            with self._cond:
                if self._pending and self._pending[0][1] is data:  # not cleared by close meanwhile
                    self._pending.popleft()
                self._cond.notify_all()

    def read(self, offset: int, size: int) -> bytes:
        """``size`` bytes from ``offset``: from the file where written, from memory where not yet."""
        end = offset + size
        with self._cond:
            blocks = list(self._pending)  # a block written after this still has its bytes here
            written = blocks[0][0] if blocks else self._end
        parts = []
        if offset < written:
            parts.append(os.pread(self._fd, min(end, written) - offset, offset))
        for start, data in blocks:
            if start >= end:
                break
            if start + len(data) > offset:
                parts.append(data[max(0, offset - start) : end - start])
        return parts[0] if len(parts) == 1 else b"".join(parts)

    def flush(self) -> None:
        """Wait until every block is in the file (or a write failed)."""
        with self._cond:
            while self._pending and self.error is None and self._thread is not None:
                if not self._thread.is_alive():
                    break
                self._cond.wait(0.1)

    def close(self) -> None:
        """Stop the thread; blocks not written are dropped (the file is being deleted)."""
        with self._cond:
            self._closed = True
            self._pending.clear()
            self._cond.notify_all()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            with contextlib.suppress(RuntimeError):
                thread.join()
