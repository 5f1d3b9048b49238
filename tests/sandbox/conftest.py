"""Fixtures for the sandbox's black-box HTTP conformance suite.

Every client these fixtures hand out validates every response against the official Snowflake spec
(``tests/sandbox/spec.py``) in an httpx response hook, so no test can forget to.
The sandbox is imported lazily: the validator's self-tests run even when it is absent.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from tests.sandbox.spec import START, Api, ContractChecker, asgi_client, make_config


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


@pytest.fixture
async def client(app: Any, checker: ContractChecker) -> AsyncIterator[httpx.AsyncClient]:
    async with asgi_client(app, checker) as c:
        yield c


@pytest.fixture
def scope(app: Any) -> tuple[str, str]:
    """The default (database, schema) of the seeded account."""
    scopes = app.state.sandbox.scopes()
    assert scopes, "the sandbox holds no database/schema"
    return scopes[0]


@pytest.fixture
def api(client: httpx.AsyncClient, scope: tuple[str, str]) -> Api:
    return Api(client, *scope)
