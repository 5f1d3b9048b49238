"""One rule for what each task did in a run, the same in the task list, the graph and run detail."""

from datetime import UTC, datetime

from tui.domain import Graph, GraphRun, RunState, Task, TaskRun, TaskState
from tui.services.outcomes import combined, index_counts, task_outcomes
from tui.services.snapshots import GraphStatus, rows_for

T0 = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


def graph(edges: dict[str, list[str]]) -> Graph:
    """edges: child -> parents; the root is R."""
    names = {"R", *edges}
    tasks = {n: Task(key=n, name=n, root="R", predecessors=tuple(edges.get(n, ())), state=TaskState.STARTED)
             for n in names}  # fmt: skip
    return Graph(root="R", tasks=tasks)


# R -> A -> B (B fails), R -> S (a sibling branch nobody reported on), B -> C.
G = graph({"A": ["R"], "B": ["A"], "C": ["B"], "S": ["R"]})
FAILED_AT_B = GraphRun(graph="R", run_id="1", state=RunState.FAILED, first_error_task="B", scheduled_time=T0)
EXPECTED = {
    "A": RunState.SUCCEEDED,  # an ancestor of the failure: it had to succeed for B to start
    "B": RunState.FAILED,
    "C": RunState.NOT_RUN,  # downstream of the failure
    "S": RunState.UNKNOWN,  # a sibling: the run says nothing about it
}


def test_failed_run_ancestors_succeeded_siblings_unknown_downstream_did_not_run():
    outcome = task_outcomes(G, FAILED_AT_B)
    assert {k: outcome[k] for k in EXPECTED} == EXPECTED
    assert outcome["R"] is RunState.SUCCEEDED  # the root task is an ancestor too
    assert set(outcome) == set(G.tasks)  # every task has an answer, "unknown" included


def test_the_task_list_and_the_graph_give_the_same_answer():
    rows = {
        r.task.key: r for r in rows_for(list(G.tasks.values()), {"R": GraphStatus(FAILED_AT_B, None, None)})
    }
    assert {k: rows[k].result for k in EXPECTED} == EXPECTED
    assert rows["R"].result is RunState.FAILED  # the root's row speaks for its graph's run


def test_a_failed_run_with_no_failing_task_named_knows_nothing_of_the_tasks():
    run = GraphRun(graph="R", run_id="1", state=RunState.FAILED)
    outcome = task_outcomes(G, run)
    assert outcome["R"] is RunState.FAILED
    assert {outcome[k] for k in "ABCS"} == {RunState.UNKNOWN}


def test_an_error_naming_a_mapped_index_points_at_its_task():
    run = FAILED_AT_B.model_copy(update={"first_error_task": "B[13]"})
    assert task_outcomes(G, run)["B"] is RunState.FAILED


def ti(task: str, state: RunState, index: int | None = None) -> TaskRun:
    return TaskRun(task=task, graph_run="1", state=state, map_index=index, try_number=1)


def test_task_runs_decide_and_one_failed_index_makes_a_mapped_task_failed():
    runs = [ti("A", RunState.SUCCEEDED), ti("C", RunState.UPSTREAM_FAILED)]
    runs += [ti("B", RunState.FAILED if i == 13 else RunState.SUCCEEDED, i) for i in range(20)]
    outcome = task_outcomes(G, FAILED_AT_B, runs)
    assert outcome["B"] is RunState.FAILED
    assert outcome["A"] is RunState.SUCCEEDED and outcome["C"] is RunState.UPSTREAM_FAILED
    assert outcome["S"] is RunState.UNKNOWN  # no task instance reported
    assert outcome["R"] is RunState.FAILED  # the DAG itself: its run's state
    assert index_counts(runs) == {"B": {RunState.FAILED: 1, RunState.SUCCEEDED: 19}}


def test_combined_is_the_worst_state():
    assert combined([RunState.SUCCEEDED, RunState.FAILED]) is RunState.FAILED
    assert combined([RunState.SUCCEEDED, RunState.EXECUTING]) is RunState.EXECUTING
    assert combined([RunState.SUCCEEDED, RunState.SKIPPED]) is RunState.SUCCEEDED
    assert combined([]) is RunState.UNKNOWN


def test_a_task_not_started_in_a_run_still_going_is_waiting_not_did_not_run():
    going = FAILED_AT_B.model_copy(update={"state": RunState.EXECUTING, "first_error_task": None})
    runs = [ti("A", RunState.EXECUTING), ti("C", RunState.NOT_RUN)]
    runs += [ti("B", RunState.SUCCEEDED if i else RunState.NOT_RUN, i) for i in range(3)]
    outcome = task_outcomes(G, going, runs)
    assert outcome["C"] is RunState.WAITING and outcome["B"] is RunState.WAITING
    assert index_counts(runs, going.state) == {"B": {RunState.WAITING: 1, RunState.SUCCEEDED: 2}}
    # Once the run is over, what never started did not run.
    assert task_outcomes(G, FAILED_AT_B, runs)["C"] is RunState.NOT_RUN
    assert index_counts(runs, FAILED_AT_B.state)["B"][RunState.NOT_RUN] == 1
