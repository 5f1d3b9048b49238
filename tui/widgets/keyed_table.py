"""A DataTable updated by keyed diffs: rows are added, removed and changed in place, never refilled.

Cursor (by row key), scroll and order survive every refresh, so a poll never makes the screen jump.
The cursor is the target of every action key, so it never moves to another row by itself: when the
row the user chose leaves the list (a poll, a filter), the table shows no cursor and selects
nothing until the user moves it again (``lost_key`` says which row left).
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual import events
from textual.coordinate import Coordinate
from textual.message import Message
from textual.widgets.data_table import CellDoesNotExist, RowKey

from tui.widgets.lists import ListTable

Cells = tuple[Text | str, ...]


class KeyedTable(ListTable):
    """DataTable with ``apply(rows)``: the table shows exactly ``rows``, in that order."""

    DEFAULT_CSS = """
    KeyedTable { height: 1fr; }
    """

    class SelectionRegained(Message):
        """The user chose a row again after the chosen one left the list."""

        def __init__(self, table: KeyedTable) -> None:
            super().__init__()
            self.table = table

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("cursor_type", "row")
        kwargs.setdefault("zebra_stripes", False)
        super().__init__(**kwargs)
        self._cells: dict[str, Cells] = {}
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
        try:
            row_key, _ = self.coordinate_to_cell_key(self.cursor_coordinate)
        except CellDoesNotExist:  # the cursor is past the rows while the table refills
            return None
        return row_key.value

    def set_columns(self, columns: Sequence[tuple[str, str, int]]) -> None:
        """Replace the columns (key, label, fixed width); the next ``apply`` refills the rows and
        puts the cursor back on the chosen row."""
        self._keep = self.lost_key or self.selected_key or self._keep
        self._placing = True
        try:
            self.clear(columns=True)
            self._cells.clear()
            for key, label, width in columns:
                self.add_column(label, key=key, width=width)
        finally:
            self._placing = False

    def apply(self, rows: Sequence[tuple[str, Cells]]) -> None:
        """Make the table show ``rows`` (key, cells) in order, touching only what changed."""
        self._placing = True
        try:
            self._apply(rows)
        finally:
            self._placing = False

    def _apply(self, rows: Sequence[tuple[str, Cells]]) -> None:
        selected = self.lost_key or self.selected_key or self._keep
        self._keep = None
        cursor_row = self._lost_index if self.lost_key is not None else self.cursor_row
        wanted = dict(rows)
        if self.lost_key is None and selected is not None and selected not in wanted:
            # It is leaving: remember its neighbours, where j/k will continue from.
            above = self._row_locations.get_key(cursor_row - 1) if cursor_row > 0 else None
            below = self._row_locations.get_key(cursor_row + 1)
            self._lost_neighbours = (above.value if above else None, below.value if below else None)
        columns = list(self.columns)
        for key in [k for k in self._cells if k not in wanted]:
            self.remove_row(key)
            del self._cells[key]
        for key, cells in rows:
            old = self._cells.get(key)
            if old is None:
                self.add_row(*cells, key=key)
            elif old != cells:
                for column, (before, after) in zip(columns, zip(old, cells, strict=True), strict=False):
                    if before != after:
                        self.update_cell(key, column, after, update_width=True)
            self._cells[key] = cells
        if self._updated_cells:
            # DataTable re-measures changed cells on its next idle; do it now so the columns fit the new
            # content in the same frame (Textual is pinned exactly, so this private call is stable).
            changed, self._updated_cells = self._updated_cells, set()
            self._update_column_widths(changed)
        if self._require_update_dimensions:
            # New rows are measured on idle too: a frame (or a snapshot) taken before that idle showed
            # auto-width columns at their old, narrow width. Measure them now, O(new rows).
            self._require_update_dimensions = False
            new_rows, self._new_rows = self._new_rows, set()
            self._update_dimensions(new_rows)
        order = {key: index for index, (key, _) in enumerate(rows)}
        if [k.value for k in self._ordered_keys()] != [k for k, _ in rows]:
            self._reorder(order)
        self._restore_cursor(selected, cursor_row)

    def _ordered_keys(self) -> list[RowKey]:
        return [self._row_locations.get_key(index) for index in range(self.row_count)]

    def _reorder(self, order: dict[str, int]) -> None:
        # DataTable.sort() can only sort by cell values; we sort by our own order, as sort() does.
        self.sort(key=lambda _row: 0)  # resets caches the same way sort() does
        from textual._two_way_dict import TwoWayDict

        self._row_locations = TwoWayDict({RowKey(key): index for key, index in order.items()})
        self._update_count += 1
        self.refresh()

    def _restore_cursor(self, selected: str | None, fallback_row: int) -> None:
        if selected is None:
            return  # nothing was chosen (a first fill): the cursor starts at the top
        if selected not in self._cells:
            if self.lost_key is None:  # the chosen row just left: select nothing, never a neighbour
                self.lost_key, self._lost_index = selected, fallback_row
                self.show_cursor = False
            return
        row = self.get_row_index(selected)
        if self.lost_key is not None:  # it came back (a filter cleared): chosen again
            self.lost_key = None
            self.show_cursor = True
        if row != self.cursor_row:
            self.move_cursor(row=row, animate=False, scroll=False)

    # -- while the chosen row is gone, the first move chooses again ------------------------------------
    def watch_cursor_coordinate(self, old: Coordinate, new: Coordinate) -> None:
        super().watch_cursor_coordinate(old, new)
        if self.lost_key is not None and not self._placing and old != new:
            self._regain(new.row)  # moved by code (a test, a jump): that is a choice too

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
        if key is not None and key in self._cells:
            return self.get_row_index(key)
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
