"""A DataTable updated by keyed diffs: rows are added, removed and changed in place, never refilled.

Cursor (by row key), scroll and order survive every refresh, so a poll never makes the screen jump.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widgets.data_table import RowKey

from tui.widgets.lists import ListTable

Cells = tuple[Text | str, ...]


class KeyedTable(ListTable):
    """DataTable with ``apply(rows)``: the table shows exactly ``rows``, in that order."""

    DEFAULT_CSS = """
    KeyedTable { height: 1fr; }
    """

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("cursor_type", "row")
        kwargs.setdefault("zebra_stripes", False)
        super().__init__(**kwargs)
        self._cells: dict[str, Cells] = {}

    @property
    def selected_key(self) -> str | None:
        if not self.row_count:
            return None
        try:
            row_key, _ = self.coordinate_to_cell_key(self.cursor_coordinate)
        except Exception:
            return None
        return row_key.value

    def apply(self, rows: Sequence[tuple[str, Cells]]) -> None:
        """Make the table show ``rows`` (key, cells) in order, touching only what changed."""
        selected = self.selected_key
        cursor_row = self.cursor_row
        wanted = dict(rows)
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
        if not self.row_count:
            return
        if selected is not None and selected in self._cells:
            row = self.get_row_index(selected)
        else:
            row = min(fallback_row, self.row_count - 1)
        if row != self.cursor_row:
            self.move_cursor(row=row, animate=False, scroll=False)
