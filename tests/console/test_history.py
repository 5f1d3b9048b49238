"""The action history view (`H`, or the palette): the journal of this profile, newest first, one row per
action with its outcome, times with their zone, server text inert."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from textual.widgets import DataTable

from tests.support import harness
from tests.support.harness import settle
from tui.screens.confirm import ConfirmAction
from tui.screens.history import HistoryScreen
from tui.screens.tasks import TasksScreen
from tui.services.journal import ActionJournal, JournalEntry
from tui.widgets.keyed_table import KeyedTable

pytestmark = pytest.mark.anyio
SIZES = {"wide": (120, 40), "small": (80, 24)}
T0 = datetime(2026, 1, 5, 11, 0, tzinfo=UTC)
WHERE = "http://sandbox ANALYTICS.PUBLIC"
HOSTILE = "boom \x1b[2J\x1b]52;c;ZXZpbA==\x07[bold]loud[/bold]"


def seed_journal(path: Path) -> None:
    """Past actions: ok, failed (hostile server text), unknown, one cut short, and another profile's."""
    journal = ActionJournal(path)

    def action(minute: int, target: str, verb: str, outcome: str | None, detail: str, *, profile="sandbox",
               ident: str = "") -> None:  # fmt: skip
        sent = T0 + timedelta(minutes=minute)
        who = {"user": "oncall", "host": "bastion-1", "action_id": ident}
        journal.write(JournalEntry(sent, profile, WHERE, target, verb, "sent", "", **who))
        if outcome is not None:
            done = sent + timedelta(seconds=2)
            journal.write(JournalEntry(done, profile, WHERE, target, verb, outcome, detail, **who))

    action(
        0,
        "ANALYTICS.PUBLIC.ORDERS_PIPELINE",
        "execute",
        "ok",
        "Task ORDERS_PIPELINE is scheduled to run immediately.",
        ident="a1",
    )
    action(5, "ANALYTICS.PUBLIC.CUSTOMER_360", "retry-last", "failed", "HTTP 409 " + HOSTILE, ident="a2")
    action(9, "OTHER.PUBLIC.SECRET_JOB", "suspend", "ok", "done", profile="prod", ident="a3")
    action(
        12,
        "ANALYTICS.PUBLIC.EVENTS_INGEST",
        "suspend",
        "unknown",
        "connection failed (ReadError)",
        ident="a4",
    )
    action(20, "ANALYTICS.PUBLIC.INVENTORY_SYNC", "resume", None, "")  # cut short: no outcome, no id


def rows(app) -> list[list[str]]:
    table = app.screen.query_one(KeyedTable)
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


async def test_an_action_taken_in_the_console_is_listed_once_with_its_outcome(tmp_path):
    journal = tmp_path / "actions.jsonl"
    seed_journal(journal)
    h = harness.build(journal_path=journal)
    async with h.app.run_test(size=SIZES["wide"]) as pilot:
        await settle(pilot)
        screen = h.app.screen
        root = next(r.task for r in screen.rows if r.task.is_root and r.task.state.value == "started")
        table = screen.query_one(KeyedTable)
        table.move_cursor(row=table.get_row_index(root.key), animate=False)
        await pilot.press("s")
        await settle(pilot)
        assert isinstance(h.app.screen, ConfirmAction)
        await pilot.press("y")
        await settle(pilot)
        h.app.clear_notifications()  # the toast is gone: the history is where the outcome stays

        await pilot.press("H")
        await settle(pilot)
        assert isinstance(h.app.screen, HistoryScreen)
        shown = rows(h.app)
        # Newest first; this profile's only; each action one row with its outcome.
        assert [r[1:4] for r in shown] == [
            ["✔ ok", "suspend", root.key],
            ["? no outcome", "resume", "ANALYTICS.PUBLIC.INVENTORY_SYNC"],
            ["? unknown", "suspend", "ANALYTICS.PUBLIC.EVENTS_INGEST"],
            ["✘ failed", "retry-last", "ANALYTICS.PUBLIC.CUSTOMER_360"],
            ["✔ ok", "execute", "ANALYTICS.PUBLIC.ORDERS_PIPELINE"],
        ]
        assert all(r[0].endswith(" UTC") for r in shown)  # every time says its zone
        assert shown[-1][0] == "2026-01-05 11:00:00 UTC"  # when it was sent
        # Server text is shown as typed, inert: no escape reaches the screen, no markup is applied.
        failed = shown[3][4]
        assert "\x1b" not in failed and "[bold]loud[/bold]" in failed and "\\x1b[2J" in failed
        assert "SECRET_JOB" not in str(shown)

        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(h.app.screen, TasksScreen)


async def test_the_history_is_in_help_and_the_palette(tmp_path):
    h = harness.build(journal_path=tmp_path / "actions.jsonl")
    async with h.app.run_test(size=SIZES["wide"]) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        table = h.app.screen.query_one("#help-table", DataTable)
        cells = [str(cell) for i in range(table.row_count) for cell in table.get_row_at(i)]
        assert "app.history" in cells and "Action history" in cells
        await pilot.press("escape")
        await pilot.press("ctrl+p", *"journal")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(h.app.screen, HistoryScreen)
        assert "No actions yet" in str(h.app.screen.query_one("#history-summary").content)


@pytest.mark.parametrize("size", sorted(SIZES))
def test_snapshot(snap_compare, tmp_path, size):
    journal = tmp_path / "actions.jsonl"
    seed_journal(journal)
    h = harness.build(journal_path=journal)

    async def open_history(pilot) -> None:
        await settle(pilot)
        await pilot.press("H")
        await settle(pilot)

    assert snap_compare(h.app, terminal_size=SIZES[size], run_before=open_history)


async def test_the_history_offers_no_action_keys(tmp_path):
    """Nothing on the history is a task: x/X/s/r are neither in its footer nor do they act."""
    from textual.widgets._footer import FooterKey

    from tests.support.harness import build
    from tui.screens.history import HistoryScreen

    h = build(journal_path=tmp_path / "actions.jsonl")
    async with h.app.run_test(size=(120, 40), notifications=True) as pilot:
        await pilot.pause()
        await pilot.press("H")
        await pilot.pause()
        assert isinstance(h.app.screen, HistoryScreen)
        keys = {key.key for key in h.app.screen.query(FooterKey)}
        assert keys and not keys & {"x", "X", "s", "r"}
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(h.app.screen, HistoryScreen)  # no confirmation opened
