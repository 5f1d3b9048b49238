"""Why a task did not run, and the data a task reads and writes: the rules, on domain objects shaped as
the Taipy adapter returns them (a scenario root, tasks joined by data nodes)."""

from __future__ import annotations

from datetime import UTC, datetime

from tui.domain import DataNode, Graph, RunState, Task
from tui.services.graph_notes import failure_causes, task_data, written_nodes

EDITED = datetime(2026, 1, 5, 11, 58, tzinfo=UTC)


def graph() -> Graph:
    """scenario -> generate -> {boom -> after_boom -> last, double -> total}."""

    def task(key: str, preds: tuple[str, ...], reads=(), writes=()) -> Task:
        return Task(key=key, name=key, root="S", predecessors=preds, reads=reads, writes=writes)

    tasks = [
        Task(key="S", name="scenario", root="S"),
        task("generate", ("S",), writes=("raw",)),
        task("boom", ("generate",), reads=("raw",), writes=("broken",)),
        task("after_boom", ("boom",), reads=("broken",), writes=("late",)),
        task("last", ("after_boom",), reads=("late", "seed"), writes=("end",)),
        task("double", ("generate",), reads=("raw",), writes=("doubled",)),
        task("total", ("double",), reads=("doubled",), writes=("result",)),
    ]
    nodes = {
        "raw": DataNode(key="raw", name="raw", last_edit=EDITED),
        "seed": DataNode(key="seed", name="seed", last_edit=EDITED),
        "doubled": DataNode(key="doubled", name="doubled"),
    }
    return Graph(root="S", tasks={t.key: t for t in tasks}, data_nodes=nodes)


def test_a_task_that_did_not_run_names_the_failure_above_it():
    g = graph()
    outcomes = dict.fromkeys(g.tasks, RunState.SUCCEEDED)
    outcomes.update(boom=RunState.FAILED, after_boom=RunState.NOT_RUN, last=RunState.UPSTREAM_FAILED)
    assert failure_causes(g, outcomes) == {"after_boom": ["boom"], "last": ["boom"]}


def test_nothing_to_explain_without_a_task_that_did_not_run():
    g = graph()
    outcomes = dict.fromkeys(g.tasks, RunState.SUCCEEDED)
    outcomes["boom"] = RunState.FAILED
    assert failure_causes(g, outcomes) == {}


def test_data_is_dated_where_it_is_written_and_inputs_of_the_graph_where_read():
    g = graph()
    written = written_nodes(g)
    reads, writes = task_data(g, "last", written)
    assert [(r.name, r.last_edit) for r in reads] == [("late", None), ("seed", EDITED)]
    assert [(w.name, w.last_edit) for w in writes] == [("end", None)]  # unknown node: its key, no date
    reads, writes = task_data(g, "generate", written)
    assert reads == [] and [(w.name, w.last_edit) for w in writes] == [("raw", EDITED)]
    assert task_data(g, "S", written) == ([], [])


def test_a_long_chain_is_explained_in_one_pass():
    n = 5000
    tasks = {"t0": Task(key="t0", name="t0", root="t0")}
    for i in range(1, n):
        tasks[f"t{i}"] = Task(key=f"t{i}", name=f"t{i}", root="t0", predecessors=(f"t{i - 1}",))
    g = Graph(root="t0", tasks=tasks)
    outcomes = {key: RunState.NOT_RUN for key in tasks}
    outcomes["t1"] = RunState.FAILED
    causes = failure_causes(g, outcomes)
    assert len(causes) == n - 2 and causes[f"t{n - 1}"] == ["t1"] and "t0" not in causes
