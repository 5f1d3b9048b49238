"""Run actions on REAL Airflow 3 and 2: mark a DAG run or a task instance success/failed, clear a chosen
task instance with what is downstream (dry run first), delete a run. Each is sent once and re-read.

They act on tui_actions, a DAG no other test reads, kept paused: a triggered run stays queued and its
task instances wait, so the states checked are the ones the actions set.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.airflow.conftest import Live, dagtop_cli
from tests.airflow.test_live import backend
from tui.action_plan import ActionKind, ClearOptions, RunTarget
from tui.backends.airflow import AirflowBackend
from tui.backends.base import RunActionsBackend
from tui.errors import NotFoundError

pytestmark = [pytest.mark.anyio, pytest.mark.tcp, pytest.mark.timeout(300)]

DAG = "tui_actions"


def count_writes(b: AirflowBackend) -> list[str]:
    """Every state-changing request the adapter sends (dry runs included), as ``METHOD path``."""
    sent: list[str] = []
    http = b.http
    original = http.send_action

    async def counted(method: str, path: str, *args: Any, **kwargs: Any) -> Any:
        sent.append(f"{method} {path}")
        return await original(method, path, *args, **kwargs)

    http.send_action = counted  # type: ignore[method-assign]
    return sent


async def test_mark_clear_and_delete_a_chosen_run_and_task_instance(live: Live) -> None:
    b = backend(live)
    try:
        assert isinstance(b, RunActionsBackend) and b.capabilities.run_actions
        run = await b.trigger(DAG)  # paused: the run stays queued
        tis = {t.task: t for t in await b.task_runs(DAG, run.run_id)}
        assert set(tis) == {f"{DAG}/ok", f"{DAG}/boom", f"{DAG}/never"}
        writes = count_writes(b)
        boom = RunTarget(run, tis[f"{DAG}/boom"])

        # Mark one task instance failed: the dry run names it and changes nothing; then one PATCH.
        assert await b.preview_run_action(ActionKind.MARK_FAILED, boom) == [f"{DAG}/boom"]
        assert {t.task: t.raw_state for t in await b.task_runs(DAG, run.run_id)}[f"{DAG}/boom"] == "none"
        writes.clear()
        assert await b.run_action(ActionKind.MARK_FAILED, boom) == f"boom in run {run.run_id} is now failed"
        assert len(writes) == 1 and writes[0].startswith("PATCH ")
        # ok marked success: Airflow itself clears the failed task instance after it (so it runs again),
        # which the message says, re-read, although the dry run named ok alone.
        ok = RunTarget(run, tis[f"{DAG}/ok"])
        assert await b.preview_run_action(ActionKind.MARK_SUCCESS, ok) == [f"{DAG}/ok"]
        assert await b.run_action(ActionKind.MARK_SUCCESS, ok) == (
            f"ok in run {run.run_id} is now success; also changed: boom failed → none"
        )
        await b.run_action(ActionKind.MARK_FAILED, boom)

        # Clear ok with what is downstream: the dry run lists all three, only-failed just boom.
        everything = [f"{DAG}/boom", f"{DAG}/never", f"{DAG}/ok"]
        assert await b.preview_run_action(ActionKind.CLEAR, ok, ClearOptions(downstream=True)) == everything
        only = ClearOptions(downstream=True, only_failed=True)
        assert await b.preview_run_action(ActionKind.CLEAR, ok, only) == [f"{DAG}/boom"]
        alone = ClearOptions(downstream=False)
        assert await b.preview_run_action(ActionKind.CLEAR, ok, alone) == [f"{DAG}/ok"]
        states = {t.task: t.raw_state for t in await b.task_runs(DAG, run.run_id)}
        assert (states[f"{DAG}/ok"], states[f"{DAG}/boom"]) == (
            "success",
            "failed",
        )  # dry runs changed nothing
        writes.clear()
        message = await b.run_action(ActionKind.CLEAR, ok, ClearOptions(downstream=True))
        assert len(writes) == 1 and writes[0].startswith("POST ") and "clearTaskInstances" in writes[0]
        assert message.startswith(f"cleared 3 task instances of run {run.run_id}")
        states = {t.task: t.raw_state for t in await b.task_runs(DAG, run.run_id)}
        assert (states[f"{DAG}/ok"], states[f"{DAG}/boom"]) == ("none", "none")

        # Mark the whole run failed, then success: no dry run for a run's state.
        whole = RunTarget(run)
        assert await b.preview_run_action(ActionKind.MARK_FAILED, whole) is None
        writes.clear()
        assert await b.run_action(ActionKind.MARK_FAILED, whole) == f"run {run.run_id} of {DAG} is now failed"
        assert len(writes) == 1
        assert (
            await b.run_action(ActionKind.MARK_SUCCESS, whole) == f"run {run.run_id} of {DAG} is now success"
        )
        assert (await b.get_run(DAG, run.run_id)).raw_state == "success"

        # Delete it: one DELETE, and the server no longer has it.
        writes.clear()
        message = await b.run_action(ActionKind.DELETE_RUN, whole)
        assert len(writes) == 1 and writes[0].startswith("DELETE ")
        assert message == f"deleted run {run.run_id} of {DAG}: the server no longer has it"
        with pytest.raises(NotFoundError):
            await b.get_run(DAG, run.run_id)
    finally:
        await b.aclose()


WRITES = ("PATCH", "POST", "DELETE")


def writes_in(counting: Any, since: int) -> list[str]:
    """The state-changing requests sent since ``since`` (the batch list POST only reads)."""
    return [r for r in counting.requests[since:] if r.startswith(WRITES) and not r.endswith("/list")]


async def test_the_grid_clears_a_chosen_task_instance_with_options_then_marks_and_deletes_the_run(
    live: Live, tmp_path
) -> None:
    """One console: on the grid, R on `ok` shows the dry-run list (downstream on), d narrows it to `ok`
    (asked again), d widens it back, y clears once with those options; F on the run row marks the run
    failed; enter opens the run, D deletes it. Each action: one write, journaled, re-read and told."""
    from tests.airflow.test_batch import Counting
    from tests.airflow.test_batch import backend as counted_backend
    from tests.airflow.test_live import raw_get
    from tests.support.harness import select_task, settle
    from tui.app import make_app
    from tui.screens.confirm import ConfirmAction
    from tui.screens.grid import GridScreen
    from tui.screens.run_detail import RunDetailScreen
    from tui.services.journal import ActionJournal
    from tui.widgets.grid import GridView
    from tui.widgets.header import ConnectionInfo

    counting = Counting()
    api = counted_backend(live, counting)
    run = await api.trigger(DAG)
    journal = tmp_path / "actions.jsonl"
    info = ConnectionInfo(profile="airflow-test", backend="airflow", location=api.location, poll_interval=2.0)
    app = make_app(api, info, auto_poll=False, journal=ActionJournal(journal))

    def dialog_text(modal: ConfirmAction) -> str:
        from textual.widgets import Static

        return "\n".join(str(w.render()) for w in modal.query(Static))

    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await select_task(pilot, DAG)
        await pilot.press("5")
        await settle(pilot)
        grid = app.screen
        assert isinstance(grid, GridScreen) and grid.model is not None
        assert grid.model.runs[-1].run_id == run.run_id
        assert grid.query_one(GridView).cursor == (0, len(grid.model.runs) - 1)  # the run row, newest
        await pilot.press("j")  # ok
        await settle(pilot)
        before = len(counting.requests)
        await pilot.press("R")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, ConfirmAction)
        text = dialog_text(modal)
        assert run.run_id in text and "ok" in text
        assert "[x] downstream (d)" in text and "Would change: boom, never, ok." in text, text
        await pilot.press("d")
        await settle(pilot)
        assert "[ ] downstream (d)" in dialog_text(modal) and "Would change: ok." in dialog_text(modal)
        await pilot.press("d")
        await settle(pilot)
        assert "Would change: boom, never, ok." in dialog_text(modal)
        dry = writes_in(counting, before)
        assert len(dry) == 3 and all("clearTaskInstances" in r for r in dry)  # three dry runs, no clear
        before = len(counting.requests)
        await pilot.press("y")
        await settle(pilot)
        assert writes_in(counting, before) == [f"POST /api/{live.api}/dags/{DAG}/clearTaskInstances"]

        await pilot.press("k")  # the run row: the whole run
        await settle(pilot)
        before = len(counting.requests)
        await pilot.press("F")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmAction) and "the whole run" in dialog_text(app.screen)
        await pilot.press("y")
        await settle(pilot)
        assert [r.split()[0] for r in writes_in(counting, before)] == ["PATCH"]
        assert raw_get(live, f"/dags/{DAG}/dagRuns/{run.run_id}").json()["state"] == "failed"

        await pilot.press("enter")  # the run row opens the run
        await settle(pilot)
        assert isinstance(app.screen, RunDetailScreen)
        before = len(counting.requests)
        await pilot.press("D")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmAction)
        text = dialog_text(app.screen)
        assert "Delete" in text and run.run_id in text and "cannot be undone" in text
        await pilot.press("y")
        await settle(pilot)
        assert [r.split()[0] for r in writes_in(counting, before)] == ["DELETE"]
        assert raw_get(live, f"/dags/{DAG}/dagRuns/{run.run_id}").status_code == 404
        assert isinstance(app.screen, GridScreen)  # the deleted run's detail closed
    records = ActionJournal(journal).read()
    assert [(r["action"], r["result"]) for r in records] == [
        ("clear", "sent"),
        ("clear", "ok"),
        ("mark-failed", "sent"),
        ("mark-failed", "ok"),
        ("delete-run", "sent"),
        ("delete-run", "ok"),
    ]
    assert records[0]["target"] == f"{DAG}: ok in run {run.run_id} (downstream on, upstream off, any state)"
    assert records[1]["detail"].startswith(f"cleared 3 task instances of run {run.run_id}")
    assert records[-1]["detail"] == f"deleted run {run.run_id} of {DAG}: the server no longer has it"


def test_dagtop_mark_clear_and_delete_run_then_a_second_delete_says_not_found(live: Live, tmp_path) -> None:
    import subprocess

    from tests.airflow import servers as srv

    body: dict[str, Any] = {"conf": {}, **({"logical_date": None} if live.server.major >= 3 else {})}
    run = srv.api(live.server, "POST", f"/dags/{DAG}/dagRuns", body)  # paused: it stays queued
    assert isinstance(run, dict)
    run_id = str(run["dag_run_id"])
    dagtop, env = dagtop_cli(live, tmp_path)
    env["DAGTOP_JOURNAL"] = str(tmp_path / "journal.jsonl")
    marked = subprocess.run(
        [*dagtop, "mark", DAG, run_id, "ok", "--state", "success", "--yes"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert marked.returncode == 0, marked.stderr
    assert marked.stdout.strip() == f"ok in run {run_id} is now success"
    cleared = subprocess.run(
        [*dagtop, "clear", DAG, run_id, "ok", "--yes"], env=env, capture_output=True, text=True, timeout=120
    )
    assert cleared.returncode == 0, cleared.stderr
    assert cleared.stdout.startswith(
        f"cleared 3 task instances of run {run_id} (now: boom none, never none, ok none)"
    )
    base = [*dagtop, "delete-run", DAG, run_id]
    refused = subprocess.run(
        base, env=env, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL
    )
    assert refused.returncode == 2 and "pass --yes" in refused.stderr  # no terminal to ask on
    done = subprocess.run([*base, "--yes"], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"deleted run {run_id} of {DAG}: the server no longer has it"
    again = subprocess.run([*base, "--yes"], env=env, capture_output=True, text=True, timeout=120)
    assert again.returncode == 1 and "HTTP 404" in again.stderr, again.stderr
    from tui.services.journal import ActionJournal

    records = ActionJournal(tmp_path / "journal.jsonl").read()
    assert [(r["action"], r["result"]) for r in records] == [
        ("mark-success", "sent"),
        ("mark-success", "ok"),
        ("clear", "sent"),
        ("clear", "ok"),
        ("delete-run", "sent"),
        ("delete-run", "ok"),
    ]


async def test_on_production_a_delete_from_the_grid_wants_the_run_id_typed(live: Live, tmp_path) -> None:
    """The DAG's name does not confirm a delete: only the run id, typed; until then nothing is sent."""
    from textual.widgets import Input

    from tests.airflow.test_batch import Counting
    from tests.airflow.test_batch import backend as counted_backend
    from tests.airflow.test_live import raw_get
    from tests.support.harness import select_task, settle
    from tui.app import make_app
    from tui.screens.confirm import ConfirmAction
    from tui.screens.grid import GridScreen
    from tui.widgets.header import ConnectionInfo

    counting = Counting()
    api = counted_backend(live, counting)
    run = await api.trigger(DAG)
    info = ConnectionInfo(
        profile="prod", backend="airflow", location=api.location, poll_interval=2.0, production=True
    )
    app = make_app(api, info, auto_poll=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await select_task(pilot, DAG)
        await pilot.press("5")
        await settle(pilot)
        assert isinstance(app.screen, GridScreen)
        before = len(counting.requests)
        await pilot.press("D")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, ConfirmAction)
        field = modal.query_one("#confirm-name", Input)
        assert field.placeholder == run.run_id
        field.value = DAG  # the DAG's name: refused
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is modal and writes_in(counting, before) == []
        field.value = run.run_id
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(app.screen, ConfirmAction)
        assert [r.split()[0] for r in writes_in(counting, before)] == ["DELETE"]
    assert raw_get(live, f"/dags/{DAG}/dagRuns/{run.run_id}").status_code == 404
