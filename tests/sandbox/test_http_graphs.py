"""Task-graph behaviour of the sandbox: dependents, Snowflake's graph rules, execute/retry, graph runs.

Each test builds its own graph (ROOT -> A, ROOT -> B, A + B -> C) in the default scope, on a ManualClock.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.sandbox.spec import Api, Graph, assert_error, task_body, unique

pytestmark = pytest.mark.anyio

ORDER = {"SCHEDULED": 0, "EXECUTING": 1, "SUCCEEDED": 2, "FAILED": 2, "CANCELLED": 2, "SKIPPED": 2}
TERMINAL = {"SUCCEEDED", "FAILED", "CANCELLED", "SKIPPED"}
NOT_SUSPENDED = "Unable to update graph with root task"


def ts(value: str) -> datetime:
    """A wire timestamp as an aware datetime (a naive one, like the spec's examples, is UTC)."""
    when = datetime.fromisoformat(value)
    return when if when.tzinfo else when.replace(tzinfo=UTC)


async def runs(api: Api, root: str, **params: Any) -> dict[int, dict[str, Any]]:
    """Every run the two endpoints know of, by run_id (completed wins over current)."""
    out: dict[int, dict[str, Any]] = {}
    for response in (await api.current(root, **params), await api.complete(root, **params)):
        assert response.status_code == 200, response.text
        for run in response.json():
            assert run["root_task_name"] == root
            out[run["run_id"]] = run
    return out


async def execute_and_finish(api: Api, clock: Any, root: str, **params: Any) -> dict[str, Any]:
    """Execute the graph, advance the clock until that run is terminal, return the run."""
    before = set(await runs(api, root))
    await api.ok(api.execute(root, **params))
    new = set(await runs(api, root)) - before
    assert len(new) == 1, f"execute should add exactly one run, added {new}"
    (run_id,) = new
    for _ in range(240):
        run = (await runs(api, root))[run_id]
        if run["state"] in TERMINAL:
            return run
        clock.advance(15)
    raise AssertionError(f"run {run_id} of {root} never finished: {run}")


# -- dependents -------------------------------------------------------------------------------------


def assert_topological(tasks: list[dict[str, Any]]) -> None:
    seen: set[str] = set()
    listed = {t["name"] for t in tasks}
    for task in tasks:
        for pred in task.get("predecessors") or []:
            short = pred.split(".")[-1]
            if short in listed:
                assert short in seen, f"{task['name']} is listed before its predecessor {short}"
        seen.add(task["name"])


async def test_dependents_recursive_lists_the_task_first_then_all_descendants_in_topological_order(
    api: Api,
) -> None:
    graph = await api.diamond(resume=False)
    for params in ({}, {"recursive": True}):
        response = await api.dependents(graph.root, **params)
        assert response.status_code == 200
        tasks = response.json()
        names = [t["name"] for t in tasks]
        assert names[0] == graph.root
        assert sorted(names) == sorted(graph.names)
        assert_topological(tasks)
    tasks = (await api.dependents(graph.a)).json()
    assert [t["name"] for t in tasks] == [graph.a, graph.c]


async def test_dependents_not_recursive_lists_direct_children_only(api: Api) -> None:
    graph = await api.diamond(resume=False)
    names = [t["name"] for t in (await api.ok(api.dependents(graph.root, recursive=False))).json()]
    assert names[0] == graph.root
    assert sorted(names[1:]) == sorted([graph.a, graph.b])


async def test_dependents_of_a_leaf_is_the_leaf(api: Api) -> None:
    graph = await api.diamond(resume=False)
    assert [t["name"] for t in (await api.ok(api.dependents(graph.c))).json()] == [graph.c]


async def test_dependents_of_seeded_roots_are_topological(api: Api) -> None:
    roots = await api.names(rootOnly=True)
    checked = 0
    for root in roots[:25]:
        tasks = (await api.ok(api.dependents(root))).json()
        assert tasks[0]["name"] == root
        assert len({t["name"] for t in tasks}) == len(tasks)
        assert_topological(tasks)
        checked += len(tasks) > 1
    assert checked, "no seeded root has dependents"


async def test_dependents_bad_recursive_is_400_and_unknown_task_404(api: Api) -> None:
    assert_error(await api.dependents("ZQ_MISSING"), 404)
    graph = await api.diamond(resume=False)
    assert_error(await api.dependents(graph.root, recursive="deep"), 400)


# -- Snowflake's graph rules ------------------------------------------------------------------------


async def test_graph_changes_need_a_suspended_root(api: Api) -> None:
    graph = await api.diamond()
    d = f"{graph.root}_D"
    refusals = [
        await api.create(task_body(d, predecessors=[graph.root])),
        await api.put(graph.a, task_body(graph.a, predecessors=[graph.root], comment="x")),
        await api.create(task_body(graph.b, predecessors=[graph.root]), "orReplace"),
        await api.suspend(graph.c),
        await api.resume(graph.c),
    ]
    for response in refusals:
        assert_error(response, {400, 409}, code="091421", contains=[NOT_SUSPENDED, graph.root])
    # Nothing changed.
    assert_error(await api.fetch(d), 404)
    assert (await api.get(graph.a)).get("comment") is None
    assert (await api.get(graph.c))["state"] == "started"
    # Suspend the root and the same changes go through.
    await api.ok(api.suspend(graph.root))
    await api.ok(api.create(task_body(d, predecessors=[graph.root])))
    await api.ok(api.put(graph.a, task_body(graph.a, predecessors=[graph.root], comment="x")))
    assert (await api.get(graph.a))["comment"] == "x"
    assert (await api.get(d))["predecessors"] == [graph.root]


async def test_the_root_itself_can_be_suspended_and_resumed(api: Api) -> None:
    graph = await api.diamond()
    await api.ok(api.suspend(graph.root))
    assert (await api.get(graph.root))["state"] == "suspended"
    await api.ok(api.resume(graph.root))
    assert (await api.get(graph.root))["state"] == "started"


async def test_execute_on_a_child_is_refused_with_a_clear_message(api: Api) -> None:
    graph = await api.diamond()
    body = assert_error(await api.execute(graph.a), {400, 409})
    assert "root" in body["message"].lower(), body


async def test_at_most_100_predecessors(api: Api) -> None:
    root = unique("LIM")
    await api.create_ok(root, schedule={"schedule_type": "MINUTES_TYPE", "minutes": 60})
    hubs = [f"{root}_H1", f"{root}_H2"]
    for hub in hubs:
        await api.create_ok(hub, predecessors=[root])
    parents = [f"{root}_P{i:03d}" for i in range(101)]
    for i, parent in enumerate(parents):
        await api.create_ok(parent, predecessors=[hubs[i % 2]])
    assert_error(await api.create(task_body(f"{root}_X", predecessors=parents)), 400, contains=["100"])
    assert_error(await api.fetch(f"{root}_X"), 404)
    await api.ok(api.create(task_body(f"{root}_Y", predecessors=parents[:100])))


async def test_a_cycle_is_refused(api: Api) -> None:
    graph = await api.diamond(resume=False)
    response = await api.put(graph.a, task_body(graph.a, predecessors=[graph.root, graph.c]))
    assert_error(response, 400)


# -- execute and runs -------------------------------------------------------------------------------


async def test_runs_progress_scheduled_executing_terminal_as_the_clock_advances(api: Api, clock: Any) -> None:
    graph = await api.diamond(resume=False)  # a suspended root can be executed
    response = await api.execute(graph.root)
    assert response.status_code == 200 and set(response.json()) == {"status"}
    current = (await api.ok(api.current(graph.root))).json()
    assert len(current) == 1
    run_id = current[0]["run_id"]
    states = [current[0]["state"]]
    assert states[0] in {"SCHEDULED", "EXECUTING"}
    assert not [r for r in (await api.ok(api.complete(graph.root))).json() if r["run_id"] == run_id]
    for _ in range(200):
        clock.advance(5)
        run = (await runs(api, graph.root))[run_id]
        states.append(run["state"])
        if run["state"] in TERMINAL:
            break
    assert "EXECUTING" in states, states
    assert states[-1] == "SUCCEEDED", states
    assert [ORDER[s] for s in states] == sorted(ORDER[s] for s in states), f"state went backwards: {states}"
    done = [r for r in (await api.ok(api.complete(graph.root))).json() if r["run_id"] == run_id]
    assert len(done) == 1
    assert run_id not in {r["run_id"] for r in (await api.ok(api.current(graph.root))).json()}
    final = done[0]
    assert final["completed_time"] and final["query_start_time"]
    assert ts(final["scheduled_time"]) <= ts(final["query_start_time"]) <= ts(final["completed_time"])
    assert final["root_task_id"] == (await api.get(graph.root))["id"]
    assert "first_error_task_name" not in final


async def test_a_started_root_has_a_scheduled_run_within_8_days(api: Api, clock: Any) -> None:
    graph = await api.diamond()
    current = (await api.ok(api.current(graph.root))).json()
    scheduled = [r for r in current if r["state"] == "SCHEDULED"]
    assert scheduled, current
    now = clock.now()
    for run in scheduled:
        assert now <= ts(run["scheduled_time"]) <= now + timedelta(days=8), run
        assert ts(run["next_scheduled_time"]) >= ts(run["scheduled_time"]), run
    assert {(r["database_name"], r["schema_name"]) for r in current} == {(api.database, api.schema)}


async def test_a_scheduled_graph_runs_on_its_own_when_time_passes(api: Api, clock: Any) -> None:
    graph = await api.diamond(schedule={"schedule_type": "MINUTES_TYPE", "minutes": 5})
    clock.advance(30 * 60)
    completed = (await api.ok(api.complete(graph.root))).json()
    assert len(completed) >= 3, f"a 5-minute schedule over 30 minutes produced {len(completed)} runs"
    assert {r["state"] for r in completed} <= TERMINAL


async def test_a_suspended_root_does_not_run_on_schedule(api: Api, clock: Any) -> None:
    graph = await api.diamond(resume=False, schedule={"schedule_type": "MINUTES_TYPE", "minutes": 5})
    clock.advance(30 * 60)
    assert (await api.ok(api.complete(graph.root))).json() == []
    assert (await api.ok(api.current(graph.root))).json() == []


async def test_graph_version_bumps_after_a_change(api: Api, clock: Any) -> None:
    graph = await api.diamond(resume=False)
    first = await execute_and_finish(api, clock, graph.root)
    second = await execute_and_finish(api, clock, graph.root)
    assert second["graph_version"] == first["graph_version"], "no change, no new version"
    await api.ok(api.put(graph.b, task_body(graph.b, predecessors=[graph.root], comment="v2")))
    third = await execute_and_finish(api, clock, graph.root)
    assert third["graph_version"] > first["graph_version"]
    assert len({first["run_id"], second["run_id"], third["run_id"]}) == 3


async def test_a_false_condition_makes_the_run_skipped(api: Api, clock: Any) -> None:
    graph = await api.diamond(resume=False, condition="false")
    run = await execute_and_finish(api, clock, graph.root)
    assert run["state"] == "SKIPPED"


async def test_a_timed_out_task_cancels_the_run_with_its_error(api: Api, clock: Any) -> None:
    graph = await timeout_graph(api)
    run = await execute_and_finish(api, clock, graph.root)
    assert run["state"] in {"CANCELLED", "FAILED"}
    assert run["first_error_task_name"] == graph.a
    assert isinstance(run["first_error_code"], int) and run["first_error_message"]


async def test_a_suspended_child_is_skipped(api: Api, clock: Any) -> None:
    graph = await timeout_graph(api)  # A would time out and cancel the run ...
    await api.ok(api.suspend(graph.a))  # ... but a suspended child is skipped, not run
    run = await execute_and_finish(api, clock, graph.root)
    assert run["state"] == "SUCCEEDED", run
    assert (await api.get(graph.a))["state"] == "suspended", "execute must not resume children"


async def timeout_graph(api: Api) -> Graph:
    """A diamond (root suspended) whose task A always exceeds its 1 ms timeout."""
    graph = await api.diamond(resume=False)
    await api.ok(api.put(graph.a, task_body(graph.a, predecessors=[graph.root], user_task_timeout_ms=1)))
    return graph


async def test_retry_last_only_after_a_failed_or_cancelled_run(api: Api, clock: Any) -> None:
    graph = await api.diamond(resume=False)
    body = assert_error(await api.execute(graph.root, retryLast=True), {400, 409})
    assert body["message"]
    await execute_and_finish(api, clock, graph.root)  # SUCCEEDED
    assert_error(await api.execute(graph.root, retryLast=True), {400, 409})


async def test_retry_last_after_a_cancelled_run_starts_a_new_run(api: Api, clock: Any) -> None:
    graph = await timeout_graph(api)
    failed = await execute_and_finish(api, clock, graph.root)
    assert failed["state"] in {"CANCELLED", "FAILED"}
    retried = await execute_and_finish(api, clock, graph.root, retryLast=True)
    assert retried["run_id"] != failed["run_id"]
    assert retried["first_error_task_name"] == graph.a, "the retry restarts at the failed task"


async def test_retry_last_is_refused_after_the_graph_changed(api: Api, clock: Any) -> None:
    graph = await timeout_graph(api)
    await execute_and_finish(api, clock, graph.root)
    await api.ok(api.put(graph.c, task_body(graph.c, predecessors=[graph.a, graph.b], comment="changed")))
    assert_error(await api.execute(graph.root, retryLast=True), {400, 409})


async def test_execute_params_must_be_booleans(api: Api) -> None:
    graph = await api.diamond(resume=False)
    assert_error(await api.execute(graph.root, retryLast="twice"), 400)
    assert_error(await api.execute(graph.root, asyncExec="later"), 400)


# -- current-graphs / complete-graphs ---------------------------------------------------------------


async def seeded_roots_with_history(api: Api, clock: Any) -> list[tuple[str, list[dict[str, Any]]]]:
    clock.advance(3 * 3600)
    out = []
    for root in await api.names(rootOnly=True):
        completed = (await api.ok(api.complete(root))).json()
        if completed:
            out.append((root, completed))
    assert out, "no seeded root has completed runs"
    return out


async def test_error_only_returns_only_failed_runs_with_their_error(api: Api, clock: Any) -> None:
    history = await seeded_roots_with_history(api, clock)
    failures = 0
    for root, completed in history:
        errors = (await api.ok(api.complete(root, errorOnly=True))).json()
        assert len(errors) <= 1000, "resultLimit defaults to 1000"
        for run in errors:
            assert run["state"] in {"FAILED", "CANCELLED"}, run
            assert run.get("first_error_task_name") and run.get("first_error_message"), run
            assert isinstance(run.get("first_error_code"), int), run
        # The newest error runs are the error runs among the newest runs, in the same order.
        expected = [r["run_id"] for r in completed if r["state"] in {"FAILED", "CANCELLED"}]
        if expected:
            limited = (await api.ok(api.complete(root, errorOnly=True, resultLimit=len(expected)))).json()
            assert [r["run_id"] for r in limited] == expected
        failures += len(errors)
        assert (await api.ok(api.complete(root, errorOnly=False))).json() == completed
    assert failures, "the seeded account never fails, so errorOnly went untested"


async def test_completed_runs_are_terminal_and_consistent(api: Api, clock: Any) -> None:
    for _root, completed in await seeded_roots_with_history(api, clock):
        for run in completed:
            assert run["state"] in TERMINAL, run
            assert run.get("completed_time"), run
            assert ts(run["completed_time"]) <= clock.now(), run
            if run["state"] == "FAILED":
                assert run.get("first_error_task_name"), run
        assert len({r["run_id"] for r in completed}) == len(completed)


async def test_result_limit_bounds_and_caps(api: Api, clock: Any) -> None:
    root, completed = max(await seeded_roots_with_history(api, clock), key=lambda item: len(item[1]))
    assert len(completed) >= 2
    assert len((await api.ok(api.complete(root, resultLimit=1))).json()) == 1
    assert len((await api.ok(api.complete(root, resultLimit=10000))).json()) == len(completed)
    assert len((await api.ok(api.current(root, resultLimit=1))).json()) <= 1
    for bad in ("0", "10001", "-3", "many"):
        assert_error(await api.complete(root, resultLimit=bad), 400)
        assert_error(await api.current(root, resultLimit=bad), 400)
    assert_error(await api.complete(root, errorOnly="sometimes"), 400)


async def test_underscore_aliases_answer_the_same(api: Api, clock: Any) -> None:
    history = await seeded_roots_with_history(api, clock)
    for root, _ in history[:5]:
        for params in ({}, {"resultLimit": 2}, {"errorOnly": True}):
            dash = await api.ok(api.complete(root, **params))
            underscore = await api.ok(api.complete(root, alias=True, **params))
            assert dash.json() == underscore.json()
        dash = await api.ok(api.current(root))
        underscore = await api.ok(api.current(root, alias=True))
        assert dash.json() == underscore.json()


async def test_graph_endpoints_on_unknown_task_are_404(api: Api) -> None:
    for alias in (False, True):
        assert_error(await api.current("ZQ_MISSING", alias=alias), 404)
        assert_error(await api.complete("ZQ_MISSING", alias=alias), 404)
