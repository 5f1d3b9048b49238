"""The console under every fault the in-process sandbox can inject (plus valid JSON of the wrong shape).

For each fault: the console keeps running and answering keys, the view says it is stale and since when,
the error is one key (``e``) away, stale rows are kept but never shown as current, polling backs off
with a bounded number of requests, and the first scheduled poll after the fault clears recovers.

Time is compressed (see ``support``): ``tick`` waits out exactly the delay the screen armed, as the
poll timer would, and calls ``poll_now``. Textual's timer firing is not what is tested here; the
delay it would be armed with is (``auto_poll`` wiring is checked in ``test_polling``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest

from tests.reliability.support import (
    INTERVAL,
    SIZE,
    Reshape,
    Rig,
    armed_delay,
    build,
    header,
    notifications,
    settle,
    tick,
)
from tui.backends.http import HttpSettings
from tui.screens.help import HelpScreen
from tui.screens.tasks import TasksScreen
from tui.services.freshness import MAX_BACKOFF_SECONDS
from tui.widgets.header import HeaderBar
from tui.widgets.keyed_table import KeyedTable

pytestmark = pytest.mark.anyio
FAILING_POLLS = 4


@dataclass
class Fault:
    name: str
    on: Callable[[Rig], None]
    off: Callable[[Rig], None]
    says: str  # what the full error (``e``) contains
    settings: dict[str, Any] = field(default_factory=dict)
    retry_after: float | None = None  # a Retry-After the console must honour between polls


def _set(**values: Any) -> Callable[[Rig], None]:
    def apply(rig: Rig) -> None:
        for key, value in values.items():
            setattr(rig.faults, key, value)

    return apply


def _reshape(body: bytes | None) -> Callable[[Rig], None]:
    def apply(rig: Rig) -> None:
        rig.backend.client.http._client._transport.body = body

    return apply


FAULTS = [
    Fault(
        "latency-beyond-timeout",
        _set(latency_probability=1.0, latency_seconds=5.0),
        _set(latency_probability=0.0),
        "no answer in time",
        {"call_timeout": 0.05, "max_attempts": 2},
    ),
    Fault(
        "429-retry-after",
        _set(rate_limit_probability=1.0, retry_after=25),
        _set(rate_limit_probability=0.0),
        "HTTP 429",
        retry_after=25,
    ),
    Fault(
        "429-no-retry-after",
        _set(rate_limit_probability=1.0, retry_after=None),
        _set(rate_limit_probability=0.0),
        "HTTP 429",
    ),
    Fault("503", _set(unavailable_probability=1.0), _set(unavailable_probability=0.0), "HTTP 503"),
    Fault("504", _set(gateway_timeout_probability=1.0), _set(gateway_timeout_probability=0.0), "HTTP 504"),
    Fault("reset", _set(drop_probability=1.0), _set(drop_probability=0.0), "connection failed"),
    Fault(
        "hang",
        _set(hang_probability=1.0),
        _set(hang_probability=0.0),
        "no answer in time",
        {"call_timeout": 0.05, "max_attempts": 2},
    ),
    Fault("truncated-json", _set(truncate_probability=1.0), _set(truncate_probability=0.0), "not JSON"),
    Fault("garbage", _set(malformed_probability=1.0), _set(malformed_probability=0.0), "not JSON"),
    Fault("wrong-shape-object", _reshape(b'{"tasks": "nope"}'), _reshape(None), "expected a JSON list"),
    Fault("wrong-shape-items", _reshape(b"[1, [2], null]"), _reshape(None), "unexpected task list"),
]


def table_keys(app: Any) -> list[str]:
    table = app.screen.query_one(KeyedTable)
    return [table.coordinate_to_cell_key((row, 0))[0].value for row in range(table.row_count)]


@pytest.mark.parametrize("fault", FAULTS, ids=lambda f: f.name)
async def test_console_rides_out_a_fault_and_recovers(fault: Fault) -> None:
    settings = HttpSettings(**{"rate": None, "call_timeout": 5.0, **fault.settings})
    rig = build(settings=settings, wrap=Reshape)
    app = rig.app
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, TasksScreen) and not screen.freshness.stale
        shown = table_keys(app)
        assert shown

        fault.on(rig)
        switched_on = rig.clock.now()
        before = rig.requests()
        delays = [await tick(rig.clock, pilot) for _ in range(FAILING_POLLS)]
        sent = rig.requests() - before

        # Stale, and since when; the rows are kept but the header never says they are current.
        freshness = screen.freshness
        assert freshness.stale and freshness.failing_since >= switched_on
        text = header(app)
        assert f"stale since {freshness.failing_since:%H:%M:%S}" in text
        # When the next try is: a backoff, or the time a rate-limiting server named.
        assert ("rate-limited until" if fault.retry_after else "retrying in") in text
        assert "updated" not in text
        assert screen.query_one(HeaderBar).has_class("-stale")
        assert table_keys(app) == shown

        # The error is one key away.
        await pilot.press("e")
        assert any(fault.says in n for n in notifications(app)), notifications(app)

        # Keys still work: the cursor moves, help opens and closes.
        table = screen.query_one(KeyedTable)
        row = table.cursor_row
        await pilot.press("j")
        assert table.cursor_row == row + 1
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert app.screen is screen

        # Bounded: at most max_attempts requests per failing poll, and the polls back off.
        assert 0 < sent <= FAILING_POLLS * settings.max_attempts
        assert delays[0] == pytest.approx(INTERVAL)
        assert all(INTERVAL <= d <= MAX_BACKOFF_SECONDS for d in delays)
        assert delays[-1] >= 4 * INTERVAL
        if fault.retry_after is not None:
            assert all(d >= fault.retry_after for d in delays[1:])
        assert not screen._polling

        # The fault clears: the poll the header announced recovers, with no key pressed.
        fault.off(rig)
        announced = armed_delay(app, rig.clock)
        if fault.retry_after:  # the time the server named is shown, and the poll follows it closely
            until = screen.freshness.rate_limited_until
            assert f"rate-limited until {until:%H:%M:%S}" in header(app)
            assert 0 <= (rig.clock.now() + timedelta(seconds=announced) - until).total_seconds() <= INTERVAL
        else:
            assert f"retrying in {int(announced)}s" in header(app) or announced >= 60
        waited = await tick(rig.clock, pilot)
        assert waited == pytest.approx(announced)
        assert not screen.freshness.stale
        assert "updated 0s ago" in header(app) and not screen.query_one(HeaderBar).has_class("-stale")
        assert armed_delay(app, rig.clock) == pytest.approx(INTERVAL)
        assert app.is_running


async def test_a_retry_after_beyond_the_cap_is_waited_for_and_the_header_says_until_when() -> None:
    settings = HttpSettings(rate=None, call_timeout=5.0, retry_after_cap=30.0)
    rig = build(settings=settings)
    app = rig.app
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        rig.faults.rate_limit_probability = 1.0
        rig.faults.retry_after = 600  # ten minutes: longer than the client's cap
        before = rig.requests()
        await tick(rig.clock, pilot)
        polled_at = rig.clock.now()
        assert rig.requests() - before == 1  # given up at once, not retried sooner than asked

        # The next poll is not sooner than the server asked, and the header says when that is.
        assert armed_delay(app, rig.clock) >= 600
        until = polled_at + timedelta(seconds=600)
        assert f"rate-limited until {until:%H:%M:%S} UTC" in header(app)
        await pilot.press("e")
        assert any("try again after" in n for n in notifications(app)), notifications(app)

        # The server takes requests again: the poll at that time recovers.
        rig.faults.rate_limit_probability = 0.0
        assert await tick(rig.clock, pilot) >= 600
        assert not screen.freshness.stale and "rate-limited" not in header(app)
