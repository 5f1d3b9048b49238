"""Tree layout of a graph and what each task did in a run."""

from tui.domain import Graph, GraphRun, RunState, Task, TaskState
from tui.services.graph_view import layout
from tui.services.outcomes import task_outcomes


def graph(edges, suspended=()):
    """edges: child -> parents, all names; the root is R."""
    names = {"R", *edges, *(p for ps in edges.values() for p in ps)}
    tasks = {
        n: Task(
            key=n,
            name=n,
            root="R",
            predecessors=tuple(edges.get(n, ())),
            state=TaskState.SUSPENDED if n in suspended else TaskState.STARTED,
        )
        for n in names
    }
    return Graph(root="R", tasks=tasks)


DIAMOND = graph({"A": ["R"], "B": ["R"], "C": ["A", "B"], "D": ["C"]})


def test_a_task_with_two_parents_appears_once_in_full_and_once_as_reference():
    lines = layout(DIAMOND)
    full = [line.key for line in lines if not line.reference]
    refs = [line.key for line in lines if line.reference]
    assert sorted(full) == ["A", "B", "C", "D", "R"]
    assert refs == ["C"]
    # D is shown under the full C, not under the reference.
    d = next(line for line in lines if line.key == "D")
    assert d.path[-2] == "C"


def test_failed_run_marks_failing_task_downstream_and_upstream():
    run = GraphRun(graph="R", run_id="1", state=RunState.FAILED, first_error_task="C")
    outcome = task_outcomes(DIAMOND, run)
    assert outcome["C"] is RunState.FAILED
    assert outcome["D"] is RunState.NOT_RUN
    assert outcome["A"] is RunState.SUCCEEDED and outcome["B"] is RunState.SUCCEEDED
    assert outcome["R"] is RunState.SUCCEEDED


def test_succeeded_run_skips_suspended_children_and_their_descendants():
    g = graph({"A": ["R"], "B": ["A"], "C": ["R"]}, suspended={"A"})
    outcome = task_outcomes(g, GraphRun(graph="R", run_id="1", state=RunState.SUCCEEDED))
    assert outcome["A"] is RunState.SKIPPED and outcome["B"] is RunState.SKIPPED
    assert outcome["C"] is RunState.SUCCEEDED


def test_no_run_means_no_outcomes():
    assert task_outcomes(DIAMOND, None) == {}
