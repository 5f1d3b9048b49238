"""Appending to a spill file on a thread of its own, readable at once.

Writing a million lines is ~150 ms of system calls: on the main thread, the first screen of a huge log
waits for them. ``os.pwrite`` releases the GIL, so a writer thread does that work beside the app's own.
Blocks not written yet stay in memory (in order, until written) and reads take them from there, so a
line is readable the moment it is appended: the view shows the end of a log before the file holds it.

That backlog is bounded (``MAX_PENDING``): a writer starved of the GIL by a burst of appends (a
million-line log arriving at once) otherwise held tens of MB of blocks, and the process kept that
memory after they were written (a 1,000,000-line log grew the process by 25 to 80 MB from run to run).
Past the bound ``write`` waits for the writer: a few ms of system calls, the time the writer needs.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections import deque

MAX_PENDING = 4 << 20  # bytes queued and not yet written, at most (then ``write`` waits)


class AppendWriter:
    """Byte blocks appended to ``fd`` in order by one daemon thread; ``read`` sees every block queued."""

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._pending: deque[tuple[int, bytes]] = deque()  # (offset, data), not yet in the file
        self._end = 0  # bytes queued in all
        self._queued = 0  # bytes queued and not yet written
        self._cond = threading.Condition()
        self._closed = False
        self.error: OSError | None = None  # a failed write: the rest stays in memory, still readable
        self._thread: threading.Thread | None = None

    def write(self, data: bytes) -> None:
        with self._cond:
            self._pending.append((self._end, data))
            self._end += len(data)
            self._queued += len(data)
            self._cond.notify()
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="dagtop-spill", daemon=True)
            self._thread.start()
        if self._queued > MAX_PENDING:
            self._wait_until(MAX_PENDING // 2)

    def _wait_until(self, queued: int) -> None:
        """Wait until at most ``queued`` bytes are left to write (or writing stopped: a failed write
        keeps the rest in memory, still readable)."""
        with self._cond:
            while self._queued > queued and self.error is None and not self._closed:
                if self._thread is None or not self._thread.is_alive():
                    return
                self._cond.wait(0.1)

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
                with self._cond:
                    self.error = exc  # keep the block (and the rest) in memory: reads still find them
                    self._cond.notify_all()
                return
            with self._cond:
                if self._pending and self._pending[0][1] is data:  # not cleared by close meanwhile
                    self._pending.popleft()
                    self._queued -= len(data)
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
        self._wait_until(0)

    def close(self) -> None:
        """Stop the thread; blocks not written are dropped (the file is being deleted)."""
        with self._cond:
            self._closed = True
            self._pending.clear()
            self._queued = 0
            self._cond.notify_all()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            with contextlib.suppress(RuntimeError):
                thread.join()
