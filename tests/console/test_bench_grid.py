"""`devtools/bench_grid.py --smoke` runs: the grid and a stock DataTable show the same cells, a table."""

from __future__ import annotations

from devtools import bench_grid


def test_the_grid_bench_smoke_mode_runs_and_prints_its_table(capsys):
    assert bench_grid.main(["--smoke"]) == 0
    out = capsys.readouterr().out
    for measure in ("open (model to first frame)", "cursor move", "poll with 3 changed cells"):
        (row,) = [line for line in out.splitlines() if f"30 tasks x 10 runs: {measure}" in line]
        assert row.split()[-1] in ("pass", "FAIL") and "x " in row  # value, baseline, ratio, target, result
    assert "310 cells on both sides" in out
