"""`/` in the graph tree: find a task by name, as the log's search does (``n``/``N``, escape closes).

The box moves the cursor while the user types (a graph is small: every keystroke scans its names);
enter hides the box and leaves the cursor on the match, so ``n``/``N`` step from there. The wording of
the status is the log's (``match 3 of 152 for “part”``, ``no match for “x”``).
"""

from __future__ import annotations

from textual.binding import Binding
from textual.message import Message
from textual.widgets import Input

from tui.plural import plural


class TreeSearchBox(Input):
    """The search line under the tree (styled as the task list's filter: app.tcss); escape closes it
    (and only it) while it has the focus."""

    BINDINGS = [Binding("escape", "close", "Close search", show=False, id="graph.close_search")]

    def action_close(self) -> None:
        self.post_message(self.Closed())

    class Closed(Message):
        """escape in the box: the screen hides it and gives the tree the focus back."""


def matches(names: list[tuple[object, str]], text: str) -> list[object]:
    """The items whose name contains ``text`` (case-insensitive), in the order given; none for ``""``."""
    needle = text.lower()
    return [item for item, name in names if needle in name.lower()] if needle else []


def status(text: str, found: int, at: int) -> str:
    """``match 3 of 152 for “part”`` (``at``: 0-based; -1 before the first step), ``no match for “x”``."""
    quoted = f"“{text}”"
    if not found:
        return f"no match for {quoted}"
    if at < 0:
        return f"{plural(found, 'match')} for {quoted}"
    return f"match {at + 1} of {found} for {quoted}"
