"""`python -m devtools.bench_table --smoke` runs end to end (its numbers are for `make bench`, not here)."""

from __future__ import annotations

from devtools import bench_table


def test_the_table_bench_smoke_mode_runs_and_prints_every_measure(capsys):
    assert bench_table.main(["--smoke"]) == 0
    out = capsys.readouterr().out
    for measure in (
        "first frame",
        "cursor key p99",
        "filter keystroke p99",
        "poll changing 1%",
        "resident memory",
    ):
        assert measure in out
