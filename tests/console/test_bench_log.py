"""`devtools/bench_log.py --smoke` runs: both widgets fed the same lines, a table, no spill file left."""

from __future__ import annotations

from devtools import bench_log


def test_the_log_bench_smoke_mode_runs_and_prints_its_table(capsys):
    assert bench_log.main(["--smoke"]) == 0
    out = capsys.readouterr().out
    for measure in ("first frame", "search to last match", "memory growth"):
        (row,) = [line for line in out.splitlines() if f"20,000-line log: {measure}" in line]
        assert row.split()[-1] in ("pass", "FAIL") and "x " in row  # value, baseline, ratio, target, result
    (follow,) = [line for line in out.splitlines() if line.startswith("follow at 10,000 lines/s")]
    assert follow.split()[-1] in ("pass", "FAIL")
    expected = sum(1 for i in range(19_999) if i % 997 == 0) + 1  # every 997th line, and the last one
    assert f"{expected} matches for “timeout”" in out  # both found them all (main checks they agree)
    assert "spill files left behind: 0" in out
