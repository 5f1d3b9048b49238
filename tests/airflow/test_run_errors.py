"""The exception a failed run died of (issue 14 item 6) on the REAL Airflow 3.3.2 and 2.11.2: read from
the failed task's log, for failed runs only, once per (run, task, try), within a per-call budget."""

from __future__ import annotations

import pytest

from tests.airflow.conftest import Live
from tests.airflow.test_live import backend
from tui import domain
from tui.backends.airflow import adapter as airflow_adapter
from tui.backends.base import RunErrorsBackend

pytestmark = [pytest.mark.anyio, pytest.mark.tcp, pytest.mark.timeout(300)]


async def test_a_failed_runs_first_error_is_its_tasks_exception(live: Live) -> None:
    b = backend(live)
    try:
        assert b.capabilities.run_errors and isinstance(b, RunErrorsBackend)
        runs = await b.completed_runs("tui_fail", limit=5)
        mine = [r for r in runs if r.run_id == live.runs["tui_fail"]]
        [run] = await b.with_errors("tui_fail", mine)
        mapped = await b.with_errors("tui_mapped", await b.completed_runs("tui_mapped", limit=5))
    finally:
        await b.aclose()
    assert run.first_error_task == "boom"
    tried = run.extra["first_error_try"]  # 1, or more when another test retried this shared run
    exception = "RuntimeError: intentional failure for TUI tests"
    assert run.first_error_message == f"{exception}\nfailed on try {tried}"
    [failed] = [r for r in mapped if r.run_id == live.runs["tui_mapped"]]
    assert failed.first_error_task == "process[4]"
    lines = (failed.first_error_message or "").splitlines()
    assert lines[0].startswith("ValueError") and lines[-1] == "failed on try 2"


async def test_logs_are_read_once_per_try_only_for_failed_runs_and_within_the_budget(
    live: Live, monkeypatch: pytest.MonkeyPatch
) -> None:
    b = backend(live)
    read: list[tuple[str, str, int]] = []
    real = b.run_log

    async def counted(root: str, run_id: str, task: str, try_number: int, continuation=None):
        read.append((run_id, task, try_number))
        return await real(root, run_id, task, try_number, continuation)

    monkeypatch.setattr(b, "run_log", counted)
    try:
        ok = await b.with_errors("tui_fanout", await b.completed_runs("tui_fanout", limit=5))
        assert read == [] and all(r.state is domain.RunState.SUCCEEDED for r in ok)
        runs = [r for r in await b.completed_runs("tui_fail", limit=5) if r.run_id == live.runs["tui_fail"]]
        monkeypatch.setattr(airflow_adapter, "ERROR_LOGS_PER_CALL", 0)
        assert await b.with_errors("tui_fail", runs) == runs  # no budget left: the run as it was
        assert read == []
        monkeypatch.setattr(airflow_adapter, "ERROR_LOGS_PER_CALL", 10)
        first = await b.with_errors("tui_fail", runs)
        again = await b.with_errors("tui_fail", runs)
    finally:
        await b.aclose()
    # Once, for the try the run failed on (another test may have retried it: ask the run, not a guess).
    assert read == [(live.runs["tui_fail"], "boom", int(runs[0].extra["first_error_try"]))]
    assert first == again and first[0].extra["exception"].startswith("RuntimeError")
