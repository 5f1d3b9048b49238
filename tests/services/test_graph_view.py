"""Tree layout of a graph and what each task did in a run."""

from tui.domain import Graph, GraphRun, RunState, Task, TaskState
from tui.services.graph_view import join_note, layout
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


def shape(lines):
    """Each line as its key indented by depth: the tree as the screen draws it."""
    return ["  " * (len(line.path) - 1) + line.key for line in lines]


def test_a_join_is_shown_once_under_the_common_ancestor_after_its_upstreams():
    assert shape(layout(DIAMOND)) == ["R", "  A", "  B", "  C", "    D"]
    assert join_note(DIAMOND, "C") == "⇐ A, B" and join_note(DIAMOND, "D") is None


def test_a_wide_fan_in_takes_one_line_per_task_and_counts_its_upstreams():
    parts = [f"part_{i}" for i in range(152)]
    g = graph({"start": ["R"], **{p: ["start"] for p in parts}, "end": parts})
    lines = layout(g)
    assert len(lines) == len(g.tasks) == 155
    assert [line.key for line in lines].count("end") == 1
    end = lines[-1]
    assert end.key == "end" and end.path == ("R", "start", "end")  # after every part, beside them
    assert join_note(g, "end") == "⇐ 152 upstream"


def test_chains_and_trees_keep_their_shape_and_name_order():
    g = graph({"b": ["R"], "a": ["R"], "a2": ["a"], "a1": ["a"], "x": ["a1"]})
    assert shape(layout(g)) == ["R", "  a", "    a1", "      x", "    a2", "  b"]
    assert all(join_note(g, key) is None for key in g.tasks)


def test_nested_joins_each_hang_under_their_own_common_ancestor():
    g = graph({
        "a": ["R"], "b1": ["a"], "b2": ["a"], "j1": ["b1", "b2"],
        "c1": ["j1"], "c2": ["j1"], "j2": ["c1", "c2", "b1"], "z": ["R"],
    })  # fmt: skip
    # j2 also waits on b1 (above j1): its common ancestor with c1, c2 is a, so it comes after j1's branch.
    expected = ["R", "  a", "    b1", "    b2", "    j1", "      c1", "      c2", "    j2", "  z"]
    assert shape(layout(g)) == expected
    assert join_note(g, "j2") == "⇐ c1, c2, b1"


def test_a_join_after_a_chain_and_a_shortcut_reads_top_to_bottom():
    g = graph({"a": ["R"], "b": ["a"], "c": ["b"], "d": ["a", "c"]})
    assert shape(layout(g)) == ["R", "  a", "    b", "      c", "    d"]


def test_a_cycle_and_unreachable_tasks_are_each_shown_once():
    g = graph({"a": ["R", "c"], "b": ["a"], "c": ["b"], "fin": [], "y": ["x"], "x": ["y"]})
    keys = [line.key for line in layout(g)]
    assert sorted(keys) == sorted(g.tasks) and len(keys) == len(set(keys))
    assert keys[0] == "R" and shape(layout(g))[:4] == ["R", "  a", "    b", "      c"]
    assert keys[4:] == ["fin", "x", "y"]  # unreachable from the root: after it, by name


def test_many_named_upstreams_are_counted_and_qlik_conditions_named():
    g = graph({"j": ["a", "b", "c", "d"], "a": ["R"], "b": ["R"], "c": ["R"], "d": ["R"]})
    assert join_note(g, "j") == "⇐ 4 upstream"
    tasks = dict(g.tasks)
    update = {"predecessors": ("a", "b"), "edge_conditions": {"a": "on failure"}}
    tasks["j"] = tasks["j"].model_copy(update=update)
    assert join_note(Graph(root="R", tasks=tasks), "j") == "⇐ a on failure, b"
    whens = {"a": "on failure", "b": "on failure", "c": "on failure", "d": "on success"}
    tasks["j"] = tasks["j"].model_copy(
        update={"predecessors": ("a", "b", "c", "d"), "edge_conditions": whens}
    )
    assert join_note(Graph(root="R", tasks=tasks), "j") == "⇐ 4 upstream · 3 on failure, 1 on success"
    whens = dict.fromkeys("abcd", "on failure")
    tasks["j"] = tasks["j"].model_copy(update={"edge_conditions": whens})
    assert join_note(Graph(root="R", tasks=tasks), "j") == "⇐ 4 upstream · on failure"


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
