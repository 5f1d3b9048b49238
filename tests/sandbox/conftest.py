"""Fixtures for the sandbox's black-box HTTP conformance suite.

Every client these fixtures hand out validates every response against the official Snowflake spec
(``tests/sandbox/spec.py``) in an httpx response hook, so no test can forget to.
The sandbox is imported lazily: the validator's self-tests run even when it is absent.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from tests.sandbox.spec import ContractChecker

TOKEN = "secret-token"
START = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
BASE_URL = "http://sandbox"


def make_config(**overrides: Any) -> Any:
    from tui.sandbox import FaultConfig, SandboxConfig

    settings: dict[str, Any] = {
        "seed": 7,
        "tasks": 200,
        "graphs": None,
        "speed": 60.0,
        "token": TOKEN,
        "page_size": 1000,
        "async_probability": 0.0,
        "async_polls": 1,
        "faults": FaultConfig(),
    }
    settings.update(overrides)
    return SandboxConfig(**settings)


@pytest.fixture
def clock() -> Any:
    from tui.sandbox import ManualClock

    return ManualClock(START)


@pytest.fixture
def make_app(clock: Any) -> Callable[..., Any]:
    """``make_app(**config_overrides)``: a fresh sandbox ASGI app on the test's ManualClock."""
    from tui.sandbox import create_app

    def build(**overrides: Any) -> Any:
        return create_app(make_config(**overrides), clock=clock)

    return build


@pytest.fixture
def app(make_app: Callable[..., Any]) -> Any:
    return make_app()


@pytest.fixture
def checker() -> ContractChecker:
    return ContractChecker()


def asgi_client(app: Any, checker: ContractChecker, token: str | None = TOKEN) -> httpx.AsyncClient:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url=BASE_URL,
        headers=headers,
        event_hooks={"response": [checker.async_hook]},
    )


@pytest.fixture
async def client(app: Any, checker: ContractChecker) -> AsyncIterator[httpx.AsyncClient]:
    async with asgi_client(app, checker) as c:
        yield c
    assert checker.validated, "the contract hook validated nothing"


@pytest.fixture
def scope(app: Any) -> tuple[str, str]:
    """The default (database, schema) of the seeded account."""
    scopes = app.state.sandbox.scopes()
    assert scopes, "the sandbox holds no database/schema"
    return scopes[0]


_names = itertools.count(1)


def unique(prefix: str = "ZQ") -> str:
    """A task name no generator would produce (unquoted identifiers are upper-case)."""
    return f"{prefix}_{next(_names):04d}"


def task_body(name: str, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"name": name, "definition": "select 1", "warehouse": "TEST_WH"}
    body.update(fields)
    return {k: v for k, v in body.items() if v is not None}


class Api:
    """Thin URL helpers over the Snowflake task endpoints of one scope."""

    def __init__(self, client: httpx.AsyncClient, database: str, schema: str) -> None:
        self.client = client
        self.database = database
        self.schema = schema

    @property
    def tasks(self) -> str:
        return f"/api/v2/databases/{quote(self.database)}/schemas/{quote(self.schema)}/tasks"

    def task(self, name: str, suffix: str = "") -> str:
        return f"{self.tasks}/{quote(name)}{suffix}"

    async def list(self, **params: Any) -> httpx.Response:
        return await self.client.get(self.tasks, params=_params(params))

    async def names(self, **params: Any) -> list[str]:
        response = await self.list(**params)
        assert response.status_code == 200, response.text
        return [t["name"] for t in response.json()]

    async def create(self, body: dict[str, Any], mode: str | None = None) -> httpx.Response:
        params = {"createMode": mode} if mode else {}
        return await self.client.post(self.tasks, params=params, json=body)

    async def create_ok(self, name: str, **fields: Any) -> None:
        response = await self.create(task_body(name, **fields))
        assert response.status_code == 200, response.text

    async def fetch(self, name: str) -> httpx.Response:
        return await self.client.get(self.task(name))

    async def get(self, name: str) -> dict[str, Any]:
        response = await self.fetch(name)
        assert response.status_code == 200, response.text
        return response.json()

    async def put(self, name: str, body: dict[str, Any]) -> httpx.Response:
        return await self.client.put(self.task(name), json=body)

    async def delete(self, name: str, **params: Any) -> httpx.Response:
        return await self.client.delete(self.task(name), params=_params(params))

    async def execute(self, name: str, **params: Any) -> httpx.Response:
        return await self.client.post(self.task(name, ":execute"), params=_params(params))

    async def resume(self, name: str) -> httpx.Response:
        return await self.client.post(self.task(name, ":resume"))

    async def suspend(self, name: str) -> httpx.Response:
        return await self.client.post(self.task(name, ":suspend"))

    async def dependents(self, name: str, **params: Any) -> httpx.Response:
        return await self.client.get(self.task(name, "/dependents"), params=_params(params))

    async def current(self, name: str, alias: bool = False, **params: Any) -> httpx.Response:
        suffix = "/current_graphs" if alias else "/current-graphs"
        return await self.client.get(self.task(name, suffix), params=_params(params))

    async def complete(self, name: str, alias: bool = False, **params: Any) -> httpx.Response:
        suffix = "/complete_graphs" if alias else "/complete-graphs"
        return await self.client.get(self.task(name, suffix), params=_params(params))

    async def ok(self, response_or_coro: Any) -> httpx.Response:
        response = await response_or_coro
        assert response.status_code == 200, f"{response.request.url}: {response.status_code} {response.text}"
        return response

    async def diamond(self, prefix: str | None = None, *, resume: bool = True, **root_fields: Any) -> Graph:
        """ROOT -> A, ROOT -> B, A + B -> C; children resumed first, then (optionally) the root."""
        p = prefix or unique("DG")
        graph = Graph(root=f"{p}_ROOT", a=f"{p}_A", b=f"{p}_B", c=f"{p}_C")
        root_fields.setdefault("schedule", {"schedule_type": "MINUTES_TYPE", "minutes": 60})
        await self.create_ok(graph.root, **root_fields)
        await self.create_ok(graph.a, predecessors=[graph.root])
        await self.create_ok(graph.b, predecessors=[graph.root])
        await self.create_ok(graph.c, predecessors=[graph.a, graph.b])
        for name in (graph.c, graph.b, graph.a):
            await self.ok(self.resume(name))
        if resume:
            await self.ok(self.resume(graph.root))
        return graph


class Graph:
    def __init__(self, root: str, a: str, b: str, c: str) -> None:
        self.root, self.a, self.b, self.c = root, a, b, c

    @property
    def names(self) -> list[str]:
        return [self.root, self.a, self.b, self.c]


def _params(params: dict[str, Any]) -> dict[str, str]:
    return {
        k: (str(v).lower() if isinstance(v, bool) else str(v)) for k, v in params.items() if v is not None
    }


@pytest.fixture
def api(client: httpx.AsyncClient, scope: tuple[str, str]) -> Api:
    return Api(client, *scope)
