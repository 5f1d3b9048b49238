"""The spill writer's backlog is bounded: a burst of appends (a million-line log arriving at once) waits
for the writer instead of holding every block in memory, and the file still gets every byte in order."""

from __future__ import annotations

import os
import time

from tui.services import spill_writer
from tui.services.spill_writer import AppendWriter

BLOCK = 100_000


def test_a_burst_of_writes_never_queues_more_than_the_bound(tmp_path, monkeypatch):
    monkeypatch.setattr(spill_writer, "MAX_PENDING", 3 * BLOCK)
    real = os.pwrite
    backlog: list[int] = []

    def slow(fd, data, offset):
        backlog.append(writer._end - offset)  # queued from this block on: not yet in the file
        time.sleep(0.002)  # a disk slower than the appends: without a bound, all 50 blocks pile up
        return real(fd, data, offset)

    monkeypatch.setattr(spill_writer.os, "pwrite", slow)
    fd = os.open(tmp_path / "spill.log", os.O_RDWR | os.O_CREAT, 0o600)
    writer = AppendWriter(fd)
    blocks = [bytes([65 + n % 26]) * BLOCK for n in range(50)]
    for block in blocks:
        writer.write(block)
    assert writer.read(0, 50 * BLOCK) == b"".join(blocks)  # readable at once, written or not
    writer.flush()
    writer.close()
    os.close(fd)
    assert (tmp_path / "spill.log").read_bytes() == b"".join(blocks)
    assert max(backlog) <= 3 * BLOCK + BLOCK  # the bound, and the block that crossed it
