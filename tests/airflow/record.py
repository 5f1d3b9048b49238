"""Record real responses of Airflow 3.3.2 and 2.11.2 into tests/airflow/recorded/<name>/ (never invented).

    .venv/bin/python -m tests.airflow.record              # starts both servers itself (about 1-2 min)

On each server it prepares runs with the test servers' own admin calls (tui_fail failed, tui_mapped failed
at one index of its mapped task, tui_fanout and
tui_wide succeeded, tui_mixed running with a skipped and an up_for_retry task, tui_chain queued because it is
paused), then drives the REAL adapter and the console's Airflow TOUR through a RecordingTransport
(tests/support/harness_airflow.py): DAGs, graphs, runs, task instances, logs per try, the retry's clear dry
run, and errors (unknown DAG and run: 404; duplicate run id: 409; bad run state: 422 on v2 / 400 on v1; a
tampered log token: 400). Every exchange is saved as JSON, one file per request key, plus meta.json (the
moment of recording and the run ids). Nothing is edited but secrets: the login (``/auth/*``) is never
recorded and any password or JWT that shows up anywhere is replaced by ``<redacted>`` (see ``redact``).

The parser tests (test_recorded.py) and the Airflow snapshots (test_snapshots.py) replay these files.
"""

from __future__ import annotations

import re
import shutil
import sys
import tempfile
import time
import urllib.error
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import anyio

from tests.airflow import servers as srv
from tests.support.harness_airflow import RECORDED, TOUR_AIRFLOW, RecordingTransport, tour_grid
from tui.app import make_app
from tui.backends.airflow import AirflowBackend, LoginAuth
from tui.backends.http import HttpSettings
from tui.errors import BackendError
from tui.widgets.header import ConnectionInfo

NAMES = {srv.V3: f"v2-{srv.V3}", srv.V2: f"v1-{srv.V2}"}
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")
_SECRETS = (srv.ADMIN[1], srv.VIEWER[1], srv.JWT_SECRET)


def redact(value: Any) -> Any:
    """``value`` with every JWT and known password replaced by ``<redacted>`` (strings at any depth)."""
    if isinstance(value, str):
        value = _JWT.sub("<redacted>", value)
        for secret in _SECRETS:
            value = value.replace(secret, "<redacted>")
        return value
    if isinstance(value, list):
        return [redact(v) for v in value]
    if isinstance(value, dict):
        return {redact(k): redact(v) for k, v in value.items()}
    return value


# ------------------------------------------------------------------------------------------- preparing


def _trigger_paused(server: srv.AirflowServer, dag_id: str) -> str:
    """A run of a DAG left paused: the scheduler keeps it queued."""
    body: dict[str, Any] = {"conf": {}}
    if server.major >= 3:
        body["logical_date"] = None
    run = srv.api(server, "POST", f"/dags/{dag_id}/dagRuns", body)
    assert isinstance(run, dict)
    return str(run["dag_run_id"])


def _wait_mixed(server: srv.AirflowServer, run_id: str, timeout: float = 180.0) -> None:
    """Until tui_mixed's branch settled and ``flaky`` waits for its retry."""
    path = f"/dags/tui_mixed/dagRuns/{quote(run_id, safe='')}/taskInstances"
    deadline = time.monotonic() + timeout
    states: dict[str, Any] = {}
    while time.monotonic() < deadline:
        body = srv.api(server, "GET", path)
        assert isinstance(body, dict)
        states = {ti["task_id"]: ti["state"] for ti in body["task_instances"]}
        if (
            states.get("flaky") == "up_for_retry"
            and states.get("left") == "success"
            and states.get("right") == "skipped"
        ):
            return
        time.sleep(0.5)
    raise TimeoutError(f"tui_mixed did not settle: {states} {server.logs_tail()}")


def _wait_dag(server: srv.AirflowServer, dag_id: str, timeout: float = 120.0) -> None:
    """Until the server has parsed ``dag_id`` (the servers are ready once the tui_* DAGs are)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            srv.api(server, "GET", f"/dags/{dag_id}")
            return
        except urllib.error.HTTPError as exc:
            if exc.code != 404 or time.monotonic() > deadline:
                raise
        time.sleep(0.5)


def prepare(server: srv.AirflowServer) -> dict[str, str]:
    runs = {
        d: srv.trigger(server, d) for d in ("tui_fail", "tui_fanout", "tui_wide", "tui_mixed", "tui_mapped")
    }
    runs["tui_chain"] = _trigger_paused(server, "tui_chain")
    _wait_dag(server, "retry_twice")  # fails twice, then succeeds: the tries (issue 14 item 5)
    runs["retry_twice"] = srv.trigger(server, "retry_twice")
    _wait_dag(server, "log_shapes")  # a WARNING, its own ::group::, a 3-line exception (item 10)
    runs["log_shapes"] = srv.trigger(server, "log_shapes")
    return runs


def wait_prepared(server: srv.AirflowServer, runs: dict[str, str]) -> None:
    # Generous: Airflow 2's sequential executor runs one task at a time, slowly on a loaded machine.
    for dag_id in ("tui_fail", "tui_fanout", "tui_wide", "tui_mapped", "retry_twice", "log_shapes"):
        srv.wait_run(server, dag_id, runs[dag_id], timeout=900)
    _wait_mixed(server, runs["tui_mixed"], timeout=900)
    srv.wait_import_errors(server)


# ------------------------------------------------------------------------------------------- recording


async def _expect_error(what: str, call: Any) -> None:
    try:
        await call
    except BackendError as exc:
        print(f"  {what}: {type(exc).__name__}: {str(exc)[:100]}")
    else:
        raise AssertionError(f"{what}: expected an error")


async def record_adapter(server: srv.AirflowServer, rec: RecordingTransport, runs: dict[str, str]) -> None:
    auth = LoginAuth(srv.ADMIN[0], srv.ADMIN[1], f"{server.url}/auth/token")
    b = AirflowBackend.connect(server.url, auth, transport=rec, settings=HttpSettings(rate=None))
    try:
        await b.list_tasks()
        await b.import_errors()
        await b.get_task("docs_dag")  # doc_md: on the DAG's details and on its task
        await b.get_graph("docs_dag")
        for dag_id in (
            "tui_chain",
            "tui_fail",
            "tui_fanout",
            "tui_mapped",
            "tui_mixed",
            "tui_wide",
            "retry_twice",
            "log_shapes",
        ):
            await b.get_graph(dag_id)
            await b.current_runs(dag_id, limit=10)
            await b.completed_runs(dag_id, limit=5)
            await b.completed_runs(dag_id, limit=5, errors_only=True)
            await b.get_run(dag_id, runs[dag_id])
            for tr in await b.task_runs(dag_id, runs[dag_id]):
                if dag_id in (
                    "tui_fail",
                    "tui_mixed",
                    "tui_mapped",
                    "retry_twice",
                    "log_shapes",
                ):  # every try; try 0 of a task never run
                    try:
                        await b.run_log(dag_id, runs[dag_id], tr.log_ref or tr.task, tr.try_number or 0)
                    except BackendError as exc:
                        print(f"  log of {tr.task} try {tr.try_number}: {type(exc).__name__}: {exc}"[:160])
        await b.retry_preview("tui_fail")
        await b.retry_preview("tui_mapped")
        # Tries (every try's outcome and times) and the failed runs' exceptions, read from their logs.
        for dag_id, task in (
            ("retry_twice", "flaky"),
            ("tui_fail", "boom"),
            ("tui_mapped", "process[4]"),
            ("tui_mixed", "flaky"),  # up_for_retry: when it retries (its end plus the retry delay)
        ):
            await b.task_tries(dag_id, runs[dag_id], task)
        for dag_id in ("tui_fail", "tui_mapped"):
            await b.with_errors(dag_id, await b.completed_runs(dag_id, limit=5))
        client = await b.client()
        await _expect_error("unknown DAG", b.get_task("tui_nope"))
        await _expect_error("unknown run", b.get_run("tui_fail", "no_such_run"))
        await _expect_error("duplicate run id", b.trigger("tui_fail", run_id=runs["tui_fail"]))
        await _expect_error("bad run state", client.set_run_state("tui_fail", runs["tui_fail"], "bogus"))
        await _expect_error(
            "tampered log token", client.get_log("tui_fail", runs["tui_fail"], "boom", 1, "tampered.token")
        )
        # A mapped task's log asked for without its index (map_index=-1): no such task instance, 404.
        await _expect_error("unindexed mapped log", b.run_log("tui_mapped", runs["tui_mapped"], "process", 2))
    finally:
        await b.aclose()


async def record_tour(server: srv.AirflowServer, rec: RecordingTransport) -> None:
    """Every Airflow screen of the console, so the replay knows each request they make: once live, then
    again answering known GETs from the recording (at replay speed a screen may ask for more, e.g. a
    poll no longer overtaken by a key press), until a pass asks for nothing new."""
    for attempt in range(4):
        before = len(rec.exchanges)
        rec.replay_known = attempt > 0
        for step in (*TOUR_AIRFLOW.values(), tour_grid):  # the grid's snapshots replay its reads too
            for size in ((120, 40), (80, 24)):
                auth = LoginAuth(srv.ADMIN[0], srv.ADMIN[1], f"{server.url}/auth/token")
                # Per-DAG reads, as the replay makes them (harness_airflow.build_airflow: batch=False; a
                # replay keys on method and URL, not on a batch POST's body).
                b = AirflowBackend.connect(
                    server.url, auth, transport=rec, settings=HttpSettings(rate=None), batch=False
                )
                info = ConnectionInfo(profile="airflow", backend="airflow", location=b.location)
                app = make_app(b, info, tz=UTC, auto_poll=False)
                async with app.run_test(size=size) as pilot:
                    await step(pilot)
        print(f"  tour pass {attempt + 1}: {len(rec.exchanges) - before} new exchanges")
        if attempt > 0 and len(rec.exchanges) == before:
            return
    raise RuntimeError("the console kept asking for new requests: the tour is not deterministic")


class _KeepOpen(RecordingTransport):
    async def aclose(self) -> None:  # one recorder serves many clients: closed once, at the end
        pass


def record(server: srv.AirflowServer, runs: dict[str, str]) -> Path:
    rec = _KeepOpen()
    recorded_at = datetime.now(UTC)

    async def main() -> None:
        try:
            await record_adapter(server, rec, runs)
            await record_tour(server, rec)
        finally:
            await rec.inner.aclose()

    anyio.run(main)
    for exchange in rec.exchanges.values():
        exchange.body = redact(exchange.body)
        exchange.request_body = redact(exchange.request_body)
        exchange.headers = redact(exchange.headers)
    out = RECORDED / NAMES[server.version]
    meta = {
        "airflow": server.version,
        "api": "v2" if server.major >= 3 else "v1",
        "recorded_at": recorded_at.isoformat(),
        "runs": runs,
        "exchanges": len(rec.exchanges),
    }
    rec.save(out, meta)
    return out


def main(argv: list[str]) -> int:
    versions = tuple(argv) or srv.VERSIONS
    root = Path(tempfile.mkdtemp(prefix="dagtop-record-"))
    running = srv.start_all(versions, root)
    try:
        prepared = {v: prepare(s) for v, s in running.items()}
        for version, server in running.items():
            wait_prepared(server, prepared[version])
        for version, server in running.items():
            print(f"recording Airflow {version}")
            out = record(server, prepared[version])
            print(f"recorded Airflow {version} into {out}")
    finally:
        for server in running.values():
            server.stop()
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
