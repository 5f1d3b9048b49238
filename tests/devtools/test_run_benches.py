"""`make bench` runs every bench and keeps what each printed in bench/results.json."""

from __future__ import annotations

import json

from devtools import run_benches


def test_the_bench_runner_records_each_table_and_whether_its_targets_were_met(tmp_path, capsys):
    out = tmp_path / "bench" / "results.json"
    assert run_benches.main(["--smoke", "--only", "bench_graph", "--out", str(out)]) == 0
    results = json.loads(out.read_text(encoding="utf-8"))
    assert results["machine"]["cpus"] and results["measured_at"]
    (graph,) = results["benches"].values()
    assert graph["met_targets"] is True and graph["exit_code"] == 0
    assert any("-task graph: fold the root" in line for line in graph["output"])  # the bench's own table
    assert "fold the root" in capsys.readouterr().out  # and it was shown as it ran
