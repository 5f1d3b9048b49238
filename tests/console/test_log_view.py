"""The reusable log view: follow, search, first error, wrap, save, copy, bounded memory, inert text."""

from __future__ import annotations

import pytest
from textual.app import App

from tui.widgets.log_view import LogView

pytestmark = pytest.mark.anyio

LINES = [f"line {i}: all good" for i in range(200)]
LINES[120] = "line 120: ERROR: Division by zero"
LINES[150] = "line 150: Traceback (most recent call last):"


class LogApp(App):
    def __init__(self, max_lines: int = 10_000) -> None:
        super().__init__()
        self.max_lines = max_lines
        self.copied: list[str] = []

    def compose(self):
        yield LogView(name_hint="graph run/42", max_lines=self.max_lines)

    def copy_to_clipboard(self, text: str) -> None:
        self.copied.append(text)


async def test_follow_pauses_when_scrolling_up_and_resumes():
    app = LogApp()
    async with app.run_test(size=(80, 20)) as pilot:
        view = app.query_one(LogView)
        view.log_widget.focus()
        view.append(LINES)
        await pilot.pause()
        assert view.following and view.log_widget.scroll_y == view.log_widget.max_scroll_y
        await pilot.press("g")
        assert not view.following and view.log_widget.scroll_y == 0
        view.append(["late line"])
        await pilot.pause()
        assert view.log_widget.scroll_y == 0  # paused: new lines don't yank the view
        await pilot.press("F")
        await pilot.pause()
        assert view.following and view.log_widget.scroll_y == view.log_widget.max_scroll_y


async def test_search_next_previous_and_first_error():
    app = LogApp()
    async with app.run_test(size=(80, 20)) as pilot:
        view = app.query_one(LogView)
        view.log_widget.focus()
        view.append(LINES)
        await pilot.press("slash", *"line 1", "enter")
        await pilot.pause()
        assert len(view.matches) == 111  # line 1, 10-19, 100-199
        first = view.match_index
        await pilot.press("n")
        assert view.match_index == first + 1
        await pilot.press("N", "N")
        assert view.match_index == (first - 1) % len(view.matches)
        await pilot.press("E")
        await pilot.pause()
        assert view.log_widget.scroll_y == 118  # the error line, two lines of context above


async def test_wrap_save_and_copy(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = LogApp()
    async with app.run_test(size=(40, 20)) as pilot:
        view = app.query_one(LogView)
        view.log_widget.focus()
        view.append(["x" * 100])
        await pilot.press("w")
        await pilot.pause()
        assert view.wrapping and view.log_widget.line_count >= 3
        await pilot.press("S", "c")
        saved = tmp_path / "dagtop-graph_run_42.log"
        assert saved.read_text() == "x" * 100 + "\n"
        assert app.copied == ["x" * 100]


async def test_memory_is_bounded_and_the_user_is_told():
    app = LogApp(max_lines=50)
    async with app.run_test(size=(80, 20)) as pilot:
        view = app.query_one(LogView)
        view.append(LINES)
        await pilot.pause()
        assert len(view.buffer) == 50 and view.dropped == 150
        assert "150 oldest lines dropped" in str(view.query_one("#log-status").content)


async def test_log_text_is_inert():
    app = LogApp()
    async with app.run_test(size=(80, 20)) as pilot:
        view = app.query_one(LogView)
        view.append(["\x1b]52;c;ZXZpbA==\x07[bold]x\x1b[2J\rgotcha"])
        await pilot.pause()
        line = view.buffer[0]
        assert "\x1b" not in line and "\x07" not in line and "\r" not in line
        assert "[bold]x" in line and "\\x1b]52" in line


async def test_reading_back_with_the_keyboard_pauses_follow():
    app = LogApp()
    async with app.run_test(size=(80, 20)) as pilot:
        view = app.query_one(LogView)
        view.log_widget.focus()
        view.append(LINES)
        await pilot.pause()
        await pilot.press("k")
        assert not view.following
        bottom = view.log_widget.max_scroll_y
        view.append(["late line"])
        await pilot.pause()
        assert view.log_widget.scroll_y < bottom
