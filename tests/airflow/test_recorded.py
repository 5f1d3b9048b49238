"""The Airflow parsers (tui/backends/airflow/mapping.py) on responses recorded from REAL Airflow 3.3.2 and
2.11.2 (tests/airflow/recorded/, made by tests/airflow/record.py): fast, no server.

Nothing here is invented: every payload is what a server answered; the tests only look it up (by the
request that got it) and, for the order checks, shuffle it.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import pytest

from tests.airflow import servers as srv
from tests.support.harness_airflow import RECORDED, RECORDINGS, Recording, ReplayTransport, load
from tui import domain
from tui.backends.airflow import AirflowBackend, mapping, models
from tui.backends.http import HttpSettings
from tui.errors import BackendError, ConflictError, NotFoundError

pytestmark = pytest.mark.anyio

SECRETS = ("admin-pass", "viewer-pass", "dagtop-test-jwt-secret")


@pytest.fixture(params=RECORDINGS, scope="module")
def rec(request: pytest.FixtureRequest) -> Recording:
    return load(request.param)


def base(rec: Recording) -> str:
    return f"/api/{rec.api}"


def run_path(rec: Recording, dag_id: str, suffix: str = "") -> str:
    return f"{base(rec)}/dags/{dag_id}/dagRuns/{quote(rec.meta['runs'][dag_id], safe='')}{suffix}"


def one(rec: Recording, method: str, pattern: str) -> Any:
    found = rec.find(method, pattern)
    assert len(found) == 1, [e.key for e in found]
    return found[0]


def replay(rec: Recording) -> AirflowBackend:
    return AirflowBackend.connect(
        "http://airflow.recorded",
        settings=HttpSettings(rate=None, max_attempts=1),
        transport=ReplayTransport(rec),
    )


# --------------------------------------------------------------------------------------------- the files


def test_recordings_hold_real_exchanges_and_no_secrets() -> None:
    for name in RECORDINGS:
        folder = RECORDED / name
        rec = load(name)
        assert rec.meta["api"] == name.split("-")[0] and name.endswith(rec.meta["airflow"])
        assert len(rec.exchanges) == rec.meta["exchanges"] > 50
        assert not any(k.split(" ", 1)[1].startswith("/auth/") for k in rec.exchanges)
        for path in folder.glob("*.json"):
            text = path.read_text()
            assert not any(secret in text for secret in SECRETS), path
            assert "Bearer " not in text and "Basic " not in text, path


# --------------------------------------------------------------------------------------------- DAGs


def test_dags(rec: Recording) -> None:
    body = one(rec, "GET", r"/dags\?").body
    dags = {t.key: t for t in mapping.parse_dags(mapping.items_of(body, "dags", "DAG list"))}
    assert {"tui_chain", "tui_fail", "tui_fanout", "tui_mixed", "tui_sleep", "tui_wide"} <= set(dags)
    assert "tui_broken" not in dags  # an import error, not a DAG
    assert body["total_entries"] == len(body["dags"])
    chain = dags["tui_chain"]
    assert chain.is_root and chain.root == "tui_chain"
    assert (chain.state, chain.raw_state) == (domain.TaskState.SUSPENDED, "paused")
    assert chain.owner == "data-team" and sorted(chain.tags) == ["chain", "tui"]
    assert "At 00:00" in chain.schedule.describe()
    assert ("0 0 * * *" if rec.api == "v2" else "@daily") in chain.schedule.describe()
    assert chain.extra["next_run"] is not None
    fail = dags["tui_fail"]
    assert fail.state is domain.TaskState.STARTED and fail.schedule.describe() == ""
    assert fail.extra["timetable"] == "Never, external triggers only"
    # One DAG fetched on its own parses the same as in the list.
    alone = mapping.parse_dag(rec.body("GET", f"{base(rec)}/dags/tui_chain"))
    assert (alone.key, alone.state, alone.schedule) == (chain.key, chain.state, chain.schedule)


def test_import_errors_name_the_broken_files(rec: Recording) -> None:
    body = one(rec, "GET", r"/importErrors\?").body
    assert body["total_entries"] == 2
    errors = mapping.parse_import_errors(mapping.items_of(body, "import_errors", "import errors"))
    by_file = {e.file.rsplit("/", 1)[-1]: e for e in errors}
    assert set(by_file) == srv.BROKEN_FILES
    assert by_file["tui_broken.py"].last_line == (
        "ModuleNotFoundError: No module named 'this_module_does_not_exist'"
    )
    assert by_file["broken_syntax.py"].last_line.startswith("SyntaxError")
    assert "[@click=app.quit]quit[/]" in by_file["broken_syntax.py"].stack_trace
    assert [e.when for e in errors] == sorted((e.when for e in errors), reverse=True)  # newest first
    assert mapping.parse_import_errors(list(reversed(body["import_errors"]))) == errors  # whatever order
    if rec.api == "v2":
        assert {e.bundle for e in errors} == {"dags-folder"}


def test_doc_md_comes_from_the_dag_details_and_the_task_list(rec: Recording) -> None:
    details = rec.body("GET", f"{base(rec)}/dags/docs_dag/details")
    dag = mapping.parse_dag(details)
    assert dag.doc is not None and dag.doc.startswith("# Orders nightly\n")
    assert "\x1b]8;;https://evil.example" in dag.doc  # as sent: the screen makes it inert
    listed = mapping.parse_dag(rec.body("GET", f"{base(rec)}/dags/docs_dag"))
    assert listed.doc is None  # only the details carry doc_md
    graph = _graph(rec, "docs_dag")
    assert graph.tasks["docs_dag/load"].doc == "Loads the **orders** table. [bold red]not markup[/]"
    assert graph.tasks["docs_dag/load"].comment is None


# --------------------------------------------------------------------------------------------- tasks


def _graph(rec: Recording, dag_id: str, tasks: list[Any] | None = None) -> domain.Graph:
    dag = mapping.parse_dag(rec.body("GET", f"{base(rec)}/dags/{dag_id}"))
    if tasks is None:
        tasks = rec.body("GET", f"{base(rec)}/dags/{dag_id}/tasks", "order_by=task_id")["tasks"]
    return mapping.build_graph(dag, tasks)


def test_tasks_downstream_ids_inverted_into_sorted_predecessors(rec: Recording) -> None:
    graph = _graph(rec, "tui_fanout")
    assert {k: t.predecessors for k, t in graph.tasks.items()} == srv.FANOUT_PREDECESSORS
    assert graph.children()["tui_fanout/start"] == [f"tui_fanout/branch_{x}" for x in "abc"]
    join = graph.tasks["tui_fanout/join"]
    assert join.trigger_rule == "all_success" and join.operator
    assert join.retries == 0 and join.auto_retry_attempts is None  # Airflow's retries, not Snowflake's


def test_tasks_have_airflows_fields_and_no_state_of_their_own(rec: Recording) -> None:
    """Operator, retries, pool, trigger rule and owner come from each version's task endpoint; a task
    has no pause flag of its own (the DAG's is on the DAG: active/paused)."""
    graph = _graph(rec, "tui_mixed")
    flaky, pick = graph.tasks["tui_mixed/flaky"], graph.tasks["tui_mixed/pick"]
    assert (flaky.operator, flaky.retries, flaky.pool) == ("@task", 1, "default_pool")
    assert (flaky.trigger_rule, flaky.owner) == ("all_success", "airflow")
    assert pick.operator == "@task.branch" and pick.retries == 0
    dag = graph.tasks["tui_mixed"]
    assert (dag.state, dag.raw_state) == (domain.TaskState.STARTED, "active")
    assert {t.state for k, t in graph.tasks.items() if k != dag.key} == {domain.TaskState.NONE}
    assert {t.raw_state for k, t in graph.tasks.items() if k != dag.key} == {""}
    assert all(not t.tags for k, t in graph.tasks.items() if k != dag.key)  # tags are the DAG's
    assert sorted(dag.tags) == ["tui"] and "tags" not in dag.extra


@pytest.mark.parametrize("dag_id", ["tui_fanout", "tui_mixed", "tui_chain", "tui_fail"])
def test_tasks_order_does_not_depend_on_the_servers_order(rec: Recording, dag_id: str) -> None:
    """The server sends downstream_task_ids unordered: however it orders them, the graph is the same."""
    tasks = rec.body("GET", f"{base(rec)}/dags/{dag_id}/tasks", "order_by=task_id")["tasks"]
    shuffled = [
        {**t, "downstream_task_ids": list(reversed(t["downstream_task_ids"]))} for t in reversed(tasks)
    ]
    first, second = _graph(rec, dag_id), _graph(rec, dag_id, shuffled)
    assert list(first.tasks) == list(second.tasks)
    assert {k: t.predecessors for k, t in first.tasks.items()} == {
        k: t.predecessors for k, t in second.tasks.items()
    }
    assert list(first.tasks)[1:] == sorted(list(first.tasks)[1:])


def test_mixed_dag_branch_and_retries(rec: Recording) -> None:
    graph = _graph(rec, "tui_mixed")
    p = {k.split("/")[-1]: tuple(x.split("/")[-1] for x in t.predecessors) for k, t in graph.tasks.items()}
    assert p["left"] == p["right"] == ("pick",) and p["after_flaky"] == ("flaky",)
    assert p["pick"] == p["flaky"] == ("tui_mixed",)
    assert graph.tasks["tui_mixed/flaky"].retries == 1


# --------------------------------------------------------------------------------------------- runs


def test_runs_every_run_state_is_present_and_mapped(rec: Recording) -> None:
    runs = {}
    for exchange in rec.find("GET", r"/dagRuns\?"):
        for run in mapping.parse_runs(mapping.items_of(exchange.body, "dag_runs", "runs")):
            runs[(run.graph, run.run_id)] = run
    by_state = {r.raw_state: r.state for r in runs.values()}
    assert by_state == {
        "queued": domain.RunState.QUEUED,
        "running": domain.RunState.EXECUTING,
        "success": domain.RunState.SUCCEEDED,
        "failed": domain.RunState.FAILED,
    }
    for run in runs.values():
        assert run.run_id.startswith("manual__") and "+" in run.run_id and ":" in run.run_id
        assert run.extra["run_type"] == "manual" and run.scheduled_time is not None
        if run.state in (domain.RunState.SUCCEEDED, domain.RunState.FAILED):
            assert run.started_time and run.completed_time and run.completed_time >= run.started_time


def test_one_run_and_the_filters_the_server_applied(rec: Recording) -> None:
    fail = mapping.parse_run(rec.body("GET", run_path(rec, "tui_fail")))
    assert (fail.graph, fail.run_id, fail.state) == (
        "tui_fail",
        rec.meta["runs"]["tui_fail"],
        domain.RunState.FAILED,
    )
    queued = mapping.parse_run(rec.body("GET", run_path(rec, "tui_chain")))
    assert queued.state is domain.RunState.QUEUED and queued.started_time is None
    errors_only = one(rec, "GET", r"/dags/tui_fanout/dagRuns\?.*limit=5&.*state=failed$").body
    assert errors_only["dag_runs"] == [] and errors_only["total_entries"] == 0
    if rec.api == "v2":  # Airflow 3.3 keyset paging: the cursors come back with every page
        assert {"next_cursor", "previous_cursor"} <= set(errors_only)


def test_next_scheduled_run_only_for_an_unpaused_scheduled_dag(rec: Recording) -> None:
    chain = rec.body("GET", f"{base(rec)}/dags/tui_chain")
    assert mapping.next_scheduled_run(mapping.parse(models.Dag, chain, "DAG")) is None  # paused
    unpaused = mapping.parse(models.Dag, {**chain, "is_paused": False}, "DAG")
    upcoming = mapping.next_scheduled_run(unpaused)
    assert upcoming is not None and upcoming.state is domain.RunState.SCHEDULED
    assert upcoming.scheduled_time == mapping.next_run_time(unpaused) is not None
    fail = mapping.parse(models.Dag, rec.body("GET", f"{base(rec)}/dags/tui_fail"), "DAG")
    assert mapping.next_scheduled_run(fail) is None  # unscheduled


# --------------------------------------------------------------------------------------------- task instances


def _tis(rec: Recording, dag_id: str) -> list[domain.TaskRun]:
    body = one(rec, "GET", re_path(run_path(rec, dag_id, "/taskInstances")) + r"\?").body
    return mapping.parse_task_instances(mapping.items_of(body, "task_instances", "TIs"))


def re_path(path: str) -> str:
    import re

    return re.escape(path.split("/api/", 1)[1])


def test_task_instances_states_tries_and_order(rec: Recording) -> None:
    fail = {t.task: (t.state, t.raw_state, t.try_number) for t in _tis(rec, "tui_fail")}
    assert fail == {
        "tui_fail/boom": (domain.RunState.FAILED, "failed", 1),
        "tui_fail/never": (domain.RunState.UPSTREAM_FAILED, "upstream_failed", 0),
        "tui_fail/ok": (domain.RunState.SUCCEEDED, "success", 1),
    }
    mixed = _tis(rec, "tui_mixed")
    assert [t.task for t in mixed] == sorted(t.task for t in mixed)  # ordered by task id
    states = {t.task.split("/")[1]: (t.state, t.raw_state) for t in mixed}
    assert states["right"] == (domain.RunState.SKIPPED, "skipped")
    assert states["flaky"] == (domain.RunState.RETRYING, "up_for_retry")
    assert states["left"] == states["pick"] == (domain.RunState.SUCCEEDED, "success")
    assert states["after_flaky"] == (domain.RunState.NOT_RUN, "none")  # null: not scheduled yet
    for t in [*mixed, *_tis(rec, "tui_fail")]:
        assert t.graph_run in rec.meta["runs"].values() and t.log_ref == t.task.split("/")[1]
        assert (t.started_time is None) == (
            t.raw_state in ("none", "upstream_failed", "skipped")
        ) or t.started_time


def test_wide_run_lists_every_task_instance(rec: Recording) -> None:
    wide = _tis(rec, "tui_wide")
    assert [t.task for t in wide] == [f"tui_wide/w{i:02d}" for i in range(6)]
    assert all(t.state is domain.RunState.SUCCEEDED and t.try_number == 1 for t in wide)


# --------------------------------------------------------------------------------------------- logs


def _log(rec: Recording, task_id: str, try_number: int, dag_id: str = "tui_fail") -> domain.LogChunk:
    path = run_path(rec, dag_id, f"/taskInstances/{task_id}/logs/{try_number}")
    return mapping.parse_log(rec.body("GET", path, "map_index=-1"), rec.api)


def test_log_of_the_failed_try_is_readable_with_the_exception(rec: Recording) -> None:
    raw = rec.body("GET", run_path(rec, "tui_fail", "/taskInstances/boom/logs/1"), "map_index=-1")
    chunk = _log(rec, "boom", 1)
    assert chunk.finished and chunk.lines
    text = "\n".join(chunk.lines)
    assert "about to fail" in text
    assert "RuntimeError: intentional failure for TUI tests" in text
    if rec.api == "v2":  # structured entries: "timestamp LEVEL event", the traceback from error_detail
        assert isinstance(raw["content"], list) and isinstance(raw["content"][0], dict)
        assert raw["continuation_token"] is None and chunk.continuation is None
        assert any(" ERROR " in line for line in chunk.lines)
        assert any(line.strip().startswith("Traceback (most recent call last)") for line in chunk.lines)
        assert any(line.strip().startswith('File "') for line in chunk.lines)
        stamped = [line for line in chunk.lines if line[:4].isdigit()]
        assert stamped and all("T" in line.split(" ", 1)[0] for line in stamped)
    else:  # a Python repr of [(host, text)], the end of the log inside the signed token
        assert isinstance(raw["content"], str) and raw["content"].startswith("[(")
        assert not any(line.startswith("[('") for line in chunk.lines)
        assert raw["continuation_token"] and chunk.continuation == raw["continuation_token"]
        assert mapping.v1_token_finished(raw["continuation_token"])


def test_log_of_a_successful_and_a_never_run_task(rec: Recording) -> None:
    ok = _log(rec, "ok", 1)
    assert ok.finished and any("all good so far" in line for line in ok.lines)
    never = rec.find("GET", r"/taskInstances/never/logs/0\?")
    assert len(never) == 1
    if never[0].status == 200:
        assert mapping.parse_log(never[0].body, rec.api).finished


def test_log_of_a_task_waiting_to_retry(rec: Recording) -> None:
    chunk = _log(rec, "flaky", 1, "tui_mixed")
    assert chunk.finished and any("ValueError: flaky on its first try" in line for line in chunk.lines)


# --------------------------------------------------------------------------------------------- clear


def test_clear_dry_run_names_the_failed_and_downstream_task_instances(rec: Recording) -> None:
    exchange = one(rec, "POST", r"/dags/tui_fail/clearTaskInstances$")
    assert exchange.request_body["dry_run"] is True and exchange.request_body["only_failed"] is True
    assert exchange.request_body["dag_run_id"] == rec.meta["runs"]["tui_fail"]
    assert mapping.parse_cleared(exchange.body) == ["tui_fail/boom", "tui_fail/never"]
    if rec.api == "v1":  # v1 only names them; v2 sends whole task instances
        assert set(exchange.body["task_instances"][0]) >= {"task_id", "dag_id", "dag_run_id"}
    else:
        assert exchange.body["task_instances"][0]["state"] in ("failed", "upstream_failed")


async def test_retry_preview_through_the_adapter(rec: Recording) -> None:
    b = replay(rec)
    try:
        assert await b.retry_preview("tui_fail") == ["tui_fail/boom", "tui_fail/never"]
    finally:
        await b.aclose()


async def test_a_mapped_task_retry_names_the_failed_index_only(rec: Recording) -> None:
    exchange = one(rec, "POST", r"/dags/tui_mapped/clearTaskInstances$")
    if rec.api == "v2":  # v2 sends the index it clears; v1 names the task alone
        assert mapping.parse_cleared(exchange.body) == ["tui_mapped/process[4]", "tui_mapped/summarize"]
    else:
        assert mapping.parse_cleared(exchange.body) == ["tui_mapped/process", "tui_mapped/summarize"]
    b = replay(rec)
    try:
        assert await b.retry_preview("tui_mapped") == ["tui_mapped/process[4]", "tui_mapped/summarize"]
    finally:
        await b.aclose()


async def test_mapped_task_instances_and_the_failed_index_as_first_error(rec: Recording) -> None:
    b = replay(rec)
    run_id = rec.meta["runs"]["tui_mapped"]
    try:
        tis = await b.task_runs("tui_mapped", run_id)
        runs = await b.completed_runs("tui_mapped", limit=5)
        failed_only = await b.completed_runs("tui_mapped", limit=5, errors_only=True)
    finally:
        await b.aclose()
    process = {t.map_index: t for t in tis if t.task == "tui_mapped/process"}
    assert sorted(process) == list(range(6))
    assert process[4].state is domain.RunState.FAILED and process[4].try_number == 2
    assert process[4].label == "process[4]" == process[4].log_ref
    assert all(process[i].state is domain.RunState.SUCCEEDED for i in (0, 1, 2, 3, 5))
    for found in (runs, failed_only):
        assert [(r.first_error_task, r.first_error_message) for r in found] == [
            ("process[4]", "failed on try 2")
        ]


# --------------------------------------------------------------------------------------------- errors


def _detail(exchange: Any) -> str:
    detail = exchange.body["detail"]
    return detail if isinstance(detail, str) else json.dumps(detail)


async def test_errors_are_typed_and_verbatim(rec: Recording) -> None:
    b = replay(rec)
    client = await b.client()
    runs = rec.meta["runs"]
    try:
        nope = one(rec, "GET", r"/dags/tui_nope/details$")  # a DAG alone is read with its details
        assert nope.status == 404
        with pytest.raises(NotFoundError) as exc:
            await b.get_task("tui_nope")
        assert nope.body["detail"] in str(exc.value) and "tui_nope" in nope.body["detail"]

        no_run = one(rec, "GET", r"/dagRuns/no_such_run$")
        assert no_run.status == 404
        with pytest.raises(NotFoundError) as exc:
            await b.get_run("tui_fail", "no_such_run")
        assert no_run.body["detail"] in str(exc.value)

        dup = one(rec, "POST", r"/dags/tui_fail/dagRuns$")
        assert dup.status == 409 and dup.request_body["dag_run_id"] == runs["tui_fail"]
        with pytest.raises(ConflictError) as exc:
            await b.trigger("tui_fail", run_id=runs["tui_fail"])
        assert _detail(dup)[:60] in str(exc.value)

        bad = one(rec, "PATCH", r"/dags/tui_fail/dagRuns/")
        assert bad.status == (422 if rec.api == "v2" else 400)
        with pytest.raises(BackendError) as exc:
            await client.set_run_state("tui_fail", runs["tui_fail"], "bogus")
        if rec.api == "v2":  # FastAPI's validation list
            assert bad.body["detail"][0]["loc"] == ["body", "state"]
            assert bad.body["detail"][0]["msg"] in str(exc.value)
        else:  # RFC 7807
            assert {"type", "title", "status", "detail"} <= set(bad.body)
            assert bad.body["detail"] in str(exc.value)

        tampered = one(rec, "GET", r"token=tampered")
        assert tampered.status == 400  # v2 says it in detail; v1 in the title, with a null detail
        assert "Bad Signature" in (_detail(tampered) if rec.api == "v2" else tampered.body["title"])
    finally:
        await b.aclose()


def test_v1_errors_are_problem_json_and_v2_errors_are_detail_only(rec: Recording) -> None:
    errors = [e for e in rec.exchanges.values() if e.status >= 400 and "/api/v2/version" not in e.key]
    assert {e.status for e in errors} >= {400, 404, 409}
    if rec.api == "v1":  # the probe of /api/v2 on Airflow 2: Flask's own 404 page, not the API's
        assert rec.exchanges["GET /api/v2/version"].status == 404
    for e in errors:
        if rec.api == "v1":
            assert e.headers["content-type"].startswith("application/problem+json")
            assert e.body["status"] == e.status and e.body["title"]
        else:
            assert set(e.body) == {"detail"}


# --------------------------------------------------------------------------------------------- off the loop


async def test_long_lists_are_parsed_on_a_worker_thread_short_ones_in_place(
    rec: Recording, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A long list (DAGs, DAG runs, task instances, a DAG's tasks) is validated and mapped off the event
    loop, so the console's keys answer while 50,000 task instances are parsed; a short one in place."""
    import threading

    from tui.backends.airflow import adapter

    where: dict[str, set[bool]] = {}
    real = mapping.parse_list

    def recording(model: Any, payload: Any, what: str) -> Any:
        where.setdefault(model.__name__, set()).add(threading.current_thread() is threading.main_thread())
        return real(model, payload, what)

    monkeypatch.setattr(mapping, "parse_list", recording)

    async def read_all() -> None:
        b = replay(rec)
        try:
            await b.list_tasks()
            await b.get_graph("tui_mapped")
            await b.task_runs("tui_mapped", rec.meta["runs"]["tui_mapped"])
            await b.completed_runs("tui_mapped", limit=5)
        finally:
            await b.aclose()

    await read_all()  # the recorded lists are short: parsed in place
    assert where == {name: {True} for name in ("Dag", "DagTask", "TaskInstance", "DagRun")}
    where.clear()
    monkeypatch.setattr(adapter, "OFF_LOOP_ITEMS", 1)  # as if every list were long
    await read_all()
    assert where == {name: {False} for name in ("Dag", "DagTask", "TaskInstance", "DagRun")}
