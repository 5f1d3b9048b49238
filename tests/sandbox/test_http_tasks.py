"""Task endpoints of the sandbox: list (every show option), create, fetch, PUT, delete, resume/suspend.

Every response is validated against the official spec by the client fixture's hook.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.sandbox.spec import Api, assert_error, task_body, unique

pytestmark = pytest.mark.anyio


def like_regex(pattern: str) -> re.Pattern[str]:
    """SQL LIKE (no escape character): % = any run, _ = one char, case-insensitive, whole string."""
    parts = ["." if ch == "_" else ".*" if ch == "%" else re.escape(ch) for ch in pattern]
    return re.compile("^" + "".join(parts) + "$", re.IGNORECASE | re.DOTALL)


async def all_tasks(api: Api) -> list[dict[str, Any]]:
    response = await api.list()
    assert response.status_code == 200, response.text
    return response.json()


# -- list -------------------------------------------------------------------------------------------


async def test_list_returns_the_scopes_tasks_sorted_by_name(api: Api) -> None:
    tasks = await all_tasks(api)
    assert tasks, "the default scope of the seeded account holds no tasks"
    names = [t["name"] for t in tasks]
    assert len(names) == len(set(names)), "a task is listed twice"
    assert names == sorted(names), "SHOW-style listing is ordered by name (fromName depends on it)"
    assert {(t["database_name"], t["schema_name"]) for t in tasks} == {(api.database, api.schema)}


async def test_list_includes_a_created_task_and_not_a_deleted_one(api: Api) -> None:
    name = unique()
    await api.create_ok(name)
    assert name in await api.names()
    await api.ok(api.delete(name))
    assert name not in await api.names()


async def test_root_only_lists_exactly_the_tasks_without_predecessors(api: Api) -> None:
    graph = await api.diamond(resume=False)
    tasks = await all_tasks(api)
    roots = await api.names(rootOnly=True)
    # The spec: "only root resources (resources with no predecessors)"; a finalizer has none either.
    finalizers = [t["name"] for t in tasks if not t.get("predecessors") and t.get("finalize")]
    assert not set(finalizers) - set(roots), f"rootOnly omits finalizers with no predecessors: {finalizers}"
    assert roots == [t["name"] for t in tasks if not t.get("predecessors")]
    assert graph.root in roots
    assert not {graph.a, graph.b, graph.c} & set(roots)
    assert len(roots) < len(tasks)
    assert await api.names(rootOnly=False) == [t["name"] for t in tasks]


async def test_like_is_case_insensitive_with_sql_wildcards(api: Api) -> None:
    for name in ("ZQ_LIKE_AB", "ZQ_LIKE_XB", "ZQ_LIKEAB", "ZQ_LIKE_ABC"):
        await api.create_ok(name)
    names = [t["name"] for t in await all_tasks(api)]
    cases = {
        "zq_like_ab": {"ZQ_LIKE_AB"},
        "ZQ_LIKE_%": {"ZQ_LIKE_AB", "ZQ_LIKE_XB", "ZQ_LIKEAB", "ZQ_LIKE_ABC"},  # _ matches any one char
        "%like__b": {"ZQ_LIKE_AB", "ZQ_LIKE_XB"},
        "zq!like%": set(),
        "%_ABC": {"ZQ_LIKE_ABC"},
    }
    for pattern, must in cases.items():
        got = await api.names(like=pattern)
        assert got == [n for n in names if like_regex(pattern).match(n)], pattern
        assert must <= set(got), pattern
        assert set(got) & {"ZQ_LIKE_AB", "ZQ_LIKE_XB", "ZQ_LIKEAB", "ZQ_LIKE_ABC"} == must, pattern


async def test_like_matches_a_seeded_name_in_any_case(api: Api) -> None:
    seeded = (await all_tasks(api))[0]["name"]
    assert await api.names(like=seeded.lower()) == [seeded]
    assert await api.names(like=seeded.swapcase()) == [seeded]


async def test_starts_with_is_case_sensitive(api: Api) -> None:
    for name in ("ZQ_SW_ONE", "ZQ_SW_TWO", "ZQ_SWX"):
        await api.create_ok(name)
    names = [t["name"] for t in await all_tasks(api)]
    assert await api.names(startsWith="ZQ_SW_") == ["ZQ_SW_ONE", "ZQ_SW_TWO"]
    assert await api.names(startsWith="ZQ_SW") == [n for n in names if n.startswith("ZQ_SW")]
    assert await api.names(startsWith="zq_sw_") == []
    assert await api.names(startsWith="ZQ_SW_", like="%two") == ["ZQ_SW_TWO"]


@pytest.mark.parametrize("limit", [1, 3, 10000])
async def test_show_limit_caps_the_rows(api: Api, limit: int) -> None:
    names = [t["name"] for t in await all_tasks(api)]
    assert await api.names(showLimit=limit) == names[:limit]


@pytest.mark.parametrize("limit", ["0", "-1", "10001", "ten", "1.5"])
async def test_show_limit_outside_1_to_10000_is_a_400(api: Api, limit: str) -> None:
    assert_error(await api.list(showLimit=limit), 400)


def after_from_name(names: list[str], from_name: str) -> list[str]:
    """The spec's words: rows "following the first row whose object name matches the specified string.
    Case-sensitive and does not have to be the full name" (a prefix). With no such row: the rows that
    sort after the string (unspecified; lets a client page through a sorted list)."""
    hit = next((i for i, n in enumerate(names) if n.startswith(from_name)), None)
    return [n for n in names if n > from_name] if hit is None else names[hit + 1 :]


async def test_from_name_lists_the_rows_following_the_first_match(api: Api) -> None:
    names = [t["name"] for t in await all_tasks(api)]
    assert len(names) >= 5
    pivot = names[len(names) // 2]
    assert await api.names(fromName=pivot) == names[names.index(pivot) + 1 :]
    assert await api.names(fromName=pivot[:-1]) == after_from_name(names, pivot[:-1])
    assert await api.names(fromName=pivot.lower()) == after_from_name(names, pivot.lower()), "case-sensitive"
    assert await api.names(fromName=pivot, showLimit=2) == names[names.index(pivot) + 1 :][:2]
    assert await api.names(fromName="~~~") == []


async def test_invalid_boolean_parameter_is_a_400(api: Api) -> None:
    assert_error(await api.list(rootOnly="maybe"), 400)


# -- create -----------------------------------------------------------------------------------------


async def test_create_answers_status_and_the_task_is_fetchable_suspended(api: Api) -> None:
    name = unique()
    schedule = {"schedule_type": "MINUTES_TYPE", "minutes": 15}
    response = await api.create(task_body(name, comment="hello", schedule=schedule, config={"k": "v"}))
    assert response.status_code == 200
    assert set(response.json()) == {"status"} and response.json()["status"]
    task = await api.get(name)
    assert task["name"] == name
    assert task["definition"] == "select 1"
    assert task["comment"] == "hello"
    assert task["schedule"] == schedule
    assert task["config"] == {"k": "v"}
    assert task["state"] == "suspended", "CREATE TASK creates a suspended task"
    assert (task["database_name"], task["schema_name"]) == (api.database, api.schema)
    assert task["predecessors"] == []
    assert task["created_on"] and task["id"]


async def test_create_with_cron_schedule_round_trips(api: Api) -> None:
    name = unique()
    cron = {"schedule_type": "CRON_TYPE", "cron_expr": "0 3 * * *", "timezone": "UTC"}
    await api.create_ok(name, schedule=cron)
    assert (await api.get(name))["schedule"] == cron


async def test_unquoted_names_are_case_insensitive_and_reported_upper_case(api: Api) -> None:
    await api.create_ok("zq_lower_case")
    assert (await api.get("ZQ_LOWER_CASE"))["name"] == "ZQ_LOWER_CASE"
    assert (await api.get("zq_lower_case"))["name"] == "ZQ_LOWER_CASE"


async def test_create_conflict_is_409_by_default_and_with_error_if_exists(api: Api) -> None:
    name = unique()
    await api.create_ok(name, comment="first")
    assert_error(await api.create(task_body(name, comment="second")), 409, contains=[name])
    assert_error(await api.create(task_body(name, comment="second"), "errorIfExists"), 409)
    assert (await api.get(name))["comment"] == "first"


async def test_create_if_not_exists_keeps_the_existing_task(api: Api) -> None:
    name = unique()
    await api.create_ok(name, comment="first")
    response = await api.create(task_body(name, comment="second"), "ifNotExists")
    assert response.status_code == 200
    assert (await api.get(name))["comment"] == "first"
    other = unique()
    assert (await api.create(task_body(other), "ifNotExists")).status_code == 200
    assert (await api.get(other))["name"] == other


async def test_create_or_replace_replaces_the_task(api: Api) -> None:
    name = unique()
    await api.create_ok(name, comment="first", config={"a": "1"})
    response = await api.create(task_body(name, comment="second"), "orReplace")
    assert response.status_code == 200
    task = await api.get(name)
    assert task["comment"] == "second"
    assert "config" not in task or task["config"] in (None, {})


@pytest.mark.parametrize(
    "body",
    [
        {"definition": "select 1"},  # no name
        {"name": "ZQ_NO_DEF"},  # no definition
        {"name": "bad name!", "definition": "select 1"},
        {
            "name": "ZQ_BAD_SCHED",
            "definition": "select 1",
            "schedule": {"schedule_type": "HOURS", "hours": 1},
        },
        {"name": "ZQ_BAD_CRON", "definition": "select 1", "schedule": {"schedule_type": "CRON_TYPE"}},
        {"name": "ZQ_BAD_RETRY", "definition": "select 1", "task_auto_retry_attempts": 31},
        {"name": "ZQ_BAD_TYPE", "definition": "select 1", "predecessors": "A"},
    ],
)
async def test_create_with_an_invalid_body_is_a_400(api: Api, body: dict[str, Any]) -> None:
    assert_error(await api.create(body), 400)


async def test_create_with_an_unknown_predecessor_fails(api: Api) -> None:
    assert_error(await api.create(task_body(unique(), predecessors=["ZQ_NOBODY"])), {400, 404})


async def test_create_with_an_invalid_create_mode_is_a_400(api: Api) -> None:
    assert_error(await api.create(task_body(unique()), "sometimes"), 400)


async def test_malformed_json_body_is_a_400(api: Api) -> None:
    response = await api.client.post(
        api.tasks, content=b"{not json", headers={"content-type": "application/json"}
    )
    assert_error(response, 400)


# -- fetch / PUT / delete ---------------------------------------------------------------------------


async def test_fetch_unknown_task_is_404_naming_it(api: Api) -> None:
    assert_error(await api.fetch("ZQ_MISSING"), 404, contains=["ZQ_MISSING"])


async def test_put_creates_a_missing_task(api: Api) -> None:
    name = unique()
    response = await api.put(name, task_body(name, comment="made by put"))
    assert response.status_code == 200
    assert set(response.json()) == {"status"}
    assert (await api.get(name))["comment"] == "made by put"


async def test_put_needs_the_full_property_set_omitted_ones_become_null(api: Api) -> None:
    name = unique()
    await api.create_ok(
        name,
        comment="keep?",
        config={"a": "1"},
        user_task_timeout_ms=60000,
        schedule={"schedule_type": "MINUTES_TYPE", "minutes": 5},
    )
    body = task_body(name, definition="select 2", schedule={"schedule_type": "MINUTES_TYPE", "minutes": 7})
    await api.ok(api.put(name, body))
    task = await api.get(name)
    assert task["definition"] == "select 2"
    assert task["schedule"] == {"schedule_type": "MINUTES_TYPE", "minutes": 7}
    for dropped in ("comment", "user_task_timeout_ms"):
        assert task.get(dropped) is None, f"{dropped} was omitted from the PUT body but kept"
    assert task.get("config") in (None, {})


async def test_put_keeps_identity_and_state(api: Api) -> None:
    name = unique()
    await api.create_ok(name)
    before = await api.get(name)
    await api.ok(api.put(name, task_body(name, comment="altered")))
    after = await api.get(name)
    assert after["id"] == before["id"]
    assert after["created_on"] == before["created_on"]
    assert after["state"] == before["state"]
    assert after["comment"] == "altered"


async def test_put_with_an_invalid_body_is_a_400(api: Api) -> None:
    name = unique()
    await api.create_ok(name)
    assert_error(await api.put(name, {"name": name}), 400)


async def test_delete_then_fetch_is_404_and_delete_again_is_404(api: Api) -> None:
    name = unique()
    await api.create_ok(name)
    response = await api.delete(name)
    assert response.status_code == 200 and set(response.json()) == {"status"}
    assert_error(await api.fetch(name), 404)
    assert_error(await api.delete(name), 404, contains=[name])
    assert_error(await api.delete(name, ifExists=False), 404)


async def test_delete_if_exists_succeeds_for_a_missing_task(api: Api) -> None:
    response = await api.delete("ZQ_NEVER_WAS", ifExists=True)
    assert response.status_code == 200


async def test_delete_with_an_invalid_if_exists_is_a_400(api: Api) -> None:
    assert_error(await api.delete("ZQ_X", ifExists="perhaps"), 400)


# -- resume / suspend -------------------------------------------------------------------------------


async def test_resume_and_suspend_flip_the_state(api: Api) -> None:
    name = unique()
    await api.create_ok(name, schedule={"schedule_type": "MINUTES_TYPE", "minutes": 10})
    response = await api.resume(name)
    assert response.status_code == 200 and set(response.json()) == {"status"}
    assert (await api.get(name))["state"] == "started"
    await api.ok(api.suspend(name))
    task = await api.get(name)
    assert task["state"] == "suspended"
    assert task.get("last_suspended_on"), "a suspended task reports when it was suspended"


@pytest.mark.parametrize("action", [":resume", ":suspend", ":execute"])
async def test_actions_on_an_unknown_task_are_404(api: Api, action: str) -> None:
    response = await api.client.post(api.task("ZQ_MISSING", action))
    assert_error(response, 404, contains=["ZQ_MISSING"])
