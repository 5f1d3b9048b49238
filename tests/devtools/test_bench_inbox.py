"""`python -m devtools.bench_inbox --smoke` runs end to end: the console shows the sandbox's newest failure
and the baseline loop finds it too (the numbers are for `make bench`, not here)."""

from devtools import bench_inbox


def test_bench_inbox_smoke_runs(capsys):
    assert bench_inbox.main(["--smoke"]) == 0
    out = capsys.readouterr().out
    assert "launch to the newest failure's error" in out and "30.00 s" not in out  # both found it
