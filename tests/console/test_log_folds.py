"""The log view on REAL Airflow 3 and 2 task logs (tests/airflow/recorded/): ``::group::`` sections
folded and unfolded (z, Z, { }), search finding text inside a fold and unfolding it, follow across
groups arriving in pieces, levels coloured (style only), a traceback's lines wrapped whole."""

from __future__ import annotations

import pytest
from textual.app import App

from tests.support.harness_airflow import RECORDINGS
from tests.support.recorded_logs import log_lines
from tui.widgets.log_view import LogView

pytestmark = pytest.mark.anyio

# A line inside each version's "Pre ..." group (folded by default).
INSIDE = {"v2-3.3.2": "Filling up the DagBag", "v1-2.11.2": "Starting attempt 1 of 1"}


class LogApp(App):
    def compose(self):
        yield LogView(name_hint="task log")


def rows(view: LogView) -> list[str]:
    """The text of each row on screen."""
    log = view.log_widget
    height = log.scrollable_content_region.height
    return ["".join(seg.text for seg in log.render_line(y)).rstrip() for y in range(height)]


def colour_of(view: LogView, text: str) -> object:
    """The foreground colour of the first row on screen holding ``text`` (its first segment that does)."""
    log = view.log_widget
    for y in range(log.scrollable_content_region.height):
        for seg in log.render_line(y):
            if text in seg.text:
                return seg.style.color if seg.style else None
    raise AssertionError(f"{text!r} not on screen: {rows(view)}")


def status(view: LogView) -> str:
    return str(view.query_one("#log-status").content)


@pytest.mark.parametrize("recording", RECORDINGS)
async def test_groups_fold_unfold_and_a_search_opens_the_fold_it_finds_text_in(recording):
    lines = log_lines(recording)
    app = LogApp()
    async with app.run_test(size=(120, 40)) as pilot:
        view = app.query_one(LogView)
        view.log_widget.focus()
        view.append(lines)
        await pilot.press("g")  # the top: the log follows its end
        shown = rows(view)
        assert any(row.startswith("▸ Log message source details (") for row in shown)
        assert not any(INSIDE[recording] in row for row in shown)  # folded by default
        assert not any("::endgroup::" in row or "::group::" in row for row in shown)
        assert "0 of 3 groups folded" not in status(view) and "3 of 3 groups folded (z, Z)" in status(view)
        # The fold keys are offered (footer, help) because this log has groups; a log without any
        # (the sandbox run-log snapshots) does not show them.
        assert {"z", "Z"} <= set(app.screen.active_bindings)
        # z: the first group on screen; { } move between groups, z opens the one chosen.
        await pilot.press("z")
        assert any(row == "▾ Log message source details" for row in rows(view))
        await pilot.press("right_curly_bracket", "z")
        assert any(INSIDE[recording] in row for row in rows(view))
        assert "1 of 3 groups folded" in status(view)
        await pilot.press("z")  # the same group again: folded
        assert not any(INSIDE[recording] in row for row in rows(view))
        await pilot.press("Z")  # some folded: all unfold
        assert "0 of 3 groups folded" in status(view)
        await pilot.press("Z")  # none folded: all fold
        assert "3 of 3 groups folded" in status(view)
        # A search finds text inside a fold, unfolds it and shows the match.
        await pilot.press("slash", *INSIDE[recording], "enter")
        await pilot.pause()
        assert "match 1 of 1" in status(view) and "2 of 3 groups folded" in status(view)
        assert any(INSIDE[recording] in row for row in rows(view))


@pytest.mark.parametrize("recording", RECORDINGS)
async def test_levels_colour_the_error_record_and_its_traceback_and_leave_info_plain(recording):
    lines = log_lines(recording)
    app = LogApp()
    async with app.run_test(size=(120, 90)) as pilot:
        view = app.query_one(LogView)
        view.append(lines)
        await pilot.press("g")  # all of it on screen, folded
        log = view.log_widget
        error = log.get_component_rich_style("log-lines--level-error").color
        plain = colour_of(view, "about to fail")
        assert error is not None and plain != error
        assert colour_of(view, "Task failed with exception") == error
        assert colour_of(view, "RuntimeError: intentional failure") == error  # the traceback: its record's
        assert colour_of(view, 'File "') == error


@pytest.mark.parametrize("recording", RECORDINGS)
async def test_a_traceback_s_frames_wrap_whole_and_other_long_lines_do_not(recording):
    lines = log_lines(recording)
    app = LogApp()
    async with app.run_test(size=(80, 60)) as pilot:
        view = app.query_one(LogView)
        view.append(lines)
        await pilot.press("Z")  # everything shown
        await pilot.press("g")
        log = view.log_widget
        width = log.scrollable_content_region.width
        start, end = log.shape.tracebacks[0]
        frame = next(i for i in range(start, end) if len(lines[i]) > width)
        row = log.row_of(frame)
        assert log.row_of(frame + 1) - row > 1  # wrapped over several rows
        pieces = [log._row_text(r)[3] for r in range(row, log.row_of(frame + 1))]
        hang = len(lines[frame]) - len(lines[frame].lstrip()) + 4
        assert all(piece.startswith(" " * hang) for piece in pieces[1:])  # hung under the frame's text
        assert pieces[0] + "".join(p[hang:] for p in pieces[1:]) == lines[frame]  # the whole frame
        # A match in a hung piece is marked on exactly its characters.
        needle = lines[frame].rsplit(" ", 1)[-1]
        await pilot.press("slash", *needle, "enter")
        current = log.get_component_rich_style("log-lines--current-match").bgcolor
        marked = "".join(
            seg.text
            for y in range(log.scrollable_content_region.height)
            for seg in log.render_line(y)
            if seg.style and seg.style.bgcolor == current
        )
        assert marked == needle
        await pilot.press("escape")
        long_plain = next(
            i
            for i, line in enumerate(lines)
            if len(line) > width
            and not any(a <= i < b for a, b in log.shape.tracebacks)
            and not log.shape.is_hidden(i + 1)
            and log.shape.group_at_header(i) is None  # a header shows its short name
        )
        assert log.row_of(long_plain + 1) - log.row_of(long_plain) == 1  # not a traceback: one row
        await pilot.press("w")  # wrap every line
        assert log.row_of(long_plain + 1) - log.row_of(long_plain) > 1


@pytest.mark.parametrize("recording", RECORDINGS)
async def test_following_a_log_whose_groups_arrive_in_pieces_stays_at_its_end(recording):
    lines = log_lines(recording)
    app = LogApp()
    async with app.run_test(size=(80, 16)) as pilot:
        view = app.query_one(LogView)
        log = view.log_widget
        for index, line in enumerate(lines):  # one line a poll
            view.append([line])
            if index % 5 == 0 or index == len(lines) - 1:
                await pilot.pause()
                assert view.following and log.scroll_y == log.max_scroll_y
                last_shown = log.shape.visible_before(index)
                assert log.row_of(last_shown) >= log.scroll_y  # the newest shown line is on screen
        assert [g.folded for g in log.shape.groups] == [True, True, True]
        assert rows(view)[-1].startswith("▸ Post")  # the last group closed: folded, at the end


@pytest.mark.parametrize("recording", RECORDINGS)
async def test_a_big_batch_is_shown_first_and_shaped_just_after(recording, monkeypatch):
    """A batch past SCAN_NOW lines (a huge log arriving at once) is shown without waiting for the
    scan of its groups and tracebacks; timer ticks shape it from the spill file, then it folds."""
    monkeypatch.setattr("tui.widgets.log_view.SCAN_NOW", 10)
    monkeypatch.setattr("tui.widgets.log_view.SCAN_SLICE", 512)  # several ticks for a small log
    lines = log_lines(recording)
    app = LogApp()
    async with app.run_test(size=(120, 40)) as pilot:
        view = app.query_one(LogView)
        log = view.log_widget
        view.append(lines)
        assert log.shape.trivial and log.line_count == len(lines)  # shown as it came, not yet shaped
        view.append(lines[-1:])  # more arrives meanwhile: queued behind the scan
        for _ in range(50):
            await pilot.pause(0.03)
            if view._unscanned == len(view.buffer):
                break
        assert [g.name for g in log.shape.groups][:3] == [g.name for g in shape_of_lines(lines).groups]
        assert all(g.folded for g in log.shape.groups if g.end is not None)
        hidden = [i for i in range(len(view.buffer)) if log.shape.is_hidden(i)]
        assert hidden and log._rows is not None
        assert all(log._rows[i + 1] == log._rows[i] for i in hidden)  # laid out again: no row for them
        assert view.following and log.scroll_y == log.max_scroll_y


def shape_of_lines(lines: list[str]):
    from tui.services.log_layout import LogLayout

    shape = LogLayout()
    shape.scan(0, "\n".join(lines), len(lines))
    return shape


@pytest.mark.parametrize("size", [(120, 40), (80, 24)], ids=["wide", "small"])
def test_snapshot_folded_groups_and_a_traceback(snap_compare, size):
    """Airflow 3's real failed-task log from its top: groups folded (▸ NAME (N lines)), the error record
    and its traceback in the error colour, each frame wrapped whole; the status counts the folds."""
    lines = log_lines("v2-3.3.2")

    async def fill(pilot):
        view = pilot.app.query_one(LogView)
        view.log_widget.focus()
        view.append(lines)
        await pilot.press("g")

    assert snap_compare(LogApp(), terminal_size=size, run_before=fill)


async def test_hostile_group_names_and_level_words_stay_inert_text():
    """Constructed hostile text (as the other hostile-text tests do): markup and escapes in a group's
    name or an ERROR record are shown as characters, coloured by style only, never acted on."""
    app = LogApp()
    async with app.run_test(size=(100, 12)) as pilot:
        view = app.query_one(LogView)
        view.append(
            [
                "[link=file:///etc/passwd]ERROR[/link] is a word here, not a level",
                "ERROR [@click=app.quit]boom[/] \x1b]52;c;ZXZpbA==\x07 ::group::[bold]x[/bold]\x1b[2J",
                "inside",
                "::endgroup::",
            ]
        )
        await pilot.press("g")
        shown = rows(view)
        assert shown[0] == "[link=file:///etc/passwd]ERROR[/link] is a word here, not a level"
        assert shown[1] == "▸ [bold]x[/bold]\\x1b[2J (1 line)"
        log = view.log_widget
        red = log.get_component_rich_style("log-lines--level-error").color
        assert colour_of(view, "[link=") != red
        await pilot.press("z")
        assert rows(view)[1] == "▾ [bold]x[/bold]\\x1b[2J" and rows(view)[2] == "inside"
        assert colour_of(view, "inside") == red  # a line with no header belongs to the record above
        assert app.is_running
