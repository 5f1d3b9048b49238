"""The confirmation dialog: typed text never confirms, the words name the run and the right target."""

from __future__ import annotations

import pytest
from textual.widgets import Button, Input

from tests.support import harness
from tests.support.harness import settle
from tui.screens.confirm import ConfirmAction
from tui.screens.tasks import TasksScreen
from tui.widgets.keyed_table import KeyedTable

pytestmark = pytest.mark.anyio
SIZE = (120, 40)
TEXT_FULL_OF_Y_AND_N = 'nny yes no {"mode": "dry"} y'


def posts(h, verb: str) -> list[str]:
    return [p for method, p, _status in h.sandbox.state.request_log if method == "POST" and verb in p]


async def test_typing_y_and_n_in_the_production_name_box_never_confirms_or_cancels(journal_path):
    h = harness.build(journal_path=journal_path, production=True)
    async with h.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await harness.select_task(pilot, "ORDERS_ROLLUP")
        await pilot.press("s")
        await settle(pilot)
        modal = h.app.screen
        assert isinstance(modal, ConfirmAction)
        yes = modal.query_one("#confirm-yes", Button)
        assert "(y)" not in str(yes.label) and "enter" in str(yes.label)  # y types, it does not confirm
        await pilot.press(*TEXT_FULL_OF_Y_AND_N)
        await settle(pilot)
        assert h.app.screen is modal
        assert modal.query_one("#confirm-name", Input).value == TEXT_FULL_OF_Y_AND_N
        assert posts(h, ":") == []
        assert not journal_path.exists()
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(h.app.screen, TasksScreen)
        assert posts(h, ":") == [] and not journal_path.exists()


async def test_y_and_n_still_answer_a_dialog_without_a_text_field(console, journal_path):
    async with console.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await harness.select_task(pilot, "ORDERS_ROLLUP")
        await pilot.press("s")
        await settle(pilot)
        yes = console.app.screen.query_one("#confirm-yes", Button)
        assert "(y)" in str(yes.label)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(console.app.screen, TasksScreen)
        assert posts(console, ":") == []


def dialog_text(modal) -> str:
    from textual.widgets import Static

    return "\n".join(str(w.content) for w in modal.query(Static) if not isinstance(w, Button))


async def test_execute_on_a_child_says_once_what_will_not_happen_and_g_goes_to_its_root(console):
    async with console.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        child = next(r.task for r in console.app.screen.rows if r.task.name == "MERGE_COHORTS")
        root = child.root.rsplit(".", 1)[-1]
        await harness.select_task(pilot, "MERGE_COHORTS")
        await pilot.press("x")
        await settle(pilot)
        modal = console.app.screen
        assert isinstance(modal, ConfirmAction)
        text = dialog_text(modal)
        assert "Starts a run" not in text  # no promise of what is refused
        assert text.count("only a graph's root") == 1
        assert f"Use its root {root} instead" in text and "g goes to it" in text
        assert not modal.query("#confirm-yes")
        await pilot.press("y")  # nothing to confirm
        await settle(pilot)
        assert console.app.screen is modal
        await pilot.press("g")
        await settle(pilot)
        assert isinstance(console.app.screen, TasksScreen)
        assert console.app.screen.query_one(KeyedTable).selected_key == child.root
        assert posts(console, ":") == []
        await pilot.press("x")  # and the action key now hits the root
        await settle(pilot)
        assert console.app.screen.plan.task.key == child.root
        assert console.app.screen.plan.blocked_reason is None


async def test_retry_dialog_names_the_run_when_it_failed_the_failed_task_and_what_reruns(journal_path):
    h = harness.build(journal_path=journal_path, production=True)
    async with h.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        root = next(r.task for r in h.app.screen.rows if r.task.is_root and r.graph_failed)
        last = (await h.backend.completed_runs(root.key, limit=1))[0]
        graph = await h.backend.get_graph(root.key)
        await harness.select_task(pilot, root.name)
        await pilot.press("X")
        await settle(pilot)
        modal = h.app.screen
        assert isinstance(modal, ConfirmAction)
        text = dialog_text(modal)
        assert last.run_id in text and "FAILED" in text
        assert last.completed_time.strftime("%Y-%m-%d %H:%M:%S UTC") in text  # when, with its zone
        failed_first = last.first_error_task.rsplit(".", 1)[-1]
        assert f"failed first: {failed_first}" in text
        failed_key = next(k for k in graph.tasks if k.rsplit(".", 1)[-1] == failed_first)
        for key in sorted(graph.downstream_of([failed_key]))[:3]:
            assert graph.tasks[key].name in text
        yes = modal.query_one("#confirm-yes", Button)
        assert str(yes.label) == "Retry (enter)"  # y types into the name box on production
        await pilot.press(*root.name, "enter")
        await settle(pilot)
        assert len(posts(h, ":execute")) == 1


async def test_retry_of_a_graph_whose_last_run_succeeded_says_nothing_is_retried(console):
    async with console.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        ok = next(
            r.task
            for r in console.app.screen.rows
            if r.task.is_root and r.last_run is not None and not r.last_run.state.is_failure
        )
        await harness.select_task(pilot, ok.name)
        await pilot.press("X")
        await settle(pilot)
        text = dialog_text(console.app.screen)
        assert "Nothing is retried" in text and ok.name in text
        await pilot.press("y")
        await settle(pilot)
        assert posts(console, ":execute") == []
