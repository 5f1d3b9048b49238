"""A reusable log viewer: follow mode, search, jump to first error, wrap, save, copy.

Backends feed it lines (``append``); it never interprets them: every line is neutralised first.
Memory is bounded by ``max_lines`` (oldest lines dropped, and the user is told).
"""

from __future__ import annotations

import re
import textwrap
from collections import deque
from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Label, Log

from tui.text_safety import safe_text

ERROR_PATTERN = re.compile(r"\b(error|exception|traceback|failed|fatal)\b", re.IGNORECASE)
DEFAULT_MAX_LINES = 50_000


class LogView(Vertical):
    DEFAULT_CSS = """
    LogView { height: 1fr; }
    LogView > Log { height: 1fr; }
    LogView > #log-status { height: 1; color: $text-muted; padding: 0 1; }
    LogView > #log-search { height: 1; border: none; padding: 0; display: none; }
    """
    BINDINGS = [
        Binding("F", "toggle_follow", "Follow", id="log.follow"),
        Binding("slash", "search", "Search", id="log.search"),
        Binding("n", "next_match", "Next", id="log.next"),
        Binding("N", "previous_match", "Prev", show=False, id="log.previous"),
        Binding("E", "first_error", "First error", id="log.first_error"),
        Binding("w", "toggle_wrap", "Wrap", id="log.wrap"),
        Binding("S", "save", "Save", id="log.save"),
        Binding("c", "copy", "Copy", id="log.copy"),
        Binding("escape", "close_search", "Close search", show=False, id="log.close_search"),
        Binding("k,up", "line_up", "Up", show=False, id="log.up"),
        Binding("pageup", "page_up", "Page up", show=False, id="log.page_up"),
        Binding("g", "top", "Top", show=False, id="log.top"),
        Binding("G", "bottom", "Bottom", show=False, id="log.bottom"),
    ]

    def __init__(self, *, name_hint: str = "log", max_lines: int = DEFAULT_MAX_LINES, **kwargs) -> None:
        super().__init__(**kwargs)
        self.name_hint = re.sub(r"[^A-Za-z0-9_.-]+", "_", name_hint)[:80] or "log"
        self.buffer: deque[str] = deque(maxlen=max_lines)
        self.dropped = 0
        self.following = True
        self.wrapping = False
        self.query_text = ""
        self.matches: list[int] = []
        self.match_index = -1
        self.finished = False

    def compose(self) -> ComposeResult:
        yield Log(highlight=False, auto_scroll=True, id="log-lines")
        yield Input(placeholder="search", id="log-search")
        yield Label("", id="log-status")

    def on_mount(self) -> None:
        self.update_status()

    @property
    def log_widget(self) -> Log:
        return self.query_one(Log)

    # -- feeding ----------------------------------------------------------------------------------
    def append(self, lines: list[str]) -> None:
        """Add lines (one write per batch: cheap even for large logs)."""
        clean = [safe_text(line, keep_tabs=True) for chunk in lines for line in chunk.split("\n")]
        overflow = len(self.buffer) + len(clean) - (self.buffer.maxlen or 0)
        if self.buffer.maxlen and overflow > 0:
            self.dropped += overflow
        self.buffer.extend(clean)
        if self.wrapping or (self.buffer.maxlen and overflow > 0):
            self.redraw()
        else:
            self.log_widget.write_lines(clean, scroll_end=self.following)
        self.update_status()

    def set_finished(self) -> None:
        self.finished = True
        self.update_status()

    def redraw(self) -> None:
        log = self.log_widget
        log.clear()
        log.write_lines(self.display_lines(), scroll_end=self.following)

    def display_lines(self) -> list[str]:
        if not self.wrapping:
            return list(self.buffer)
        width = max(20, self.size.width - 2)
        out: list[str] = []
        for line in self.buffer:
            out.extend(textwrap.wrap(line, width, drop_whitespace=False, replace_whitespace=False) or [""])
        return out

    def update_status(self) -> None:
        parts = [f"{len(self.buffer)} lines"]
        if self.dropped:
            parts.append(f"{self.dropped} oldest lines dropped (limit {self.buffer.maxlen})")
        parts.append("following" if self.following else "follow paused (F to resume)")
        if self.wrapping:
            parts.append("wrap on")
        if self.finished:
            parts.append("complete")
        if self.query_text:
            parts.append(
                f"{len(self.matches)} matches" + (f", #{self.match_index + 1}" if self.matches else "")
            )
        self.query_one("#log-status", Label).update(Text("  ·  ".join(parts)))

    # -- follow pauses when the user scrolls up ---------------------------------------------------
    def on_mouse_scroll_up(self) -> None:
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

    def action_line_up(self) -> None:
        self._pause_follow()  # reading back by keyboard pauses follow, as scrolling up with the mouse does
        self.log_widget.scroll_up(animate=False)

    def action_page_up(self) -> None:
        self._pause_follow()
        self.log_widget.scroll_page_up(animate=False)

    def action_top(self) -> None:
        self._pause_follow()
        self.log_widget.scroll_home(animate=False)

    def action_bottom(self) -> None:
        self.log_widget.scroll_end(animate=False)

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

    @on(Input.Submitted, "#log-search")
    def search_submitted(self, event: Input.Submitted) -> None:
        self.query_text = event.value
        needle = event.value.lower()
        lines = self.display_lines()
        self.matches = [i for i, line in enumerate(lines) if needle and needle in line.lower()]
        self.match_index = -1
        event.input.display = False
        self.log_widget.focus()
        self.action_next_match()

    def _go(self, line: int) -> None:
        self._pause_follow()
        self.log_widget.scroll_to(y=max(0, line - 2), animate=False)
        self.update_status()

    def action_next_match(self) -> None:
        if not self.matches:
            self.update_status()
            return
        self.match_index = (self.match_index + 1) % len(self.matches)
        self._go(self.matches[self.match_index])

    def action_previous_match(self) -> None:
        if not self.matches:
            return
        self.match_index = (self.match_index - 1) % len(self.matches)
        self._go(self.matches[self.match_index])

    def action_first_error(self) -> None:
        for index, line in enumerate(self.display_lines()):
            if ERROR_PATTERN.search(line):
                self._go(index)
                return
        self.notify("No error line in this log.", timeout=3)

    def action_toggle_wrap(self) -> None:
        self.wrapping = not self.wrapping
        self.redraw()
        self.update_status()

    # -- export -----------------------------------------------------------------------------------
    def action_save(self) -> None:
        path = Path(f"dagtop-{self.name_hint}.log")
        try:
            path = path.absolute()
            path.write_text("\n".join(self.buffer) + "\n", encoding="utf-8")
        except OSError as exc:
            self.notify(f"Could not save to {path}: {exc.strerror or exc}", severity="error", timeout=8)
            return
        self.notify(f"Saved {len(self.buffer)} lines to {path}", timeout=5)

    def action_copy(self) -> None:
        # OSC 52: works over SSH in terminals that allow it.
        self.app.copy_to_clipboard("\n".join(self.buffer))
        self.notify(f"Copied {len(self.buffer)} lines to the clipboard (OSC 52).", timeout=3)
