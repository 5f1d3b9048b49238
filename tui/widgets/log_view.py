"""A reusable log viewer: follow mode, search with highlights, jump to first error, wrap, save, copy.

Backends feed it lines (``append``); it never interprets them: every line is neutralised first.
A log of any length is kept whole: its lines go to a spill file (``SpillLog``), never to memory,
and ``LogLines`` (Line API, as Toolong does) reads back only the rows on screen.

Highlights cost O(visible lines): rows are styled as they are rendered, so a key press (n, N, E)
repaints the screenful, never the whole log. A new search reads the file once, in large chunks.
"""

from __future__ import annotations

import re
from array import array
from bisect import bisect_right
from datetime import UTC, datetime
from itertools import accumulate, repeat
from operator import add, floordiv
from pathlib import Path

from rich.cells import chop_cells
from rich.style import Style
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.cache import LRUCache
from textual.containers import Vertical
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.selection import Selection
from textual.strip import Strip
from textual.widgets import Input, Label

from tui import locations
from tui.plural import plural
from tui.services.log_spill import Matches, SpillLog
from tui.widgets.lists import ListKeys

# The first error is the first line saying error/exception/traceback/fatal; a line that only says
# "failed" (a state line such as "state: FAILED") counts only when no line says more.
ERROR_PATTERN = re.compile(r"\b(error|exception|traceback|fatal)\b", re.IGNORECASE)
FAILED_PATTERN = re.compile(r"\bfailed\b", re.IGNORECASE)
ERROR_WORDS = ("error", "exception", "traceback", "fatal")  # one is in every match: a fast pre-scan


def occurrences(line: str, needle: str) -> list[int]:
    """Where ``needle`` (lower case) starts in ``line``, case-insensitively, without overlaps."""
    found: list[int] = []
    low = line.lower()
    at = low.find(needle)
    while at != -1:
        found.append(at)
        at = low.find(needle, at + len(needle))
    return found


class LogLines(ListKeys, ScrollView, can_focus=True):
    """The lines of a ``SpillLog``, rendered a screenful at a time (Line API): memory and the cost of a
    frame do not grow with the log. Search matches, the current match and a marked line (the first
    error) are styled as they are rendered. Wrapped, each line takes ``ceil(width / columns)`` rows,
    found through a prefix sum of rows. Moving back up posts ``ReadingBack`` so the view pauses following."""

    COMPONENT_CLASSES = {
        "log-lines--match",
        "log-lines--current-match",
        "log-lines--current-line",
        "log-lines--error-line",
    }
    DEFAULT_CSS = """
    LogLines { background: $surface; color: $text; overflow: scroll; }
    LogLines:focus { background-tint: $foreground 5%; }
    LogLines > .log-lines--match { background: $warning 35%; }
    LogLines > .log-lines--current-match { background: $warning; color: $background; text-style: bold; }
    LogLines > .log-lines--current-line { background: $primary 30%; }
    LogLines > .log-lines--error-line { background: $error 35%; text-style: bold; }
    """

    class ReadingBack(Message):
        """The user moved up by keyboard: stop following the end."""

    def __init__(self, lines: SpillLog, **kwargs) -> None:
        super().__init__(**kwargs)
        self.lines = lines
        self.needle = ""  # lower case; "" when no search
        self.current: tuple[int, int] | None = None  # (line, n-th occurrence in it)
        self.error_line: int | None = None
        self.wrap_width: int | None = None  # columns per row when wrapping
        self._rows: array | None = None  # wrapped: first row of each line, and the total
        self._cache: LRUCache[int, Strip] = LRUCache(512)  # rows, until marks, wrap or style change
        self._frame_style: Style | None = None

    # -- rows -------------------------------------------------------------------------------------
    @property
    def line_count(self) -> int:
        """Rows of content (lines, or wrapped pieces of lines)."""
        return self._rows[-1] if self._rows is not None else len(self.lines)

    def set_wrap(self, width: int | None) -> None:
        self.wrap_width = width
        self._rows = None
        if width is not None:
            self._rows = array("Q", [0])
            self._extend_rows(0)
        self.lines_changed()

    def _extend_rows(self, first: int) -> None:
        width = self.wrap_width or 1
        rows = self._rows
        assert rows is not None
        # max(1, ceil(cells / width)) rows a line, summed: all in C iterators (a million lines ~0.1 s).
        pieces = map(floordiv, map(add, self.lines.widths[first:], repeat(width - 1)), repeat(width))
        ends = accumulate(map(max, pieces, repeat(1)), initial=rows[-1])
        next(ends)  # ``initial`` itself: the old total, already there
        rows.extend(ends)

    def lines_changed(self, first_new: int | None = None) -> None:
        """Lines were added from ``first_new`` (or all changed): size the scroll area, repaint."""
        if first_new is not None and self._rows is not None:
            self._extend_rows(first_new)
        elif first_new is None and self._rows is not None and len(self._rows) != len(self.lines) + 1:
            self._rows = array("Q", [0])
            self._extend_rows(0)
        width = self.wrap_width if self.wrap_width is not None else self.lines.max_width
        if first_new is None:
            self._cache.clear()  # appended lines leave every earlier row as it was
        self.virtual_size = Size(width, self.line_count)
        self.refresh()

    def row_of(self, line: int, column: int = 0) -> int:
        """The row where column ``column`` of line ``line`` is shown."""
        if self._rows is None:
            return line
        return self._rows[line] + column // (self.wrap_width or 1)

    def _line_at(self, row: int) -> tuple[int, int]:
        """(line, piece) shown on ``row``."""
        if self._rows is None:
            return row, 0
        line = bisect_right(self._rows, row) - 1
        return line, row - self._rows[line]

    # -- marks ------------------------------------------------------------------------------------
    def set_marks(self, needle: str, current: tuple[int, int] | None, error_line: int | None) -> None:
        self.needle, self.current, self.error_line = needle, current, error_line
        self._cache.clear()
        self.refresh()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._cache.clear()

    def _line_style(self, line: int) -> Style | None:
        if line == self.error_line:
            return self.get_component_rich_style("log-lines--error-line")
        if self.current is not None and self.current[0] == line:
            return self.get_component_rich_style("log-lines--current-line")
        return None

    @staticmethod
    def _process_line(line: str) -> str:
        return line.expandtabs()

    # -- rendering (Line API) ---------------------------------------------------------------------
    def render_lines(self, crop: Region) -> list[Strip]:
        # The widget's style, once a frame: working it out walks the DOM, which costs more than a row.
        self._frame_style = self.rich_style
        try:
            return super().render_lines(crop)
        finally:
            self._frame_style = None

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        return self._render_line(scroll_y + y, scroll_x, self.size.width)

    def _render_line(self, row: int, scroll_x: int, width: int) -> Strip:
        rich_style = self._frame_style or self.rich_style
        if row >= self.line_count:
            return Strip.blank(width, rich_style)
        line, _piece = self._line_at(row)
        strip = self._cache.get(row)
        if strip is None:
            strip = self._render_line_strip(row, rich_style)
            self._cache[row] = strip
        line_style = self._line_style(line)
        # A marked line is painted across the whole width, not only under its text.
        pad = rich_style if line_style is None else rich_style + line_style
        return strip.crop_extend(scroll_x, scroll_x + width, pad).apply_offsets(scroll_x, row)

    def _row_text(self, row: int) -> tuple[int, str, int, str]:
        """(line, its full text, where the row's piece starts in it, the piece) shown on ``row``."""
        line, piece = self._line_at(row)
        full = self._process_line(self.lines[line])
        if self.wrap_width is None:
            return line, full, 0, full
        pieces = chop_cells(full, self.wrap_width) or [""]
        start = sum(len(p) for p in pieces[:piece])
        return line, full, start, pieces[piece] if piece < len(pieces) else ""

    # -- mouse selection: the rows it covers, read back from the file -------------------------------
    def get_selection(self, selection: Selection) -> tuple[str, str] | None:
        if selection.start is None and selection.end is None:
            return self.lines.text(), "\n"
        first = selection.start.y if selection.start is not None else 0
        last = min(selection.end.y if selection.end is not None else self.line_count, self.line_count - 1)
        rows = "\n".join(self._row_text(row)[3] for row in range(first, last + 1))
        start = selection.start - (0, first) if selection.start is not None else None
        end = selection.end - (0, first) if selection.end is not None else None
        return Selection(start, end).extract(rows), "\n"

    def selection_updated(self, selection: Selection | None) -> None:
        self._cache.clear()
        self.refresh()

    def _render_line_strip(self, row: int, rich_style: Style) -> Strip:
        """One row as a Strip: the (piece of the) line, its marks, matches and selection styled."""
        line, full, start, text_part = self._row_text(row)
        text = Text(text_part, no_wrap=True, end="")
        text.stylize(rich_style)
        line_style = self._line_style(line)
        if line_style is not None:
            text.stylize(line_style)
        if self.needle:
            match = self.get_component_rich_style("log-lines--match")
            current = self.get_component_rich_style("log-lines--current-match")
            nth = self.current[1] if self.current is not None and self.current[0] == line else -1
            for index, at in enumerate(occurrences(full, self.needle)):
                begin, end = at - start, at - start + len(self.needle)
                if end > 0 and begin < len(text_part):
                    text.stylize(current if index == nth else match, max(0, begin), end)
        selection = self.text_selection
        if selection is not None and (span := selection.get_span(row)) is not None:
            begin, end = span
            text.stylize(
                self.screen.get_component_rich_style("screen--selection"), begin, None if end == -1 else end
            )
        return Strip(text.render(self.app.console), text.cell_len)

    # -- list keys: j/k/g/G, and up/pageup/home pause following ---------------------------------
    def _reading_back(self) -> None:
        self.post_message(self.ReadingBack())

    def action_list_down(self) -> None:
        self.scroll_down(animate=False)

    def action_list_up(self) -> None:
        self._reading_back()
        self.scroll_up(animate=False)

    def action_list_top(self) -> None:
        self._reading_back()
        self.scroll_home(animate=False)

    def action_list_bottom(self) -> None:
        self.scroll_end(animate=False)

    def action_scroll_up(self) -> None:
        self._reading_back()
        self.scroll_up(animate=False)

    def action_page_up(self) -> None:
        self._reading_back()
        self.scroll_page_up(animate=False)

    def action_scroll_home(self) -> None:
        self._reading_back()
        self.scroll_home(animate=False)


class LogView(Vertical):
    DEFAULT_CSS = """
    LogView { height: 1fr; }
    LogView > LogLines { height: 1fr; }
    LogView > #log-status { height: 1; color: $text-muted; padding: 0 1; }
    LogView > #log-search { height: 1; border: none; padding: 0; display: none; }
    """
    BINDINGS = [
        Binding("F", "toggle_follow", "Follow", id="log.follow"),
        Binding("slash", "search", "Search", id="log.search"),
        Binding("n", "next_match", "Next", id="log.next"),
        Binding("N", "previous_match", "Previous", show=False, id="log.previous"),
        Binding("E", "first_error", "First error", id="log.first_error"),
        Binding("w", "toggle_wrap", "Wrap", id="log.wrap"),
        Binding("S", "save", "Save", id="log.save"),
        Binding("c", "copy", "Copy", id="log.copy"),
        Binding("escape", "close_search", "Close search", show=False, id="log.close_search"),
    ]

    def __init__(self, *, name_hint: str = "log", **kwargs) -> None:
        super().__init__(**kwargs)
        self.name_hint = re.sub(r"[^A-Za-z0-9_.-]+", "_", name_hint)[:80] or "log"
        # Every line, on disk (a private file in the state directory), none in memory: see SpillLog.
        self.buffer = SpillLog()
        self.following = True
        self.wrapping = False
        self.query_text = ""
        self.matches = Matches()  # (line, n-th occurrence in it), in line order
        self.match_index = -1
        self.error_line: int | None = None  # the first error's line, once E found it
        self.finished = False

    def compose(self) -> ComposeResult:
        yield LogLines(self.buffer, id="log-lines")
        yield Input(placeholder="search", id="log-search")
        yield Label("", id="log-status")

    def on_mount(self) -> None:
        self.update_status()

    def on_unmount(self) -> None:
        self.buffer.close()  # the spill file goes with the view

    @property
    def log_widget(self) -> LogLines:
        return self.query_one(LogLines)

    # -- feeding ----------------------------------------------------------------------------------
    def append(self, lines: list[str]) -> None:
        """Add lines: O(new lines) per batch (written to the spill file, the new ones searched)."""
        first = len(self.buffer)
        clean = self.buffer.append(lines)
        if self.query_text:
            self.matches.extend(self._find(clean, first))
        log = self.log_widget
        log.lines_changed(first)
        if self.following:
            log.scroll_end(animate=False, immediate=True, x_axis=False)
        self.update_status()

    def reset(self) -> None:
        """Empty the view for another log (another try): lines, search position and marks."""
        self.buffer.close()
        self.finished = False
        self.matches, self.match_index, self.error_line = Matches(), -1, None
        self.redraw()
        self.update_status()

    def set_finished(self) -> None:
        self.finished = True
        self.update_status()

    def redraw(self) -> None:
        """Lay the lines out again (wrap toggled or the log emptied); marks keep their lines."""
        log = self.log_widget
        log.set_wrap(max(20, log.scrollable_content_region.width) if self.wrapping else None)
        if self.following:
            log.scroll_end(animate=False, immediate=True, x_axis=False)
        self._mark()

    def on_resize(self) -> None:
        if self.wrapping:
            self.redraw()

    def update_status(self) -> None:
        parts = [plural(len(self.buffer), "line")]
        if self.finished:
            parts.append("complete")  # nothing more will come: following is moot
        else:
            parts.append("following" if self.following else "follow paused (F to resume)")
        if self.wrapping:
            parts.append("wrap on")
        if self.query_text:
            parts.append(self.search_status())
        if self.error_line is not None:
            parts.append(f"first error at line {self.error_line + 1}")
        self.query_one("#log-status", Label).update(Text("  ·  ".join(parts)))

    def search_status(self) -> str:
        quoted = f"“{self.query_text}”"
        if not self.matches:
            return f"no match for {quoted}"
        if self.match_index < 0:
            return f"{plural(len(self.matches), 'match')} for {quoted}"
        return f"match {self.match_index + 1} of {len(self.matches)} for {quoted}"

    # -- follow pauses when the user scrolls up ---------------------------------------------------
    def on_mouse_scroll_up(self) -> None:
        self._pause_follow()

    @on(LogLines.ReadingBack)
    def reading_back(self, event: LogLines.ReadingBack) -> None:
        event.stop()
        self._pause_follow()

    def _pause_follow(self) -> None:
        if self.following:
            self.following = False
            self.update_status()

    def action_toggle_follow(self) -> None:
        self.following = not self.following
        if self.following:
            self.log_widget.scroll_end(animate=False, immediate=True, x_axis=False)
        self.update_status()

    # -- search -----------------------------------------------------------------------------------
    def action_search(self) -> None:
        box = self.query_one("#log-search", Input)
        box.display = True
        box.focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # escape belongs to the search box only while it is open; otherwise it goes back a screen.
        if action == "close_search":
            return bool(self.query_one("#log-search", Input).display)
        return True

    def action_close_search(self) -> None:
        box = self.query_one("#log-search", Input)
        box.display = False
        self.log_widget.focus()

    def _find(self, lines: list[str], first: int) -> Matches:
        """The matches among new lines still in memory (the rest are searched in the file)."""
        needle = self.query_text.lower()
        found = Matches()
        for offset, line in enumerate(lines):
            if needle in line.lower():
                found.add(first + offset, line.lower().count(needle))
        return found

    @on(Input.Submitted, "#log-search")
    def search_submitted(self, event: Input.Submitted) -> None:
        self.query_text = event.value
        self.matches = self.buffer.search(self.query_text)  # the whole log, through the file
        self.match_index = -1
        event.input.display = False
        self.log_widget.focus()
        if self.matches:
            self.action_next_match()
        else:
            self._mark()
            self.update_status()
            if self.query_text:
                self.notify(f"No match for “{self.query_text}”.", timeout=3)

    def _mark(self) -> None:
        current = self.matches[self.match_index] if 0 <= self.match_index < len(self.matches) else None
        self.log_widget.set_marks(self.query_text.lower(), current, self.error_line)

    def _go(self, line: int, column: int = 0, length: int = 0) -> None:
        """Show ``line`` (centred when it is off screen) and the columns of a match on it."""
        self._pause_follow()
        log = self.log_widget
        height, width = max(1, log.scrollable_content_region.height), log.scrollable_content_region.width
        row = log.row_of(line, column)
        y = log.scroll_y
        if not y <= row < y + height:
            y = max(0, row - height // 2)
        x = log.scroll_x
        if self.wrapping:
            x = 0
        elif column < x or column + length > x + width:
            x = max(0, column - width // 3)
        log.scroll_to(x=x, y=y, animate=False, immediate=True)
        self._mark()
        self.update_status()

    def _go_to_match(self) -> None:
        line, nth = self.matches[self.match_index]
        processed = LogLines._process_line(self.buffer[line])
        starts = occurrences(processed, self.query_text.lower())
        column = starts[nth] if nth < len(starts) else 0
        self._go(line, column, len(self.query_text))

    def _step(self, delta: int) -> None:
        if not self.matches:
            self.update_status()
            if self.query_text:
                self.notify(f"No match for “{self.query_text}”.", timeout=3)
            else:
                self.notify("Nothing searched yet: press / to search.", timeout=3)
            return
        self.match_index = (self.match_index + delta) % len(self.matches)
        self._go_to_match()

    def action_next_match(self) -> None:
        self._step(1)

    def action_previous_match(self) -> None:
        self._step(-1)

    def _first_error(self) -> int | None:
        for pattern, words in ((ERROR_PATTERN, ERROR_WORDS), (FAILED_PATTERN, ("failed",))):
            found = self.buffer.first_match(pattern, words)
            if found is not None:
                return found
        return None

    def action_first_error(self) -> None:
        self.error_line = self._first_error()
        if self.error_line is not None:
            self._go(self.error_line)
            return
        self._mark()
        self.update_status()
        self.notify("No error line found in this log.", timeout=4)

    def action_toggle_wrap(self) -> None:
        self.wrapping = not self.wrapping
        self.redraw()
        self.update_status()

    # -- export -----------------------------------------------------------------------------------
    def action_save(self) -> None:
        """Save into dagtop's log directory (never the current directory) and say the full path."""
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        path = locations.saved_logs_dir() / f"{self.name_hint}-{stamp}.log"
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.buffer.save(path)
        except OSError as exc:
            self.notify(f"Could not save to {path}: {exc.strerror or exc}", severity="error", timeout=8)
            return
        self.notify(f"Saved {len(self.buffer)} lines to {Path(path).absolute()}", timeout=8)

    def action_copy(self) -> None:
        # OSC 52: works over SSH in terminals that allow it.
        self.app.copy_to_clipboard(self.buffer.text())
        self.notify(f"Copied {len(self.buffer)} lines to the clipboard (OSC 52).", timeout=3)
