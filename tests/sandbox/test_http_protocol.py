"""Protocol-level behaviour: auth, request IDs, 404s, databases/schemas, Link pagination, 202 + Location."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx
import pytest

from tests.sandbox.spec import (
    REQUEST_ID_HEADER,
    Api,
    ContractChecker,
    asgi_client,
    assert_error,
    parse_link_header,
    task_body,
    unique,
)

pytestmark = pytest.mark.anyio


# -- auth -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("token", [None, "wrong-token", ""])
async def test_requests_without_the_right_bearer_token_are_401(
    app: Any, scope: Any, token: str | None
) -> None:
    checker = ContractChecker()
    database, schema = scope
    async with asgi_client(app, checker, token=token) as client:
        paths = [
            f"/api/v2/databases/{database}/schemas/{schema}/tasks",
            f"/api/v2/databases/{database}/schemas/{schema}/tasks/ANY",
            "/api/v2/databases",
            f"/api/v2/databases/{database}/schemas",
            "/api/v2/results/whatever",
        ]
        for path in paths:
            assert_error(await client.get(path), 401)
        assert_error(
            await client.post(f"/api/v2/databases/{database}/schemas/{schema}/tasks/ANY:execute"), 401
        )


async def test_other_authorization_schemes_are_401(app: Any, scope: Any) -> None:
    checker = ContractChecker()
    async with asgi_client(app, checker, token=None) as client:
        for header in ("Basic c2VjcmV0LXRva2Vu", "secret-token", 'Snowflake Token="nope"'):
            response = await client.get("/api/v2/databases", headers={"Authorization": header})
            assert_error(response, 401)


async def test_a_401_changes_nothing(app: Any, api: Api) -> None:
    name = unique()
    async with asgi_client(app, ContractChecker(), token="wrong") as intruder:
        assert_error(await intruder.post(api.tasks, json=task_body(name)), 401)
    assert_error(await api.fetch(name), 404)


async def test_the_contract_hook_sees_every_response(api: Api, checker: ContractChecker) -> None:
    await api.list()
    await api.fetch("ZQ_MISSING")
    assert [status for _, _, status, _ in checker.validated] == [200, 404]
    assert [op for *_, op in checker.validated] == ["listTasks", "fetchTask"]


# -- request IDs ------------------------------------------------------------------------------------


async def test_every_response_carries_a_unique_request_id(api: Api) -> None:
    responses = [
        await api.list(),
        await api.fetch("ZQ_MISSING"),
        await api.list(showLimit=0),
        await api.client.get("/api/v2/results/no-such-handle"),
        await api.client.get("/api/v2/no/such/endpoint"),
    ]
    ids = [r.headers[REQUEST_ID_HEADER] for r in responses]
    assert len(set(ids)) == len(ids)
    for response in responses[1:3]:
        assert response.json()["request_id"] == response.headers[REQUEST_ID_HEADER]


# -- unknown things ---------------------------------------------------------------------------------


async def test_unknown_database_or_schema_is_404(api: Api) -> None:
    for database, schema in (("ZQ_NO_DB", api.schema), (api.database, "ZQ_NO_SCHEMA")):
        other = Api(api.client, database, schema)
        assert_error(await other.list(), 404, contains=["ZQ_NO_"])
        assert_error(await other.fetch("ANY"), 404)
        assert_error(await other.create(task_body(unique())), 404)
        assert_error(await other.put("ZQ_T", task_body("ZQ_T")), 404)
    assert_error(await api.client.get("/api/v2/databases/ZQ_NO_DB/schemas"), 404, contains=["ZQ_NO_DB"])


async def test_unknown_endpoint_is_404_and_wrong_method_is_405_or_404(api: Api) -> None:
    assert_error(await api.client.get("/api/v2/no/such/endpoint"), 404)
    assert_error(await api.client.post(api.task("ANY", ":explode")), {400, 404, 405})
    response = await api.client.patch(api.task("ANY"), json={})
    assert_error(response, {404, 405})


# -- databases and schemas --------------------------------------------------------------------------


async def test_databases_and_schemas_list_the_sandbox_scopes(app: Any, client: httpx.AsyncClient) -> None:
    scopes = app.state.sandbox.scopes()
    assert len(scopes) >= 2, "the seeded account should hold several scopes"
    response = await client.get("/api/v2/databases")
    assert response.status_code == 200
    databases = [d["name"] for d in response.json()]
    assert sorted(databases) == sorted({db for db, _ in scopes})
    for database in databases:
        response = await client.get(f"/api/v2/databases/{quote(database)}/schemas")
        assert response.status_code == 200
        schemas = response.json()
        assert sorted(s["name"] for s in schemas) == sorted(s for db, s in scopes if db == database)
        for schema in schemas:
            assert schema.get("database_name", database) == database


async def test_every_scope_lists_its_tasks(app: Any, client: httpx.AsyncClient) -> None:
    total = 0
    for database, schema in app.state.sandbox.scopes():
        tasks = await Api(client, database, schema).names()
        total += len(tasks)
    assert total == 200, "SandboxConfig(tasks=200) should seed 200 tasks across the scopes"


# -- pagination -------------------------------------------------------------------------------------


async def follow_pages(client: httpx.AsyncClient, first: httpx.Response) -> list[httpx.Response]:
    pages = [first]
    while True:
        links = parse_link_header(pages[-1].headers["Link"])
        if "next" not in links:
            return pages
        response = await client.get(links["next"])
        assert response.status_code == 200, response.text
        pages.append(response)
        assert len(pages) < 1000


async def test_large_lists_paginate_with_link_headers(make_app: Any, scope: Any) -> None:
    full_app, paged_app = make_app(), make_app(page_size=10)
    database, schema = scope
    async with (
        asgi_client(full_app, ContractChecker()) as full,
        asgi_client(paged_app, ContractChecker()) as paged,
    ):
        everything = await Api(full, database, schema).names()
        assert len(everything) > 25, "need more than two pages to test pagination"
        first = await Api(paged, database, schema).list()
        assert first.status_code == 200
        assert len(first.json()) == 10
        links = parse_link_header(first.headers["Link"])
        assert {"first", "next", "last"} <= set(links) and "prev" not in links
        pages = await follow_pages(paged, first)
        expected_pages = -(-len(everything) // 10)
        assert len(pages) == expected_pages
        last_links = parse_link_header(pages[-1].headers["Link"])
        assert "next" not in last_links and "prev" in last_links
        for page in pages[1:-1]:
            assert {"first", "prev", "next", "last"} <= set(parse_link_header(page.headers["Link"]))
        assert links["last"].endswith(f"page={expected_pages - 1}")
        names = [t["name"] for page in pages for t in page.json()]
        assert names == everything, "every task exactly once, in order"
        # Any page can be fetched directly, and the first link is page 0.
        again = await paged.get(links["first"])
        assert [t["name"] for t in again.json()] == everything[:10]


async def test_a_list_within_the_page_size_has_no_link(api: Api) -> None:
    response = await api.list(showLimit=5)
    assert response.status_code == 200 and "Link" not in response.headers


async def test_unknown_result_handle_or_page_is_an_error(make_app: Any, scope: Any) -> None:
    async with asgi_client(make_app(page_size=10), ContractChecker()) as client:
        assert_error(await client.get("/api/v2/results/no-such-handle"), {404, 410})
        first = await Api(client, *scope).list()
        links = parse_link_header(first.headers["Link"])
        base = links["first"].split("?")[0]
        assert_error(await client.get(base, params={"page": "99999"}), {400, 404})
        assert_error(await client.get(base, params={"page": "-1"}), 400)


# -- async (202 + Location) -------------------------------------------------------------------------


async def poll(client: httpx.AsyncClient, response: httpx.Response) -> tuple[httpx.Response, int]:
    assert response.status_code == 202, response.text
    assert response.json()["code"] == "392604"
    location = response.headers["Location"]
    polls = 0
    while response.status_code == 202:
        assert polls < 20, "the result never arrived"
        response = await client.get(location)
        polls += 1
    return response, polls


@pytest.mark.parametrize("polls", [1, 3])
async def test_async_reads_answer_202_then_the_result(make_app: Any, scope: Any, polls: int) -> None:
    reference, async_app = make_app(), make_app(async_probability=1.0, async_polls=polls)
    async with (
        asgi_client(reference, ContractChecker()) as ref,
        asgi_client(async_app, ContractChecker()) as client,
    ):
        api = Api(client, *scope)
        result, count = await poll(client, await api.list(showLimit=20))
        assert result.status_code == 200
        assert count == polls + 1, f"async_polls={polls}: {polls} polls answer 202, then the result"
        assert result.json() == (await Api(ref, *scope).list(showLimit=20)).json()
        name = result.json()[0]["name"]
        fetched, _ = await poll(client, await api.fetch(name))
        assert fetched.json()["name"] == name
        missing = await api.fetch("ZQ_MISSING")  # an error may come at once or after the polls
        if missing.status_code == 202:
            missing, _ = await poll(client, missing)
        assert_error(missing, 404)


async def test_async_writes_take_effect(make_app: Any, scope: Any) -> None:
    async with asgi_client(make_app(async_probability=1.0, async_polls=1), ContractChecker()) as client:
        api = Api(client, *scope)
        name = unique()
        created, _ = await poll(client, await api.create(task_body(name)))
        assert created.status_code == 200 and set(created.json()) == {"status"}
        fetched, _ = await poll(client, await api.fetch(name))
        assert fetched.json()["name"] == name


async def test_async_exec_answers_202_then_the_run_exists(api: Api) -> None:
    graph = await api.diamond(resume=False)
    response = await api.execute(graph.root, asyncExec=True)
    result, _ = await poll(api.client, response)
    assert result.status_code == 200 and set(result.json()) == {"status"}
    current = (await api.ok(api.current(graph.root))).json()
    assert len(current) == 1 and current[0]["state"] in {"SCHEDULED", "EXECUTING"}
