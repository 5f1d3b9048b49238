"""A reusable log viewer: follow mode, search with highlights, jump to first error, wrap, save, copy.

Backends feed it lines (``append``); it never interprets them: every line is neutralised first.
Memory is bounded by ``max_lines`` (oldest lines dropped, and the user is told).

Highlights cost O(visible lines): ``LogLines`` (a Textual ``Log``, Line API) styles each line as it is
rendered, so a key press (n, N, E) repaints the screenful, never the whole log. Only a new search scans
every line, once, to count its matches (as Toolong's find does per line rendered).
"""

from __future__ import annotations

import re
import textwrap
from collections import deque
from datetime import UTC, datetime
from pathlib import Path

from rich.style import Style
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.strip import Strip
from textual.widgets import Input, Label, Log

from tui import locations
from tui.plural import plural
from tui.text_safety import safe_text
from tui.widgets.lists import ListKeys

# The first error is the first line saying error/exception/traceback/fatal; a line that only says
# "failed" (a state line such as "state: FAILED") counts only when no line says more.
ERROR_PATTERN = re.compile(r"\b(error|exception|traceback|fatal)\b", re.IGNORECASE)
FAILED_PATTERN = re.compile(r"\bfailed\b", re.IGNORECASE)
DEFAULT_MAX_LINES = 50_000


def occurrences(line: str, needle: str) -> list[int]:
    """Where ``needle`` (lower case) starts in ``line``, case-insensitively, without overlaps."""
    found: list[int] = []
    low = line.lower()
    at = low.find(needle)
    while at != -1:
        found.append(at)
        at = low.find(needle, at + len(needle))
    return found


class LogLines(ListKeys, Log):
    """The lines, with search matches, the current match and a marked line (the first error) styled
    as they are rendered. Moving back up posts ``ReadingBack`` so the view pauses following."""

    COMPONENT_CLASSES = {
        "log-lines--match",
        "log-lines--current-match",
        "log-lines--current-line",
        "log-lines--error-line",
    }
    DEFAULT_CSS = """
    LogLines > .log-lines--match { background: $warning 35%; }
    LogLines > .log-lines--current-match { background: $warning; color: $background; text-style: bold; }
    LogLines > .log-lines--current-line { background: $primary 30%; }
    LogLines > .log-lines--error-line { background: $error 35%; text-style: bold; }
    """

    class ReadingBack(Message):
        """The user moved up by keyboard: stop following the end."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.needle = ""  # lower case; "" when no search
        self.current: tuple[int, int] | None = None  # (line, n-th occurrence in it)
        self.error_line: int | None = None

    def set_marks(self, needle: str, current: tuple[int, int] | None, error_line: int | None) -> None:
        self.needle, self.current, self.error_line = needle, current, error_line
        self._render_line_cache.clear()
        self.refresh()

    def _marked(self, y: int) -> bool:
        return (
            bool(self.needle) or y == self.error_line or (self.current is not None and self.current[0] == y)
        )

    def _line_style(self, y: int) -> Style | None:
        if y == self.error_line:
            return self.get_component_rich_style("log-lines--error-line")
        if self.current is not None and self.current[0] == y:
            return self.get_component_rich_style("log-lines--current-line")
        return None

    def _render_line_strip(self, y: int, rich_style: Style) -> Strip:
        if self.text_selection is not None or not self._marked(y):
            return super()._render_line_strip(y, rich_style)
        line = self._process_line(self._lines[y])
        text = Text(line, no_wrap=True)
        text.stylize(rich_style)
        line_style = self._line_style(y)
        if line_style is not None:
            text.stylize(line_style)
        if self.needle:
            match = self.get_component_rich_style("log-lines--match")
            current = self.get_component_rich_style("log-lines--current-match")
            nth = self.current[1] if self.current is not None and self.current[0] == y else -1
            for index, start in enumerate(occurrences(line, self.needle)):
                text.stylize(current if index == nth else match, start, start + len(self.needle))
        return Strip(text.render(self.app.console), text.cell_len)

    def _render_line(self, y: int, scroll_x: int, width: int) -> Strip:
        line_style = self._line_style(y) if y < len(self._lines) else None
        if line_style is None:
            return super()._render_line(y, scroll_x, width)
        # A marked line is painted across the whole width, not only under its text.
        pad = self.rich_style + line_style
        strip = self._render_line_strip(y, self.rich_style)
        return strip.crop_extend(scroll_x, scroll_x + width, pad).apply_offsets(scroll_x, y)

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

    def __init__(self, *, name_hint: str = "log", max_lines: int = DEFAULT_MAX_LINES, **kwargs) -> None:
        super().__init__(**kwargs)
        self.name_hint = re.sub(r"[^A-Za-z0-9_.-]+", "_", name_hint)[:80] or "log"
        self.buffer: deque[str] = deque(maxlen=max_lines)
        self.dropped = 0
        self.following = True
        self.wrapping = False
        self.query_text = ""
        self.matches: list[tuple[int, int]] = []  # (display line, n-th occurrence in it)
        self.match_index = -1
        self.error_line: int | None = None  # display line of the first error, once E found it
        self.finished = False

    def compose(self) -> ComposeResult:
        yield LogLines(highlight=False, auto_scroll=True, max_lines=self.buffer.maxlen, id="log-lines")
        yield Input(placeholder="search", id="log-search")
        yield Label("", id="log-status")

    def on_mount(self) -> None:
        self.update_status()

    @property
    def log_widget(self) -> LogLines:
        return self.query_one(LogLines)

    # -- feeding ----------------------------------------------------------------------------------
    def append(self, lines: list[str]) -> None:
        """Add lines (one write per batch: cheap even for large logs)."""
        clean = [safe_text(line, keep_tabs=True) for chunk in lines for line in chunk.split("\n")]
        limit = self.buffer.maxlen
        overflow = max(0, len(self.buffer) + len(clean) - limit) if limit else 0
        self.dropped += overflow
        self.buffer.extend(clean)
        if self.wrapping:
            self.redraw()
        else:
            # The Log drops its oldest lines itself (max_lines), as the buffer does: a full log that
            # keeps growing costs O(new lines) per batch, never a rewrite of all 50,000.
            start = self.log_widget.line_count
            found = self._find(clean, start)  # only the new lines are searched
            self.log_widget.write_lines(clean, scroll_end=self.following)
            self.matches.extend(found)
            if overflow > 0:
                self._forget_oldest(overflow)
        self.update_status()

    def _forget_oldest(self, count: int) -> None:
        """``count`` oldest lines left the log: line numbers of matches and marks move up."""
        current = self.matches[self.match_index] if 0 <= self.match_index < len(self.matches) else None
        self.matches = [(line - count, nth) for line, nth in self.matches if line >= count]
        if current is not None and current[0] >= count:
            self.match_index = self.matches.index((current[0] - count, current[1]))
        else:
            self.match_index = -1
        if self.error_line is not None:
            self.error_line = self.error_line - count if self.error_line >= count else None
        self._mark()

    def reset(self) -> None:
        """Empty the view for another log (another try): lines, search position and marks."""
        self.buffer.clear()
        self.dropped = 0
        self.finished = False
        self.matches, self.match_index, self.error_line = [], -1, None
        self.redraw()
        self.update_status()

    def set_finished(self) -> None:
        self.finished = True
        self.update_status()

    def redraw(self) -> None:
        """Rewrite every line (wrap toggled, oldest lines dropped): line numbers change, so the search
        and the error mark are found again."""
        log = self.log_widget
        log.clear()
        lines = self.display_lines()
        log.write_lines(lines, scroll_end=self.following)
        self.matches = self._find(lines, 0) if self.query_text else []
        self.match_index = min(self.match_index, len(self.matches) - 1)
        if self.error_line is not None:
            self.error_line = self._first_error(lines)
        self._mark()

    def display_lines(self) -> list[str]:
        if not self.wrapping:
            return list(self.buffer)
        width = max(20, self.size.width - 2)
        out: list[str] = []
        for line in self.buffer:
            out.extend(textwrap.wrap(line, width, drop_whitespace=False, replace_whitespace=False) or [""])
        return out

    def update_status(self) -> None:
        parts = [plural(len(self.buffer), "line")]
        if self.dropped:
            parts.append(f"{plural(self.dropped, 'oldest line')} dropped (limit {self.buffer.maxlen})")
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
            self.log_widget.auto_scroll = False
            self.update_status()

    def action_toggle_follow(self) -> None:
        self.following = not self.following
        self.log_widget.auto_scroll = self.following
        if self.following:
            self.log_widget.scroll_end(animate=False)
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

    def _find(self, lines: list[str], first: int) -> list[tuple[int, int]]:
        needle = self.query_text.lower()
        if not needle:
            return []
        found: list[tuple[int, int]] = []
        for offset, line in enumerate(lines):
            if needle in line.lower():
                found.extend((first + offset, nth) for nth in range(len(occurrences(line, needle))))
        return found

    @on(Input.Submitted, "#log-search")
    def search_submitted(self, event: Input.Submitted) -> None:
        self.query_text = event.value
        self.matches = self._find(self.display_lines(), 0)
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
        y = log.scroll_y
        if not y <= line < y + height:
            y = max(0, line - height // 2)
        x = log.scroll_x
        if column < x or column + length > x + width:
            x = max(0, column - width // 3)
        log.scroll_to(x=x, y=y, animate=False, immediate=True)
        self._mark()
        self.update_status()

    def _go_to_match(self) -> None:
        line, nth = self.matches[self.match_index]
        processed = self.log_widget._process_line(self.log_widget.lines[line])
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

    @staticmethod
    def _first_error(lines: list[str]) -> int | None:
        for pattern in (ERROR_PATTERN, FAILED_PATTERN):
            found = next((index for index, line in enumerate(lines) if pattern.search(line)), None)
            if found is not None:
                return found
        return None

    def action_first_error(self) -> None:
        self.error_line = self._first_error(self.display_lines())
        if self.error_line is not None:
            self._go(self.error_line)
            return
        self._mark()
        self.update_status()
        self.notify("No error line found in this log.", timeout=4)

    def action_toggle_wrap(self) -> None:
        self.wrapping = not self.wrapping
        # Wrapped, one buffer line is several Log lines: the buffer alone bounds memory then.
        self.log_widget.max_lines = None if self.wrapping else self.buffer.maxlen
        self.redraw()
        self.update_status()

    # -- export -----------------------------------------------------------------------------------
    def action_save(self) -> None:
        """Save into dagtop's log directory (never the current directory) and say the full path."""
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        path = locations.saved_logs_dir() / f"{self.name_hint}-{stamp}.log"
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("\n".join(self.buffer) + "\n", encoding="utf-8")
        except OSError as exc:
            self.notify(f"Could not save to {path}: {exc.strerror or exc}", severity="error", timeout=8)
            return
        self.notify(f"Saved {len(self.buffer)} lines to {Path(path).absolute()}", timeout=8)

    def action_copy(self) -> None:
        # OSC 52: works over SSH in terminals that allow it.
        self.app.copy_to_clipboard("\n".join(self.buffer))
        self.notify(f"Copied {len(self.buffer)} lines to the clipboard (OSC 52).", timeout=3)
