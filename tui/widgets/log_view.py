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
from textual.timer import Timer
from textual.widgets import Input, Label

from tui import locations
from tui.plural import plural
from tui.services.log_layout import LogLayout
from tui.services.log_levels import Level, LevelCache
from tui.services.log_spill import Matches, SpillLog
from tui.widgets.lists import ListKeys

# The first error is the first line saying error/exception/traceback/fatal; a line that only says
# "failed" (a state line such as "state: FAILED") counts only when no line says more.
ERROR_PATTERN = re.compile(r"\b(error|exception|traceback|fatal)\b", re.IGNORECASE)
FAILED_PATTERN = re.compile(r"\bfailed\b", re.IGNORECASE)
ERROR_WORDS = ("error", "exception", "traceback", "fatal")  # one is in every match: a fast pre-scan
# A batch of up to this many lines is shaped (groups, tracebacks) as it is appended; a bigger one is
# shown first and shaped on timer ticks of SCAN_SLICE bytes, SCAN_PAUSE seconds apart.
SCAN_NOW = 5_000
GROUP_ACTIONS = {"toggle_group", "toggle_all_groups", "group_step"}
SCAN_SLICE = 4 << 20
SCAN_PAUSE = 0.02


def hanging_pieces(text: str, width: int) -> list[tuple[int, int, str]]:
    """A traceback line cut to ``width`` cells, each later piece indented under the line's own text,
    four columns deeper (past a frame's source line): a frame's path reads as one block. (where each
    piece starts in ``text``, its indent, the piece shown with its indent)."""
    first, *rest = chop_cells(text, width) or [""]
    if not rest:
        return [(0, 0, first)]
    hang = min(len(text) - len(text.lstrip(" ")) + 4, width // 2)
    pieces = [(0, 0, first)]
    at = len(first)
    for piece in chop_cells(text[at:], width - hang):
        pieces.append((at, hang, " " * hang + piece))
        at += len(piece)
    return pieces


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
        "log-lines--level-error",
        "log-lines--level-warning",
        "log-lines--level-debug",
        "log-lines--group",
    }
    # Levels colour the text only (style, never markup): the line's own characters are shown as they are.
    DEFAULT_CSS = """
    LogLines { background: $surface; color: $text; overflow: scroll; }
    LogLines:focus { background-tint: $foreground 5%; }
    LogLines > .log-lines--match { background: $warning 35%; }
    LogLines > .log-lines--current-match { background: $warning; color: $background; text-style: bold; }
    LogLines > .log-lines--current-line { background: $primary 30%; }
    LogLines > .log-lines--error-line { background: $error 35%; text-style: bold; }
    LogLines > .log-lines--level-error { color: $text-error; }
    LogLines > .log-lines--level-warning { color: $text-warning; }
    LogLines > .log-lines--level-debug { color: $text-muted; }
    LogLines > .log-lines--group { color: $text-accent; text-style: bold; }
    """
    LEVEL_CLASSES = {
        Level.ERROR: "log-lines--level-error",
        Level.WARNING: "log-lines--level-warning",
        Level.DEBUG: "log-lines--level-debug",
    }

    class ReadingBack(Message):
        """The user moved up by keyboard: stop following the end."""

    class HeaderClicked(Message):
        """A group's header line was clicked: fold or unfold it."""

        def __init__(self, line: int) -> None:
            super().__init__()
            self.line = line

    def __init__(self, lines: SpillLog, **kwargs) -> None:
        super().__init__(**kwargs)
        self.lines = lines
        self.shape = LogLayout()  # groups (folds) and tracebacks, found as lines come
        self.levels = LevelCache(lambda index: self.lines[index])
        self.fit_width = 80  # columns on screen: a traceback's lines wrap at it (the others scroll)
        self.group_cursor: int | None = None  # the header line of the group z acts on
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

    def set_wrap(self, width: int | None, fit: int | None = None) -> None:
        self.wrap_width = width
        if fit is not None:
            self.fit_width = fit
        self.lines_changed()

    def _row_counts(self, first: int) -> array:
        """Rows each line from ``first`` takes: 0 hidden in a fold, 1 a header or an unwrapped line,
        ``max(1, ceil(cells / width))`` a wrapped one (every line with ``w``, a traceback's always).
        C iterators over the widths: a million lines ~0.1 s; only folds and tracebacks cost Python."""
        widths, count = self.lines.widths, len(self.lines)
        shape = self.shape

        def pieces(a: int, b: int, width: int) -> array:
            split = map(floordiv, map(add, widths[a:b], repeat(width - 1)), repeat(width))
            return array("I", map(max, split, repeat(1)))

        if self.wrap_width is not None:
            counts = pieces(first, count, self.wrap_width)
        else:
            counts = array("I", [1]) * (count - first)
        for a, b in shape.traceback_spans(first, count):  # hanging pieces: a traceback is small
            width = self.wrap_width or max(20, self.fit_width)
            for line in range(a, b):
                if widths[line] > width:
                    counts[line - first] = len(hanging_pieces(self.display_text(line), width))
        for group in shape.groups:
            if group.header >= first:
                counts[group.header - first] = 1  # shown as ``▸ NAME (N lines)``: short
        for a, b in shape.hidden_ranges():
            if b > first:
                a = max(a, first)
                counts[a - first : b - first] = array("I", [0]) * (b - a)
        return counts

    def _extend_rows(self, first: int) -> None:
        rows = self._rows
        assert rows is not None
        ends = accumulate(self._row_counts(first), initial=rows[-1])
        next(ends)  # ``initial`` itself: the old total, already there
        rows.extend(ends)

    def lines_changed(self, first_new: int | None = None) -> None:
        """Lines were added from ``first_new`` (or all changed, or folds or wrap did): size the scroll
        area, repaint. Plain lines unwrapped need no row table: row n is line n (the fast path)."""
        needs_rows = self.wrap_width is not None or not self.shape.trivial
        if first_new is None or (needs_rows and self._rows is None):
            self._rows = None
            if needs_rows:
                self._rows = array("Q", [0])
                self._extend_rows(0)
            self._cache.clear()  # appended lines leave every earlier row as it was
        elif self._rows is not None:
            self._extend_rows(first_new)
        width = self.wrap_width if self.wrap_width is not None else self.lines.max_width
        self.virtual_size = Size(width, self.line_count)
        self.refresh()

    def row_of(self, line: int, column: int = 0) -> int:
        """The row where column ``column`` of line ``line`` is shown (a line hidden in a fold: the
        line shown above it)."""
        if self._rows is None:
            return line
        line = self.shape.visible_before(line)
        width = self.wrap_of(line)
        if width is None:
            return self._rows[line]
        if self.shape.in_traceback(line):
            starts = [start for start, _hang, _piece in hanging_pieces(self.display_text(line), width)]
            return self._rows[line] + bisect_right(starts, column) - 1
        return self._rows[line] + column // width

    def wrap_of(self, line: int) -> int | None:
        """The width ``line`` is wrapped at, or None when it is not."""
        if self.wrap_width is not None:
            return self.wrap_width
        if self._rows is not None and self._rows[line + 1] - self._rows[line] > 1:
            return max(20, self.fit_width)  # a traceback's line
        return None

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

    def set_group_cursor(self, line: int | None) -> None:
        self.group_cursor = line
        self._cache.clear()
        self.refresh()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._cache.clear()

    def _line_style(self, line: int) -> Style | None:
        if line == self.error_line:
            return self.get_component_rich_style("log-lines--error-line")
        if (self.current is not None and self.current[0] == line) or line == self.group_cursor:
            return self.get_component_rich_style("log-lines--current-line")
        return None

    def display_text(self, line: int) -> str:
        """What line ``line`` shows: its text (tabs expanded), or its group's ``▸ NAME (N lines)``."""
        return self.shape.display(line, self.lines[line]).expandtabs()

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

    def _row_text(self, row: int) -> tuple[int, str, int, str, int]:
        """(line, its full text, where the row's piece starts in it less its indent, the piece as
        shown, the indent put before it) on ``row``: a column of the line less the third is its place
        in the piece."""
        line, piece = self._line_at(row)
        full = self.display_text(line)
        width = self.wrap_of(line)
        if width is None:
            return line, full, 0, full, 0
        if self.shape.in_traceback(line):
            hung = hanging_pieces(full, width)
            if piece >= len(hung):
                return line, full, len(full), "", 0
            start, hang, text = hung[piece]
            return line, full, start - hang, text, hang
        pieces = chop_cells(full, width) or [""]
        start = sum(len(p) for p in pieces[:piece])
        return line, full, start, pieces[piece] if piece < len(pieces) else "", 0

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
        line, full, start, text_part, lead = self._row_text(row)
        text = Text(text_part, no_wrap=True, end="")
        text.stylize(rich_style)
        level = self.LEVEL_CLASSES.get(self.levels(line))
        if self.shape.group_at_header(line) is not None:
            level = "log-lines--group"
        if level is not None:
            text.stylize(self.get_component_rich_style(level, partial=True))
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
                    text.stylize(current if index == nth else match, max(lead, begin), end)
        selection = self.text_selection
        if selection is not None and (span := selection.get_span(row)) is not None:
            begin, end = span
            text.stylize(
                self.screen.get_component_rich_style("screen--selection"), begin, None if end == -1 else end
            )
        return Strip(text.render(self.app.console), text.cell_len)

    def on_click(self, event) -> None:
        line, _piece = self._line_at(self.scroll_offset.y + event.y)
        if event.y >= 0 and self.shape.group_at_header(line) is not None:
            self.post_message(self.HeaderClicked(line))

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
        Binding(
            "w",
            "toggle_wrap",
            "Wrap",
            id="log.wrap",
            tooltip="Wrap all lines (a traceback's always wrap, whole)",
        ),
        Binding(
            "z", "toggle_group", "Fold", id="log.fold", tooltip="Fold/unfold the ::group:: at the cursor"
        ),
        Binding(
            "Z",
            "toggle_all_groups",
            "Fold all",
            show=False,
            id="log.fold_all",
            tooltip="Fold/unfold all groups",
        ),
        Binding("right_curly_bracket", "group_step(1)", "Next group", show=False, id="log.next_group"),
        Binding("left_curly_bracket", "group_step(-1)", "Prev group", show=False, id="log.previous_group"),
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
        self._unscanned = 0  # lines from here on are not yet shaped (groups, tracebacks)
        self._groups_offered = False
        self._scan_timer: Timer | None = None

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
        relayout = False
        if self._unscanned == first and len(clean) <= SCAN_NOW:
            # A group closing folds lines already shown; a traceback may go on from the last batch.
            relayout = log.shape.scan(first, "\n".join(clean), len(clean))
            self._unscanned = len(self.buffer)
        elif self._scan_timer is None:
            self._scan_timer = self.set_timer(SCAN_PAUSE, self._scan_some)
        log.lines_changed(None if relayout else first)
        self._offer_group_keys()
        if self.following:
            log.scroll_end(animate=False, immediate=True, x_axis=False)
        self.update_status()

    def _scan_some(self) -> None:
        """Shape (groups, tracebacks) of lines appended in a big batch, a few MB a timer tick, read back
        from the spill file: the first screen of a huge log does not wait for this scan (~0.1 s a
        million lines), and the app answers keys between ticks. Laid out again when it is done."""
        self._scan_timer = None
        log = self.log_widget
        budget = SCAN_SLICE
        found = False
        for base, text, count in self.buffer.text_blocks(self._unscanned):
            found = log.shape.scan(base, text, count) or found
            self._unscanned = base + count
            budget -= len(text) + 1
            if budget <= 0:
                break
        done = self._unscanned >= len(self.buffer)
        if not done:
            self._scan_timer = self.set_timer(SCAN_PAUSE, self._scan_some)
        self._offer_group_keys()
        if found or (done and not log.shape.trivial):
            log.lines_changed()
            if self.following:
                log.scroll_end(animate=False, immediate=True, x_axis=False)
            self.update_status()

    def _offer_group_keys(self) -> None:
        """The first group found: z, Z, { } join the footer and the help."""
        if self.log_widget.shape.groups and not self._groups_offered:
            self._groups_offered = True
            self.refresh_bindings()

    def reset(self) -> None:
        """Empty the view for another log (another try): lines, search position and marks."""
        self.buffer.close()
        if self._scan_timer is not None:
            self._scan_timer.stop()
            self._scan_timer = None
        self._unscanned = 0
        self.finished = False
        self.matches, self.match_index, self.error_line = Matches(), -1, None
        log = self.log_widget
        log.shape = LogLayout()
        if self._groups_offered:
            self._groups_offered = False
            self.refresh_bindings()
        log.levels.clear()
        log.group_cursor = None
        self.redraw()
        self.update_status()

    def set_finished(self) -> None:
        self.finished = True
        self.update_status()

    def redraw(self) -> None:
        """Lay the lines out again (wrap toggled or the log emptied); marks keep their lines."""
        log = self.log_widget
        fit = max(20, log.scrollable_content_region.width)
        log.set_wrap(fit if self.wrapping else None, fit)
        if self.following:
            log.scroll_end(animate=False, immediate=True, x_axis=False)
        self._mark()

    def on_resize(self) -> None:
        if self.wrapping or self.log_widget.shape.tracebacks:
            self.redraw()

    def update_status(self) -> None:
        parts = [plural(len(self.buffer), "line")]
        if self.finished:
            parts.append("complete")  # nothing more will come: following is moot
        else:
            parts.append("following" if self.following else "follow paused (F to resume)")
        if self.wrapping:
            parts.append("wrap on")
        groups = self.log_widget.shape.groups if self.is_mounted else []
        if groups:
            folded = sum(1 for g in groups if g.folded and g.end is not None)
            parts.append(f"{folded} of {plural(len(groups), 'group')} folded (z, Z)")
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
        if action in GROUP_ACTIONS:  # offered (footer, help) only where the log has groups to fold
            return bool(self.log_widget.shape.groups)
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
        if log.shape.reveal(line):  # a match or an error inside a folded group: unfold it to show it
            log.lines_changed()
        height, width = max(1, log.scrollable_content_region.height), log.scrollable_content_region.width
        row = log.row_of(line, column)
        y = log.scroll_y
        if not y <= row < y + height:
            y = max(0, row - height // 2)
        x = log.scroll_x
        if self.wrapping or log.wrap_of(log.shape.visible_before(line)) is not None:
            x = 0  # a wrapped line (every line with w, a traceback's always) shows its whole width
        elif column < x or column + length > x + width:
            x = max(0, column - width // 3)
        log.scroll_to(x=x, y=y, animate=False, immediate=True)
        self._mark()
        self.update_status()

    def _go_to_match(self) -> None:
        line, nth = self.matches[self.match_index]
        processed = self.log_widget.display_text(line)
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

    # -- groups (folds) ---------------------------------------------------------------------------
    def _visible_headers(self) -> list[int]:
        log = self.log_widget
        return [g.header for g in log.shape.groups if not log.shape.is_hidden(g.header)]

    def _group_under_cursor(self) -> int | None:
        """The header z acts on: the one chosen with { }, else the first on screen, else the group the
        top line is in."""
        log = self.log_widget
        top = log.scroll_y
        bottom = top + max(1, log.scrollable_content_region.height)
        on_screen = [h for h in self._visible_headers() if top <= log.row_of(h) < bottom]
        if log.group_cursor in on_screen:  # chosen and still in view (scrolled away: not what you see)
            return log.group_cursor
        if on_screen:
            return on_screen[0]
        first_shown, _piece = log._line_at(int(top)) if log.line_count else (0, 0)
        inside = log.shape.enclosing(first_shown)
        return inside[-1].header if inside else None

    def action_toggle_group(self) -> None:
        log = self.log_widget
        header = self._group_under_cursor()
        group = log.shape.group_at_header(header) if header is not None else None
        if group is None:
            self.notify("No group here: this log has no ::group:: sections on screen.", timeout=3)
            return
        log.shape.toggle(group)
        log.set_group_cursor(header)
        self._relayout_keeping(header)

    def action_toggle_all_groups(self) -> None:
        log = self.log_widget
        groups = log.shape.groups
        if not groups:
            self.notify("This log has no ::group:: sections.", timeout=3)
            return
        fold = not any(g.folded and g.end is not None for g in groups)
        log.shape.set_all(fold)
        self._relayout_keeping(log.group_cursor)

    def action_group_step(self, delta: int) -> None:
        log = self.log_widget
        headers = self._visible_headers()
        if not headers:
            self.notify("This log has no ::group:: sections.", timeout=3)
            return
        current = self._group_under_cursor()
        if current is None:
            index = 0 if delta > 0 else len(headers) - 1
        elif log.group_cursor != current:  # nothing chosen on screen: the first one there is the step
            index = headers.index(current)
        else:
            index = headers.index(current) + delta
            if not 0 <= index < len(headers):
                self.notify(f"No {'next' if delta > 0 else 'previous'} group.", timeout=2)
                return
        log.set_group_cursor(headers[index])
        self._go(headers[index])

    def _relayout_keeping(self, line: int | None) -> None:
        """Lay the rows out again after folds changed, keeping ``line`` (a header) where it was on
        screen: the reader is reading there, so following pauses (F resumes)."""
        log = self.log_widget
        before = log.row_of(line) - log.scroll_y if line is not None else None
        log.lines_changed()
        if line is not None and before is not None:
            self._pause_follow()
            log.scroll_to(y=max(0, log.row_of(line) - before), animate=False, immediate=True)
        elif self.following:
            log.scroll_end(animate=False, immediate=True, x_axis=False)
        self.update_status()

    @on(LogLines.HeaderClicked)
    def header_clicked(self, event: LogLines.HeaderClicked) -> None:
        event.stop()
        log = self.log_widget
        group = log.shape.group_at_header(event.line)
        if group is not None:
            log.shape.toggle(group)
            log.set_group_cursor(event.line)
            self._relayout_keeping(event.line)

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
