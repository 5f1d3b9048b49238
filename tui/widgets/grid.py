"""A tasks x runs grid drawn with Textual's Line API: only the lines and columns on screen are built.

Two header lines name each column (the date where it changes, the time), a fixed first column names
each row, a cell is one glyph. The cursor is a cell; the view scrolls to keep it in sight, rows and
columns alike. What the cells say comes from a ``GridSource`` (the screen): the widget holds no data of
its own, so a poll that changes three cells costs three cells' drawing on the next frame, never a rebuild.
"""

from __future__ import annotations

from typing import ClassVar, Protocol

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Region
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

HEADER_LINES = 2
CELL = 6  # a column: "HH:MM" and a space; the glyph sits under the hour
_GLYPH_AT = 2


class GridSource(Protocol):
    """What the grid shows: sizes, labels and cells (glyph, rich style string), by position."""

    def grid_size(self) -> tuple[int, int]: ...  # (rows, columns)

    def row_label(self, row: int) -> Text: ...

    def column_label(self, column: int) -> tuple[str, str]: ...  # (date, time)

    def cell_glyph(self, row: int, column: int) -> tuple[str, str]: ...


class _Empty:
    def grid_size(self) -> tuple[int, int]:
        return (0, 0)

    def row_label(self, row: int) -> Text:
        return Text()

    def column_label(self, column: int) -> tuple[str, str]:
        return ("", "")

    def cell_glyph(self, row: int, column: int) -> tuple[str, str]:
        return ("", "")


class GridView(Widget, can_focus=True):
    """The cursor moves with arrows and hjkl; enter selects the cell under it."""

    DEFAULT_CSS = """
    GridView { height: 1fr; background: $surface; }
    GridView > .grid--header { text-style: bold; background: $panel; }
    GridView > .grid--cursor { background: $block-cursor-background; color: $block-cursor-foreground; }
    GridView > .grid--axis { background: $boost; text-style: bold; }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {"grid--header", "grid--cursor", "grid--axis"}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "move(-1, 0)", "Up", show=False, id="grid.up"),
        Binding("down,j", "move(1, 0)", "Down", show=False, id="grid.down"),
        Binding("left,h", "move(0, -1)", "Older run", show=False, id="grid.left"),
        Binding("right,l", "move(0, 1)", "Newer run", show=False, id="grid.right"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="grid.page_up"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="grid.page_down"),
        Binding("g", "edge_row(-1)", "Top", show=False, id="grid.top"),
        Binding("G", "edge_row(1)", "Bottom", show=False, id="grid.bottom"),
        Binding("home", "edge_column(-1)", "Oldest run", show=False, id="grid.oldest"),
        Binding("end", "edge_column(1)", "Newest run", show=False, id="grid.newest"),
        Binding("enter", "select", "Log", show=False, id="grid.select"),
    ]

    class CellHighlighted(Message):
        def __init__(self, row: int, column: int) -> None:
            super().__init__()
            self.row, self.column = row, column

    class CellSelected(CellHighlighted):
        pass

    def __init__(self, *, label_width: int = 28, **kwargs) -> None:
        super().__init__(**kwargs)
        self.source: GridSource = _Empty()
        self.widest_label = label_width  # what the longest row label needs
        self.cursor = (0, 0)
        self.top = 0  # first row on screen
        self.left = 0  # first column on screen
        self._strips: LRUCache[tuple, Strip] = LRUCache(1024)
        self._parsed: dict[str, Style] = {}
        self._generation = 0

    # -- data ---------------------------------------------------------------------------------------
    def set_source(
        self, source: GridSource, cursor: tuple[int, int] | None = None, label_width: int | None = None
    ) -> None:
        """Show ``source``; ``cursor`` where it should be (else kept, clamped to the new size)."""
        self.source = source
        self._generation += 1  # new data: no line drawn from the old one is reused
        if label_width is not None:
            self.widest_label = label_width
        self._place(*(cursor or self.cursor))
        self.refresh()

    # -- geometry -------------------------------------------------------------------------------------
    @property
    def label_width(self) -> int:
        """The names' column: as wide as the longest name, at most a third of the width (runs need it)."""
        return max(8, min(self.widest_label, self.size.width // 3))

    @property
    def visible_rows(self) -> int:
        return max(1, self.size.height - HEADER_LINES)

    @property
    def visible_columns(self) -> int:
        return max(1, (self.size.width - self.label_width) // CELL)

    def _place(self, row: int, column: int) -> None:
        rows, columns = self.source.grid_size()
        row = min(max(0, row), max(0, rows - 1))
        column = min(max(0, column), max(0, columns - 1))
        moved = (row, column) != self.cursor
        self.cursor = (row, column)
        self.top = min(max(self.top, row - self.visible_rows + 1), row)
        self.left = min(max(self.left, column - self.visible_columns + 1), column)
        self.top = max(0, min(self.top, rows - self.visible_rows))
        self.left = max(0, min(self.left, columns - self.visible_columns))
        if moved:
            self.post_message(self.CellHighlighted(row, column))

    def on_resize(self, _event: events.Resize) -> None:
        self._place(*self.cursor)

    # -- keys -------------------------------------------------------------------------------------------
    def action_move(self, rows: int, columns: int) -> None:
        self._go(self.cursor[0] + rows, self.cursor[1] + columns)

    def _go(self, row: int, column: int) -> None:
        """Move the cursor; repaint the headers and the two rows it left and entered when the view did
        not scroll (the other lines are unchanged), else everything."""
        before = (self.cursor, self.top, self.left)
        self._place(row, column)
        if (self.top, self.left) != before[1:]:
            self.refresh()
            return
        width = self.size.width
        self.refresh(Region(0, 0, width, HEADER_LINES))
        for line in {before[0][0], self.cursor[0]}:
            self.refresh(Region(0, HEADER_LINES + line - self.top, width, 1))

    def action_page(self, direction: int) -> None:
        self.action_move(direction * self.visible_rows, 0)

    def action_edge_row(self, direction: int) -> None:
        rows, _ = self.source.grid_size()
        self._go(0 if direction < 0 else rows - 1, self.cursor[1])

    def action_edge_column(self, direction: int) -> None:
        _, columns = self.source.grid_size()
        self._go(self.cursor[0], 0 if direction < 0 else columns - 1)

    def action_select(self) -> None:
        rows, columns = self.source.grid_size()
        if rows and columns:
            self.post_message(self.CellSelected(*self.cursor))

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        event.stop()
        self.action_move(3, 0)

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        event.stop()
        self.action_move(-3, 0)

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or offset.y < HEADER_LINES or offset.x < self.label_width:
            return
        self._go(self.top + offset.y - HEADER_LINES, self.left + (offset.x - self.label_width) // CELL)
        if event.chain > 1:
            self.action_select()

    # -- drawing ---------------------------------------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        width = self.size.width
        base = self.rich_style
        if y < HEADER_LINES:
            return self._header(y, width, base + self.get_component_rich_style("grid--header"))
        row = self.top + y - HEADER_LINES
        rows, _ = self.source.grid_size()
        if row >= rows:
            return Strip.blank(width, base)
        # Only the cursor's row looks different from one move to the next: every other line is the cache's.
        column = self.cursor[1] if row == self.cursor[0] else -1
        key = (self._generation, row, self.left, column, width, self.label_width, base)
        strip = self._strips.get(key)
        if strip is None:
            strip = self._strips[key] = self._row(row, column, width, base)
        return strip

    def _row(self, row: int, cursor_column: int, width: int, base: Style) -> Strip:
        _, columns = self.source.grid_size()
        cursor = base + self.get_component_rich_style("grid--cursor")
        on_row = cursor_column >= 0
        tint = base + self.get_component_rich_style("grid--axis") if on_row else base
        label = Text(" ").append_text(self.source.row_label(row))
        label.truncate(self.label_width - 1, overflow="ellipsis", pad=True)
        label.append(" ")
        segments = [Segment(s.text, tint + s.style) for s in label.render(self.app.console)]
        for column in range(self.left, min(columns, self.left + self.visible_columns)):
            glyph, style = self.source.cell_glyph(row, column)
            here = column == cursor_column
            # The cursor is a block three cells wide round the glyph: it reads on any terminal.
            pad = cursor if here else tint
            segments.append(Segment(" " * (_GLYPH_AT - 1), tint))
            segments.append(Segment(" ", pad))
            segments.append(Segment(glyph or " ", cursor if here else pad + self._style(style)))
            segments.append(Segment(" ", pad))
            segments.append(Segment(" " * (CELL - _GLYPH_AT - 2), tint))
        return Strip(segments).adjust_cell_length(width, tint)

    def _style(self, style: str) -> Style:
        parsed = self._parsed.get(style)
        if parsed is None:
            parsed = self._parsed[style] = Style.parse(style)
        return parsed

    def _header(self, y: int, width: int, style: Style) -> Strip:
        _, columns = self.source.grid_size()
        axis = style + self.get_component_rich_style("grid--axis")
        fits = [
            t for t in (" runs, newest right →", " runs, newest →", " runs →") if len(t) < self.label_width
        ]
        title = (fits[0] if fits else "") if y == 0 else " task"
        segments = [Segment(title[: self.label_width - 1].ljust(self.label_width), style)]
        previous = None
        for column in range(self.left, min(columns, self.left + self.visible_columns)):
            date, time = self.source.column_label(column)
            text = time if y else ("" if date == previous else date)
            previous = date
            here = column == self.cursor[1]
            segments.append(Segment(text[: CELL - 1].ljust(CELL - 1), axis if here else style))
            segments.append(Segment(" ", style))
        return Strip(segments).adjust_cell_length(width, style)
