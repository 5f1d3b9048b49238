"""The console over real loopback TCP: a raw asyncio listener that refuses, resets mid-body, accepts and
never answers, answers 202 forever, answers 401 once a token "expired", or disappears for a minute and
comes back; and the real uvicorn sandbox server with its socket-level faults."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import anyio
import pytest

from tests.reliability.support import (
    INTERVAL,
    SIZE,
    MisbehavingServer,
    Rig,
    armed_delay,
    build,
    header,
    notifications,
    settle,
    tick,
)
from tui.backends.http import HttpSettings
from tui.errors import TransportError
from tui.sandbox import FaultConfig, SandboxConfig, SandboxServer
from tui.screens.confirm import ConfirmAction
from tui.screens.help import HelpScreen
from tui.widgets.keyed_table import KeyedTable

pytestmark = [pytest.mark.anyio, pytest.mark.tcp]
SETTINGS = HttpSettings(rate=None, call_timeout=5.0, connect_timeout=2.0, poll_limit=20.0)


@pytest.fixture
async def bad() -> AsyncIterator[MisbehavingServer]:
    server = MisbehavingServer()
    await server.start()
    yield server
    await server.stop()


def tcp_rig(server: MisbehavingServer, settings: HttpSettings = SETTINGS, **options: Any) -> Rig:
    rig = build(url=server.url, over_tcp=True, settings=settings, **options)
    server.attach(rig.sandbox)
    return rig


async def _mode(server: MisbehavingServer, mode: str) -> None:
    server.mode = mode


async def _refuse(server: MisbehavingServer) -> None:
    await server.stop()


async def _come_back(server: MisbehavingServer) -> None:
    server.mode = "ok"
    await server.start()


TCP_FAULTS: dict[str, tuple[Callable[[MisbehavingServer], Awaitable[None]], str, dict[str, Any]]] = {
    "refused": (_refuse, "could not connect", {}),
    "reset-mid-body": (lambda s: _mode(s, "reset"), "connection failed", {}),
    "accept-never-answer": (lambda s: _mode(s, "silent"), "no answer in time", {"call_timeout": 0.2}),
    "202-never-completes": (lambda s: _mode(s, "accepted"), "still in progress", {}),
    "401-token-expired": (lambda s: _mode(s, "unauthorized"), "HTTP 401", {}),
}


@pytest.mark.parametrize("fault", TCP_FAULTS)
async def test_console_over_tcp_rides_out_a_fault_and_recovers(fault: str, bad: MisbehavingServer) -> None:
    start, says, overrides = TCP_FAULTS[fault]
    settings = HttpSettings(**{**SETTINGS.__dict__, **overrides, "max_attempts": 2})
    rig = tcp_rig(bad, settings)
    app = rig.app
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert not screen.freshness.stale and screen.query_one(KeyedTable).row_count
        await start(bad)
        before = rig.requests()
        delays = [await tick(rig.clock, pilot) for _ in range(3)]
        assert screen.freshness.stale
        assert f"stale since {screen.freshness.failing_since:%H:%M:%S}" in header(app)
        await pilot.press("e")
        assert any(says in n for n in notifications(app)), notifications(app)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        # Bounded: the 202 case polls its result handle with growing delays up to poll_limit.
        per_poll = settings.max_attempts * (1 if fault != "202-never-completes" else 20)
        assert 0 < rig.requests() - before <= 3 * per_poll
        assert delays[-1] > INTERVAL
        if fault == "refused":
            await _come_back(bad)
        else:
            bad.mode = "ok"
        await tick(rig.clock, pilot)
        assert not screen.freshness.stale and "updated 0s ago" in header(app)


async def test_backend_gone_for_a_minute_then_back(bad: MisbehavingServer) -> None:
    rig = tcp_rig(bad)
    app = rig.app
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        await bad.stop()
        gone_at = rig.clock.now()
        polls = 0
        while (rig.clock.now() - gone_at).total_seconds() < 60:
            await tick(rig.clock, pilot)
            polls += 1
            assert screen.freshness.stale and app.is_running
        assert polls <= 8  # backed off: not one poll every 5 s for a minute
        assert rig.requests() <= 200
        await _come_back(bad)
        await tick(rig.clock, pilot)
        assert not screen.freshness.stale and "updated 0s ago" in header(app)
        assert armed_delay(app, rig.clock) == pytest.approx(INTERVAL)


async def test_a_poll_that_outlasts_the_interval_says_it_waits_and_shows_the_data_as_stale(
    bad: MisbehavingServer,
) -> None:
    """A server that accepts and never answers (stopped, or hung): the header says how long dagtop has
    waited ("waiting for server 25s") and the data is stale, not "updated 30s ago" as if all were well."""
    from tui.widgets.header import HeaderBar

    rig = tcp_rig(bad, HttpSettings(rate=None, call_timeout=60.0, read_timeout=60.0, max_attempts=1))
    app = rig.app
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        bar = screen.query_one(HeaderBar)
        bad.mode = "silent"
        seen = len(bad.requests)
        screen.poll_now()
        with anyio.fail_after(10):  # a safety net, not a speed check
            while len(bad.requests) == seen:
                await pilot.pause(0.01)
        rig.clock.advance(INTERVAL - 1)  # within the interval: a poll may take that long
        screen.refresh_header()
        assert "waiting for server" not in header(app) and not bar.has_class("-stale")
        rig.clock.advance(26 - INTERVAL)
        with anyio.fail_after(10):  # the header's own tick shows it, unasked (a safety net)
            while "waiting for server 25s" not in header(app):
                await pilot.pause(0.05)
        assert "stale: updated 25s ago" in header(app) and bar.has_class("-stale")
        assert screen.freshness.stale_at(rig.clock.now()) and screen._polling
        await bad.stop()  # the hung poll ends, as a failure: stale since its start... and retrying
        await settle(pilot)
        assert "waiting for server" not in header(app) and "stale since" in header(app)


async def test_keys_work_while_a_poll_waits_on_a_silent_server(bad: MisbehavingServer) -> None:
    rig = tcp_rig(bad, HttpSettings(rate=None, call_timeout=60.0, read_timeout=60.0, max_attempts=1))
    app = rig.app
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        bad.mode = "silent"
        seen = len(bad.requests)
        screen.poll_now()
        with anyio.fail_after(10):  # a safety net, not a speed check
            while len(bad.requests) == seen:
                await pilot.pause(0.01)
        assert screen._polling
        table = screen.query_one(KeyedTable)
        row = table.cursor_row
        await pilot.press("j", "question_mark")
        assert isinstance(app.screen, HelpScreen) and table.cursor_row == row + 1
        await pilot.press("escape", "ctrl+r", "ctrl+r")
        await pilot.pause()
        assert len(bad.requests) == seen + 1  # refresh does not stack polls on the silent one
        assert screen._polling
        await bad.stop()  # the server dies: the hung poll ends, as a failure
        await settle(pilot)
        assert not screen._polling and screen.freshness.stale


ACTION_MODES = {
    "reset-mid-body": ("reset", True),
    "accept-never-answer": ("silent", True),
    "202-never-completes": ("accepted", True),
    "401-token-expired": ("unauthorized", False),
}


@pytest.mark.parametrize("fault", ACTION_MODES)
async def test_an_action_over_tcp_is_sent_once(fault: str, bad: MisbehavingServer, tmp_path) -> None:
    mode, unknown = ACTION_MODES[fault]
    journal = tmp_path / "journal.jsonl"
    # Long enough for a fresh connection on a loaded machine (each action opens its own), short enough
    # that the silent modes end quickly: at 0.3 s the POST sometimes never left before the deadline.
    rig = tcp_rig(bad, HttpSettings(**{**SETTINGS.__dict__, "call_timeout": 1.5}), journal_path=journal)
    app = rig.app
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        root = next(r.task.key for r in screen.rows if r.task.is_root)
        table = screen.query_one(KeyedTable)
        table.move_cursor(row=table.get_row_index(root), animate=False)
        await pilot.press("x")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmAction)
        bad.mode = mode
        await pilot.press("y", "y")
        await settle(pilot)
        posts = [r for r in bad.requests if r[1] == "POST"]
        assert len(posts) == 1, bad.requests
        said = notifications(app)
        result = json.loads(journal.read_text().splitlines()[-1])["result"]
        if unknown:
            assert any("outcome unknown" in n for n in said), said
            assert result == "unknown"
        else:
            assert any("failed" in n and "HTTP 401" in n for n in said), said
            assert result == "failed"


async def test_a_refused_action_may_be_resent_because_nothing_was_sent(bad: MisbehavingServer) -> None:
    """Connection refused before a byte left: the one case an action is resent (no pooled socket)."""
    rig = tcp_rig(bad, HttpSettings(**{**SETTINGS.__dict__, "max_attempts": 3}))
    await bad.stop()
    with pytest.raises(TransportError, match="could not connect"):
        await rig.backend.execute("CUSTOMER_360")
    assert [e.error for e in rig.events if e.method == "POST"] == ["ConnectError"] * 3
    await rig.backend.aclose()
    await _come_back(bad)


async def test_uvicorn_sandbox_socket_faults_and_recovery() -> None:
    """The real sandbox server over TCP: dropped sockets, hangs and 503s, then recovery."""
    from tests.reliability.support import START, TOKEN, compressed_time, console_app
    from tui.backends.snowflake.adapter import SnowflakeBackend
    from tui.backends.snowflake.auth import token_auth
    from tui.sandbox import ManualClock

    clock = ManualClock(START)
    config = SandboxConfig(seed=7, tasks=40, token=TOKEN, faults=FaultConfig())
    with SandboxServer(config, host="127.0.0.1", port=0, clock=clock) as server:
        clock.advance(3600)
        database, schema = server.app.state.sandbox.scopes()[0]
        sleeps: list[float] = []
        backend = SnowflakeBackend.connect(
            server.url,
            token_auth(TOKEN, "PROGRAMMATIC_ACCESS_TOKEN"),
            database,
            schema,
            settings=HttpSettings(rate=None, call_timeout=0.3, max_attempts=2),
            **compressed_time(clock, sleeps),
        )
        app = console_app(backend, clock)
        faults = server.app.state.faults
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            screen = app.screen
            for field in ("drop_probability", "hang_probability", "unavailable_probability"):
                setattr(faults, field, 1.0)
                await tick(clock, pilot)
                assert screen.freshness.stale, field
                setattr(faults, field, 0.0)
                await tick(clock, pilot)
                assert not screen.freshness.stale, field
            log = server.app.state.request_log
            assert sum(1 for *_, status in log if status == 0) >= 2  # dropped and hung: no answer
