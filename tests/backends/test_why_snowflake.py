"""`W` on Snowflake: the facts the explainer reads from the sandbox over HTTP (tasks made, resumed and
suspended through the real REST API; the sandbox's clock moves the world on)."""

from __future__ import annotations

import pytest

from tests.backends.conftest import Rig
from tui.backends.base import ExplainBackend
from tui.backends.snowflake import models
from tui.domain import Fact, TaskState
from tui.services.why import explain

pytestmark = pytest.mark.anyio


async def _facts(rig: Rig, name: str) -> list[Fact]:
    return list((await explain(rig.backend, await rig.backend.get_task(name))).facts)


def _with(facts: list[Fact], words: str) -> Fact:
    found = [f for f in facts if words in f.text]
    assert len(found) == 1, [f.text for f in facts]
    return found[0]


async def test_a_false_when_condition_skipped_the_latest_run_and_the_next_is_due(rig: Rig) -> None:
    assert rig.backend.capabilities.explain and isinstance(rig.backend, ExplainBackend)
    client = rig.backend.client
    task = models.Task(name="WHY_SKIPPED", definition="select 1", condition="SELECT FALSE",
                       schedule=models.MinutesSchedule(minutes=1))  # fmt: skip
    await client.create_task(task)
    await client.resume_task("WHY_SKIPPED")
    rig.app.state.sandbox.clock.advance(150)
    facts = await _facts(rig, "WHY_SKIPPED")
    skipped = _with(facts, "was SKIPPED: a WHEN condition was false then")
    assert not skipped.blocking and skipped.when is not None  # the next run may well run
    assert skipped.source.endswith("/tasks/WHY_SKIPPED/complete-graphs · state")
    when = _with(facts, "cannot tell from the API whether its condition is true now: WHEN SELECT FALSE")
    assert not when.known and not when.blocking
    due = _with(facts, "the next run of the graph is due {when} (every minute)")
    assert due.due and due.when is not None and "current-graphs · SCHEDULED run" in due.source


async def test_no_schedule_and_a_task_suspended_by_hand(rig: Rig) -> None:
    client = rig.backend.client
    await client.create_task(models.Task(name="WHY_ADHOC", definition="select 1"))
    facts = await _facts(rig, "WHY_ADHOC")
    assert _with(facts, "it is suspended: the graph's schedule does not fire").blocking
    assert _with(facts, "WHY_ADHOC has no schedule: the graph runs only when executed").blocking


async def test_a_root_suspended_after_its_failures_in_a_row(rig: Rig) -> None:
    tasks = await rig.backend.list_tasks()
    root = next(t for t in tasks if t.is_root and t.suspend_after_failures and t.state is TaskState.STARTED)
    limit = root.suspend_after_failures
    assert limit
    engine = rig.app.state.sandbox
    db, schema = engine.scopes()[0]
    for _ in range(limit):  # the sandbox's test hook: a FAILED run that ends now
        engine.record_failed_run(db, schema, root.name)
        engine.clock.advance(1)
    await rig.backend.suspend(root.key)
    facts = await _facts(rig, root.key)
    fact = _with(facts, f"by suspend_task_after_num_failures={limit}: the last {limit} runs failed")
    assert fact.blocking and "suspend_task_after_num_failures" in fact.source
    assert not [f for f in facts if "cannot tell from the API whether failures" in f.text]


async def test_a_graph_running_under_no_overlap_and_a_suspended_child(rig: Rig) -> None:
    tasks = await rig.backend.list_tasks()
    for _ in range(120):  # a minute at a time until some graph with children is executing
        running = [
            t
            for t in tasks
            if t.is_root
            and any(k.root == t.key and not k.is_root for k in tasks)
            and any(r.state.is_active for r in await rig.backend.current_runs(t.key))
        ]
        if running:
            break
        rig.app.state.sandbox.clock.advance(60)
    root = running[0]
    child = next(k for k in tasks if k.root == root.key and not k.is_root)
    facts = await _facts(rig, child.key)
    overlap = _with(facts, "the graph is running now (run ")
    assert not overlap.blocking and "with overlap policy NO_OVERLAP no other run starts" in overlap.text
    assert "overlap_policy of" in overlap.source
    # Suspending the child needs its root suspended first (Snowflake's rule, the sandbox's too).
    await rig.backend.suspend(root.key)
    await rig.backend.suspend(child.key)
    facts = await _facts(rig, child.key)
    assert _with(facts, f"{child.name} is suspended: its graph runs without it").blocking
    assert _with(facts, f"its root {root.name} was suspended").blocking


async def test_allow_child_overlap_with_a_run_executing_cannot_tell_whether_the_root_finished(
    rig: Rig,
) -> None:
    """The REST API has no per-task run state: whether the root of the executing run is done is not
    known, and the explainer says so rather than guess."""
    client = rig.backend.client
    root = models.Task(name="WHY_CHILD_OVERLAP", definition="select 1", overlap_policy="ALLOW_CHILD_OVERLAP",
                       schedule=models.MinutesSchedule(minutes=60))  # fmt: skip
    await client.create_task(root)
    await client.create_task(
        models.Task(name="WHY_AFTER", definition="select 1", predecessors=["WHY_CHILD_OVERLAP"])
    )
    await client.execute_task("WHY_CHILD_OVERLAP")  # a suspended root runs when executed
    runs = await rig.backend.current_runs("WHY_CHILD_OVERLAP")
    assert any(r.state.value == "EXECUTING" for r in runs), runs
    facts = await _facts(rig, "WHY_AFTER")
    fact = _with(facts, "cannot tell from the API whether the root of run ")
    assert not fact.known and "with ALLOW_CHILD_OVERLAP the next run waits only for the root" in fact.text
    assert fact.source.endswith("/dependents · overlap_policy of WHY_CHILD_OVERLAP")
    assert _with(facts, "its root WHY_CHILD_OVERLAP is suspended").blocking
