"""Actions across idle keep-alive boundaries: never an unknown outcome, never sent twice.

A pooled connection that has been idle may already be closed by the server or forgotten by a load
balancer; a request sent on it is lost with an unknown outcome. These tests idle a client across the
boundary again and again (just under, at and over it) between a poll and an action, in real time over
real sockets, and count what the sandbox received.
"""

from __future__ import annotations

import collections
import contextlib
from collections.abc import Iterator

import anyio
import pytest

from tests.backends.balancer import IdleDroppingBalancer
from tui.backends.http import HttpSettings
from tui.backends.snowflake import SnowflakeBackend, token_auth
from tui.backends.snowflake.identifiers import quote_ident
from tui.errors import ActionOutcomeUnknown
from tui.sandbox import FaultConfig, SandboxConfig, SandboxServer
from tui.sandbox.server import KEEP_ALIVE

pytestmark = [pytest.mark.anyio, pytest.mark.tcp]

BOUNDARY = 0.25  # seconds an idle connection survives (sandbox keep-alive or balancer idle timeout)
ROUNDS = 16
TOKEN = "keep-alive-token"


@contextlib.contextmanager
def sandbox(keep_alive: float) -> Iterator[SandboxServer]:
    config = SandboxConfig(seed=7, tasks=80, token=TOKEN, faults=FaultConfig())
    with SandboxServer(config, keep_alive=keep_alive) as server:
        yield server


def idle_times() -> list[float]:
    """From 0.6x to 1.6x the boundary, several right at it."""
    return [BOUNDARY * (0.6 + i / (ROUNDS - 1)) for i in range(ROUNDS)]


async def poll_then_act(url: str, server: SandboxServer) -> tuple[list[str], collections.Counter[str]]:
    """Each round: a poll (fills the pool), idle, then an action. Returns unknown outcomes and sends."""
    database, schema = (quote_ident(part) for part in server.app.state.sandbox.scopes()[0])
    # The client's own settings (keep-alive expiry included) are its defaults: a balancer's idle
    # timeout is not something a client can know.
    backend = SnowflakeBackend.connect(
        url, token_auth(TOKEN), database, schema, settings=HttpSettings(rate=None, backoff_base=0.02)
    )
    roots = [(task.key, task.name) for task in await backend.list_tasks() if task.is_root]
    unknown: list[str] = []
    sent: collections.Counter[str] = collections.Counter()
    try:
        for i, idle in enumerate(idle_times()):
            await backend.list_tasks()
            await anyio.sleep(idle)
            key, name = roots[i % len(roots)]
            try:
                await (backend.suspend(key) if i % 2 else backend.resume(key))
            except ActionOutcomeUnknown as exc:
                unknown.append(str(exc))
            sent[f"{name}:{'suspend' if i % 2 else 'resume'}"] += 1
    finally:
        await backend.aclose()
    return unknown, sent


def received(server: SandboxServer) -> collections.Counter[str]:
    """Each action the sandbox got, by task and verb (from its request log)."""
    got: collections.Counter[str] = collections.Counter()
    for method, path, _status in server.app.state.request_log:
        if method == "POST":
            name = path.rsplit("/", 1)[1]
            got[name] += 1
    return got


@pytest.mark.parametrize("front", ["sandbox", "balancer"])
async def test_actions_across_idle_boundaries_are_sent_once_with_a_known_outcome(front: str) -> None:
    if front == "sandbox":
        with sandbox(keep_alive=BOUNDARY) as server:
            unknown, sent = await poll_then_act(server.url, server)
    else:
        # The sandbox keeps connections longer than the balancer in front of it, as in production.
        with sandbox(keep_alive=30) as server, IdleDroppingBalancer(server.port, idle=BOUNDARY) as lb:
            unknown, sent = await poll_then_act(lb.url, server)
        # The rounds really crossed the boundary: polls met forgotten connections (and were resent).
        assert lb.resets > 0
    assert unknown == []
    assert received(server) == sent


def test_the_client_lets_idle_connections_go_before_the_servers_it_knows_do() -> None:
    # uvicorn (the sandbox, Airflow 3's api-server) closes idle connections after 5 s; a client that
    # keeps them as long races the server's close on every poll.
    assert HttpSettings().keepalive_expiry < KEEP_ALIVE
