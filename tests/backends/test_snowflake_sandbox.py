"""The Snowflake client and backend against the sandbox over HTTP (in-process ASGI transport)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.backends.conftest import Rig
from tui import domain
from tui.backends.base import Backend, ScopedBackend
from tui.backends.snowflake import models
from tui.backends.snowflake.identifiers import raw_name, scope_of, split_ident
from tui.errors import (
    ActionOutcomeUnknown,
    AuthError,
    ConflictError,
    NotFoundError,
    ProtocolError,
    RateLimitedError,
)

pytestmark = pytest.mark.anyio


# ------------------------------------------------------------------------------------------ reads


async def test_backend_satisfies_the_protocol(rig: Rig) -> None:
    assert isinstance(rig.backend, Backend) and isinstance(rig.backend, ScopedBackend)
    assert rig.backend.kind == "snowflake"
    db, schema = rig.app.state.sandbox.scopes()[0]
    assert rig.backend.location == f"http://sandbox.test {scope_of(db, schema)}"


async def test_a_task_list_is_parsed_off_the_event_loop(rig: Rig, monkeypatch) -> None:
    """50,000 tasks take seconds to validate: on the event loop that froze every key while a poll ran."""
    import threading

    from tui.backends.snowflake import mapping

    threads = []
    original = mapping.parse_task_list

    def recording(*args: Any, **kwargs: Any) -> Any:
        threads.append(threading.current_thread())
        return original(*args, **kwargs)

    monkeypatch.setattr(mapping, "parse_task_list", recording)
    assert await rig.backend.list_tasks()
    assert threads and threading.main_thread() not in threads


async def test_list_tasks_maps_every_task_with_consistent_roots(rig: Rig) -> None:
    tasks = await rig.backend.list_tasks()
    assert tasks
    keys = {t.key for t in tasks}
    assert len(keys) == len(tasks)
    by_key = {t.key: t for t in tasks}
    for task in tasks:
        assert task.scope == rig.backend.scope
        assert task.key == f"{task.scope}.{split_ident(task.key)[-1]}" or '"' in task.key
        if task.predecessors or task.finalizer_of:
            assert task.root != task.key
        else:
            assert task.root == task.key
        if task.root in by_key:
            assert by_key[task.root].is_root
        assert task.state in (domain.TaskState.STARTED, domain.TaskState.SUSPENDED)


async def test_list_parameters_reach_the_server(rig: Rig) -> None:
    client = rig.backend.client
    everything = await client.list_tasks()
    names = sorted(t.name for t in everything)
    roots = await client.list_tasks(root_only=True)
    assert roots and all(not t.predecessors for t in roots)
    assert len(roots) < len(everything)
    prefix = names[0][:3]
    started = await client.list_tasks(starts_with=prefix)
    assert started and all(t.name.startswith(prefix) for t in started)
    liked = await client.list_tasks(like=f"%{names[0][-3:].lower()}%")
    assert names[0] in {t.name for t in liked}
    assert len(await client.list_tasks(show_limit=5)) == 5
    after = await client.list_tasks(from_name=names[len(names) // 2])
    assert names[0] not in {t.name for t in after}
    queries = [path for method, path, _ in rig.log if method == "GET"]
    for param in ("rootOnly=true", "startsWith=", "like=", "showLimit=5", "fromName="):
        assert any(param in q for q in queries), param


async def test_pagination_returns_every_task_exactly_once(rig_factory: Callable[..., Rig]) -> None:
    whole = await rig_factory().backend.list_tasks()
    paged_rig = rig_factory(page_size=7)
    paged = await paged_rig.backend.list_tasks()
    assert sorted(t.key for t in paged) == sorted(t.key for t in whole)
    assert len(paged) > 7
    pages = [path for method, path, _ in paged_rig.log if method == "GET" and "page=" in path]
    assert len(pages) >= len(paged) // 7


async def test_get_task_and_graph(rig: Rig) -> None:
    tasks = await rig.backend.list_tasks()
    child = next(t for t in tasks if t.predecessors)
    fetched = await rig.backend.get_task(child.key)
    assert (fetched.key, fetched.root, fetched.predecessors) == (child.key, child.root, child.predecessors)
    bare = await rig.backend.get_task(child.name)  # a bare name resolves in the backend's scope
    assert bare.key == child.key
    graph = await rig.backend.get_graph(child.root)
    assert graph.root == child.root and child.root in graph.tasks
    members = {t.key for t in tasks if t.root == child.root}
    assert set(graph.tasks) == members
    assert child.key in graph.downstream_of([child.root])


async def test_dependents_recursive_and_direct(rig: Rig) -> None:
    tasks = await rig.backend.list_tasks()
    root = next(t for t in tasks if t.is_root and any(o.root == t.key and o.key != t.key for o in tasks))
    client = rig.backend.client
    name = split_ident(root.key)[-1]
    everything = {t.name for t in await client.fetch_dependents(name, recursive=True)}
    direct = {t.name for t in await client.fetch_dependents(name, recursive=False)}
    assert direct <= everything
    assert len(everything) == sum(1 for t in tasks if t.root == root.key)
    assert any("recursive=false" in path for _, path, _ in rig.log)


async def test_runs_current_and_completed(rig: Rig) -> None:
    tasks = await rig.backend.list_tasks()
    root = next(t for t in tasks if t.is_root)
    status = await rig.backend.execute(root.key)
    assert isinstance(status, str) and status
    current = await rig.backend.current_runs(root.key, limit=3)
    assert 1 <= len(current) <= 3
    assert all(run.graph == root.key and run.run_id for run in current)
    completed = await rig.backend.completed_runs(root.key, limit=50)
    failed = await rig.backend.completed_runs(root.key, limit=50, errors_only=True)
    assert all(isinstance(r, domain.GraphRun) for r in completed)
    assert all(r.state.is_failure or r.state is domain.RunState.UNKNOWN for r in failed)
    paths = [path for _, path, _ in rig.log]
    assert any("current-graphs" in p and "resultLimit=3" in p for p in paths)
    assert any("complete-graphs" in p and "errorOnly=true" in p for p in paths)


async def test_suspend_and_resume_change_the_state(rig: Rig) -> None:
    tasks = await rig.backend.list_tasks()
    root = next(t for t in tasks if t.is_root and t.state is domain.TaskState.STARTED)
    assert isinstance(await rig.backend.suspend(root.key), str)
    assert (await rig.backend.get_task(root.key)).state is domain.TaskState.SUSPENDED
    assert isinstance(await rig.backend.resume(root.key), str)
    assert (await rig.backend.get_task(root.key)).state is domain.TaskState.STARTED


async def test_list_scopes_and_with_scope(rig: Rig) -> None:
    expected = {scope_of(db, schema) for db, schema in rig.app.state.sandbox.scopes()}
    assert set(await rig.backend.list_scopes()) == expected
    other = sorted(expected - {rig.backend.scope})
    assert other, "the seeded sandbox must hold several scopes, or with_scope goes untested"
    sibling = rig.backend.with_scope(other[0])
    assert sibling.client.http is rig.backend.client.http
    assert {t.scope for t in await sibling.list_tasks()} == {other[0]}
    await sibling.aclose()  # a borrowed connection: the original still works
    assert await rig.backend.list_tasks()


# ------------------------------------------------------------------------------------------ writes


async def test_create_fetch_replace_delete_with_a_hostile_name(rig: Rig) -> None:
    client = rig.backend.client
    name = "my task/../x?y#z%"
    task = models.Task(name=name, definition="select 1", comment="first",
                       schedule=models.MinutesSchedule(minutes=5))  # fmt: skip
    assert isinstance(await client.create_task(task), str)
    fetched = await client.fetch_task(name)
    assert (raw_name(fetched.name), fetched.comment, fetched.definition) == (name, "first", "select 1")
    assert (await client.fetch_task(fetched.name)).id == fetched.id  # the wire spelling round-trips too
    with pytest.raises(ConflictError):
        await client.create_task(task)
    await client.create_task(task.model_copy(update={"comment": "replaced"}), create_mode="orReplace")
    assert (await client.fetch_task(name)).comment == "replaced"
    mapped = await rig.backend.get_task(f'{rig.backend.scope}."{name}"')
    assert mapped.name == name
    await client.delete_task(name)
    with pytest.raises(NotFoundError):
        await client.fetch_task(name)
    await client.delete_task(name, if_exists=True)
    with pytest.raises(NotFoundError):
        await client.delete_task(name)
    # The name never escaped its path segment: what went on the wire is one percent-encoded segment.
    urls = [e.url for e in rig.events if "my%20task" in e.url]
    assert urls and not any("/../" in u or "?y" in u or "#" in u for u in urls)
    assert all(u.split("/tasks/", 1)[1].count("/") == 0 for u in urls)


# ------------------------------------------------------------------------------------------ 202


async def test_every_call_answering_202_is_followed(rig_factory: Callable[..., Rig]) -> None:
    rig = rig_factory(async_probability=1.0, async_polls=2)
    tasks = await rig.backend.list_tasks()
    assert tasks
    root = next(t for t in tasks if t.is_root)
    status = await rig.backend.client.execute_task(split_ident(root.key)[-1], async_exec=True)
    assert isinstance(status, str)
    assert len(rig.sent("POST", ":execute")) == 1
    assert any("/api/v2/results/" in path for _, path, _ in rig.log)
    assert rig.time.sleeps  # polled with backoff, on the fake clock


async def test_async_exec_alone_asks_for_a_202(rig: Rig) -> None:
    root = next(t for t in await rig.backend.list_tasks() if t.is_root)
    await rig.backend.client.execute_task(split_ident(root.key)[-1], async_exec=True)
    statuses = [status for method, path, status in rig.log if method == "POST" and ":execute" in path]
    assert statuses == [202]


# ------------------------------------------------------------------------------------------ faults


async def _a_root(rig: Rig) -> str:
    return next(t for t in await rig.backend.list_tasks() if t.is_root).key


@pytest.mark.parametrize(
    "fault", ["unavailable_probability", "gateway_timeout_probability", "drop_probability"]
)
async def test_execute_is_never_sent_twice(rig: Rig, fault: str) -> None:
    root = await _a_root(rig)
    setattr(rig.faults, fault, 1.0)
    with pytest.raises(ActionOutcomeUnknown, match="may or may not have happened"):
        await rig.backend.execute(root)
    assert len(rig.sent("POST", ":execute")) == 1
    assert rig.time.sleeps == []


async def test_execute_hanging_is_outcome_unknown(rig_factory: Callable[..., Rig]) -> None:
    rig = rig_factory(http={"call_timeout": 0.2})
    root = await _a_root(rig)
    rig.faults.hang_probability = 1.0
    with pytest.raises(ActionOutcomeUnknown):
        await rig.backend.execute(root)
    assert len(rig.sent("POST", ":execute")) == 1


async def test_execute_rate_limited_is_retried_and_executed_once(rig_factory: Callable[..., Rig]) -> None:
    rig = rig_factory(http={"max_attempts": 12})
    root = await _a_root(rig)
    rig.faults.rate_limit_probability = 0.6
    rig.faults.retry_after = 2
    rig.faults.seed = 3
    await rig.backend.execute(root)
    statuses = [status for method, path, status in rig.log if method == "POST" and ":execute" in path]
    assert statuses[-1] == 200 and set(statuses[:-1]) <= {429}
    assert len(statuses) >= 2, "seed 3 should give at least one 429 first"
    assert rig.time.sleeps == [2.0] * (len(statuses) - 1)


async def test_reads_survive_transient_faults(rig_factory: Callable[..., Rig]) -> None:
    rig = rig_factory(http={"max_attempts": 20, "retry_budget": 10_000})
    expected = len(await rig.backend.list_tasks())
    for fault in ("unavailable_probability", "gateway_timeout_probability", "drop_probability"):
        setattr(rig.faults, fault, 0.3)
    rig.faults.seed = 11
    for _ in range(5):
        assert len(await rig.backend.list_tasks()) == expected
    assert rig.backend.client.http.stats.retries > 0


async def test_rate_limit_exhausted_is_typed(rig_factory: Callable[..., Rig]) -> None:
    rig = rig_factory(http={"max_attempts": 3})
    rig.faults.rate_limit_probability = 1.0
    rig.faults.retry_after = None
    with pytest.raises(RateLimitedError) as info:
        await rig.backend.list_tasks()
    assert info.value.status == 429 and info.value.code
    assert len(rig.sent("GET", "/tasks")) == 3


@pytest.mark.parametrize("fault", ["malformed_probability", "truncate_probability"])
async def test_broken_bodies_are_protocol_errors(rig: Rig, fault: str) -> None:
    setattr(rig.faults, fault, 1.0)
    with pytest.raises(ProtocolError):
        await rig.backend.list_tasks()


# ------------------------------------------------------------------------------------------ errors


async def test_not_found_carries_the_server_code_message_and_request_id(rig: Rig) -> None:
    with pytest.raises(NotFoundError) as info:
        await rig.backend.get_task("NO_SUCH_TASK")
    err = info.value
    assert err.status == 404 and err.code and err.message and err.request_id
    assert err.request_id in err.describe()


async def test_wrong_token_is_an_auth_error_without_the_token(rig_factory: Callable[..., Any]) -> None:
    from tests.backends.conftest import make_backend, sandbox_app

    bad = "wrong-token-4f9a1c"
    rig = make_backend(sandbox_app(), token=bad)
    with pytest.raises(AuthError) as info:
        await rig.backend.list_tasks()
    assert info.value.status == 401
    for text in (str(info.value), repr(info.value), info.value.describe(), repr(rig.backend)):
        assert bad not in text
    assert "secret-token" not in repr(rig.backend)
    await rig.backend.aclose()


async def test_a_fetched_task_goes_back_without_the_fields_only_the_server_sets(rig: Rig) -> None:
    from tui.snowflake_task_fields import READ_ONLY_TASK_FIELDS  # one list for the client and the sandbox

    client = rig.backend.client
    root = next(t for t in await rig.backend.list_tasks() if t.is_root)
    seeded = await client.fetch_task(root.name)
    assert seeded.id and seeded.owner and seeded.created_on  # the server sends them
    copy = seeded.model_copy(update={"name": "COPY_OF_ROOT", "comment": "copied"})
    assert not copy.to_create_body().keys() & READ_ONLY_TASK_FIELDS
    await client.create_task(copy)
    made = await client.fetch_task("COPY_OF_ROOT")
    assert (made.comment, made.definition) == ("copied", seeded.definition)
    assert made.id != seeded.id and made.created_on != seeded.created_on  # set by the server, not copied
