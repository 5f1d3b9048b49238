"""Hostile server text on every screen of the console: shown literally, triggering nothing, not one
foreign control byte written to the terminal, layout intact; and inert in the journal and screenshots.

The sandbox serves the corpus: tasks created through its POST endpoint with hostile names, comments,
definitions, conditions and configs, failed runs with hostile error messages (``record_failed_run``),
and, through a transport, error bodies and request-id headers made of it.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.reliability.support import (
    HOSTILE,
    LONG,
    RAW_CONTROLS,
    SIZE,
    TOKEN,
    Rig,
    build,
    foreign_controls,
    huge_config,
    ident,
    notifications,
    screen_lines,
    settle,
    terminal_bytes,
    tick,
)
from tui.screens.confirm import ConfirmAction
from tui.screens.graph import GraphScreen
from tui.screens.help import HelpScreen
from tui.screens.run_detail import RunDetailScreen, RunLogScreen
from tui.screens.runs import CompletedRunsScreen, CurrentRunsScreen
from tui.screens.scope import ScopePicker
from tui.screens.task_detail import TaskDetailScreen
from tui.screens.tasks import TasksScreen
from tui.widgets.keyed_table import KeyedTable

pytestmark = pytest.mark.anyio
ALL = "".join(HOSTILE.values())  # every hostile piece in one string
ROOT = "EVIL_ROOT_" + HOSTILE["markup_click"] + HOSTILE["osc52"] + HOSTILE["bidi"]
CHILD = "EVIL_CHILD_" + HOSTILE["markup_link"] + HOSTILE["csi"] + HOSTILE["bel_bs_cr"]


class HostileErrors(httpx.AsyncBaseTransport):
    """While ``on``: every GET of databases (the scope picker) and of task lists fails with hostile text in
    the error body and in the request-id header."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.on = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.on and request.method == "GET":
            body = json.dumps({"code": HOSTILE["c1"], "message": "boom " + ALL})
            headers = {"content-type": "application/json", "x-snowflake-request-id": "id-\x1b]8;;x\x07"}
            return httpx.Response(500, content=body.encode(), headers=headers)
        return await self.inner.handle_async_request(request)


def serve_corpus(rig: Rig) -> dict[str, str]:
    """Create the hostile tasks in the sandbox and a failed run with hostile errors; returns their keys."""
    engine = rig.sandbox.state.sandbox
    database, schema = rig.scope
    engine.create_task(
        database,
        schema,
        {
            "name": ident(ROOT),
            "definition": "SELECT '" + ALL + "'\n" + LONG,
            "comment": ALL + "\n" + LONG,
            "condition": HOSTILE["osc8"] + HOSTILE["dcs"],
            "config": huge_config(),
            "warehouse": ident(HOSTILE["markup_bold"]),
            "schedule": {"schedule_type": "MINUTES_TYPE", "minutes": 5},
        },
    )
    engine.create_task(
        database,
        schema,
        {"name": ident(CHILD), "definition": ALL, "predecessors": [ident(ROOT)], "comment": ALL},
    )
    for key in HOSTILE:
        engine.create_task(database, schema, {"name": ident(f"EVIL_{key}_{HOSTILE[key]}"), "definition": "x"})
    engine.record_failed_run(database, schema, ident(ROOT), task=ident(CHILD), message=ALL + "\n" + LONG)
    return {"root": f"{database}.{schema}.{ident(ROOT)}"}


def check_terminal(app: Any, where: str) -> None:
    """Nothing but dagtop's own colour and cursor codes reaches the terminal; no link, no click action."""
    out = terminal_bytes(app)
    assert foreign_controls(out) == [], where
    assert "\x1b]8" not in out and "\x1b]52" not in out, where
    update = app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    segments = [seg for line in update.strips for strip in line for seg in strip]
    assert segments, where
    for segment in segments:
        if True:
            style = segment.style
            if style is None:
                continue
            assert not style.link, (where, style.link)
            assert "app.quit" not in repr(style.meta or {}), where
    assert app.is_running, where


async def select(pilot: Any, key: str) -> None:
    table = pilot.app.screen.query_one(KeyedTable)
    table.move_cursor(row=table.get_row_index(key), animate=False)
    await pilot.pause()


async def test_hostile_text_on_every_screen_is_literal_and_inert(tmp_path) -> None:
    journal = tmp_path / "journal.jsonl"
    rig = build(journal_path=journal, wrap=HostileErrors)
    keys = serve_corpus(rig)
    app = rig.app
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, TasksScreen)
        table = screen.query_one(KeyedTable)
        tasks = await rig.backend.list_tasks()
        # Layout: one row per task, each one line high; header on top, footer at the bottom.
        assert table.row_count == len(tasks)
        assert all(row.height == 1 for row in table.rows.values())
        lines = screen_lines(app)
        assert len(lines) == SIZE[1] and "Tasks" in lines[0] and "Quit" in lines[-1]
        check_terminal(app, "tasks")
        # The short hostile names appear as typed (visible escapes), within the name column.
        shown = "\n".join(lines)
        assert "EVIL_markup_bold_[bold]loud[/bold]" in shown
        assert "EVIL_osc52_\\x1b]52;c;ZXZpbA==\\x07" in shown

        await select(pilot, keys["root"])
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TaskDetailScreen)
        check_terminal(app, "task detail")
        body = "\n".join(screen_lines(app))
        assert "EVIL_ROOT_[@click=app.quit]x[/]\\x1b]52;c;ZXZpbA==\\x07abc\\u202e" in body
        await pilot.press("end", "pagedown", "pagedown")  # scroll through the long values
        check_terminal(app, "task detail, scrolled")

        await pilot.press("t")
        await settle(pilot)
        assert isinstance(app.screen, GraphScreen)
        assert len(app.screen._tree_nodes) == 2
        check_terminal(app, "graph")
        await pilot.press("escape", "escape")

        await pilot.press("3", "a")
        await settle(pilot)
        assert isinstance(app.screen, CurrentRunsScreen)
        check_terminal(app, "current runs")
        await pilot.press("escape")

        await select(pilot, keys["root"])
        await pilot.press("4")
        await settle(pilot)
        runs = app.screen
        assert isinstance(runs, CompletedRunsScreen)
        # The sandbox hook served the hostile error verbatim, on the newest run.
        newest = runs.snapshot.runs[0]
        assert newest.first_error_message == ALL + "\n" + LONG and newest.first_error_task == CHILD
        assert all(row.height == 1 for row in runs.query_one(KeyedTable).rows.values())
        check_terminal(app, "completed runs")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, RunDetailScreen)
        check_terminal(app, "run detail")
        await pilot.press("l")
        await settle(pilot)
        assert isinstance(app.screen, RunLogScreen)
        check_terminal(app, "log")
        await pilot.press("escape", "escape", "escape")
        await settle(pilot)

        # The confirmation names the hostile target literally; the action's answer is inert too.
        await select(pilot, keys["root"])
        await pilot.press("x")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmAction)
        assert "[@click=app.quit]x[/]" in "\n".join(screen_lines(app))
        check_terminal(app, "confirm")
        await pilot.press("y")
        await settle(pilot)
        check_terminal(app, "action notification")

        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        check_terminal(app, "help")
        await pilot.press("escape")

        # Hostile error bodies and headers: the stale view's error (e), and the scope picker.
        transport = rig.backend.client.http._client._transport
        transport.on = True
        await tick(rig.clock, pilot)
        assert app.screen.freshness.stale
        await pilot.press("e")
        await pilot.pause()
        assert any("boom" in n for n in notifications(app))
        check_terminal(app, "error notification")
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, ScopePicker)
        assert "boom" in "\n".join(screen_lines(app))
        check_terminal(app, "scope picker")
        await pilot.press("escape")

        # Screenshots: no raw control character and no hyperlink in the SVG.
        svg = app.export_screenshot()
        assert not RAW_CONTROLS.search(svg.replace("\n", "").replace("\t", ""))
        assert "<a " not in svg and "file:///etc/passwd" not in svg.split("[link=")[0]
        assert app.is_running

    # The journal: JSON lines, every control escaped, the hostile target kept exactly.
    text = journal.read_text()
    assert not RAW_CONTROLS.search(text.replace("\n", ""))
    entries = [json.loads(line) for line in text.splitlines()]
    assert entries and all(e["target"] == keys["root"] for e in entries)
    assert TOKEN not in text
