"""Actions on the real Taipy server: submit a single task, a sequence, a scenario (the confirmation names
which), and cancel a job, telling the truth about a RUNNING job that Taipy says it cancelled but does not.

On a scenario of their own (``actions``: prep -> slow -> last, task configs no other scenario has), so the
session's shared pipeline and failing runs stay as the other tests read them.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import pytest

from tests.taipy.fixtures import Live
from tui.action_plan import ActionKind
from tui.backends.taipy import TaipyBackend
from tui.domain import Graph, RunState
from tui.errors import ConflictError
from tui.services.actions import plan_for

pytestmark = pytest.mark.anyio


@pytest.fixture
async def backend(live: Live) -> AsyncIterator[TaipyBackend]:
    backend = TaipyBackend.connect(live.url)
    try:
        yield backend
    finally:
        await backend.aclose()


def _task(graph: Graph, name: str) -> str:
    return next(t.key for t in graph.tasks.values() if t.name == name)


async def _wait(backend: TaipyBackend, root: str, task: str, states: set[str]) -> str:
    """Poll the root's newest run until ``task``'s job is in one of ``states`` (bounded; not a timing
    assertion: the job's state is what is checked)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        runs = await backend.current_runs(root) + await backend.completed_runs(root)
        newest = max(runs, key=lambda r: r.started_time or 0, default=None)  # type: ignore[arg-type,return-value]
        if newest is not None:
            jobs = {j.task: j.raw_state for j in await backend.task_runs(root, newest.run_id)}
            if jobs.get(task) in states:
                return newest.run_id
        time.sleep(0.1)
    raise TimeoutError(f"{task} never reached {states}")


async def test_submit_a_task_a_sequence_then_cancel_what_waits_and_not_what_runs(
    live: Live, backend: TaipyBackend
) -> None:
    root = live.server.create_scenario("actions")
    graph = await backend.get_graph(root)
    prep, slow, last = (_task(graph, n) for n in ("prep", "slow", "last"))

    # A single task: only it runs, and the confirmation says so. The scenario is named as the task list
    # names it ("actions", or "actions 1a2b3c4d" while other tests' actions scenarios exist).
    shown = (await backend.get_task(root)).name
    plan = await plan_for(ActionKind.EXECUTE, graph.tasks[prep], backend)
    assert plan.blocked_reason is None
    assert plan.consequence.startswith(f"Submits the single task prep of scenario {shown}: only this task")
    assert await backend.execute(prep) == f"Task {prep} was submitted."
    await _wait(backend, root, prep, {"COMPLETED"})

    # A sequence: its own tasks, named.
    sequence = await backend.get_task(f"SEQUENCE_start_{root}")
    plan = await plan_for(ActionKind.EXECUTE, sequence, backend)
    assert plan.consequence == (
        f"Submits the sequence start of scenario {shown}: only its tasks run (prep); the scenario's other "
        "tasks do not."
    )
    assert "was submitted" in await backend.execute(sequence.key)
    await _wait(backend, sequence.key, prep, {"COMPLETED"})
    # The single task's run and the sequence's: both ran prep only, so both are runs of the sequence.
    assert len(await backend.completed_runs(sequence.key)) == 2

    # The whole scenario: prep runs, slow waits for it then runs ~3 s, last waits BLOCKED meanwhile.
    plan = await plan_for(ActionKind.EXECUTE, await backend.get_task(root), backend)
    assert (
        plan.consequence
        == f"Submits the scenario {shown}: all its tasks run, in data-flow order (prep, slow, last)."
    )
    await backend.execute(root)
    run_id = await _wait(backend, root, slow, {"RUNNING"})

    # last is BLOCKED: a cancel really cancels it, and says so after re-reading the job.
    plan = await plan_for(ActionKind.CANCEL, graph.tasks[last], backend)
    assert plan.blocked_reason is None and plan.task_run is not None
    assert (plan.task_run.raw_state, plan.task_run.graph_run) == ("BLOCKED", run_id)
    said = await backend.cancel(root, run_id, last)
    assert said.endswith("cancelled (status CANCELED)")

    # slow is RUNNING: the plan refuses and says why; sent anyway, the server says "cancelled" and the
    # adapter, re-reading the job, says it goes on.
    plan = await plan_for(ActionKind.CANCEL, graph.tasks[slow], backend)
    assert plan.blocked_reason is not None and plan.blocked_reason.startswith(
        "slow is RUNNING: Taipy cancels only"
    )
    with pytest.raises(ConflictError, match="Taipy said the job was cancelled, but it is RUNNING"):
        await backend.cancel(root, run_id, slow)

    live.server.wait_jobs()
    jobs = {graph.tasks[j.task].name: j for j in await backend.task_runs(root, run_id)}
    assert {n: j.raw_state for n, j in jobs.items()} == {
        "prep": "COMPLETED",
        "slow": "COMPLETED",
        "last": "CANCELED",
    }
    run = next(r for r in await backend.completed_runs(root) if r.run_id == run_id)
    assert run.state is RunState.CANCELLED


async def test_suspend_resume_and_retry_are_absent_and_say_why(live: Live, backend: TaipyBackend) -> None:
    task = await backend.get_task(live.scenarios["pipeline"])
    for kind in (ActionKind.SUSPEND, ActionKind.RESUME):
        assert kind in backend.wording.absent_actions
        with pytest.raises(ConflictError, match=f"Taipy has no {kind.value}"):
            await (backend.suspend if kind is ActionKind.SUSPEND else backend.resume)(task.key)
    assert ActionKind.RETRY_LAST in backend.wording.absent_actions  # X leaves the footer; help says why
    plan = backend.wording.plan(
        ActionKind.RETRY_LAST, task, backend.location, await backend.plan_facts(ActionKind.RETRY_LAST, task)
    )
    assert (
        plan.blocked_reason is not None
        and "submit the scenario, sequence or task again" in plan.blocked_reason
    )
