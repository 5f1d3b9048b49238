"""The app's list table: a virtual table updated by keyed diffs, never refilled.

Cursor (by row key), scroll and order survive every refresh, so a poll never makes the screen jump.
The cursor is the target of every action key, so it never moves to another row by itself: when the
row the user chose leaves the list (a poll, a filter), the table shows no cursor and selects
nothing until the user moves it again (``lost_key`` says which row left).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from textual import events
from textual.message import Message

from tui.widgets.virtual_table import Cells, Prepared, VirtualTable, prepare_rows


class KeyedTable(VirtualTable):
    """``apply(rows)``: the table shows exactly ``rows``, in that order; ``apply_lazy`` does the same
    with cells built only for the rows drawn."""

    DEFAULT_CSS = """
    KeyedTable { height: 1fr; }
    """

    class SelectionRegained(Message):
        """The user chose a row again after the chosen one left the list."""

        def __init__(self, table: KeyedTable) -> None:
            super().__init__()
            self.table = table

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.lost_key: str | None = None  # the chosen row, while it is not in the list
        self._lost_index = 0  # where it was, so j/k continue from there
        self._lost_neighbours: tuple[str | None, str | None] = (None, None)  # the rows above and below it
        self._placing = False  # apply() is moving the cursor, not the user
        self._keep: str | None = None  # the chosen row across set_columns()

    @property
    def selected_key(self) -> str | None:
        """The row an action would act on: none while the chosen row is gone."""
        if not self.row_count or self.lost_key is not None:
            return None
        return self._keys[self.cursor_row]

    def set_columns(self, columns: Sequence[tuple[str, str, int]]) -> None:
        """Replace the columns (key, label, fixed width); the next ``apply`` redraws the rows and
        keeps the cursor on the chosen row."""
        self._keep = self.lost_key or self.selected_key or self._keep
        self.columns.clear()
        self._cells.clear()  # cells are cut to the columns shown
        self._stamps.clear()  # every row is drawn again
        self._versions = {}  # and measured again for auto-width columns
        for key, label, width in columns:
            self.add_column(label, key=key, width=width)

    def apply(self, rows: Sequence[tuple[str, Cells]]) -> None:
        """Make the table show ``rows`` (key, cells) in order; a row is redrawn only when it changed."""
        cells = dict(rows)
        self.apply_lazy(rows, cells.__getitem__)

    def apply_lazy(
        self,
        rows: Sequence[tuple[str, object]] | Prepared,
        render: Callable[[str], Cells],
        context: object = None,
    ) -> None:
        """Show ``rows`` (key, version) in order; ``render(key)`` builds a row's cells when it is drawn,
        once per version and ``context`` (what every row's cells depend on, e.g. the clock). Rows
        prepared in a worker thread (``prepare_rows``) cost the main thread no pass over them."""
        self._placing = True
        try:
            self._apply(rows, render, context)
        finally:
            self._placing = False

    def _apply(
        self, rows: Sequence[tuple[str, object]] | Prepared, render: Callable[[str], Cells], context: object
    ) -> None:
        rows = rows if isinstance(rows, Prepared) else prepare_rows(rows)
        selected = self.lost_key or self.selected_key or self._keep
        self._keep = None
        cursor_row = self._lost_index if self.lost_key is not None else self.cursor_row
        if self.lost_key is None and selected is not None and selected in self._index:
            self._remember_neighbours(selected, cursor_row, rows)
        self.set_rows(rows, render, context)
        self._restore_cursor(selected, cursor_row)

    def _remember_neighbours(self, selected: str, cursor_row: int, rows: Prepared) -> None:
        """If the chosen row is leaving, remember its neighbours, where j/k will continue from."""
        if selected in rows.index:
            return
        keys = self._keys
        above = keys[cursor_row - 1] if 0 < cursor_row <= len(keys) else None
        below = keys[cursor_row + 1] if cursor_row + 1 < len(keys) else None
        self._lost_neighbours = (above, below)

    def _restore_cursor(self, selected: str | None, fallback_row: int) -> None:
        if selected is None:
            return  # nothing was chosen (a first fill): the cursor starts at the top
        if selected not in self._index:
            if self.lost_key is None:  # the chosen row just left: select nothing, never a neighbour
                self.lost_key, self._lost_index = selected, fallback_row
                self.show_cursor = False
            return
        row = self._index[selected]
        came_back = self.lost_key is not None
        if came_back:  # it came back (a filter cleared): chosen again, and shown where it is
            self.lost_key = None
            self.show_cursor = True
        if row != self.cursor_row or came_back:
            # A poll that moves the chosen row never scrolls the view under the user's eyes; a row that
            # comes back is scrolled into view, since the pane below names it.
            self.move_cursor(row=row, animate=False, scroll=came_back)

    # -- while the chosen row is gone, the first move chooses again ------------------------------------
    def cursor_moved(self, old: int, new: int) -> None:
        if self.lost_key is not None and not self._placing:
            self._regain(new)  # moved by code (a test, a jump): that is a choice too

    def _regain(self, row: int) -> None:
        if not self.row_count:
            return  # nothing to choose: still nothing selected
        self.lost_key = None
        self.show_cursor = True
        self.move_cursor(row=max(0, min(row, self.row_count - 1)), animate=False)
        self.post_message(self.SelectionRegained(self))

    def _neighbour(self, below: bool) -> int:
        """Where j (below) or k continue from: the row that was next to the one that left."""
        key = self._lost_neighbours[1 if below else 0]
        if key is not None and key in self._index:
            return self._index[key]
        return self._lost_index if below else self._lost_index - 1

    def action_cursor_down(self) -> None:
        if self.lost_key is not None:
            self._regain(self._neighbour(below=True))
        else:
            super().action_cursor_down()

    def action_cursor_up(self) -> None:
        if self.lost_key is not None:
            self._regain(self._neighbour(below=False))
        else:
            super().action_cursor_up()

    def action_page_down(self) -> None:
        if self.lost_key is not None:
            self._regain(self._neighbour(below=True))
        else:
            super().action_page_down()

    def action_page_up(self) -> None:
        if self.lost_key is not None:
            self._regain(self._neighbour(below=False))
        else:
            super().action_page_up()

    def action_scroll_top(self) -> None:
        if self.lost_key is not None:
            self._regain(0)
        else:
            super().action_scroll_top()

    def action_scroll_bottom(self) -> None:
        if self.lost_key is not None:
            self._regain(self.row_count - 1)
        else:
            super().action_scroll_bottom()

    def action_select_cursor(self) -> None:
        if self.lost_key is not None:  # enter with nothing selected: say why, never open a neighbour
            hint = getattr(self.screen, "selection_hint", "")
            self.notify(hint or "Nothing selected: press j/k to choose.", severity="warning", timeout=5)
        else:
            super().action_select_cursor()

    async def _on_click(self, event: events.Click) -> None:
        row = event.style.meta.get("row")
        if self.lost_key is not None and isinstance(row, int) and row >= 0:
            self._regain(row)
            event.stop()
            return
        await super()._on_click(event)
