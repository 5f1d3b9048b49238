"""Fixtures building a SnowflakeBackend on the in-process sandbox (ASGI transport, fake time).

The sandbox is imported plainly: if it cannot be imported, the backend suite fails, it never skips."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from tests.backends.fakes import FakeTime
from tests.support.harness_qlik import QlikRig, build_backend
from tui.backends.http import HttpSettings, RequestEvent
from tui.backends.snowflake import SnowflakeBackend, token_auth
from tui.sandbox import FaultConfig, ManualClock, SandboxConfig, create_app

SANDBOX_TOKEN = "secret-token"


@dataclass
class Rig:
    """A sandbox app and a backend on it, with the fake time and every request the client sent."""

    app: Any
    backend: SnowflakeBackend
    time: FakeTime
    events: list[RequestEvent] = field(default_factory=list)

    @property
    def faults(self) -> Any:
        return self.app.state.faults

    @property
    def log(self) -> list[tuple[str, str, int]]:
        return list(self.app.state.request_log)

    def sent(self, method: str, fragment: str) -> list[RequestEvent]:
        return [e for e in self.events if e.method == method and fragment in e.url]


def sandbox_app(**overrides: Any) -> Any:
    config = {
        "seed": 7,
        "tasks": 200,
        "token": SANDBOX_TOKEN,
        "page_size": 1000,
        "async_probability": 0.0,
        "async_polls": 1,
        "faults": FaultConfig(),
        **overrides,
    }
    clock = ManualClock(datetime(2026, 1, 5, 12, 0, tzinfo=UTC))
    return create_app(SandboxConfig(**config), clock=clock)


def make_backend(
    app: Any, *, token: str = SANDBOX_TOKEN, scope: tuple[str, str] | None = None, **settings: Any
) -> Rig:
    database, schema = scope or app.state.sandbox.scopes()[0]
    fake = FakeTime()
    settings.setdefault("rate", None)
    events: list[RequestEvent] = []
    backend = SnowflakeBackend.connect(
        "http://sandbox.test",
        token_auth(token),
        database,
        schema,
        transport=httpx.ASGITransport(app=app),
        settings=HttpSettings(**settings),
        sleep=fake.sleep,
        clock=fake.clock,
        rng=random.Random(0),
        on_request=events.append,
    )
    return Rig(app, backend, fake, events)


@pytest.fixture
def rig_factory() -> Callable[..., Rig]:
    """``rig_factory(sandbox_overrides..., http=dict(settings))``; closes every backend afterwards."""
    made: list[Rig] = []

    def factory(http: dict[str, Any] | None = None, **overrides: Any) -> Rig:
        rig = make_backend(sandbox_app(**overrides), **(http or {}))
        made.append(rig)
        return rig

    return factory


@pytest.fixture
async def rig(rig_factory: Callable[..., Rig]) -> AsyncIterator[Rig]:
    rig = rig_factory()
    yield rig
    await rig.backend.aclose()


@pytest.fixture
async def qlik_rig() -> AsyncIterator[QlikRig]:
    """A QlikBackend on the in-process Qlik sandbox; every answer it gave is checked against Qlik's types."""
    rig = build_backend()
    yield rig
    await rig.backend.aclose()
    assert not rig.checker.errors
