"""The Airflow adapter against REAL Airflow 3.3.2 (/api/v2, JWT) and 2.11.2 (/api/v1, basic auth).

Every test runs on both servers (see conftest.py). Reads use runs prepared once per session; tests that
change state use DAGs no other test reads (tui_chain: pause/resume; tui_sleep: trigger and live logs;
tui_fail is retried last, in the last test of this file that touches it).
"""

from __future__ import annotations

import base64
import json
import sys
import time
from typing import Any

import anyio
import httpx
import jwt
import pytest

from tests.airflow import servers as srv
from tests.airflow.conftest import Live
from tui import domain
from tui.backends.airflow import AirflowBackend, CommandTokenAuth, LoginAuth
from tui.backends.auth import BearerAuth
from tui.backends.base import Backend, TaskRunBackend
from tui.errors import AuthError, BackendError, ConflictError, NotFoundError

pytestmark = [pytest.mark.anyio, pytest.mark.tcp, pytest.mark.timeout(300)]

ADMIN, PASSWORD = srv.ADMIN


def backend(live: Live, *, user: tuple[str, str] = srv.ADMIN, **options: Any) -> AirflowBackend:
    auth = LoginAuth(user[0], user[1], f"{live.server.url}/auth/token")
    return AirflowBackend.connect(live.server.url, auth, **options)


def raw_get(live: Live, path: str) -> httpx.Response:
    """What the server itself answers (to compare the adapter's errors with, verbatim)."""
    base = "/api/v2" if live.server.major >= 3 else "/api/v1"
    headers = {"Authorization": live.server.admin_authorization(), "Accept": "application/json"}
    return httpx.get(f"{live.server.url}{base}{path}", headers=headers, timeout=30)


async def wait_for(predicate: Any, timeout: float = 90.0, every: float = 0.5) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = await predicate()
        if value:
            return value
        await anyio.sleep(every)
    raise TimeoutError("condition not met in time")


# --------------------------------------------------------------------------------------------- reads


async def test_probe_picks_the_api_and_satisfies_both_protocols(live: Live) -> None:
    b = backend(live)
    try:
        assert b.api is None
        await b.list_tasks()
        assert b.api == live.api
        assert b.server_version == live.server.version
        assert live.server.version in b.location
        assert isinstance(b, Backend) and isinstance(b, TaskRunBackend)
        assert b.capabilities.task_runs and b.capabilities.logs and not b.capabilities.scopes
    finally:
        await b.aclose()


async def test_dags_are_graph_roots_with_state_schedule_owners_tags_next_run(live: Live) -> None:
    b = backend(live)
    try:
        dags = {t.key: t for t in await b.list_tasks()}
    finally:
        await b.aclose()
    assert {"tui_chain", "tui_fanout", "tui_fail", "tui_sleep", "tui_wide"} <= set(dags)
    assert "tui_broken" not in dags
    chain = dags["tui_chain"]
    assert chain.is_root and chain.root == "tui_chain" and chain.name == "tui_chain"
    assert chain.state is domain.TaskState.SUSPENDED and chain.raw_state == "paused"
    assert chain.owner == "data-team"
    assert sorted(chain.tags) == ["chain", "tui"]
    assert "At 00:00" in chain.schedule.describe()
    assert ("0 0 * * *" if live.api == "v2" else "@daily") in chain.schedule.describe()
    assert chain.extra["next_run"] is not None
    # Prepared runs unpaused these.
    assert dags["tui_fail"].state is domain.TaskState.STARTED
    assert dags["tui_fail"].schedule.describe() == ""
    assert dags["tui_fail"].extra["timetable"] == "Never, external triggers only"


async def test_dag_list_pages_through_every_dag(live: Live) -> None:
    big, small = backend(live), backend(live, page_limit=2)
    try:
        assert [t.key for t in await small.list_tasks()] == [t.key for t in await big.list_tasks()]
    finally:
        await big.aclose()
        await small.aclose()


async def test_graph_inverts_downstream_ids_into_sorted_predecessors(live: Live) -> None:
    b = backend(live)
    try:
        graph = await b.get_graph("tui_fanout")
        join = await b.get_task("tui_fanout/join")
        dag = await b.get_task("tui_fanout")
    finally:
        await b.aclose()
    p = {k: t.predecessors for k, t in graph.tasks.items()}
    assert p == srv.FANOUT_PREDECESSORS
    assert graph.children()["tui_fanout/start"] == [f"tui_fanout/branch_{x}" for x in "abc"]
    assert join.predecessors == p["tui_fanout/join"] and join.root == "tui_fanout"
    assert (join.trigger_rule, join.operator, join.pool) == ("all_success", "@task", "default_pool")
    assert join.state is domain.TaskState.NONE  # the pause flag is the DAG's, not the task's
    assert dag.is_root


async def test_completed_runs_errors_only_and_task_instances(live: Live) -> None:
    run_id = live.runs["tui_fail"]
    assert "+" in run_id and ":" in run_id  # server-made ids: the path segment must be encoded
    b = backend(live)
    try:
        done = await b.completed_runs("tui_fail", limit=5)
        failed = await b.completed_runs("tui_fail", limit=5, errors_only=True)
        fanout_ok = await b.completed_runs("tui_fanout", limit=5)
        fanout_failed = await b.completed_runs("tui_fanout", limit=5, errors_only=True)
        run = await b.get_run("tui_fail", run_id)
        tis = await b.task_runs("tui_fail", run_id)
    finally:
        await b.aclose()
    assert run_id in [r.run_id for r in done] and run_id in [r.run_id for r in failed]
    assert all(r.state is domain.RunState.FAILED for r in failed)
    assert fanout_ok[0].state is domain.RunState.SUCCEEDED and fanout_failed == []
    assert run.state is domain.RunState.FAILED and run.graph == "tui_fail"
    assert run.started_time and run.completed_time and run.completed_time >= run.started_time
    assert run.extra["run_type"] == "manual"
    states = {t.task: (t.state, t.raw_state, t.try_number) for t in tis}
    assert states["tui_fail/ok"] == (domain.RunState.SUCCEEDED, "success", 1)
    assert states["tui_fail/boom"][:2] == (domain.RunState.FAILED, "failed")
    assert states["tui_fail/never"] == (domain.RunState.UPSTREAM_FAILED, "upstream_failed", 0)
    assert all(t.graph_run == run_id for t in tis)


async def test_task_instances_page_through_every_instance(live: Live) -> None:
    run_id = live.runs["tui_wide"]
    big, small = backend(live), backend(live, page_limit=2)
    try:
        all_tis = await big.task_runs("tui_wide", run_id)
        paged = await small.task_runs("tui_wide", run_id)
        runs_small = await small.completed_runs("tui_wide", limit=10)
    finally:
        await big.aclose()
        await small.aclose()
    assert [t.task for t in all_tis] == [f"tui_wide/w{i:02d}" for i in range(6)]
    assert paged == all_tis
    assert [r.run_id for r in runs_small] == [run_id]


async def test_logs_per_try_readable_and_finished(live: Live) -> None:
    run_id = live.runs["tui_fail"]
    b = backend(live)
    try:
        boom = await b.run_log("tui_fail", run_id, "tui_fail/boom", 1)
        ok = await b.run_log("tui_fail", run_id, "ok", 1)  # a bare task id works too
        with pytest.raises(NotFoundError if live.api == "v2" else AssertionError):
            chunk = await b.run_log("tui_fail", run_id, "tui_fail/boom", 7)
            assert "Could not read" not in "\n".join(chunk.lines)  # v1 answers 200 with the failure text
    finally:
        await b.aclose()
    text = "\n".join(boom.lines)
    assert boom.finished
    assert "about to fail" in text
    assert "RuntimeError: intentional failure for TUI tests" in text
    assert "all good so far" in "\n".join(ok.lines)
    if live.api == "v2":
        assert boom.continuation is None
        assert any(line.endswith("ERROR Task failed with exception") for line in boom.lines)
        assert 'File "' in text and "in boom" in text  # frames of the structured exception detail
    else:
        assert boom.continuation  # v1 always sends a token; its payload says end_of_log
        assert not text.startswith("[(")  # the repr-of-tuples is unpacked
        assert "ERROR - Task failed with exception" in text


async def test_a_mapped_task_s_indexes_their_logs_and_the_failed_index(live: Live) -> None:
    run_id = live.runs["tui_mapped"]
    b = backend(live)
    try:
        tis = await b.task_runs("tui_mapped", run_id)
        done = await b.completed_runs("tui_mapped", limit=5)
        run = await b.get_run("tui_mapped", run_id)
        failed_log = await b.run_log("tui_mapped", run_id, "process[4]", 2)
        ok_log = await b.run_log("tui_mapped", run_id, "tui_mapped/process[1]", 1)
        with pytest.raises(NotFoundError):  # the mapped task as a whole has no task instance, so no log
            await b.run_log("tui_mapped", run_id, "process", 2)
        preview = await b.retry_preview("tui_mapped")
    finally:
        await b.aclose()
    process = [t for t in tis if t.task == "tui_mapped/process"]
    assert [t.map_index for t in process] == list(range(6))
    assert [
        (t.label, t.state, t.try_number) for t in process if t.state is not domain.RunState.SUCCEEDED
    ] == [("process[4]", domain.RunState.FAILED, 2)]
    assert {t.try_number for t in process if t.map_index != 4} == {1}
    summarize = next(t for t in tis if t.task == "tui_mapped/summarize")
    assert summarize.map_index is None and summarize.state is domain.RunState.UPSTREAM_FAILED
    # The run names the index that failed (a DAG run does not say; its task instances do).
    assert run.first_error_task == "process[4]" and "try 2" in (run.first_error_message or "")
    assert [r.first_error_task for r in done if r.run_id == run_id] == ["process[4]"]
    assert "index 4 fails on every try" in "\n".join(failed_log.lines)
    assert "processed 1" in "\n".join(ok_log.lines)
    # The retry clears that one index and what waits on it, not the 5 indexes that succeeded.
    assert preview == ["tui_mapped/process[4]", "tui_mapped/summarize"]


# --------------------------------------------------------------------------------------------- errors


async def test_errors_are_typed_and_verbatim(live: Live) -> None:
    b = backend(live)
    try:
        with pytest.raises(NotFoundError) as missing:
            await b.get_task("no_such_dag")
        with pytest.raises(NotFoundError) as missing_task:
            await b.get_task("tui_fanout/no_such_task")
        with pytest.raises(NotFoundError):
            await b.task_runs("tui_fail", "no-such-run")
        with pytest.raises(ConflictError) as dup:
            await b.trigger("tui_fail", run_id=live.runs["tui_fail"])
    finally:
        await b.aclose()
    server = raw_get(live, "/dags/no_such_dag").json()
    assert missing.value.status == 404 and missing.value.message == server["detail"]
    assert "no_such_task" in missing_task.value.message
    assert dup.value.status == 409
    if live.api == "v2":  # FastAPI's 422 list, verbatim
        b = backend(live)
        try:
            client = await b.client()
            with pytest.raises(BackendError) as invalid:
                await client.http.send_action("POST", "/api/v2/dags/tui_fail/dagRuns", None, {"conf": {}})
        finally:
            await b.aclose()
        assert invalid.value.status == 422
        detail = json.loads(invalid.value.message)
        assert detail[0]["loc"] == ["body", "logical_date"] and detail[0]["msg"] == "Field required"


async def test_wrong_password_and_viewer_are_auth_errors(live: Live) -> None:
    wrong = backend(live, user=(ADMIN, "not-the-password"))
    viewer = backend(live, user=srv.VIEWER)
    try:
        with pytest.raises(AuthError) as refused:
            await wrong.list_tasks()
        assert [t.key for t in await viewer.list_tasks()]  # a viewer reads
        with pytest.raises(AuthError) as forbidden:
            await viewer.suspend("tui_fanout")
    finally:
        await wrong.aclose()
        await viewer.aclose()
    assert refused.value.status in (401, 403)
    assert "not-the-password" not in repr(refused.value) and "not-the-password" not in str(refused.value)
    if live.api == "v2":
        assert "Invalid credentials" in refused.value.message
    assert forbidden.value.status == 403


async def test_jwt_renewed_on_401_and_before_expiry(live_v3: Live) -> None:
    live = live_v3  # JWT login: Airflow 3 only (Airflow 2 has basic auth), so collected for it alone
    b = backend(live)
    try:
        await b.list_tasks()
        auth = b.http._auth
        assert isinstance(auth, LoginAuth) and auth.logins == 1
        # An expired token (signed with the server's key, so only its age is wrong): 401 "Token Expired".
        token = auth._token
        assert token is not None
        claims = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
        header = jwt.get_unverified_header(token)
        now = int(time.time())
        expired = jwt.encode(
            {**claims, "iat": now - 100, "nbf": now - 100, "exp": now - 10},
            srv.JWT_SECRET,
            algorithm=header["alg"],
            headers={k: v for k, v in header.items() if k not in ("alg", "typ")},
        )
        r = httpx.get(
            f"{live.server.url}/api/v2/dags", headers={"Authorization": f"Bearer {expired}"}, timeout=30
        )
        assert r.status_code == 401 and r.json()["detail"] == "Token Expired"
        auth._token, auth._expires = expired, None  # unknown expiry: only the 401 can tell
        assert [t.key for t in await b.list_tasks()]
        assert auth.logins == 2 and auth._token != expired
        # A token about to expire is renewed before it is sent.
        auth.set_token(
            jwt.encode(
                {**claims, "iat": now, "nbf": now, "exp": now + 30},
                srv.JWT_SECRET,
                algorithm=header["alg"],
                headers={k: v for k, v in header.items() if k not in ("alg", "typ")},
            )
        )
        await b.list_tasks()
        assert auth.logins == 3
    finally:
        await b.aclose()


async def test_static_token_and_token_command(live_v3: Live) -> None:
    live = live_v3  # bearer tokens: Airflow 3 only (Airflow 2 has basic auth), so collected for it alone
    token = live.server.admin_authorization().split(" ", 1)[1]
    static = AirflowBackend.connect(live.server.url, BearerAuth(token))
    command = AirflowBackend.connect(
        live.server.url, CommandTokenAuth(f"{sys.executable} -c 'print(\"{token}\")'")
    )
    try:
        assert [t.key for t in await static.list_tasks()]
        assert [t.key for t in await command.list_tasks()]
        assert token not in repr(command) and token not in repr(command.http)
    finally:
        await static.aclose()
        await command.aclose()


# --------------------------------------------------------------------------------------------- actions


async def test_suspend_resume_and_the_next_scheduled_run(live: Live) -> None:
    b = backend(live)
    try:
        assert "active" in await b.resume("tui_chain")
        assert (await b.get_task("tui_chain")).state is domain.TaskState.STARTED
        current = await b.current_runs("tui_chain")
        assert current[-1].state is domain.RunState.SCHEDULED and current[-1].next_scheduled_time
        assert "paused" in await b.suspend("tui_chain")
        assert (await b.get_task("tui_chain")).state is domain.TaskState.SUSPENDED
        assert all(r.state is not domain.RunState.SCHEDULED for r in await b.current_runs("tui_chain"))
    finally:
        await b.aclose()


async def test_execute_then_follow_a_running_log_to_its_end(live: Live) -> None:
    b = backend(live)
    try:
        await b.resume("tui_sleep")
        message = await b.execute("tui_sleep")
        assert message.startswith("triggered DAG run ")
        current = await b.current_runs("tui_sleep")
        run_id = current[0].run_id
        assert current[0].state in (domain.RunState.QUEUED, domain.RunState.EXECUTING)
        assert run_id in message

        async def nap_running() -> bool:
            tis = {t.task: t for t in await b.task_runs("tui_sleep", run_id)}
            return tis["tui_sleep/nap"].state is domain.RunState.EXECUTING

        await wait_for(nap_running, every=0.25)
        # While nap runs, `after` has not started: it is waiting, not "did not run" (issue 14).
        from tui.services.outcomes import task_outcomes

        going, graph = await b.get_run("tui_sleep", run_id), await b.get_graph("tui_sleep")
        tis = await b.task_runs("tui_sleep", run_id)
        if {t.task: t.state for t in tis}["tui_sleep/nap"] is domain.RunState.EXECUTING:  # still, as read
            assert task_outcomes(graph, going, tis)["tui_sleep/after"] is domain.RunState.WAITING
        await anyio.sleep(2)  # a few "tick" lines into the nap
        chunk = await b.run_log("tui_sleep", run_id, "tui_sleep/nap", 1)
        lines = list(chunk.lines)
        partial = chunk.finished is False
        assert partial and chunk.continuation
        follows = 0
        while not chunk.finished and follows < 120:
            await anyio.sleep(0.5)
            chunk = await b.run_log("tui_sleep", run_id, "tui_sleep/nap", 1, chunk.continuation)
            lines.extend(chunk.lines)
            follows += 1
        assert chunk.finished
        text = "\n".join(lines)
        for i in range(8):
            assert f"tick {i}" in text
        assert text.count("tick 0") == 1  # continuation never repeats what was already read

        async def run_done() -> bool:
            return (await b.get_run("tui_sleep", run_id)).state.is_finished

        await wait_for(run_done)
        assert (await b.get_run("tui_sleep", run_id)).state is domain.RunState.SUCCEEDED
        await b.suspend("tui_sleep")
    finally:
        await b.aclose()


async def test_retry_previews_then_clears_the_latest_failed_run(live: Live) -> None:
    run_id = live.runs["tui_fail"]
    b = backend(live)
    try:
        assert await b.retry_preview("tui_fail") == ["tui_fail/boom", "tui_fail/never"]
        # The preview changed nothing.
        tis = {t.task: t.state for t in await b.task_runs("tui_fail", run_id)}
        assert tis["tui_fail/boom"] is domain.RunState.FAILED
        message = await b.execute("tui_fail", retry_last=True)
        assert run_id in message and "boom" in message and "never" in message

        async def failed_again() -> bool:  # the cleared task's second try has ended the run again
            boom = {t.task: t for t in await b.task_runs("tui_fail", run_id)}["tui_fail/boom"]
            run = await b.get_run("tui_fail", run_id)
            ended = run.state is domain.RunState.FAILED and run.completed_time is not None
            return boom.try_number == 2 and ended

        await wait_for(failed_again, timeout=120)
        tis2 = {t.task: t for t in await b.task_runs("tui_fail", run_id)}
        assert tis2["tui_fail/boom"].try_number == 2
        assert tis2["tui_fail/ok"].try_number == 1  # only failed ones were cleared
        first = await b.run_log("tui_fail", run_id, "tui_fail/boom", 1)
        second = await b.run_log("tui_fail", run_id, "tui_fail/boom", 2)
        assert "intentional failure" in "\n".join(first.lines)
        assert "intentional failure" in "\n".join(second.lines)
        assert first.lines != second.lines
    finally:
        await b.aclose()
