"""Every polled view under a fault; polls that never overlap; actions under faults (sent once, and an
unknown outcome said as such, on screen and in the journal)."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from tests.reliability.support import (
    SIZE,
    Gate,
    Reshape,
    armed_delay,
    build,
    header,
    notifications,
    screen_lines,
    settle,
    tick,
)
from tui.backends.http import HttpSettings
from tui.screens.confirm import ConfirmAction
from tui.screens.graph import GraphScreen
from tui.screens.help import HelpScreen
from tui.screens.run_detail import RunDetailScreen
from tui.screens.runs import CompletedRunsScreen, CurrentRunsScreen
from tui.screens.task_detail import TaskDetailScreen
from tui.screens.tasks import TasksScreen
from tui.widgets.keyed_table import KeyedTable

pytestmark = pytest.mark.anyio
NARROW = (80, 24)


async def select_root(pilot: Any, started: bool = True) -> str:
    """Put the tasks table's cursor on a root task (started or not); returns its key."""
    screen = pilot.app.screen
    rows = [r for r in screen.rows if r.task.is_root and (r.task.state.value == "started") == started]
    key = rows[0].task.key
    table = screen.query_one(KeyedTable)
    table.move_cursor(row=table.get_row_index(key), animate=False)
    await pilot.pause()
    assert screen.selected_task.key == key
    return key


VIEWS = {
    "tasks": ((), TasksScreen),
    "task-detail": (("enter",), TaskDetailScreen),
    "graph": (("t",), GraphScreen),
    "current-runs": (("3",), CurrentRunsScreen),
    "completed-runs": (("4",), CompletedRunsScreen),
    "run-detail": (("4", "settle", "enter"), RunDetailScreen),
}


async def test_every_polled_view_says_stale_since_when_even_when_narrow() -> None:
    rig = build()
    async with rig.app.run_test(size=NARROW) as pilot:
        await settle(pilot)
        for view, (keys, kind) in VIEWS.items():
            await pilot.press("1")  # home, from wherever the last view was
            await settle(pilot)
            await select_root(pilot)
            for key in keys:
                if key == "settle":
                    await settle(pilot)
                else:
                    await pilot.press(key)
            await settle(pilot)
            screen = rig.app.screen
            assert isinstance(screen, kind) and not screen.freshness.stale, view
            rig.faults.unavailable_probability = 1.0
            await tick(rig.clock, pilot)
            since = screen.freshness.failing_since
            # Visible on the rendered top line at 80 columns, not only in the widget's content.
            top = screen_lines(rig.app)[0]
            assert f"stale since {since:%H:%M:%S}" in top, (view, top)
            assert "updated" not in header(rig.app), view
            rig.app.clear_notifications()
            await pilot.press("e")
            assert any("HTTP 503" in n for n in notifications(rig.app)), view
            rig.faults.unavailable_probability = 0.0
            await tick(rig.clock, pilot)
            assert "updated 0s ago" in screen_lines(rig.app)[0], view


async def test_polls_never_overlap_and_keys_work_while_a_poll_hangs() -> None:
    gates: list[Gate] = []

    def wrap(inner: Any) -> Gate:
        gates.append(Gate(inner))
        return gates[0]

    rig = build(wrap=wrap)
    app = rig.app
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        one_poll = rig.requests()
        screen = app.screen
        gate = gates[0]
        gate.close_gate()
        before = rig.requests()
        screen.poll_now()
        await pilot.pause()
        assert gate.waiting == 1 and screen._polling
        # Refresh hammered while the poll hangs: still one poll in flight.
        await pilot.press("ctrl+r", "ctrl+r", "ctrl+r")
        await pilot.pause()
        assert gate.waiting == 1
        # The console answers keys meanwhile.
        table = screen.query_one(KeyedTable)
        row = table.cursor_row
        await pilot.press("j")
        assert table.cursor_row == row + 1
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.press("p", "p")  # pause and resume: still no second poll while one hangs
        await pilot.pause()
        assert gate.waiting == 1 and app.screen is screen
        gate.open.set()
        await settle(pilot)
        # The refreshes asked for during the hung poll are coalesced into exactly one more poll after it.
        assert rig.requests() - before == 2 * one_poll
        assert not screen._polling and not screen.freshness.stale
        assert armed_delay(app, rig.clock) > 0


# -------------------------------------------------------------------------------------------- actions

ACTION_FAULTS: dict[str, tuple[dict[str, Any], dict[str, Any], bool]] = {
    # name: (fault settings, http settings, may the server have acted?)
    "503": ({"unavailable_probability": 1.0}, {}, True),
    "504": ({"gateway_timeout_probability": 1.0}, {}, True),
    "reset": ({"drop_probability": 1.0}, {}, True),
    "hang": ({"hang_probability": 1.0}, {"call_timeout": 0.05}, True),
    "truncated-answer": ({"truncate_probability": 1.0}, {}, True),
    "garbage-answer": ({"malformed_probability": 1.0}, {}, True),
    "429": ({"rate_limit_probability": 1.0, "retry_after": 2}, {}, False),
    "wrong-shape-answer": ({}, {}, True),  # 200 with valid JSON that is not a status
}


async def test_an_action_under_each_fault_is_sent_once_and_an_unknown_outcome_is_said(tmp_path) -> None:
    journal = tmp_path / "journal.jsonl"
    settings = HttpSettings(rate=None, call_timeout=5.0)
    rig = build(journal_path=journal, settings=settings, wrap=Reshape)
    app = rig.app
    http = rig.backend.client.http
    reshape = http._client._transport
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        key = await select_root(pilot)
        for name, (faults, overrides, may_have_acted) in ACTION_FAULTS.items():
            await settle(pilot)
            assert isinstance(app.screen, TasksScreen) and app.screen.selected_task.key == key, name
            for field, value in faults.items():
                setattr(rig.faults, field, value)
            http.settings = replace(settings, **overrides)
            if name == "wrong-shape-answer":
                reshape.body, reshape.methods = b'{"status": {"nested": [1]}}', {"POST"}
            sent_before = len(rig.posts(":execute"))
            app.clear_notifications()
            await pilot.press("x")
            await settle(pilot)
            assert isinstance(app.screen, ConfirmAction), name
            await pilot.press("y", "y")  # a double press: confirms once
            await settle(pilot)
            # The fault is cleared before anything else is polled or sent.
            for field in faults:
                setattr(
                    rig.faults, field, 0.0 if field.endswith("probability") else getattr(rig.faults, field)
                )
            http.settings, reshape.body = settings, None
            sent = len(rig.posts(":execute")) - sent_before
            said = notifications(app)
            entries = [json.loads(line) for line in journal.read_text().splitlines()][-2:]
            assert entries[0]["result"] == "sent" and entries[1]["target"] == key, name
            if may_have_acted:
                assert sent == 1, name
                assert any("outcome unknown" in n and "may or may not have happened" in n for n in said), (
                    name,
                    said,
                )
                assert entries[1]["result"] == "unknown", name
            else:
                # 429: the server provably did not act, so resending is allowed, within the attempts budget.
                assert 1 <= sent <= settings.max_attempts, name
                assert any("failed" in n and "HTTP 429" in n for n in said), said
                assert entries[1]["result"] == "failed", name


async def test_an_accepted_action_whose_result_never_completes_is_unknown(tmp_path) -> None:
    """A 202 that never completes: the action was accepted; dagtop stops polling and says so."""
    journal = tmp_path / "journal.jsonl"
    rig = build(journal_path=journal, settings=HttpSettings(rate=None, poll_limit=30.0))
    app = rig.app
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await select_root(pilot)
        api = rig.sandbox.state.config
        api.async_probability, api.async_polls = 1.0, 10**9  # every call: 202, then 202 forever
        await pilot.press("x")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert len(rig.posts(":execute")) == 1
        polls = [e for e in rig.events if e.method == "GET" and "/results/" in e.url]
        assert 0 < len(polls) < 40  # growing delays up to poll_limit, not a storm
        assert any("outcome unknown" in n for n in notifications(app)), notifications(app)
        assert json.loads(journal.read_text().splitlines()[-1])["result"] == "unknown"
