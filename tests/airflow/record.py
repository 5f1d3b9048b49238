"""Record real responses of Airflow 3.3.2 and 2.11.2 into tests/airflow/recorded/<version>/ (never invented).

    .venv/bin/python -m tests.airflow.record

Starts both servers (as the tests do), runs tui_fail and tui_fanout, saves the JSON bodies the adapter
parses, and stops them. test_recorded.py feeds these to the parsers without a server.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import urllib.error
from pathlib import Path
from urllib.parse import quote

from tests.airflow import servers as srv

OUT = Path(__file__).resolve().parent / "recorded"


def main() -> int:
    root = Path(tempfile.mkdtemp(prefix="dagtop-record-"))
    running = srv.start_all(srv.VERSIONS, root)
    try:
        for version, server in running.items():
            runs = {d: srv.trigger(server, d) for d in ("tui_fail", "tui_fanout")}
            for d, r in runs.items():
                srv.wait_run(server, d, r)
            fail = quote(runs["tui_fail"], safe="")
            paths = {
                "version": "/version",
                "dags": "/dags?limit=100",
                "dag_chain": "/dags/tui_chain",
                "tasks_fanout": "/dags/tui_fanout/tasks",
                "runs_fail": "/dags/tui_fail/dagRuns",
                "tis_fail": f"/dags/tui_fail/dagRuns/{fail}/taskInstances",
                "log_boom_1": f"/dags/tui_fail/dagRuns/{fail}/taskInstances/boom/logs/1",
                "log_never_0": f"/dags/tui_fail/dagRuns/{fail}/taskInstances/never/logs/0",
                "import_errors": "/importErrors",
            }
            out = OUT / version
            out.mkdir(parents=True, exist_ok=True)
            for name, path in paths.items():
                try:
                    body = srv.api(server, "GET", path)
                except urllib.error.HTTPError as exc:
                    body = {"status": exc.code, "body": json.loads(exc.read() or b"null")}
                (out / f"{name}.json").write_text(json.dumps(body, indent=1, sort_keys=True) + "\n")
            clear = srv.api(
                server,
                "POST",
                "/dags/tui_fail/clearTaskInstances",
                {"dry_run": True, "only_failed": True, "dag_run_id": runs["tui_fail"]},
            )
            (out / "clear_dry_run.json").write_text(json.dumps(clear, indent=1, sort_keys=True) + "\n")
            print(f"recorded Airflow {version} into {out}")
    finally:
        for server in running.values():
            server.stop()
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
