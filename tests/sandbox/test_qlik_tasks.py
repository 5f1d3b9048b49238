"""The Qlik dialect over HTTP: tasks, chains, paging, PUT, errors, auth and the rate limit.

Every response goes through the Qlik schema validator (qlik_support's client hook): a test passes only
if every body the sandbox sent matches Qlik's published types.
"""

from __future__ import annotations

import copy

import pytest

from tests.sandbox.qlik_contract import QlikContractViolation, validate_named
from tests.sandbox.qlik_support import KEY, V1, qlik_sandbox

pytestmark = pytest.mark.tcp


def test_list_pages_follow_absolute_next_links_to_every_task_once() -> None:
    with qlik_sandbox() as q:
        first = q.ok(q.client.get(V1))
        assert len(first["data"]) == 20  # the default limit
        assert first["links"]["next"]["href"].startswith(q.server.url + V1)
        seen = []
        url: str | None = first["links"]["self"]["href"]
        while url is not None:
            page = q.ok(q.client.get(url, params={"limit": 7} if url.endswith(V1) else None))
            seen += [t["id"] for t in page["data"]]
            url = page["links"].get("next", {}).get("href")
        assert len(seen) == len(set(seen)) == 120 + len(q.service.state.watchers)
        updated = [t["metadata"]["updatedAt"] for t in q.all_tasks()]
        assert updated == sorted(updated, reverse=True)  # -updatedAt, Qlik's default


def test_relative_links_are_host_relative_and_lead_back() -> None:
    with qlik_sandbox(qlik_links="relative") as q:
        first = q.ok(q.client.get(V1, params={"limit": 50}))
        nxt = first["links"]["next"]["href"]
        assert nxt.startswith(V1 + "?") and "limit=50" in nxt
        second = q.ok(q.client.get(nxt))
        assert second["links"]["prev"]["href"].startswith(V1)
        back = q.ok(q.client.get(second["links"]["prev"]["href"]))
        assert [t["id"] for t in back["data"]] == [t["id"] for t in first["data"]]


def test_chains_name_the_upstream_task_and_the_status_that_fires() -> None:
    with qlik_sandbox() as q:
        tasks = {t["id"]: t for t in q.all_tasks()}
        chained = 0
        for task in tasks.values():
            scope, name = q.world_task(task)
            ups = []
            for event in task.get("events", []):
                assert event["type"] == "com.qlik.v1.task.run.finished"
                assert event["source"] == "system-events.task"
                by = {c["contextAttributeName"]: c.get("contextAttributeValue") for c in event["correlation"]}
                assert by["id"] in tasks, "a correlation id must be a task id"
                ups.append((tasks[by["id"]]["name"], by.get("status")))
            refs = {r for s in task["states"] for o in s["onEvents"] for r in o["eventRefs"]}
            assert refs == {e["name"] for e in task.get("events", [])}
            watcher = q.service.state.watchers.get(task["id"])
            if watcher is not None:  # fires on any one failure in its graph: OR
                assert all(s["exclusive"] is True for s in task["states"])
                assert sorted(ups) == sorted((w, "failed") for w in watcher.watched)
                continue
            rec = scope.tasks[name]
            assert all(s["exclusive"] is False for s in task["states"])  # AND, like Snowflake's graphs
            if rec.finalizes:
                assert ups and all(status is None for _, status in ups)  # any outcome
            else:
                assert sorted(ups) == sorted((p, "succeeded") for p in rec.predecessors)
            chained += bool(ups)
            assert ("start" in task) == bool(rec.props.get("schedule"))
        assert chained > 20 and q.service.state.watchers


def test_resource_id_filters_and_the_required_mode_refuses_without_it() -> None:
    with qlik_sandbox(qlik_require_resource_id=True) as q:
        refused = q.client.get(V1)
        assert refused.status_code == 400
        assert "resourceId" in refused.json()["errors"][0]["context"]
        one = q.service.list_tasks(None, "-updatedAt")[0]
        page = q.ok(q.client.get(V1, params={"resourceId": one["resourceId"]}))
        assert one["id"] in [t["id"] for t in page["data"]]
        assert {t["resourceId"] for t in page["data"]} == {one["resourceId"]}
    with qlik_sandbox() as q:
        q.ok(q.client.get(V1))  # optional by default, as the TypeScript types say


@pytest.mark.parametrize(
    ("path", "params", "status"),
    [
        (V1, {"limit": 0}, 400),
        (V1, {"limit": 101}, 400),
        (V1, {"sort": "name"}, 400),
        (V1, {"page": "!!!"}, 400),
        (V1 + "/no-such-task", {}, 404),
        (V1 + "/no-such-task/runs/last", {}, 404),
        ("/api/v9/tasks", {}, 404),
        ("/api/scheduling/tasks/x/graphs/children", {}, 404),  # absent unless --qlik-graph-api
    ],
)
def test_errors_are_in_qliks_shape_with_a_trace_id(path: str, params: dict, status: int) -> None:
    with qlik_sandbox() as q:
        response = q.client.get(path, params=params)
        assert response.status_code == status
        body = response.json()
        assert body["traceId"] and body["errors"][0]["code"] == status and body["errors"][0]["title"]


def test_string_error_codes_as_the_cli_docs_quote_them_break_the_types() -> None:
    with qlik_sandbox(qlik_string_codes=True) as q:
        q.client.event_hooks = {"response": []}  # this mode is the documented deviation: check it by hand
        body = q.client.get(V1 + "/nope").json()
        assert body["errors"][0]["code"] == "TASKS-404"
        with pytest.raises(QlikContractViolation):
            validate_named("tasks-v1", "ErrorResponse", body)


@pytest.mark.parametrize("token", [None, "wrong-key"])
def test_a_request_without_the_api_key_is_refused(token: str | None) -> None:
    with qlik_sandbox(token=token) as q:
        response = q.client.get(V1)
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"
        assert KEY not in response.text


def test_beyond_the_rate_limit_429_says_retry_after_in_qliks_shape() -> None:
    with qlik_sandbox(qlik_rate_limit=3) as q:
        for _ in range(3):
            q.ok(q.client.get(V1, params={"limit": 1}))
        limited = q.client.get(V1, params={"limit": 1})
        assert limited.status_code == 429
        assert 1 <= int(limited.headers["retry-after"]) <= 60
        assert limited.json()["errors"][0]["code"] == 429


def test_put_round_trip_disables_with_manually_and_moves_ownership_to_the_caller() -> None:
    with qlik_sandbox() as q:
        task = q.task_named(lambda t: t["enabled"] and "start" in t)
        caller = q.service.state.caller
        assert task["metadata"]["ownerId"] != caller
        body = copy.deepcopy(task)
        body["enabled"] = False
        put = q.ok(q.client.put(f"{V1}/{task['id']}", json=body))
        assert put["enabled"] is False and put["metadata"]["disabledCode"] == "MANUALLY"
        assert put["metadata"]["ownerId"] == caller
        again = q.ok(q.client.get(f"{V1}/{task['id']}"))
        assert again == put
        scope, name = q.world_task(task)
        assert scope.tasks[name].state == "suspended"  # the simulation stops scheduling it
        last = q.ok(q.client.get(f"{V1}/{task['id']}/runs/last"))
        q.clock.advance(6 * 3600)
        assert q.ok(q.client.get(f"{V1}/{task['id']}/runs/last"))["id"] == last["id"]
        body = copy.deepcopy(again)
        body["enabled"] = True
        back = q.ok(q.client.put(f"{V1}/{task['id']}", json=body))
        assert back["enabled"] is True and "disabledCode" not in back["metadata"]


def test_a_chained_task_is_switched_on_its_own() -> None:
    with qlik_sandbox() as q:
        child = q.task_named(
            lambda t: t["enabled"] and t.get("events") and "start" not in t
            and q.client.get(f"{V1}/{t['id']}/runs/last").status_code == 200
        )  # fmt: skip
        before = q.ok(q.client.get(f"{V1}/{child['id']}/runs/last"))
        body = {**child, "enabled": False}
        assert q.ok(q.client.put(f"{V1}/{child['id']}", json=body))["enabled"] is False
        q.clock.advance(6 * 3600)
        # Its runs from before stay; no new ones come while it is off.
        assert q.ok(q.client.get(f"{V1}/{child['id']}/runs/last"))["id"] == before["id"]


@pytest.mark.parametrize(
    "change",
    [
        lambda b: b.pop("name"),
        lambda b: b.pop("specVersion"),
        lambda b: b.update(enabled="yes"),
        lambda b: b.update(events=[]),
    ],
)
def test_a_put_the_sandbox_cannot_honour_is_refused_with_400(change) -> None:
    with qlik_sandbox() as q:
        task = q.task_named(lambda t: t.get("events"))
        body = copy.deepcopy(task)
        change(body)
        response = q.client.put(f"{V1}/{task['id']}", json=body)
        assert response.status_code == 400, response.text
        assert q.ok(q.client.get(f"{V1}/{task['id']}")) == task  # unchanged


def test_generated_disabled_tasks_say_why() -> None:
    with qlik_sandbox() as q:
        disabled = [t for t in q.all_tasks() if not t["enabled"]]
        assert disabled
        assert all(t["metadata"]["disabledCode"] for t in disabled)
        assert all("disabledCode" not in t["metadata"] for t in q.all_tasks() if t["enabled"])


def test_scheduling_graph_endpoints_when_served_match_the_chains() -> None:
    with qlik_sandbox(qlik_graph_api=True) as q:
        tasks = {t["id"]: t for t in q.all_tasks()}
        root = next(t for t in tasks.values() if "start" in t and any(
            e["correlation"][0]["contextAttributeValue"] == t["id"]
            for other in tasks.values() for e in other.get("events", [])
        ))  # fmt: skip
        graph = q.ok(q.client.get(f"/api/scheduling/tasks/{root['id']}/graphs/descendants",
                                  params={"withTask": "true"}))  # fmt: skip
        declared = {
            (t["id"], e["correlation"][0]["contextAttributeValue"])
            for t in tasks.values()
            for e in t.get("events", [])
        }
        edges = {(e["source"], e["target"]) for e in graph["edges"]}
        assert edges and edges <= declared  # source = the child, target = the parent (Qlik's example)
        assert {v["taskId"] for v in graph["vertices"]} >= {root["id"]} | {s for s, _ in edges}
        assert all(v["task"]["id"] == v["taskId"] for v in graph["vertices"])
        children = q.ok(q.client.get(f"/api/scheduling/tasks/{root['id']}/graphs/children"))["data"]
        assert {c["id"] for c in children} == {s for s, t in declared if t == root["id"]}
        one = q.ok(
            q.client.get(f"/api/scheduling/tasks/{root['id']}/graphs/descendants", params={"level": 1})
        )
        assert all(v["attrs"]["depth"] <= 1 for v in one["vertices"])
        assert q.client.get(f"/api/scheduling/tasks/{root['id']}").status_code == 404  # graphs only


def test_every_response_was_validated() -> None:
    with qlik_sandbox() as q:
        for task in q.all_tasks()[:10]:
            q.client.get(f"{V1}/{task['id']}")
            q.client.get(f"{V1}/{task['id']}/runs")
        assert q.checker.seen >= 21 and not q.checker.errors
