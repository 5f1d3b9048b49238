"""The Qlik Cloud backend against the Qlik dialect of the sandbox over HTTP (in-process ASGI), every
response checked against Qlik's published types (tests/support/harness_qlik.py)."""

from __future__ import annotations

import httpx
import pytest

from tests.support.harness_qlik import KEY, QlikRig, build_backend
from tui import domain
from tui.action_plan import ActionKind, PlanFacts
from tui.backends.base import Backend
from tui.backends.http import HttpSettings
from tui.backends.qlik import chains, mapping
from tui.errors import AuthError, ConfigError, NotFoundError, RateLimitedError

pytestmark = pytest.mark.anyio


@pytest.fixture
def rig(qlik_rig: QlikRig) -> QlikRig:  # this file's rig is the Qlik one (conftest.py)
    return qlik_rig


async def _failed_chain(rig: QlikRig) -> tuple[domain.Graph, domain.GraphRun]:
    """The chain whose latest run failed (the rig moved the clock on until there was one)."""
    assert rig.failed_root is not None
    graph = await rig.backend.get_graph(rig.failed_root)
    runs = await rig.backend.completed_runs(graph.root, limit=1)
    assert runs and runs[0].state is domain.RunState.FAILED
    return graph, runs[0]


# ------------------------------------------------------------------------------------------ tasks


async def test_the_backend_has_runs_and_logs_but_no_cancel_and_says_why(rig: QlikRig) -> None:
    backend = rig.backend
    assert isinstance(backend, Backend)
    caps = backend.capabilities
    assert caps.task_runs and caps.logs and caps.suspend_resume and caps.execute
    assert not caps.cancel and not caps.retry_last and not caps.scopes
    assert "cannot cancel" in backend.wording.absent_actions[ActionKind.CANCEL]
    assert backend.location == "http://tenant.qlik.test (Qlik Cloud)"


async def test_every_task_is_listed_and_chains_share_the_root_nothing_triggers(rig: QlikRig) -> None:
    tasks = await rig.backend.list_tasks()
    state = rig.service.state
    assert len(tasks) == len({t.key for t in tasks}) == len(state.refs)
    by_key = {t.key: t for t in tasks}
    for task in tasks:
        ref = state.refs[task.key]
        scope = ref.scope
        watcher = state.watchers.get(task.key)
        world_root = watcher.root if watcher is not None else scope.root_of(ref.name)
        assert by_key[task.root].name == world_root  # the chain's first task, as the world has it
        assert all(p in by_key for p in task.predecessors)


async def test_edges_say_on_success_on_failure_or_any_and_all_versus_any_one(rig: QlikRig) -> None:
    tasks = await rig.backend.list_tasks()
    words = {w for t in tasks for w in t.edge_conditions.values()}
    assert words == {"on success", "on failure", "on any outcome"}
    watcher_key = next(iter(rig.service.state.watchers))
    watcher = next(t for t in tasks if t.key == watcher_key)
    assert set(watcher.edge_conditions.values()) == {"on failure"}
    assert watcher.condition is not None
    if len(watcher.predecessors) > 1:
        assert watcher.condition.startswith("any one of: ")
    joined = next(t for t in tasks if len(t.predecessors) > 1 and t.key not in rig.service.state.watchers)
    assert joined.condition is not None and joined.condition.startswith("all of: ")
    single = next(t for t in tasks if len(t.predecessors) == 1 and "on success" in t.edge_conditions.values())
    parent = next(t for t in tasks if t.key == single.predecessors[0])
    assert single.condition == f"on success of {parent.name}"


async def test_relative_next_links_and_small_pages_list_the_same_tasks() -> None:
    absolute = build_backend(until_failure=False)
    relative = build_backend(until_failure=False, qlik_links="relative", page_limit=7)
    try:
        a = {t.key for t in await absolute.backend.list_tasks()}
        b = {t.key for t in await relative.backend.list_tasks()}
        assert a == b and len(relative.requests("/api/v1/tasks?")) > 10  # really paged
    finally:
        await absolute.backend.aclose()
        await relative.backend.aclose()


async def test_a_tenant_requiring_resource_id_says_to_name_the_apps_and_lists_them() -> None:
    rig = build_backend(until_failure=False, qlik_require_resource_id=True)
    try:
        with pytest.raises(ConfigError, match=r"apps = \["):
            await rig.backend.list_tasks()
    finally:
        await rig.backend.aclose()
    everything = build_backend(until_failure=False)
    try:
        tasks = await everything.backend.list_tasks()
    finally:
        await everything.backend.aclose()
    apps = sorted({t.extra["resourceId"] for t in tasks})[:3]
    rig = build_backend(until_failure=False, qlik_require_resource_id=True, apps=tuple(apps))
    try:
        listed = await rig.backend.list_tasks()
        assert {t.key for t in listed} == {t.key for t in tasks if t.extra["resourceId"] in apps}
        assert all("resourceId=" in target for _, target, _ in rig.requests("/api/v1/tasks?"))
    finally:
        await rig.backend.aclose()


async def test_the_scheduling_graph_endpoint_is_used_where_it_exists_and_asked_once_where_not() -> None:
    with_api = build_backend(until_failure=False, qlik_graph_api=True)
    without = build_backend(until_failure=False)
    try:
        roots = sorted({t.root for t in await without.backend.list_tasks()})
        await with_api.backend.list_tasks()
        for root in roots[:4]:
            a, b = await with_api.backend.get_graph(root), await without.backend.get_graph(root)
            assert a == b
        assert with_api.backend.graph_api is True and without.backend.graph_api is False
        assert len(with_api.requests("/graphs/subgraph")) == 4
        assert len(without.requests("/graphs/subgraph")) == 1  # detected once, then the task list
    finally:
        await with_api.backend.aclose()
        await without.backend.aclose()


async def test_a_disabled_task_says_why(rig: QlikRig) -> None:
    tasks = await rig.backend.list_tasks()
    off = [t for t in tasks if t.state is domain.TaskState.SUSPENDED]
    assert off and all(t.state_reason for t in off)
    assert all(t.state_reason is None for t in tasks if t.state is domain.TaskState.STARTED)


# ------------------------------------------------------------------------------------------ runs


async def test_a_failed_chain_run_names_the_failed_reload_and_its_error(rig: QlikRig) -> None:
    graph, run = await _failed_chain(rig)
    assert run.raw_state == "FAILED" and run.first_error_task in {t.name for t in graph.tasks.values()}
    assert run.first_error_message  # the reload's error, from the failed run's ``log``
    task_runs = await rig.backend.task_runs(graph.root, run.run_id)
    assert task_runs[0].task == graph.root and all(tr.graph_run == run.run_id for tr in task_runs)
    failed = [tr for tr in task_runs if tr.state is domain.RunState.FAILED]
    assert graph.tasks[failed[0].task].name == run.first_error_task
    states = {tr.task: tr.state for tr in task_runs}
    assert set(states) == set(graph.tasks)  # every task said, none unknown: the chain run is over
    below = graph.downstream_of([failed[0].task])
    assert any(states[k] is domain.RunState.NOT_RUN for k in below)  # fired on success: never fired
    assert all(states[k] is not domain.RunState.UNKNOWN for k in states)
    chunk = await rig.backend.run_log(graph.root, run.run_id, failed[0].task, 1)
    assert chunk.finished and chunk.continuation is None
    assert any(f"Error: {run.first_error_message}" in line for line in chunk.lines)
    assert chunk.lines[-1].endswith("Execution finished.")


async def test_a_log_served_as_text_plain_reads_as_the_json_one(rig: QlikRig) -> None:
    graph, run = await _failed_chain(rig)
    task_runs = await rig.backend.task_runs(graph.root, run.run_id)
    failed = next(tr for tr in task_runs if tr.state is domain.RunState.FAILED)
    member = rig.backend._member_runs.get((run.run_id, failed.task))
    run_id = member.id if member is not None else run.run_id
    path = f"/api/v1/tasks/{failed.task}/runs/{run_id}/log"
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=rig.sandbox), base_url="http://tenant.qlik.test"
    ) as client:
        headers = {"Authorization": f"Bearer {KEY}"}
        text = await client.get(path, headers={**headers, "Accept": "text/plain"})
        json = await client.get(path, headers=headers)
    assert text.headers["content-type"].startswith("text/plain")
    as_text = mapping.parse_log(text.headers["content-type"], None, text.text)
    as_json = mapping.parse_log(json.headers["content-type"], json.json(), json.text)
    assert as_text == as_json and any(line.endswith("Execution Failed") for line in as_text)


async def test_completed_runs_are_newest_first_and_errors_only_keeps_failures(rig: QlikRig) -> None:
    graph, _ = await _failed_chain(rig)
    runs = await rig.backend.completed_runs(graph.root, limit=10)
    starts = [r.started_time for r in runs]
    assert starts == sorted(starts, reverse=True) and all(r.state.is_finished for r in runs)
    failed = await rig.backend.completed_runs(graph.root, limit=3, errors_only=True)
    assert failed and all(r.state is domain.RunState.FAILED for r in failed)


async def _idle_chain(rig: QlikRig) -> domain.Graph:
    """A chain of several tasks with no run going on."""
    tasks = await rig.backend.list_tasks()
    for root in sorted({t.root for t in tasks if not t.is_root}):
        if not await rig.backend.current_runs(root):
            return await rig.backend.get_graph(root)
    raise AssertionError("every chain is running")


async def test_a_started_chain_is_found_via_runs_last_and_shows_as_current(rig: QlikRig) -> None:
    graph = await _idle_chain(rig)
    said = await rig.backend.execute(graph.root)
    assert said.startswith(f"started task {graph.tasks[graph.root].name}: run ")
    assert ("POST", f"/api/v1/tasks/{graph.root}/actions/start?source=manual", 200) in rig.requests()
    current = await rig.backend.current_runs(graph.root)
    assert current and current[0].state is domain.RunState.EXECUTING
    assert current[0].run_id in said


async def test_a_start_whose_run_cannot_be_identified_says_so(rig: QlikRig) -> None:
    graph = await _idle_chain(rig)
    await rig.backend.execute(graph.root)
    said = await rig.backend.execute(graph.root)  # queued behind the running one: runs/last is unchanged
    assert "could not be identified" in said


async def test_disable_and_enable_put_the_whole_task_and_move_ownership(rig: QlikRig) -> None:
    tasks = await rig.backend.list_tasks()
    task = next(
        t for t in tasks if t.state is domain.TaskState.STARTED and t.owner != "sandboxuser00000000000000"
    )
    plan = rig.backend.wording.plan(ActionKind.SUSPEND, task, rig.backend.location, PlanFacts())
    assert plan.blocked_reason is None and "Qlik transfers ownership of the task to you" in plan.consequence
    said = await rig.backend.suspend(task.key)
    assert said == f"task {task.name} is disabled; Qlik made sandboxuser00000000000000 its owner"
    after = await rig.backend.get_task(task.key)
    assert after.state is domain.TaskState.SUSPENDED and after.state_reason == "MANUALLY"
    assert after.owner == "sandboxuser00000000000000"
    resume = rig.backend.wording.plan(ActionKind.RESUME, after, rig.backend.location, PlanFacts())
    assert "(disabled: MANUALLY)" in resume.consequence and "ownership" in resume.consequence
    await rig.backend.resume(task.key)
    assert (await rig.backend.get_task(task.key)).state is domain.TaskState.STARTED
    assert [m for m, target, _ in rig.requests(f"/api/v1/tasks/{task.key}") if m == "PUT"] == ["PUT", "PUT"]


# ------------------------------------------------------------------------------------------ errors


async def test_a_404_carries_qlik_s_code_and_trace_id(rig: QlikRig) -> None:
    with pytest.raises(NotFoundError) as caught:
        await rig.backend.get_task("00000000-0000-0000-0000-000000000000")
    error = caught.value
    assert error.code == "404" and error.request_id and len(error.request_id) == 32
    assert "was not found" in error.message and "Not Found" in error.message


async def test_string_error_codes_are_kept() -> None:
    rig = build_backend(until_failure=False, qlik_string_codes=True, check=False)
    try:
        with pytest.raises(NotFoundError) as caught:
            await rig.backend.client.get_task("nope")
        assert caught.value.code == "TASKS-404"
    finally:
        await rig.backend.aclose()


async def test_a_wrong_api_key_is_refused() -> None:
    rig = build_backend(until_failure=False, key="not-the-key")
    try:
        with pytest.raises(AuthError):
            await rig.backend.list_tasks()
    finally:
        await rig.backend.aclose()


async def test_429_beyond_the_limit_says_when_to_come_back() -> None:
    rig = build_backend(
        until_failure=False, qlik_rate_limit=2, settings=HttpSettings(rate=None, retry_after_cap=5)
    )
    try:
        await rig.backend.client.get_task(next(iter(rig.service.state.refs)))
        await rig.backend.client.get_task(next(iter(rig.service.state.refs)))
        with pytest.raises(RateLimitedError) as caught:
            await rig.backend.client.get_task(next(iter(rig.service.state.refs)))
        assert caught.value.retry_after and caught.value.retry_after > 5
        assert "the server asks to wait" in caught.value.message
    finally:
        await rig.backend.aclose()


async def test_a_chain_s_latest_run_costs_one_request_per_task_and_no_task_list(rig: QlikRig) -> None:
    graph, _ = await _failed_chain(rig)
    await rig.backend.list_tasks()
    before = len(rig.requests())
    await rig.backend.completed_runs(graph.root, limit=1)
    sent = rig.requests()[before:]
    assert len(sent) == len(graph.tasks) and all("/runs?" in target for _, target, _ in sent)


async def test_a_chain_run_whose_fired_task_has_not_started_yet_is_not_over(rig: QlikRig) -> None:
    """Qlik starts a chained task a moment after the event: until then the chain run goes on (here the
    sandbox's real chain run, with one task's run taken out as if it had not started yet)."""
    tasks = {t.key: t for t in await rig.backend.list_tasks()}
    roots = sorted({t.root for t in tasks.values() if not t.is_root})
    for root in roots:
        [chain] = await rig.backend._chain_runs(root, 1)
        members = {k: t for k, t in tasks.items() if t.root == root and k != root}
        if chains.to_graph_run(chain, root).state is domain.RunState.SUCCEEDED:
            break
    else:
        raise AssertionError("no chain's latest run succeeded")
    assert chains.waiting(chain, members) == []
    first = next(k for k, t in members.items() if t.predecessors == (root,) and k in chain.members)
    del chain.members[first]
    assert chains.waiting(chain, members) == [first]
    run = chains.to_graph_run(chain, root, chains.waiting(chain, members))
    assert run.state is domain.RunState.EXECUTING and run.completed_time is None
