"""The Qlik dialect over HTTP: OrchRuns per task and per resource, runs/last, start, logs.

Every response is validated against the schemas derived from Qlik's types (qlik_support's hook);
the mutation tests show that validation catches a missing required field or an unknown enum value
in a real sandbox response.
"""

from __future__ import annotations

import copy
import json

import pytest

from tests.sandbox.qlik_contract import QlikContractViolation, validate_response
from tests.sandbox.qlik_support import V1, Qlik, qlik_sandbox
from tui.sandbox.model import quote

pytestmark = pytest.mark.tcp
HOSTILE = "[bold red]boom[/] \x1b[31mred\x1b[0m <script>alert(1)</script> Authorization: Bearer x"


def chained_root(q: Qlik) -> tuple[dict, list[dict]]:
    """An enabled scheduled task with enabled event-triggered tasks downstream, and those tasks."""
    tasks = q.all_tasks()
    for root in tasks:
        if not (root["enabled"] and "start" in root):
            continue
        kids = [
            t for t in tasks
            if t["enabled"] and any(e["correlation"][0]["contextAttributeValue"] == root["id"]
                                    and len(e["correlation"]) == 2 for e in t.get("events", []))
        ]  # fmt: skip
        if kids:
            return root, kids
    raise AssertionError("no chain in the generated world")


def idle(q: Qlik, task: dict) -> dict:
    """Advance the clock until no task of the chain is running (a start would wait behind it, as a
    Snowflake graph run does); return the task's last run."""
    scope, name = q.world_task(task)
    for _ in range(500):
        last = q.ok(q.client.get(f"{V1}/{task['id']}/runs/last"))
        with q.sandbox.lock:
            rt, _, _ = q.service._advanced(scope, name)
            busy = rt.current is not None or rt.queued
        if not busy:
            return last
        q.clock.advance(20)
    raise AssertionError("the task never stopped running")


def runs_of(q: Qlik, url: str, pages: int, **params: object) -> list[dict]:
    """The runs of the first ``pages`` pages (history goes back months)."""
    out: list[dict] = []
    next_url: str | None = url
    query: dict | None = dict(params)
    for _ in range(pages):
        if next_url is None:
            break
        page = q.ok(q.client.get(next_url, params=query))
        out += page["data"]
        next_url = page["links"].get("next", {}).get("href")
        query = None
    return out


def test_start_answers_without_a_run_id_and_runs_last_finds_the_new_run() -> None:
    with qlik_sandbox() as q:
        root, kids = chained_root(q)
        before = idle(q, root)
        started = q.ok(q.client.post(f"{V1}/{root['id']}/actions/start", params={"source": "manual"}))
        assert started == {"message": "Task started successfully"}
        last = q.ok(q.client.get(f"{V1}/{root['id']}/runs/last"))
        assert last["id"] != before["id"]
        assert last["status"] == "RUNNING" and "endedAt" not in last
        assert last["triggeredBy"] == "manual" and last["taskId"] == root["id"]
        for _ in range(200):
            q.clock.advance(15)
            last = q.ok(q.client.get(f"{V1}/{root['id']}/runs/last"))
            if last["status"] != "RUNNING":
                break
        assert last["status"] in ("SUCCEEDED", "FAILED") and last["endedAt"] >= last["startedAt"]
        if last["status"] == "SUCCEEDED":  # then the chain fired: the child ran, triggered by the root
            q.clock.advance(3600)
            kid = q.ok(q.client.get(f"{V1}/{kids[0]['id']}/runs"))["data"]
            assert any(r["triggeredBy"] == root["name"] for r in kid)


def test_a_start_while_the_task_runs_waits_and_runs_last_still_shows_the_running_one() -> None:
    with qlik_sandbox() as q:
        root, _ = chained_root(q)
        idle(q, root)
        q.ok(q.client.post(f"{V1}/{root['id']}/actions/start"))
        running = q.ok(q.client.get(f"{V1}/{root['id']}/runs/last"))
        assert running["status"] == "RUNNING"
        q.ok(q.client.post(f"{V1}/{root['id']}/actions/start"))  # queued behind the running one
        assert q.ok(q.client.get(f"{V1}/{root['id']}/runs/last"))["id"] == running["id"]


def test_start_records_its_source() -> None:
    with qlik_sandbox() as q:
        root, _ = chained_root(q)
        idle(q, root)
        q.ok(q.client.post(f"{V1}/{root['id']}/actions/start", params={"source": "ops-console"}))
        assert q.ok(q.client.get(f"{V1}/{root['id']}/runs/last"))["triggeredBy"] == "ops-console"


def test_starting_an_event_triggered_task_is_refused_by_the_sandbox() -> None:
    with qlik_sandbox() as q:
        _, kids = chained_root(q)
        response = q.client.post(f"{V1}/{kids[0]['id']}/actions/start")
        assert response.status_code == 400
        assert "first" in response.json()["errors"][0]["context"]


def test_runs_page_newest_first_without_repeats() -> None:
    with qlik_sandbox() as q:
        root, _ = chained_root(q)
        q.clock.advance(24 * 3600)
        first = q.ok(q.client.get(f"{V1}/{root['id']}/runs", params={"limit": 5}))
        assert len(first["data"]) == 5 and "next" in first["links"]
        runs = []
        url: str | None = first["links"]["self"]["href"]
        for _ in range(6):
            assert url is not None
            page = q.ok(q.client.get(url))
            runs += page["data"]
            url = page["links"].get("next", {}).get("href")
        ids = [r["id"] for r in runs]
        assert len(ids) == len(set(ids)) == 30
        started = [r["startedAt"] for r in runs]
        assert started == sorted(started, reverse=True)
        assert {r["status"] for r in runs} <= {"RUNNING", "SUCCEEDED", "FAILED"}


def test_runs_of_a_resource_cover_every_task_that_reloads_it() -> None:
    with qlik_sandbox() as q:
        tasks = q.all_tasks()
        by_resource: dict[str, list[dict]] = {}
        for t in tasks:
            by_resource.setdefault(t["resourceId"], []).append(t)
        shared = next(ts for ts in by_resource.values() if len(ts) > 1 and all(t["enabled"] for t in ts))
        q.clock.advance(6 * 3600)
        resource = shared[0]["resourceId"]
        runs = runs_of(q, f"{V1}/resources/{resource}/runs", 10, limit=4)
        assert {r["resourceId"] for r in runs} == {resource}
        assert {r["taskId"] for r in runs} == {t["id"] for t in shared}
        assert q.client.get(f"{V1}/resources/no-such-app/runs").status_code == 404


def test_a_failed_reloads_log_carries_its_error_verbatim_as_json_and_as_text() -> None:
    with qlik_sandbox() as q:
        root, kids = chained_root(q)
        scope, name = q.world_task(kids[0])
        _, root_name = q.world_task(root)
        idle(q, root)  # the hook's run takes the running one's id if both start at the same millisecond
        q.sandbox.record_failed_run(
            scope.database, scope.schema, quote(root_name), task=quote(name), message=HOSTILE
        )
        last = q.ok(q.client.get(f"{V1}/{kids[0]['id']}/runs/last"))
        assert last["status"] == "FAILED" and last["log"] == HOSTILE
        url = f"{V1}/{kids[0]['id']}/runs/{last['id']}/log"
        as_json = q.ok(q.client.get(url, headers={"Accept": "application/json"}))["logContent"]
        as_text = q.client.get(url, headers={"Accept": "text/plain"})
        assert as_text.status_code == 200 and as_text.headers["content-type"].startswith("text/plain")
        assert as_text.text == as_json
        assert f"Error: {HOSTILE}" in as_json and "Execution Failed" in as_json
        assert q.ok(q.client.get(f"{V1}/{root['id']}/runs/last"))["status"] == "SUCCEEDED"


def test_a_run_log_is_found_only_under_its_own_task() -> None:
    with qlik_sandbox() as q:
        root, kids = chained_root(q)
        run = q.ok(q.client.get(f"{V1}/{root['id']}/runs/last"))
        assert q.client.get(f"{V1}/{root['id']}/runs/{run['id']}/log").status_code == 200
        assert q.client.get(f"{V1}/{kids[0]['id']}/runs/{run['id']}/log").status_code == 404
        assert q.client.get(f"{V1}/{root['id']}/runs/not-a-run/log").status_code == 404


def test_a_running_reloads_log_stops_at_now() -> None:
    with qlik_sandbox() as q:
        root, _ = chained_root(q)
        idle(q, root)
        q.ok(q.client.post(f"{V1}/{root['id']}/actions/start"))
        q.clock.advance(1)
        run = q.ok(q.client.get(f"{V1}/{root['id']}/runs/last"))
        log = q.ok(q.client.get(f"{V1}/{root['id']}/runs/{run['id']}/log"))["logContent"]
        assert "Execution started." in log and "Execution finished." not in log


@pytest.mark.parametrize(
    "mutate",
    [
        lambda r: r.update(status="QUEUED"),
        lambda r: r.update(status="CANCELLED"),
        lambda r: r.pop("triggeredBy"),
        lambda r: r.pop("workerType"),
        lambda r: r["taskMeta"].update(disabledCode="PAUSED"),
        lambda r: r.update(extra="field"),
    ],
)
def test_validation_catches_a_mutated_sandbox_run(mutate) -> None:
    with qlik_sandbox() as q:
        root, _ = chained_root(q)
        response = q.client.get(f"{V1}/{root['id']}/runs/last")
        path = response.request.url.path
        validate_response("GET", path, 200, response.headers, response.content)  # as sent: valid
        body = copy.deepcopy(response.json())
        mutate(body)
        with pytest.raises(QlikContractViolation):
            validate_response("GET", path, 200, response.headers, json.dumps(body).encode())


@pytest.mark.parametrize(
    "mutate",
    [
        lambda t: t.pop("specVersion"),
        lambda t: t["events"][0]["correlation"][0].update(contextAttributeName="appId"),
        lambda t: t["states"][0].update(type="OPERATION"),
        lambda t: t["metadata"].update(disabledCode="SCHEDULE-EXPIRED"),  # scheduling-only
    ],
)
def test_validation_catches_a_mutated_sandbox_task(mutate) -> None:
    with qlik_sandbox() as q:
        _, kids = chained_root(q)
        response = q.client.get(f"{V1}/{kids[0]['id']}")
        body = copy.deepcopy(response.json())
        mutate(body)
        with pytest.raises(QlikContractViolation):
            validate_response(
                "GET", response.request.url.path, 200, response.headers, json.dumps(body).encode()
            )


def test_a_task_suspended_after_consecutive_failures_says_so() -> None:
    with qlik_sandbox() as q:
        root, _ = chained_root(q)
        scope, name = q.world_task(root)
        idle(q, root)
        with q.sandbox.lock:  # make this graph fail every run and give up after two
            scope.tasks[name].fail_probability = 1.0
            scope.tasks[name].props["suspend_task_after_num_failures"] = 2
        for _ in range(2):
            q.ok(q.client.post(f"{V1}/{root['id']}/actions/start"))
            idle(q, root)
        task = q.ok(q.client.get(f"{V1}/{root['id']}"))
        assert task["enabled"] is False
        assert task["metadata"]["disabledCode"] == "CONSECUTIVE-FAILURES"
        assert q.ok(q.client.get(f"{V1}/{root['id']}/runs/last"))["status"] == "FAILED"


def test_a_failure_fires_the_on_failure_task_of_its_graph_once() -> None:
    with qlik_sandbox() as q:
        watcher = next(iter(q.service.state.watchers.values()))
        scope, root, failing = watcher.scope, watcher.root, watcher.watched[-1]
        root_task = q.ok(q.client.get(f"{V1}/{q.service.state.task_id(scope, root)}"))
        idle(q, root_task)
        q.sandbox.record_failed_run(scope.database, scope.schema, quote(root), task=quote(failing))
        url = f"{V1}/{watcher.tid}/runs/last"
        fired = q.ok(q.client.get(url))
        assert fired["triggeredBy"] == failing and fired["status"] == "RUNNING"
        q.clock.advance(10)
        assert q.ok(q.client.get(url))["status"] == "SUCCEEDED"
        task = q.ok(q.client.get(f"{V1}/{watcher.tid}"))
        q.ok(q.client.put(f"{V1}/{watcher.tid}", json={**task, "enabled": False}))
        q.sandbox.record_failed_run(scope.database, scope.schema, quote(root), task=quote(failing))
        assert q.ok(q.client.get(url))["id"] == fired["id"]  # disabled: the next failure fires nothing
        start = q.client.post(f"{V1}/{watcher.tid}/actions/start")
        assert start.status_code == 400  # event-triggered


def test_a_chains_runs_are_laid_out_once_a_moment_for_all_its_tasks(monkeypatch) -> None:
    """A client reads a chain task by task (Qlik's runs are per task): the sandbox derives the chain's
    past runs once for all of those reads while the clock stands still, and again once it moves on."""
    from tui.sandbox.runs import History

    derived: list[int] = []
    real = History.derive
    monkeypatch.setattr(History, "derive", lambda self, slot: derived.append(1) or real(self, slot))
    with qlik_sandbox() as q:
        root, kids = chained_root(q)
        kid_runs = q.ok(q.client.get(f"{V1}/{kids[0]['id']}/runs"))["data"]
        scanned = len(derived)
        assert scanned and kid_runs
        root_runs = q.ok(q.client.get(f"{V1}/{root['id']}/runs"))["data"]
        assert root_runs and len(derived) == scanned  # the root's runs were in the child's scan
        q.clock.advance(3600)
        later = q.ok(q.client.get(f"{V1}/{root['id']}/runs"))["data"]
        assert len(derived) > scanned and later[0]["id"] != root_runs[0]["id"]  # a new moment, new runs
