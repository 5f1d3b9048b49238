"""`devtools/bench_graph.py --smoke` runs: the graph view and a stock Tree fed the same graph, a table."""

from __future__ import annotations

from devtools import bench_graph


def test_the_graph_bench_smoke_mode_runs_and_prints_its_table(capsys):
    assert bench_graph.main(["--smoke"]) == 0
    out = capsys.readouterr().out
    for measure in ("open (data to first frame)", "fold the root", "unfold the root", "expand all"):
        (row,) = [line for line in out.splitlines() if f"-task graph: {measure}" in line]
        assert row.split()[-1] in ("pass", "FAIL") and "x " in row  # value, baseline, ratio, target, result
    assert "tree rows on both sides" in out  # main checks both show the same rows
