"""A keyed table that renders only the rows on screen (Textual's Line API, as Toolong's ``LogLines``).

Rows are plain keyed data: a key and a *version* (any value that compares equal while the row looks the
same). A row's cells are made by a ``render(key)`` callback only when the row is drawn (or read), and
kept until its version changes, so a first frame, a scroll, a filter and a poll cost O(visible rows) +
O(changed rows), never O(all rows) of cell building, measuring or styling (Textual's ``DataTable``
rebuilds O(rows) caches on every change: ~10 s for 100,000 rows).

It looks and reads like a row-cursor ``DataTable`` (same component classes, padding, fixed columns,
messages and accessors such as ``get_row_at``), so screens and tests see the same widget.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from itertools import chain, count
from typing import Any, ClassVar, NamedTuple, TypeVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual._segment_tools import line_crop
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.coordinate import Coordinate
from textual.geometry import Region, Size, Spacing
from textual.reactive import Reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets import DataTable
from textual.widgets.data_table import CellDoesNotExist, CellKey, Column, ColumnKey, Row, RowKey

from tui.widgets.lists import ListKeys

Cell = Text | str
Cells = tuple[Cell, ...]
Render = Callable[[str], Cells]
HEADER = -1  # the row index of the header line
K = TypeVar("K")
V = TypeVar("V")


def as_text(cell: Cell) -> Text:
    """A cell as one line of text; a plain string is shown literally (never parsed as markup)."""
    text = cell if isinstance(cell, Text) else Text(str(cell))
    return text.split(allow_blank=True)[0] if "\n" in text.plain else text


class Recent(OrderedDict[K, V]):
    """The ``size`` entries used last. Unlike Textual's ``LRUCache``, setting a key that is there
    replaces its value (a row's cells are built again when its version changes)."""

    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size

    def get(self, key: K, default: Any = None) -> Any:
        value = super().get(key, _MISSING)
        if value is _MISSING:
            return default
        self.move_to_end(key)
        return value

    def __setitem__(self, key: K, value: V) -> None:
        super().__setitem__(key, value)
        self.move_to_end(key)
        if len(self) > self.size:
            self.popitem(last=False)


_MISSING = object()
_EMPTY = Text()


class _Styles(NamedTuple):
    """The styles of one repaint (they change with focus, theme and the cursor's visibility)."""

    base: Style
    header: Style
    fixed: Style
    cursor: Style
    fixed_cursor: Style
    pseudo_classes: object
    show_cursor: bool


class TableKeys(ScrollView):
    """A table's own keys (DataTable's), before the list keys, as DataTable's come before ListTable's."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Select", show=False),
        Binding("up", "cursor_up", "Cursor up", show=False),
        Binding("down", "cursor_down", "Cursor down", show=False),
        Binding("right", "scroll_right", "Scroll right", show=False),
        Binding("left", "scroll_left", "Scroll left", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("ctrl+home", "scroll_top", "Top", show=False),
        Binding("ctrl+end", "scroll_bottom", "Bottom", show=False),
        Binding("home", "scroll_home", "Home", show=False),
        Binding("end", "scroll_end", "End", show=False),
    ]


class VirtualTable(ListKeys, TableKeys, can_focus=True):
    """Rows shown exactly as ``set_rows`` orders them; cells built only for rows that are drawn."""

    # DataTable's classes and look, so the app's theme and stylesheet style both the same way.
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "datatable--header",
        "datatable--cursor",
        "datatable--fixed",
        "datatable--fixed-cursor",
        "datatable--header-cursor",
    }
    DEFAULT_CSS = """
    VirtualTable {
        background: $surface;
        color: $foreground;
        height: auto;
        max-height: 100%;
        &:focus {
            background-tint: $foreground 5%;
            & > .datatable--cursor {
                background: $block-cursor-background;
                color: $block-cursor-foreground;
                text-style: $block-cursor-text-style;
            }
            & > .datatable--header { background-tint: $foreground 5%; }
            & > .datatable--fixed-cursor {
                color: $block-cursor-foreground;
                background: $block-cursor-background;
            }
        }
        & > .datatable--header { text-style: bold; background: $panel; color: $foreground; }
        &:ansi > .datatable--header { background: ansi_bright_blue; color: ansi_default; }
        & > .datatable--fixed { background: $secondary-muted; color: $foreground; }
        & > .datatable--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
        & > .datatable--fixed-cursor { background: $block-cursor-blurred-background; color: $foreground; }
        & > .datatable--header-cursor { background: $accent-darken-1; color: $foreground; }
    }
    """

    # The same messages as DataTable: handlers written for one work for the other.
    RowHighlighted = DataTable.RowHighlighted
    RowSelected = DataTable.RowSelected
    HeaderSelected = DataTable.HeaderSelected

    show_cursor = Reactive(True)
    cell_padding = 1
    show_header = True
    header_height = 1

    def __init__(self, *, fixed_columns: int = 0, **kwargs: Any) -> None:
        kwargs.pop("cursor_type", None)  # always a row cursor
        kwargs.pop("zebra_stripes", None)
        super().__init__(**kwargs)
        self.fixed_columns = fixed_columns
        self.columns: dict[ColumnKey, Column] = {}
        self._keys: list[str] = []  # the rows in order
        self._index: dict[str, int] = {}  # key -> position
        self._versions: dict[str, object] = {}  # compared with ==, never hashed (Text is not hashable)
        # A number per row version drawn, the caches' key; given when a row is drawn (or read), so
        # showing a new list costs no pass over its rows to find which changed.
        self._stamps: Recent[str, tuple[object, int]] = Recent(4096)
        self._counter = count()
        self._render_row: Render = lambda key: ()
        self._cells: Recent[str, tuple[int, Cells]] = Recent(4096)
        self._lines: LRUCache[tuple, tuple[list[Segment], list[Segment]]] = LRUCache(1024)
        self._strips: LRUCache[tuple, Strip] = LRUCache(1024)
        self._metas: LRUCache[tuple[int, int, bool], Style] = LRUCache(4096)
        self._styles: _Styles | None = None
        self._cursor = 0
        self._row_context: object = None

    # -- columns --------------------------------------------------------------------------------
    @property
    def ordered_columns(self) -> list[Column]:
        return list(self.columns.values())

    def add_column(self, label: str | Text, *, width: int | None = None, key: str | None = None) -> ColumnKey:
        text = label if isinstance(label, Text) else Text(label)
        column_key = ColumnKey(key)
        self.columns[column_key] = Column(
            column_key, text, width or 0, content_width=text.cell_len, auto_width=width is None
        )
        self._resized()
        return column_key

    def get_column_index(self, column_key: str | ColumnKey) -> int:
        for index, key in enumerate(self.columns):
            if key == column_key:
                return index
        raise CellDoesNotExist(f"No column {column_key!r}")

    def clear(self, columns: bool = False) -> None:
        self.set_rows([], lambda key: ())
        if columns:
            self.columns.clear()
            self._resized()

    def _resized(self) -> None:
        self._lines.clear()
        self._strips.clear()
        self._update_virtual_size()
        self.refresh()

    def _fixed_width(self) -> int:
        return sum(c.get_render_width(self) for c in self.ordered_columns[: self.fixed_columns])

    def _update_virtual_size(self) -> None:
        width = sum(c.get_render_width(self) for c in self.ordered_columns)
        size = Size(width, len(self._keys) + self.header_height)
        if size == self.virtual_size:
            return
        if self.styles.auto_dimensions or not self.size:
            self.virtual_size = size  # the widget's own size may follow: lay the screen out
            return
        # A table sized by its container (height: 1fr) keeps its size when its rows change: update the
        # scrollbars and repaint, without a layout pass of the whole screen (one costs ~20 ms at
        # 120x40, on every filter keystroke). A scrollbar that appears or goes still lays out (its
        # reactive does).
        self.set_reactive(VirtualTable.virtual_size, size)
        self._scroll_update(size)
        self.refresh()

    # -- rows -----------------------------------------------------------------------------------
    @property
    def row_count(self) -> int:
        return len(self._keys)

    @property
    def rows(self) -> dict[RowKey, Row]:
        return {RowKey(key): Row(RowKey(key), 1) for key in self._keys}

    def get_row_index(self, row_key: str | RowKey) -> int:
        key = row_key.value if isinstance(row_key, RowKey) else row_key
        if key not in self._index:
            raise CellDoesNotExist(f"No row {key!r}")
        return self._index[key]  # type: ignore[index]

    def set_rows(
        self, rows: Sequence[tuple[str, object]] | Prepared, render: Render, context: object = None
    ) -> None:
        """Show ``rows`` (key, version) in order; ``render(key)`` makes a row's cells when it is drawn.
        A row is rendered again only when its version changed (found when it is drawn: O(visible
        rows)), and every row (lazily) when ``context`` changed: what all cells depend on, such as
        the clock. ``rows`` may come prepared (``prepare_rows``, in a worker thread): then this costs
        the main thread no pass over the rows at all."""
        prepared = rows if isinstance(rows, Prepared) else prepare_rows(rows)
        self._render_row = render
        self.set_context(context)
        old = self._versions
        self._versions = prepared.versions
        if prepared.keys != self._keys:
            self._keys, self._index = prepared.keys, prepared.index
            self._update_virtual_size()
            self.refresh()
        else:
            self._refresh_keys(self._visible_changed())
        if self._auto_columns():  # auto widths grow to fit every changed row: that needs them all
            self._measure(
                {k for k, v in prepared.versions.items() if _differs(old.get(k, changed_marker), v)}
            )
        self._clamp_cursor()

    def set_context(self, context: object) -> None:
        """What every row's cells depend on (the clock, the theme): a change redraws the rows on
        screen, O(cached rows); the rows off screen are built when scrolled to."""
        if context != self._row_context:
            self._row_context = context
            self._cells.clear()
            self._lines.clear()
            self._strips.clear()
            self.refresh()

    def patch_rows(self, rows: dict[str, object]) -> set[str]:
        """New versions for rows already shown, in place (the order is unchanged): O(changed rows),
        for a poll that changed a few rows. Keys not shown are ignored. Returns the keys redrawn."""
        changed = set()
        for key, version in rows.items():
            if key in self._index and _differs(self._versions.get(key, changed_marker), version):
                self._versions[key] = version
                changed.add(key)
        if changed:
            self._refresh_keys(changed)
            self._measure(changed)
        return changed

    def _stamp(self, key: str) -> int:
        """The number of the row's version now: a new one only when the version changed since the
        row was last drawn."""
        version = self._versions.get(key, changed_marker)  # none: columns were just replaced
        drawn = self._stamps.get(key)
        if drawn is not None and not _differs(drawn[0], version):
            if drawn[0] is not version:  # equal but another object: compare by identity next time
                self._stamps[key] = (version, drawn[1])
            return drawn[1]
        stamp = next(self._counter)
        self._stamps[key] = (version, stamp)
        return stamp

    def _visible_changed(self) -> set[str]:
        """The rows on screen whose version differs from the one drawn."""
        top = int(self.scroll_y)
        changed = set()
        for key in self._keys[top : top + self.size.height]:
            drawn = self._stamps.get(key)
            if drawn is not None and _differs(drawn[0], self._versions.get(key, changed_marker)):
                changed.add(key)
        return changed

    def _auto_columns(self) -> bool:
        return any(c.auto_width for c in self.columns.values())

    def _refresh_keys(self, keys: set[str]) -> None:
        """Repaint the changed rows that are on screen (the others are drawn fresh when scrolled to)."""
        top = int(self.scroll_y)
        for row in range(top, min(top + self.size.height, len(self._keys))):
            if self._keys[row] in keys:
                self.refresh_row(row)

    def _measure(self, keys: set[str]) -> None:
        """Auto-width columns grow to fit changed rows (never shrink, as DataTable's)."""
        auto = [(n, c) for n, c in enumerate(self.ordered_columns) if c.auto_width]
        if not auto or not keys:
            return
        grew = False
        for key in keys:
            cells = self.row_cells(key)
            for index, column in auto:
                if index < len(cells):
                    width = as_text(cells[index]).cell_len
                    if width > column.content_width:
                        column.content_width, grew = width, True
        if grew:
            self._resized()

    def row_cells(self, key: str) -> Cells:
        """The row's cells, built once per version."""
        stamp = self._stamp(key)
        cached = self._cells.get(key)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        cells = self._render_row(key)
        self._cells[key] = (stamp, cells)
        return cells

    def get_row_at(self, row_index: int) -> list[Cell]:
        if not 0 <= row_index < len(self._keys):
            raise CellDoesNotExist(f"No row at {row_index}")
        return list(self.row_cells(self._keys[row_index]))

    def get_cell(self, row_key: str | RowKey, column_key: str | ColumnKey) -> Cell:
        key = row_key.value if isinstance(row_key, RowKey) else row_key
        return self.row_cells(key)[self.get_column_index(column_key)]  # type: ignore[arg-type]

    def coordinate_to_cell_key(self, coordinate: Coordinate | tuple[int, int]) -> CellKey:
        row, column = coordinate
        if not (0 <= row < len(self._keys) and 0 <= column < len(self.columns)):
            raise CellDoesNotExist(f"No cell at {coordinate!r}")
        return CellKey(RowKey(self._keys[row]), list(self.columns)[column])

    # -- cursor ---------------------------------------------------------------------------------
    @property
    def cursor_row(self) -> int:
        return self._cursor

    @property
    def cursor_coordinate(self) -> Coordinate:
        return Coordinate(self._cursor, 0)

    @cursor_coordinate.setter
    def cursor_coordinate(self, value: Coordinate) -> None:
        self.move_cursor(row=value.row)

    def _clamp_cursor(self) -> None:
        row = max(0, min(self._cursor, len(self._keys) - 1))
        if row != self._cursor:
            self._cursor = row
            self.refresh()

    def move_cursor(
        self, *, row: int | None = None, column: int | None = None, animate: bool = False, scroll: bool = True
    ) -> None:
        old = self._cursor
        new = self._cursor if row is None else max(0, min(row, len(self._keys) - 1))
        self._cursor = new
        if scroll:
            self.scroll_cursor_into_view(animate=animate)
        if old != new:
            self.refresh_row(old)
            self.refresh_row(new)
            if new < len(self._keys):
                self.post_message(self.RowHighlighted(self, new, RowKey(self._keys[new])))  # type: ignore[arg-type]
            self.cursor_moved(old, new)

    def cursor_moved(self, old: int, new: int) -> None:
        """Hook: the cursor moved from row ``old`` to ``new``."""

    def scroll_cursor_into_view(self, animate: bool = False) -> None:
        left = self._fixed_width()
        region = Region(
            int(self.scroll_x) + left, self.header_height + self._cursor, self.size.width - left, 1
        )
        spacing = Spacing(self.header_height, 0, 0, left)
        self.scroll_to_region(region, animate=animate, spacing=spacing, force=True, immediate=True)

    def watch_show_cursor(self) -> None:
        self._lines.clear()
        self._strips.clear()
        self.refresh()

    def refresh_row(self, row: int) -> None:
        y = row + self.header_height - int(self.scroll_y)
        if 0 <= y < self.size.height:
            self.refresh(Region(0, y, self.size.width, 1))

    # -- rendering ------------------------------------------------------------------------------
    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles = None
        self._lines.clear()
        self._strips.clear()

    def render_lines(self, crop: Region) -> list[Strip]:
        # The styles are looked up once per repaint, not per line: rich_style walks the DOM.
        self._styles = self._current_styles()
        return super().render_lines(crop)

    def _current_styles(self) -> _Styles:
        get = self.get_component_rich_style
        fixed = get("datatable--fixed") + Style.from_meta({"fixed": True})
        cursor = get("datatable--cursor")
        return _Styles(
            self.rich_style, get("datatable--header"), fixed, cursor, cursor + get("datatable--fixed-cursor"),
            self.get_pseudo_class_state(), self.show_cursor,
        )  # fmt: skip

    def render_line(self, y: int) -> Strip:
        styles = self._styles or self._current_styles()
        scroll_x, scroll_y = self.scroll_offset
        width = self.size.width
        row = HEADER if y < self.header_height else y - self.header_height + scroll_y
        if row >= len(self._keys):
            return Strip.blank(width, styles.base)
        key = self._row_key(row)
        cursor = row == self._cursor and row != HEADER and styles.show_cursor
        strip_key = (key, row, cursor, scroll_x, width, styles)
        strip = self._strips.get(strip_key)
        if strip is None:
            fixed, scrollable = self._row_segments(row, key, cursor, styles)
            left = self._fixed_width()
            segments = fixed + line_crop(scrollable, scroll_x, scroll_x + width - left, width - left)
            strip = Strip(segments).adjust_cell_length(width, styles.base).simplify()
            self._strips[strip_key] = strip
        return strip

    def _row_key(self, row: int) -> tuple[object, ...]:
        """What a drawn row depends on: its version, or the labels for the header."""
        if row == HEADER:
            return (HEADER, tuple(c.label.plain for c in self.columns.values()))
        name = self._keys[row]
        return (name, self._stamp(name))

    def _row_segments(
        self, row: int, key: tuple[object, ...], cursor: bool, styles: _Styles
    ) -> tuple[list[Segment], list[Segment]]:
        """The row drawn at full width: its fixed columns, and the others (scrolled by the caller)."""
        cache_key = (key, row, cursor, self.size.width, styles)
        cached = self._lines.get(cache_key)
        if cached is not None:
            return cached
        if row == HEADER:
            cells: Cells = tuple(c.label for c in self.columns.values())
            base = fixed_base = styles.header
        else:
            cells, base, fixed_base = self.row_cells(self._keys[row]), styles.base, styles.fixed
        component = styles.cursor if cursor else Style()
        fixed_component = styles.fixed_cursor if cursor else Style()
        columns = self.ordered_columns
        metas = [self._meta(row, n) for n in range(len(columns))]
        fixed = [
            self._cell(cells, n, columns[n], fixed_base + metas[n] + fixed_component, fixed_component)
            for n in range(min(self.fixed_columns, len(columns)))
        ]
        scrollable = [
            self._cell(cells, n, columns[n], base + metas[n] + component, component)
            for n in range(self.fixed_columns, len(columns))
        ]
        table_width = sum(c.get_render_width(self) for c in columns[self.fixed_columns :])
        rest = base + component + self._meta(row, 0, out_of_bounds=True)
        scrollable.append([Segment(" " * max(0, self.size.width - table_width), rest)])
        result = (list(chain.from_iterable(fixed)), list(chain.from_iterable(scrollable)))
        self._lines[cache_key] = result
        return result

    def _meta(self, row: int, column: int, out_of_bounds: bool = False) -> Style:
        """Where a cell is (clicks read it), as DataTable marks it, so both draw the same segments."""
        key = (row, column, out_of_bounds)
        meta = self._metas.get(key)
        if meta is None:
            data: dict[str, object] = {"row": row, "column": column}
            if out_of_bounds:
                data["out_of_bounds"] = True
            meta = self._metas[key] = Style.from_meta(data)
        return meta

    def _cell(
        self, cells: Cells, index: int, column: Column, style: Style, component: Style
    ) -> list[Segment]:
        """One cell padded to its column, as DataTable draws it: the cell's own colours over the row's
        style, and the cursor's colours over both."""
        width = column.get_render_width(self) - 2 * self.cell_padding
        text = as_text(cells[index]) if index < len(cells) else _EMPTY
        if text.cell_len > width:  # copied only to be cut: most cells fit
            text = text.copy()
            text.truncate(width, overflow=text.overflow or "ellipsis")
        pad = " " * self.cell_padding
        # The fill takes the row's style, not the cell's (as DataTable pads a cell). Segments, not a
        # padded copy of the Text: a new row's cells are drawn in half the time (the strip is simplified).
        console = self.app.console
        if text.spans:
            inner = list(text.render(console))
        else:  # Text.render leaves the base style to __rich_console__ when there are no spans
            inner = [Segment(text.plain, console.get_style(text.style) if text.style else None)]
        line = [Segment(pad), *inner, Segment(" " * (width - text.cell_len) + pad)]
        post = Style.from_color(component.color, component.bgcolor) if component else None
        return list(Segment.apply_style(line, style, post))

    # -- keys and mouse -------------------------------------------------------------------------
    def _page(self) -> int:
        return max(1, self.scrollable_content_region.height - self.header_height)

    def action_cursor_down(self) -> None:
        self.move_cursor(row=self._cursor + 1)

    def action_cursor_up(self) -> None:
        self.move_cursor(row=self._cursor - 1)

    def action_page_down(self) -> None:
        self.scroll_relative(y=self._page(), animate=False, force=True, immediate=True)
        self.move_cursor(row=self._cursor + self._page(), scroll=False)
        self.scroll_cursor_into_view()

    def action_page_up(self) -> None:
        self.scroll_relative(y=-self._page(), animate=False, force=True, immediate=True)
        self.move_cursor(row=self._cursor - self._page(), scroll=False)
        self.scroll_cursor_into_view()

    def action_scroll_top(self) -> None:
        self.move_cursor(row=0)

    def action_scroll_bottom(self) -> None:
        self.move_cursor(row=len(self._keys) - 1)

    def action_scroll_home(self) -> None:
        self.scroll_x = 0

    def action_scroll_end(self) -> None:
        self.scroll_x = self.max_scroll_x

    def action_list_top(self) -> None:
        self.action_scroll_top()

    def action_list_bottom(self) -> None:
        self.action_scroll_bottom()

    def action_select_cursor(self) -> None:
        if self.show_cursor and self._keys:
            self.post_message(self.RowSelected(self, self._cursor, RowKey(self._keys[self._cursor])))  # type: ignore[arg-type]

    async def _on_click(self, event: events.Click) -> None:
        row = event.style.meta.get("row")
        if not isinstance(row, int):
            return
        if row == HEADER:
            column = event.style.meta.get("column")
            if (
                isinstance(column, int)
                and 0 <= column < len(self.columns)
                and not event.style.meta.get("out_of_bounds")
            ):
                chosen = self.ordered_columns[column]
                self.post_message(self.HeaderSelected(self, chosen.key, column, label=chosen.label))  # type: ignore[arg-type]
            return
        if self.show_cursor:
            again = row == self._cursor
            self.move_cursor(row=row, animate=True)
            if again:
                self.action_select_cursor()
            event.stop()


changed_marker = object()  # a version no row has: a new row always counts as changed


def _differs(was: object, version: object) -> bool:
    # The same object is the same version: a poll that kept a row costs no comparison of its fields.
    return was is not version and was != version


class Prepared(NamedTuple):
    """Rows as ``set_rows`` keeps them: their keys in order, versions and places by key."""

    keys: list[str]
    versions: dict[str, object]
    index: dict[str, int]


def prepare_rows(rows: Sequence[tuple[str, object]]) -> Prepared:
    """O(rows) of plain Python and no widget: a screen may call it in a worker thread."""
    keys = [key for key, _ in rows]
    return Prepared(keys, dict(rows), {key: index for index, key in enumerate(keys)})
