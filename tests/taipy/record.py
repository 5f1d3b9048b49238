"""Record real responses of Taipy REST 4.1.1 into tests/taipy/recorded/4.1.1/ (never invented).

    .venv/bin/python -m tests.taipy.record          # starts its own server (about 10 s)

On a fresh server it creates the pipeline and failing scenarios, submits failing's generate task alone (a
job either scenario could own), then both scenarios, and waits for their jobs (pipeline COMPLETED; failing:
boom FAILED, after ABANDONED), submits pipeline again and, while its slow
``double`` job is RUNNING (``total`` BLOCKED), drives the REAL adapter through a RecordingTransport: the
root list, every graph, current and completed runs, every run's jobs and every job's log, plus the 404 of
an unknown job. One snapshot of the server, in well under the 3 s the slow job runs. Every exchange is saved
as JSON, one file per request key, plus meta.json (the moment of recording, the scenario ids). Taipy has
no auth: there is nothing to redact.

``python -m tests.taipy.record orphan`` records tests/taipy/recorded/4.1.1-orphan/: the lists after
``POST /jobs/?task_id=`` made a task of no scenario (``"parent_ids": [null]``) and a job never dispatched.

The parser tests (test_recorded.py) replay these files.
"""

from __future__ import annotations

import contextlib
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import anyio

from tests.support.harness_airflow import RecordingTransport
from tests.taipy import servers as srv
from tui.backends.http import HttpSettings
from tui.backends.taipy import TaipyBackend
from tui.errors import NotFoundError

RECORDED = Path(__file__).resolve().parent / "recorded"
NAME = srv.VERSION


def _prepare(server: srv.TaipyServer) -> dict[str, str]:
    scenarios = {c: server.create_scenario(c) for c in ("pipeline", "failing")}
    # First a single-task submit of failing's generate: its lone JOB_generate_ job fits pipeline as well.
    tasks = server.call("GET", "/tasks/")
    assert isinstance(tasks, list)
    generate = next(
        t["id"] for t in tasks if t["config_id"] == "generate" and t["owner_id"] == scenarios["failing"]
    )
    server.call("POST", f"/tasks/submit/{generate}")
    server.wait_jobs()
    for scenario in scenarios.values():
        server.call("POST", f"/scenarios/submit/{scenario}")
    server.wait_jobs()
    server.call("POST", f"/scenarios/submit/{scenarios['pipeline']}")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if any(j["id"].startswith("JOB_double_") and j["status"] == "Status.RUNNING" for j in server.jobs()):  # type: ignore[union-attr]
            return scenarios
        time.sleep(0.05)
    raise TimeoutError("the second pipeline run's double job never ran")


async def _drive(url: str, transport: RecordingTransport) -> None:
    backend = TaipyBackend.connect(url, settings=HttpSettings(rate=None), transport=transport)
    try:
        for root in await backend.list_tasks():
            graph = await backend.get_graph(root.key)
            for run in await backend.current_runs(root.key) + await backend.completed_runs(root.key):
                for job in await backend.task_runs(root.key, run.run_id):
                    await backend.run_log(root.key, run.run_id, job.task, 1)
            for task in graph.tasks.values():
                await backend.get_task(task.key)
        with contextlib.suppress(NotFoundError):
            await backend.client.job("JOB_nope")
    finally:
        await backend.aclose()


ORPHAN = f"{srv.VERSION}-orphan"


async def _drive_lists(url: str, transport: RecordingTransport) -> None:
    backend = TaipyBackend.connect(url, settings=HttpSettings(rate=None), transport=transport)
    try:
        roots = [t.key for t in await backend.list_tasks()]
        await backend.latest_runs(roots)
    finally:
        await backend.aclose()


def record_orphan() -> int:
    """``POST /jobs/?task_id=generate``, twice, makes a task of no scenario (``"parent_ids": [null]``) and
    two SUBMITTED jobs that are never dispatched (ids ``JOB_<uuid>``, naming no task): the lists as a
    console then reads them."""
    server = srv.start(Path(tempfile.mkdtemp(prefix="dagtop-taipy-record-")))
    try:
        scenario = server.create_scenario("pipeline")
        for _ in range(2):  # the second get-or-create of the task adds its owner (none) to its parents
            server.call("POST", "/jobs/?task_id=generate")
        transport = RecordingTransport()
        recorded_at = datetime.now(UTC)
        anyio.run(_drive_lists, server.url, transport)
        meta = {"recorded_at": recorded_at.isoformat(), "scenarios": {"pipeline": scenario}}
        transport.save(RECORDED / ORPHAN, {**meta, "version": srv.VERSION})
        print(f"recorded {len(transport.exchanges)} exchanges into {RECORDED / ORPHAN}")
    finally:
        server.stop()
    return 0


def main() -> int:
    if sys.argv[1:] == ["orphan"]:
        return record_orphan()
    server = srv.start(Path(tempfile.mkdtemp(prefix="dagtop-taipy-record-")))
    try:
        scenarios = _prepare(server)
        transport = RecordingTransport()
        recorded_at = datetime.now(UTC)
        anyio.run(_drive, server.url, transport)
        meta = {"recorded_at": recorded_at.isoformat(), "scenarios": scenarios, "version": srv.VERSION}
        transport.save(RECORDED / NAME, meta)
        print(f"recorded {len(transport.exchanges)} exchanges into {RECORDED / NAME}")
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
