"""The sweep benchmark's smoke mode runs end to end (it must run, not be fast): a sandbox of its own in
a child process, ``dagtop get tasks`` and the baseline loop over the same graphs, coverage and budget."""

from __future__ import annotations

import pytest

from devtools import bench_sweep

pytestmark = pytest.mark.tcp


def test_smoke_covers_every_graph_within_the_budget(capsys):
    assert bench_sweep.main(["--smoke"]) == 0
    out = capsys.readouterr().out
    assert "every graph's status, 250 graphs, 5 ms latency" in out  # the latency is stated
    assert "every answer of both sides delayed 5 ms" in out
    assert "250 graphs (" in out and "budget 60,000/min" in out
    assert "validate 2,000 tasks" in out
