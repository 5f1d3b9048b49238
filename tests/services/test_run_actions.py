"""Plans of the run actions (mark, clear, delete), where no server is needed: a backend without them
says why, a mark to the state its target is in already is not sent, the words name the exact target."""

from __future__ import annotations

import pytest

from tests.support import harness
from tui.action_plan import ActionKind, ActionPlan, ClearOptions, RunTarget
from tui.domain import GraphRun, RunState, Task, TaskRun
from tui.services.run_actions import plan_run_action, reword, run_action_absent

pytestmark = pytest.mark.anyio

RUN = GraphRun(graph="etl", run_id="manual__1", state=RunState.FAILED, raw_state="failed")
TI = TaskRun(task="etl/load", graph_run="manual__1", state=RunState.FAILED, raw_state="failed")
TASK = Task(key="etl", name="etl", root="etl")


async def test_a_backend_without_run_actions_says_why_and_asks_nothing(tmp_path):
    h = harness.build(journal_path=tmp_path / "actions.jsonl")  # the Snowflake sandbox: no run actions
    before = len(h.sandbox.state.request_log)
    for kind in (ActionKind.MARK_SUCCESS, ActionKind.CLEAR, ActionKind.DELETE_RUN):
        plan = await plan_run_action(kind, TASK, RunTarget(RUN), h.backend)
        assert plan.blocked_reason == run_action_absent(kind, h.backend)
        assert plan.blocked_reason == "No mark, clear or delete of a chosen run here."
    assert run_action_absent(ActionKind.EXECUTE, h.backend) is None  # not a run action
    assert len(h.sandbox.state.request_log) == before


async def test_a_mark_to_the_state_it_is_in_is_blocked_before_any_request():
    # No backend call is made for a blocked mark: the capability check passes, then the state stops it.
    class Capable:
        capabilities = type("C", (), {"run_actions": True})()
        location = "http://af"

    plan = await plan_run_action(ActionKind.MARK_FAILED, TASK, RunTarget(RUN, TI), Capable())  # type: ignore[arg-type]
    assert plan.blocked_reason == "etl/load in run manual__1 is already failed."
    plan = await plan_run_action(ActionKind.MARK_FAILED, TASK, RunTarget(RUN), Capable())  # type: ignore[arg-type]
    assert plan.blocked_reason == "run manual__1 is already failed."


def test_the_words_name_the_target_the_options_and_the_dry_run_list():
    target = RunTarget(RUN, TI)
    clear = ActionPlan(
        ActionKind.CLEAR,
        TASK,
        "af",
        "",
        target=target,
        affected=("etl/load", "etl/report"),
        clear=ClearOptions(),
    )
    assert reword(clear).consequence == (
        "Clears etl/load in run manual__1 of etl so the scheduler runs it again (downstream on, "
        "upstream off, any state); the run is queued again. Would change: load, report."
    )
    narrowed = reword(
        ActionPlan(
            ActionKind.CLEAR,
            TASK,
            "af",
            "",
            target=target,
            affected=(),
            clear=ClearOptions(False, True, True),
        )
    )
    assert "(downstream off, upstream on, only failed)" in narrowed.consequence
    assert narrowed.consequence.endswith("Would change: nothing.")
    delete = reword(ActionPlan(ActionKind.DELETE_RUN, TASK, "af", "", target=RunTarget(RUN)))
    assert (
        delete.consequence.startswith("Deletes run manual__1 of etl")
        and "cannot be undone" in delete.consequence
    )
    assert delete.typed_word == "manual__1" and clear.typed_word == "etl"  # what production types
