"""The reusable log view: follow, search, first error, wrap, save, copy, a whole log of any length kept
on disk (a spill file, deleted when the view closes, never holding a secret), inert text."""

from __future__ import annotations

import pytest
from textual.app import App

from tui.widgets.log_view import LogView

pytestmark = pytest.mark.anyio

LINES = [f"line {i}: all good" for i in range(200)]
LINES[120] = "line 120: ERROR: Division by zero"
LINES[150] = "line 150: Traceback (most recent call last):"


class LogApp(App):
    def __init__(self) -> None:
        super().__init__()
        self.copied: list[str] = []

    def compose(self):
        yield LogView(name_hint="graph run/42")

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


def status(view) -> str:
    return str(view.query_one("#log-status").content)


def shown(view) -> list[tuple[int, list[tuple[str, object]]]]:
    """The log lines on screen: (line number, [(text, background colour) per segment])."""
    log = view.log_widget
    rows = []
    for row in range(log.scrollable_content_region.height):
        strip = log.render_line(row)
        rows.append(
            (log.scroll_y + row, [(seg.text, seg.style.bgcolor if seg.style else None) for seg in strip])
        )
    return rows


def backgrounds_of(view, text: str) -> dict[int, list[object]]:
    """For each line on screen, the background of each segment that is exactly ``text``."""
    return {
        line: [bg for seg_text, bg in segments if seg_text.lower() == text]
        for line, segments in shown(view)
        if any(seg_text.lower() == text for seg_text, _ in segments)
    }


async def test_search_highlights_every_match_and_the_current_one_distinctly():
    app = LogApp()
    async with app.run_test(size=(80, 20)) as pilot:
        view = app.query_one(LogView)
        view.log_widget.focus()
        view.append(LINES)
        await pilot.press("slash", *"line 1", "enter")
        await pilot.pause()
        assert len(view.matches) == 111  # line 1, 10-19, 100-199
        assert "match 1 of 111" in status(view)
        marked = backgrounds_of(view, "line 1")
        assert marked and all(bg is not None for bgs in marked.values() for bg in bgs)  # all highlighted
        current_line = view.matches[view.match_index][0]
        assert current_line in marked  # the current match is on screen
        others = {bg for line, bgs in marked.items() if line != current_line for bg in bgs}
        assert marked[current_line][0] not in others  # and looks different from the rest
        await pilot.press("n")
        await pilot.pause()
        assert "match 2 of 111" in status(view)
        moved = view.matches[view.match_index][0]
        assert moved != current_line and backgrounds_of(view, "line 1")[moved][0] not in others
        await pilot.press("N", "N")
        await pilot.pause()
        assert f"match {len(view.matches)} of 111" in status(view)  # wrapped round to the last
        last = view.matches[-1][0]
        assert last in dict(shown(view))  # and the view went there


async def test_each_occurrence_is_a_match_and_a_missing_one_is_said():
    app = LogApp()
    async with app.run_test(size=(80, 20), notifications=True) as pilot:
        view = app.query_one(LogView)
        view.log_widget.focus()
        view.append(["abc abc", "x", "ABC"])
        await pilot.press("slash", *"abc", "enter")
        await pilot.pause()
        assert "match 1 of 3" in status(view)
        view.append(["." * 300 + "far abc"])
        await pilot.press("n", "n", "n")
        await pilot.pause()
        assert "match 4 of 4" in status(view)
        assert view.log_widget.scroll_x > 200  # scrolled sideways to the match at column 303
        await pilot.press("slash", *"nowhere", "enter")
        await pilot.pause()
        assert "no match for" in status(view)
        assert any("No match" in str(n.message) for n in app._notifications)


async def test_first_error_jumps_and_marks_the_whole_line():
    app = LogApp()
    async with app.run_test(size=(80, 20)) as pilot:
        view = app.query_one(LogView)
        view.log_widget.focus()
        view.append(LINES)
        await pilot.press("g", "E")
        await pilot.pause()
        rows = dict(shown(view))
        assert 120 in rows  # the error line is on screen
        assert "first error at line 121" in status(view)
        backgrounds = {bg for _text, bg in rows[120]}
        assert None not in backgrounds and backgrounds != {bg for _t, bg in rows[121]}
        padded = "".join(text for text, _bg in rows[120])
        assert len(padded) >= view.log_widget.scrollable_content_region.width  # painted edge to edge


async def test_no_error_line_is_said():
    app = LogApp()
    async with app.run_test(size=(80, 20), notifications=True) as pilot:
        view = app.query_one(LogView)
        view.log_widget.focus()
        view.append(["all good", "still good"])
        await pilot.press("E")
        await pilot.pause()
        assert any("No error line found" in str(n.message) for n in app._notifications)


async def test_a_key_press_renders_only_the_visible_lines(monkeypatch):
    """50,000 lines, a search with thousands of matches: n repaints a screenful, not the log."""
    from tui.widgets.log_view import LogLines

    app = LogApp()
    async with app.run_test(size=(80, 20)) as pilot:
        view = app.query_one(LogView)
        view.log_widget.focus()
        view.append([f"{i} step {'ERROR boom' if i % 7 == 0 else 'ok'}" for i in range(50_000)])
        await pilot.press("slash", *"error", "enter")
        await pilot.pause()
        assert len(view.matches) == 7143
        rendered: list[int] = []
        original = LogLines._render_line_strip

        def counting(self, y, style):
            rendered.append(y)
            return original(self, y, style)

        monkeypatch.setattr(LogLines, "_render_line_strip", counting)
        for _ in range(5):
            await pilot.press("n")
            await pilot.pause()
        assert "match 6 of 7143" in status(view)
        assert len(rendered) <= 5 * 2 * view.log_widget.size.height


async def test_a_finished_log_reads_complete_not_following():
    app = LogApp()
    async with app.run_test(size=(80, 20)) as pilot:
        view = app.query_one(LogView)
        view.append(LINES)
        assert "following" in status(view)
        view.set_finished()
        await pilot.pause()
        assert "complete" in status(view) and "following" not in status(view)


async def test_wrap_save_and_copy(tmp_path, monkeypatch, state_home):
    monkeypatch.chdir(tmp_path)
    app = LogApp()
    async with app.run_test(size=(40, 20), notifications=True) as pilot:
        view = app.query_one(LogView)
        view.log_widget.focus()
        view.append(["x" * 100])
        await pilot.press("w")
        await pilot.pause()
        assert view.wrapping and view.log_widget.line_count >= 3
        await pilot.press("S", "c")
        assert list(tmp_path.iterdir()) == []  # never into the current directory (a checkout)
        (saved,) = (state_home / "dagtop" / "logs").glob("graph_run_42-*.log")
        assert saved.read_text() == "x" * 100 + "\n"
        assert any(str(saved) in str(n.message) for n in app._notifications)  # the full path is said
        assert app.copied == ["x" * 100]


async def test_a_log_longer_than_any_bound_is_kept_whole_and_searched_to_its_first_line():
    """60,000 lines (the old bound was 50,000): the first line is still there, found and shown."""
    app = LogApp()
    async with app.run_test(size=(80, 20)) as pilot:
        view = app.query_one(LogView)
        view.log_widget.focus()
        view.append(["line 0: the FIRST clue"] + [f"line {i}: step ok" for i in range(1, 30_000)])
        view.append([f"line {i}: step ok" for i in range(30_000, 59_999)] + ["line 59999: last clue"])
        await pilot.pause()
        assert len(view.buffer) == 60_000 and "60000 lines" in status(view)
        await pilot.press("slash", *"clue", "enter")
        await pilot.pause()
        assert "match 1 of 2" in status(view)
        assert backgrounds_of(view, "clue") and 0 in dict(shown(view))  # line 0, on screen, marked
        await pilot.press("N")
        await pilot.pause()
        assert "match 2 of 2" in status(view) and 59_999 in dict(shown(view))


async def test_the_lines_live_in_a_private_spill_file_without_secrets_removed_on_close(state_home):
    from tui.backends.auth import BearerAuth
    from tui.backends.http import HttpClient

    token = "tok-s3cret-value-0123456789"
    client = HttpClient("http://127.0.0.1:9", auth=BearerAuth(token))  # a live client: its token is known
    app = LogApp()
    async with app.run_test(size=(80, 20)) as pilot:
        view = app.query_one(LogView)
        view.append(["starting", f"curl -H 'Authorization: Bearer {token}' http://x", "\x1b[2Jdone"])
        await pilot.pause()
        spill = view.buffer.path
        assert spill is not None and spill.is_relative_to(state_home / "dagtop")
        assert spill.stat().st_mode & 0o077 == 0  # the user's only
        view.buffer.flush()  # the file is written by a thread of its own
        written = spill.read_text()
        assert token not in written and "Bearer ***" in written and "\x1b" not in written
        assert "\\x1b[2Jdone" in written  # neutralised before it was written, as shown
        assert token not in "".join(text for _line, segs in shown(view) for text, _bg in segs)
    assert not spill.exists()  # the view closed: its file is gone
    assert client.secrets() == [token]


async def test_follow_mode_appends_and_matches_grow_without_rewriting(monkeypatch):
    from tui.widgets.log_view import LogLines

    app = LogApp()
    async with app.run_test(size=(80, 20)) as pilot:
        view = app.query_one(LogView)
        view.log_widget.focus()
        view.append(LINES)
        await pilot.press("slash", *"line 19", "enter", "n")  # line 19, 190-199: the 2nd is 190
        await pilot.pause()
        assert "match 2 of 11" in status(view)
        await pilot.press("F")  # follow again
        set_wrap: list[int] = []
        monkeypatch.setattr(LogLines, "set_wrap", lambda self, width: set_wrap.append(1))
        for batch in range(10):
            view.append([f"line 19{batch} again, batch {batch} row {i}" for i in range(1000)])
            await pilot.pause()
            rows = dict(shown(view))
            assert max(rows) == len(view.buffer) - 1  # the newest line is on screen
        assert set_wrap == []  # nothing laid out again: each batch costs its own lines
        assert len(view.buffer) == 10_200 and "10200 lines" in status(view)
        assert "match 2 of 10011" in status(view)  # same match, the new ones found
        assert view.buffer[view.matches[view.match_index][0]] == "line 190: all good"


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


async def test_try_keys_on_a_backend_without_tries_say_why(console):
    from tests.support.harness import settle
    from tui.screens.run_detail import RunLogScreen

    assert not console.backend.capabilities.logs  # the sandbox speaks Snowflake: no per-try logs
    async with console.app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("l")
        await settle(pilot)
        assert isinstance(console.app.screen, RunLogScreen)
        view = console.app.screen.query_one(LogView)
        assert "complete" in status(view) and "following" not in status(view)
        await pilot.press("right_square_bracket")
        await pilot.press("left_square_bracket")
        said = [str(n.message) for n in console.app._notifications]
        assert sum("keeps no per-try logs" in message for message in said) == 2
        await pilot.press("E")  # the line that says ERROR, not the "state: FAILED" line above it
        await pilot.pause()
        assert view.buffer[view.error_line].startswith("ERROR in task")
        assert f"first error at line {view.error_line + 1}" in status(view)


async def test_wrapped_a_match_far_along_a_long_line_is_on_screen_and_marked():
    app = LogApp()
    async with app.run_test(size=(40, 12)) as pilot:
        view = app.query_one(LogView)
        view.log_widget.focus()
        view.append([f"line {i}" for i in range(100)] + ["x" * 250 + " needle " + "y" * 100])
        view.append([f"after {i}" for i in range(100)])
        await pilot.press("w", "g")
        await pilot.pause()
        assert "wrap on" in status(view) and view.log_widget.line_count > 201  # the long line takes rows
        await pilot.press("slash", *"needle", "enter")
        await pilot.pause()
        assert "match 1 of 1" in status(view)
        assert backgrounds_of(view, "needle")  # the row holding column 251 is on screen, highlighted
        assert view.log_widget.scroll_x == 0  # wrapped: never sideways


async def test_an_unwritable_state_directory_still_shows_the_log(monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", "/proc")  # nothing can be made there
    app = LogApp()
    async with app.run_test(size=(80, 20)) as pilot:
        view = app.query_one(LogView)
        view.append(LINES)
        await pilot.pause()
        assert len(view.buffer) == 200 and "line 199: all good" in "".join(
            text for _line, segments in shown(view) for text, _bg in segments
        )
        spill = view.buffer.path
    assert spill is not None and not spill.exists()


async def test_spill_files_of_a_process_that_died_are_removed_when_a_log_opens(state_home):
    import os

    spill = state_home / "dagtop" / "spill"
    spill.mkdir(parents=True)
    dead = spill / "999999999-abc.log"  # beyond any pid: that process is gone (it crashed, say)
    dead.write_text("an old log\n")
    mine = spill / f"{os.getpid()}-other-view.log"  # another view of this very process: still in use
    mine.write_text("open elsewhere\n")
    app = LogApp()
    async with app.run_test(size=(80, 20)) as pilot:
        app.query_one(LogView).append(["new"])
        await pilot.pause()
        assert not dead.exists() and mine.exists()


async def test_selecting_with_the_mouse_copies_the_rows_it_covers_and_shows_them():
    from textual.geometry import Offset
    from textual.selection import Selection

    app = LogApp()
    async with app.run_test(size=(80, 20)) as pilot:
        view = app.query_one(LogView)
        view.append(LINES)
        await pilot.press("g")
        await pilot.pause()
        log = view.log_widget
        app.screen.selections = {log: Selection(Offset(5, 2), Offset(4, 4))}  # a drag from (5,2) to (4,4)
        await pilot.pause()
        assert app.screen.get_selected_text() == "2: all good\nline 3: all good\nline"
        selected = {bg for _text, bg in shown(view)[3][1]}
        assert selected and selected != {bg for _text, bg in shown(view)[10][1]}  # shown as selected


async def test_a_chunk_holding_several_lines_is_split_into_them_plain_or_escaped():
    app = LogApp()
    async with app.run_test(size=(80, 20)) as pilot:
        view = app.query_one(LogView)
        view.append(["one\ntwo", "three\tend", "four"])  # plain ASCII, a newline inside a chunk
        view.append(["\x1bfive\nsix", "seven"])  # needs escaping, a newline inside too
        view.append(["été\nhuit"])  # not ASCII
        await pilot.pause()
        assert list(view.buffer) == [
            "one", "two", "three\tend", "four", "\\x1bfive", "six", "seven", "été", "huit",
        ]  # fmt: skip
        assert [view.buffer[i] for i in (1, 4, 8)] == ["two", "\\x1bfive", "huit"]
        assert list(view.buffer.widths) == [3, 3, 11, 4, 8, 3, 5, 3, 4]  # a tab to column 8


async def test_appended_lines_are_readable_before_the_file_holds_them_and_the_file_gets_them_all(state_home):
    """The writer thread is held: the view still shows and searches what was appended; released, the
    file holds every line in order."""
    import threading

    from tui.services import spill_writer

    gate = threading.Event()
    real = spill_writer.os.pwrite

    def held(fd, data, offset):
        gate.wait(10)
        return real(fd, data, offset)

    app = LogApp()
    async with app.run_test(size=(80, 20)) as pilot:
        spill_writer.os.pwrite = held
        try:
            view = app.query_one(LogView)
            view.append(LINES[:100])
            view.append(LINES[100:])
            await pilot.pause()
            spill = view.buffer.path
            assert spill.read_text() == ""  # nothing written yet
            assert view.buffer[199] == LINES[199] and view.buffer[0] == LINES[0]
            assert [line for line, _nth in view.buffer.search("error")] == [120]
            assert list(view.buffer) == LINES
        finally:
            gate.set()
            spill_writer.os.pwrite = real
        view.buffer.flush()
        assert spill.read_text() == "\n".join(LINES) + "\n"
