"""The console on real Airflow 3.3.2 and 2.11.2: DAGs, their runs, task instances and real logs."""

from __future__ import annotations

import pytest

from tests.airflow import servers as srv
from tests.airflow.conftest import Live, dagtop_cli
from tests.airflow.test_live import backend
from tests.support.harness import select_task, settle
from tui.app import make_app
from tui.domain import RunState
from tui.screens.graph import GraphTree
from tui.screens.run_detail import RunDetailScreen, TaskLogScreen
from tui.screens.runs import CompletedRunsScreen
from tui.widgets.header import ConnectionInfo
from tui.widgets.keyed_table import KeyedTable
from tui.widgets.log_view import LogView

pytestmark = [pytest.mark.anyio, pytest.mark.tcp, pytest.mark.timeout(300)]


def console(live: Live):
    api = backend(live)
    info = ConnectionInfo(profile="airflow-test", backend="airflow", location=api.location, poll_interval=2.0)
    return make_app(api, info, auto_poll=False)


async def open_log(pilot) -> TaskLogScreen:
    """``l`` on the task under the cursor: its log screen, once the finished try is read whole."""
    await pilot.press("l")
    await settle(pilot)
    log = pilot.app.screen
    assert isinstance(log, TaskLogScreen)
    for _ in range(20):
        await settle(pilot)
        if log.finished:
            break
    return log


async def test_dags_failed_run_task_instances_and_log(live: Live):
    app = console(live)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(KeyedTable)
        names = {table.coordinate_to_cell_key((r, 0))[0].value for r in range(table.row_count)}
        assert {"tui_fail", "tui_fanout", "tui_chain"} <= names
        await select_task(pilot, "tui_fail")
        await pilot.press("4")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CompletedRunsScreen)
        await pilot.press("f")
        await settle(pilot)
        assert screen.snapshot.runs and all(r.state is RunState.FAILED for r in screen.snapshot.runs)
        await pilot.press("enter")
        await settle(pilot)
        detail = app.screen
        assert isinstance(detail, RunDetailScreen)
        failed = [tr for tr in detail.snapshot.task_runs if tr.state is RunState.FAILED]
        assert failed, "the DAG that fails on purpose has a failed task instance"
        labels = {n.data.key: str(n.label) for n in detail._tree_nodes.values()}
        assert "FAILED" in labels[failed[0].task]
        tree = detail.query_one(GraphTree)
        node = next(n for n in detail._tree_nodes.values() if n.data.key == failed[0].task)
        tree.move_cursor(node)
        log = await open_log(pilot)
        lines = log.query_one(LogView).buffer
        assert any("fail" in line.lower() or "error" in line.lower() for line in lines), list(lines)[:20]


async def test_a_dags_size_counts_its_tasks_not_the_dag(live: Live):
    app = console(live)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await select_task(pilot, "tui_wide")
        await pilot.press("t")
        await settle(pilot)
        graph = app.screen.snapshot.graph  # type: ignore[attr-defined]
        assert len(graph.tasks) == 7 and graph.root in graph.tasks  # the DAG is the tree's root node
        summary = str(app.screen.query_one("#graph-summary").content)
        assert "  6 tasks" in summary  # w00..w05, not the DAG


async def test_l_on_the_graph_opens_the_chosen_tasks_log_in_the_run_shown(live: Live):
    app = console(live)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await select_task(pilot, "tui_fail")
        await pilot.press("t")
        await settle(pilot)
        graph = app.screen
        run = graph.snapshot.run  # type: ignore[attr-defined]
        assert run is not None
        tree = graph.query_one(GraphTree)
        node = next(n for n in graph._tree_nodes.values() if n.data.key != graph.snapshot.graph.root)  # type: ignore[attr-defined]
        tree.move_cursor(node)
        await pilot.pause()
        log = await open_log(pilot)
        assert log.log_task.key == node.data.key and log.run.run_id == run.run_id


async def test_execute_from_the_console_triggers_a_run_with_the_typed_conf(live: Live):
    from tests.airflow.test_live import raw_get
    from tui.screens.confirm import ConfirmAction

    app = console(live)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await select_task(pilot, "tui_chain")
        await pilot.press("x")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, ConfirmAction)
        assert "Triggers a new run of the DAG tui_chain" in modal.plan.consequence
        box = modal.query_one("#confirm-conf")
        box.focus()
        await pilot.press(*'{"source": "dagtop-test"}', "enter")
        await settle(pilot)
    runs = raw_get(live, "/dags/tui_chain/dagRuns").json()["dag_runs"]
    assert any(run.get("conf") == {"source": "dagtop-test"} for run in runs)


async def test_a_mapped_task_shows_its_failed_index_opens_its_log_and_retries_only_it(live: Live):
    from tui.screens.confirm import ConfirmAction

    app = console(live)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await select_task(pilot, "tui_mapped")
        await pilot.press("4", "f")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        detail = app.screen
        assert isinstance(detail, RunDetailScreen)
        tree = detail.query_one(GraphTree)
        # The cursor is on the mapped task, which says how its indexes ended: one failed, five did not.
        assert tree.cursor_node.data.key == "tui_mapped/process" and tree.cursor_node.data.map_index is None
        label = str(tree.cursor_node.label)
        assert label.startswith("✘") and "✘ 1 failed" in label and "✔ 5" in label
        assert "process[4]" in str(detail.query_one("#graph-summary").content)
        # Unfolding lists every index with its state and try.
        fold = next(n for n in detail._tree_nodes.values() if n.data.indexes)
        assert not fold.is_expanded
        fold.expand()
        await settle(pilot)
        rows = {n.data.map_index: str(n.label) for n in fold.children}
        assert sorted(rows) == list(range(6))
        assert "FAILED" in rows[4] and "try 2" in rows[4]
        assert all("SUCCEEDED" in rows[i] and "try 1" in rows[i] for i in (0, 1, 2, 3, 5))
        # `l` on an index opens that index's log.
        tree.move_cursor(fold.children[4])
        log = await open_log(pilot)
        assert "process[4]" in str(log.query_one("#tasklog-title").content)
        assert any("index 4 fails on every try" in line for line in log.query_one(LogView).buffer)
        await pilot.press("escape")
        await settle(pilot)
        # The retry says it clears that index (and what waits on it), not the whole mapped task.
        await pilot.press("X")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, ConfirmAction)
        assert "Would clear: process[4], summarize." in modal.plan.consequence
        await pilot.press("escape")


def test_get_runs_names_the_failed_index_of_a_mapped_task(live: Live, tmp_path):
    import json
    import subprocess

    dagtop, env = dagtop_cli(live, tmp_path)
    env["COLUMNS"] = "200"
    base = [*dagtop, "get", "runs", "tui_mapped"]
    table = subprocess.run([*base, "--completed"], env=env, capture_output=True, text=True, timeout=120)
    assert table.returncode == 0, table.stderr
    assert "process[4] ValueError" in table.stdout and "failed on try 2" in table.stdout
    # Piped, a run id is printed whole (never `scheduled__2026-12-01T0…`), whatever the terminal width.
    narrow = subprocess.run(
        [*base, "--completed"], env={**env, "COLUMNS": "60"}, capture_output=True, text=True, timeout=120
    )
    assert live.runs["tui_mapped"] in narrow.stdout and "…" not in narrow.stdout
    dumped = subprocess.run([*base, "-o", "json"], env=env, capture_output=True, text=True, timeout=120)
    assert dumped.returncode == 0, dumped.stderr
    runs = json.loads(dumped.stdout)["runs"]
    assert [r["first_error_task"] for r in runs if r["run_id"] == live.runs["tui_mapped"]] == ["process[4]"]
    [message] = [r["first_error_message"] for r in runs if r["run_id"] == live.runs["tui_mapped"]]
    assert message.startswith("ValueError") and message.endswith("\nfailed on try 2")


async def test_typed_run_conf_full_of_y_and_n_never_confirms_and_never_leaks(live: Live, tmp_path):
    """The conf field has focus when the dialog opens: every key typed goes into it, none confirms,
    cancels or reaches the Tasks screen, nothing is sent and nothing journaled."""
    from textual.widgets import Input

    from tests.airflow.test_live import raw_get
    from tui.screens.confirm import ConfirmAction
    from tui.screens.tasks import TasksScreen
    from tui.services.journal import ActionJournal

    journal = tmp_path / "actions.jsonl"
    api = backend(live)
    info = ConnectionInfo(profile="airflow-test", backend="airflow", location=api.location, poll_interval=2.0)
    app = make_app(api, info, auto_poll=False, journal=ActionJournal(journal))
    before = len(raw_get(live, "/dags/tui_chain/dagRuns").json()["dag_runs"])
    typed = '{"mode": "dry", "yes": "nny"}'
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await select_task(pilot, "tui_chain")
        await pilot.press("x")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, ConfirmAction)
        await pilot.press(*typed)
        await settle(pilot)
        assert app.screen is modal
        assert modal.query_one("#confirm-conf", Input).value == typed
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, TasksScreen)
        assert app.screen.query_one("#filter", Input).value == ""  # nothing typed reached the list
    assert not journal.exists()
    assert len(raw_get(live, "/dags/tui_chain/dagRuns").json()["dag_runs"]) == before


async def test_retry_dialog_names_the_failed_run_its_failed_task_and_what_it_clears(live: Live):
    from textual.widgets import Button, Static

    from tests.airflow.test_live import raw_get
    from tui.screens.confirm import ConfirmAction

    failed = raw_get(live, "/dags/tui_fail/dagRuns?state=failed&order_by=-start_date&limit=1").json()
    run_id = failed["dag_runs"][0]["dag_run_id"]
    app = console(live)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await select_task(pilot, "tui_fail")
        await pilot.press("X")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, ConfirmAction)
        text = "\n".join(str(w.content) for w in modal.query(Static) if not isinstance(w, Button))
        assert run_id in text and "failed" in text.lower()
        assert "failed first: boom" in text, text  # the task instance that failed
        assert "Would clear:" in text and "boom" in text.split("Would clear:")[1]
        await pilot.press("escape")


async def test_production_trigger_takes_the_conf_then_the_typed_name(live: Live):
    """On production both fields are text: enter in the conf moves to the name box; y and n stay letters."""
    from textual.widgets import Input

    from tests.airflow.test_live import raw_get
    from tui.screens.confirm import ConfirmAction

    api = backend(live)
    info = ConnectionInfo(
        profile="airflow-prod", backend="airflow", location=api.location, production=True, poll_interval=2.0
    )
    app = make_app(api, info, auto_poll=False)
    conf = {"mode": "dry", "yes": "nny"}
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await select_task(pilot, "tui_chain")
        await pilot.press("x")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, ConfirmAction)
        await pilot.press(*'{"mode": "dry", "yes": "nny"}', "enter")
        await settle(pilot)
        assert app.screen is modal and modal.query_one("#confirm-name", Input).has_focus
        await pilot.press(*"tui_chain", "enter")
        await settle(pilot)
        assert app.screen is not modal
    runs = raw_get(live, "/dags/tui_chain/dagRuns").json()["dag_runs"]
    assert any(run.get("conf") == conf for run in runs)


async def test_a_dag_row_says_dag_and_its_detail_leaves_out_what_airflow_has_not(live: Live):
    from tui.screens.task_detail import TaskDetailScreen
    from tui.screens.tasks import COLUMNS

    app = console(live)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        kind = [column for column, _, _ in COLUMNS].index("kind")
        row = next(r for r in app.screen.rows if r.task.name == "tui_chain")
        assert str(app.screen.cells(row)[kind]) == "DAG"  # not "root·3": its tasks are in the graph view
        await select_task(pilot, "tui_chain")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TaskDetailScreen)
        body = str(app.screen.query_one("#detail-body").content)
        assert "Schedule" in body and "Owner" in body
        for snowflake_only in (
            "Warehouse",
            "serverless",
            "Error integration",
            "Condition (WHEN)",
            "Definition",
        ):
            assert snowflake_only not in body


async def test_dagtop_exec_retry_last_says_what_the_console_dialog_says(
    live: Live, tmp_path, monkeypatch, capsys
):
    import argparse
    import io

    import anyio

    from tui.headless import register, run
    from tui.screens.confirm import ConfirmAction

    app = console(live)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await select_task(pilot, "tui_fail")
        await pilot.press("X")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmAction)
        dialog = app.screen.plan.consequence
        await pilot.press("escape")
    assert "Clears the failed task instances of run " in dialog  # names the run, as the dialog does

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    config = tmp_path / "config.toml"
    config.write_text(
        f'[profiles.af]\nbackend = "airflow"\nurl = "{live.server.url}"\nusername = "{srv.ADMIN[0]}"\n'
        'password_env = "AIRFLOW_PASSWORD"\n'
    )
    env = {"HOME": str(tmp_path), "AIRFLOW_PASSWORD": srv.ADMIN[1], "DAGTOP_CONFIG": str(config)}
    env["DAGTOP_JOURNAL"] = str(tmp_path / "journal.jsonl")
    parser = argparse.ArgumentParser(prog="dagtop")
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["exec", "tui_fail", "--retry-last", "-c", "af"])
    monkeypatch.setattr("sys.stdin", Tty("n\n"))
    capsys.readouterr()
    code = await anyio.to_thread.run_sync(run, args, env)
    err = capsys.readouterr().err
    assert code == 3, err  # declined: nothing sent
    assert dialog in err.splitlines(), err


async def test_dags_and_their_tasks_in_airflows_words(live: Live):
    """Issue 14 item 9 on the real server: DAG rows say active/paused (the pause flag) and show their
    tags, filterable with tag:; no Snowflake column; the status line counts DAGs; a task of a DAG has
    no state of its own but its operator, retries, pool and trigger rule."""
    from tui.screens.task_detail import TaskDetailScreen
    from tui.screens.tasks import COLUMNS

    app = console(live)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        shown = [column for column, _, _ in screen.shown_columns]
        assert "tags" in shown and not {"kind", "warehouse", "scope"} & set(shown)
        cells = {r.task.name: screen.cells(r) for r in screen.rows}
        picks = [column for column, _, _ in COLUMNS]  # cells() has every column, shown or not
        assert str(cells["tui_chain"][picks.index("state")]) == "‖ paused"
        assert str(cells["tui_fail"][picks.index("state")]) == "● active"
        assert str(cells["tui_chain"][picks.index("tags")]) == "chain, tui"
        status = str(screen.query_one("#tasks-status").content)
        assert f"of {len(screen.rows)} DAGs" in status and "DAGs checked" in status and "tasks" not in status
        await pilot.press("slash", *"tag:chain")
        await settle(pilot)
        assert [r.task.name for r in screen.chosen_rows()] == ["tui_chain"]
        await pilot.press("escape")
        await settle(pilot)
        graph = await app.backend.get_graph("tui_mixed")
        app.open_task_detail(graph.tasks["tui_mixed/flaky"])
        await settle(pilot)
        assert isinstance(app.screen, TaskDetailScreen)
        body = app.screen.query_one("#detail-body").content.plain
        lines = {line[:22].strip(): line[22:].strip() for line in body.splitlines() if line.strip()}
        assert lines["Operator"] == "@task" and lines["Retries"] == "1" and lines["Pool"] == "default_pool"
        assert lines["Trigger rule"] == "all_success" and lines["Kind"] == "task of DAG tui_mixed"
        assert "State" not in lines and "active" not in body and "started" not in body
        assert "Warehouse" not in lines and "Timeout" not in lines and "Schedule" not in lines


def test_get_task_and_get_tasks_print_what_airflow_has(live: Live, tmp_path):
    import json
    import subprocess

    dagtop, env = dagtop_cli(live, tmp_path)
    base = [*dagtop, "get"]

    def run(*args: str) -> str:
        done = subprocess.run([*base, *args], env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stdout

    table = run("task", "tui_mixed/flaky")
    fields = {line.split()[0]: line.split()[1:] for line in table.splitlines()[1:] if line.split()}
    assert (
        fields["operator"] == ["@task"] and fields["retries"] == ["1"] and fields["pool"] == ["default_pool"]
    )
    assert fields["trigger_rule"] == ["all_success"] and "state" not in fields
    assert not {"warehouse", "error_integration", "auto_retry_attempts", "timeout_ms"} & set(fields)
    task = json.loads(run("task", "tui_mixed/flaky", "-o", "json"))["task"]
    assert (task["operator"], task["retries"], task["state"]) == ("@task", 1, "none")
    assert "warehouse" not in task and "suspend_after_failures" not in task
    dag = json.loads(run("task", "tui_chain", "-o", "json"))["task"]
    assert (dag["raw_state"], sorted(dag["tags"])) == ("paused", ["chain", "tui"])
    header = run("tasks").splitlines()[0].split()
    assert "TAGS" in header and "WAREHOUSE" not in header
