"""Over a real loopback socket: dropped connections, hangs and refused connections."""

from __future__ import annotations

import random
import socket
from collections.abc import Iterator
from typing import Any

import pytest

from tests.backends.fakes import FakeTime
from tui.backends.http import HttpSettings, RequestEvent
from tui.backends.snowflake import SnowflakeBackend, token_auth
from tui.backends.snowflake.identifiers import quote_ident
from tui.errors import ActionOutcomeUnknown, TransportError
from tui.sandbox import FaultConfig, SandboxConfig, SandboxServer

pytestmark = [pytest.mark.anyio, pytest.mark.tcp]


@pytest.fixture
def server() -> Iterator[Any]:
    config = SandboxConfig(seed=7, tasks=60, token="tcp-secret-token", faults=FaultConfig())
    with SandboxServer(config, host="127.0.0.1", port=0) as srv:
        yield srv


def connect(url: str, token: str, events: list[RequestEvent], scope: tuple[str, str] = ("DB", "S"),
            **settings: Any) -> SnowflakeBackend:  # fmt: skip
    settings.setdefault("rate", None)
    fake = FakeTime()
    database, schema = (quote_ident(part) for part in scope)
    return SnowflakeBackend.connect(
        url,
        token_auth(token),
        database,
        schema,
        settings=HttpSettings(**settings),
        sleep=fake.sleep,
        clock=fake.clock,
        rng=random.Random(0),
        on_request=events.append,
    )


async def test_dropped_connections_are_retried_for_reads(server: Any) -> None:
    events: list[RequestEvent] = []
    scope = server.app.state.sandbox.scopes()[0]
    backend = connect(server.url, server.token, events, scope, max_attempts=3)
    expected = len(await backend.list_tasks())
    server.app.state.faults.drop_probability = 1.0
    with pytest.raises(TransportError, match="connection failed") as info:
        await backend.list_tasks()
    assert "tcp-secret-token" not in str(info.value)
    assert len(events) == 1 + 3
    server.app.state.faults.drop_probability = 0.0
    assert len(await backend.list_tasks()) == expected  # the pool recovers from the dead connections
    await backend.aclose()


async def test_a_hanging_action_is_sent_once_and_reported_unknown(server: Any) -> None:
    events: list[RequestEvent] = []
    scope = server.app.state.sandbox.scopes()[0]
    backend = connect(server.url, server.token, events, scope, read_timeout=0.3)
    root = next(t for t in await backend.list_tasks() if t.is_root)
    server.app.state.faults.hang_probability = 1.0
    with pytest.raises(ActionOutcomeUnknown, match="may or may not have happened"):
        await backend.execute(root.key)
    assert len([e for e in events if e.method == "POST"]) == 1
    server.app.state.faults.hang_probability = 0.0
    await backend.aclose()


async def test_a_refused_connection_is_retried_even_for_an_action() -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    events: list[RequestEvent] = []
    backend = connect(f"http://127.0.0.1:{port}", "refused-secret-token", events, max_attempts=3)
    with pytest.raises(TransportError, match="could not connect") as info:
        await backend.execute("SOME_ROOT")
    assert not isinstance(info.value, ActionOutcomeUnknown)
    assert len(events) == 3
    assert "refused-secret-token" not in repr(info.value)
    await backend.aclose()
