"""A fold-able tree that renders only the lines on screen (Textual's Line API, as ``VirtualTable``).

Nodes are plain data (a label, a data value, children, a fold). The visible lines are one list of
nodes: folding a node deletes its descendants' slice from that list and unfolding inserts it back (C
speed list splices), so a fold costs O(lines it shows or hides) of list work plus one screenful of
rendering, never a rebuild of O(all nodes) line objects (Textual's ``Tree`` rebuilds every line and its
path on each fold: ~40 ms at 1,000 tasks). A line is rendered only when drawn, and kept until its node's
label, fold or cursor state changes.

It draws and reads like Textual's ``Tree`` (same component classes, guides, fold icons, messages and
accessors such as ``cursor_node``, ``move_cursor``, ``last_line``), so screens and snapshots see the
same widget; unlike ``Tree`` it follows the cursor sideways, so a deep graph's labels are reachable.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, ClassVar, Generic, TypeVar

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual._segment_tools import line_pad
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import var
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets import Tree

from tui.widgets.lists import ListKeys

T = TypeVar("T")
TOGGLE_STYLE = Style.from_meta({"toggle": True})
GUIDES = {
    "default": ("  ", "│ ", "└─", "├─"),
    "bold": ("  ", "┃ ", "┗━", "┣━"),
    "double": ("  ", "║ ", "╚═", "╠═"),
}


def _one_line(label: Text) -> Text:
    """A label is one line (as ``Tree`` keeps it): a second one would break the rows below."""
    return label.split()[0] if "\n" in label.plain else label


class TreeItem(Generic[T]):
    """One node of the tree: what ``Tree``'s ``TreeNode`` offers the screens, as plain data."""

    __slots__ = ("_expanded", "_label", "_tree", "_updates", "_width", "allow_expand", "children", "data",
                 "depth", "is_last", "parent")  # fmt: skip

    def __init__(
        self, tree: VirtualTree[T], parent: TreeItem[T] | None, label: Text, data: T | None,
        expanded: bool, allow_expand: bool,
    ) -> None:  # fmt: skip
        self._tree = tree
        self.parent = parent
        self.data = data
        self._label = _one_line(label)
        self.children: list[TreeItem[T]] = []
        self._expanded = expanded
        self.allow_expand = allow_expand
        self._updates = 0  # bumped when the label changes: the line's cache key
        self.depth = -1 if parent is None else parent.depth + 1  # top-level nodes: 0 (the root is hidden)
        self.is_last = True  # the last of its siblings (draws └ rather than ├)
        self._width = -1  # cells of its line (guides, icon, label); -1 until measured

    def __repr__(self) -> str:
        return f"TreeItem({self._label.plain!r})"

    @property
    def label(self) -> Text:
        return self._label

    def set_label(self, label: Text) -> None:
        label = _one_line(label)
        if label == self._label:
            return
        self._label = label
        self._updates += 1
        self._tree._relabelled(self)

    @property
    def is_expanded(self) -> bool:
        return self._expanded

    @property
    def is_root(self) -> bool:
        return self.parent is None

    @property
    def line(self) -> int:
        return self._tree._line_of(self)

    def add(
        self, label: Text, data: T | None = None, *, expand: bool = False, allow_expand: bool = True
    ) -> TreeItem[T]:
        item = TreeItem(self._tree, self, label, data, expand, allow_expand)
        if self.children:
            self.children[-1].is_last = False
        self.children.append(item)
        self._tree._structure_changed()
        return item

    def expand(self) -> TreeItem[T]:
        self._tree._set_expanded(self, True)
        return self

    def collapse(self) -> TreeItem[T]:
        self._tree._set_expanded(self, False)
        return self

    def toggle(self) -> TreeItem[T]:
        return self.collapse() if self._expanded else self.expand()

    def expand_all(self) -> TreeItem[T]:
        with self._tree.batch():
            for item in self._subtree():
                item._expanded = item._expanded or item.allow_expand or item.is_root
        return self

    def collapse_all(self) -> TreeItem[T]:
        with self._tree.batch():
            for item in self._subtree():
                item._expanded = False
        return self

    def _subtree(self) -> Iterator[TreeItem[T]]:
        stack = [self]
        while stack:
            item = stack.pop()
            yield item
            stack.extend(item.children)

    def visible_below(self) -> list[TreeItem[T]]:
        """The lines this node shows under itself when expanded (its unfolded descendants, in order)."""
        out: list[TreeItem[T]] = []
        stack = list(reversed(self.children))
        while stack:
            item = stack.pop()
            out.append(item)
            if item._expanded and item.children:
                stack.extend(reversed(item.children))
        return out


class VirtualTree(ListKeys, ScrollView, Generic[T], can_focus=True):
    """The visible lines are a list of nodes; a fold splices it; a line is drawn only when on screen."""

    ICON_NODE = Tree.ICON_NODE
    ICON_NODE_EXPANDED = Tree.ICON_NODE_EXPANDED
    COMPONENT_CLASSES: ClassVar[set[str]] = set(Tree.COMPONENT_CLASSES)
    # Tree's look (its stylesheet, under this widget's name), so the app's theme styles both alike.
    DEFAULT_CSS = Tree.DEFAULT_CSS.replace("Tree", "VirtualTree")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Select", show=False),
        Binding("space", "toggle_node", "Toggle", show=False),
        Binding("up", "cursor_up", "Cursor Up", show=False),
        Binding("down", "cursor_down", "Cursor Down", show=False),
        Binding("shift+left", "cursor_parent", "Cursor to parent", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("home", "scroll_home", "Top", show=False),
        Binding("end", "scroll_end", "Bottom", show=False),
    ]

    class NodeSelected(Message):
        """enter (or a click) on a node."""

        def __init__(self, node: TreeItem[Any]) -> None:
            self.node = node
            super().__init__()

    class NodeHighlighted(Message):
        """The cursor moved to a node."""

        def __init__(self, node: TreeItem[Any]) -> None:
            self.node = node
            super().__init__()

    hover_line = var(-1)
    show_guides = True

    def __init__(self, *, guide_depth: int = 4, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.guide_depth = max(2, guide_depth)
        self.root: TreeItem[T] = TreeItem(self, None, Text(""), None, True, True)
        self._lines: list[TreeItem[T]] = []  # the visible nodes, top to bottom
        self._widths: list[int] = []  # each visible line's width in cells, alongside
        self._stale = False  # nodes were added: lay the visible lines out again when next asked
        self._widths_stale = False  # labels changed: measure the visible lines again when next asked
        self._batch = 0
        self._cursor: TreeItem[T] | None = None
        self._cache: LRUCache[tuple[object, ...], Strip] = LRUCache(1024)
        self._styles: tuple[object, ...] | None = None

    # -- structure ----------------------------------------------------------------------------------
    def clear(self) -> None:
        self.root = TreeItem(self, None, Text(""), None, True, True)
        self._cursor = None
        self._lines, self._widths = [], []
        self._cache.clear()
        self._structure_changed()

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Change many nodes or folds at once: the lines are laid out once, at the end."""
        self._batch += 1
        try:
            yield
        finally:
            self._batch -= 1
            self._structure_changed()

    def _structure_changed(self) -> None:
        self._stale = True
        if not self._batch:
            self.refresh()

    def _layout(self) -> list[TreeItem[T]]:
        if self._stale:
            self._stale = False
            self._lines = self.root.visible_below() if self.root._expanded else []
            self._widths = [self._width_of(item) for item in self._lines]
            self._cache.clear()
            self._resized()
            if self._cursor is not None:
                self._cursor = self._visible_ancestor(self._cursor)
        elif self._widths_stale:
            self._widths = [self._width_of(item) for item in self._lines]
            self._resized()
        self._widths_stale = False
        return self._lines

    def _width_of(self, item: TreeItem[T]) -> int:
        if item._width < 0:
            icon = cell_len(self.ICON_NODE) if item.allow_expand else 0
            item._width = item.depth * self.guide_depth + icon + item._label.cell_len
        return item._width

    def _resized(self) -> None:
        width = max(self._widths, default=0)
        self.virtual_size = Size(width, len(self._lines))

    def _set_expanded(self, item: TreeItem[T], expanded: bool) -> None:
        if item._expanded == expanded or (expanded and not item.allow_expand):
            return
        lines = self._layout()
        item._expanded = expanded  # its icon changes: the line's cache key holds the fold
        if self._batch:
            self._structure_changed()
            return
        if not (item.is_root or self._is_shown(item)):
            return  # under a fold: the visible lines stay as they are
        at = -1 if item.is_root else self._line_of(item)
        if expanded:
            below = item.visible_below()
            lines[at + 1 : at + 1] = below
            self._widths[at + 1 : at + 1] = [self._width_of(n) for n in below]
        else:
            end = self._end_of_subtree(at)
            del lines[at + 1 : end]
            del self._widths[at + 1 : end]
            if self._cursor is not None:
                self._cursor = self._visible_ancestor(self._cursor)
        self._resized()
        self.refresh()

    def _end_of_subtree(self, at: int) -> int:
        """The line after the last descendant of the node at line ``at`` (-1: the root)."""
        if at < 0:
            return len(self._lines)
        depth = self._lines[at].depth
        for n in range(at + 1, len(self._lines)):
            if self._lines[n].depth <= depth:
                return n
        return len(self._lines)

    def _is_shown(self, item: TreeItem[T]) -> bool:
        parent = item.parent
        while parent is not None:
            if not parent._expanded:
                return False
            parent = parent.parent
        return True

    def _visible_ancestor(self, item: TreeItem[T]) -> TreeItem[T] | None:
        """``item`` if it is shown, else its nearest ancestor that is (what a fold leaves the cursor on)."""
        shown = item
        node: TreeItem[T] | None = item
        while node is not None and node.parent is not None:
            if not node.parent._expanded:
                shown = node.parent
            node = node.parent
        return None if shown.is_root or shown._tree is not self else shown

    def _line_of(self, item: TreeItem[T]) -> int:
        lines = self._layout()
        try:
            return lines.index(item)  # identity compares, in C: ~10 µs at 1,000 lines
        except ValueError:
            return -1

    def _relabelled(self, item: TreeItem[T]) -> None:
        # Widths are measured again at the next layout (once for a poll that relabels many nodes);
        # the line repaints because its cache key holds the label's version.
        item._width = -1
        self._widths_stale = True
        self.refresh()

    # -- the Tree accessors the screens use -------------------------------------------------------------
    @property
    def last_line(self) -> int:
        return len(self._layout()) - 1

    @property
    def cursor_node(self) -> TreeItem[T] | None:
        self._layout()
        return self._cursor

    @property
    def cursor_line(self) -> int:
        return -1 if self.cursor_node is None else self._line_of(self.cursor_node)

    @cursor_line.setter
    def cursor_line(self, line: int) -> None:
        lines = self._layout()
        if lines:
            self._move(lines[max(0, min(line, len(lines) - 1))])

    def get_node_at_line(self, line: int) -> TreeItem[T] | None:
        lines = self._layout()
        return lines[line] if 0 <= line < len(lines) else None

    def move_cursor(self, node: TreeItem[T] | None, animate: bool = False) -> None:
        if node is None:
            self._cursor = None
            self.refresh()
            return
        self._move(node)
        self.scroll_to_line(self.cursor_line, animate=animate)

    def _move(self, node: TreeItem[T]) -> None:
        old = self._cursor
        if old is node:
            return
        self._cursor = node
        self.refresh()  # lines are cached by whether the cursor is on them or above them
        self.post_message(self.NodeHighlighted(node))

    def scroll_to_line(self, line: int, animate: bool = False) -> None:
        """Show the line; sideways too when its label starts off screen (a deep graph is wider than the
        screen), then with two levels of guides left of it. A label already starting on screen never
        scrolls the tree sideways (a long name must not shift a shallow tree)."""
        node = self.get_node_at_line(line)
        if node is None:
            return
        self.scroll_to_region(
            Region(0, line, 1, 1), animate=animate, force=True, immediate=True, x_axis=False
        )
        x, view = node.depth * self.guide_depth, self.scrollable_content_region.width
        start = min(self._width_of(node) - x, 12)  # enough of the label to read what it is
        if x < self.scroll_x or x + start > self.scroll_x + view:
            self.scroll_to(x=max(0, x - 2 * self.guide_depth), animate=False, force=True, immediate=True)

    # -- rendering ------------------------------------------------------------------------------------
    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles = None
        self._cache.clear()

    def _on_resize(self, event: events.Resize) -> None:
        self._cache.grow(max(1024, event.size.height * 4))
        self._cache.clear()

    def render_lines(self, crop: Region) -> list[Strip]:
        self._layout()
        self._styles = self._current_styles()
        return super().render_lines(crop)

    def _current_styles(self) -> tuple[Any, ...]:
        """What every line is drawn with: looked up once per repaint (rich_style walks the DOM)."""
        get = self.get_component_rich_style
        hidden = tuple(self.get_component_styles(f"tree--{name}").color.a == 0
                       for name in ("guides", "guides-hover", "guides-selected"))  # fmt: skip
        guides = get("tree--guides", partial=True)
        return (
            self.rich_style, guides, guides + get("tree--guides-hover", partial=True),
            guides + get("tree--guides-selected", partial=True), hidden,
            get("tree--highlight-line"), get("tree--label", partial=True),
            get("tree--highlight", partial=True), get("tree--cursor", partial=False),
            self.get_pseudo_class_state(), self.has_focus,
        )  # fmt: skip

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        line = y + scroll_y
        width = self.size.width
        styles = self._styles or self._current_styles()
        lines = self._layout()
        if line >= len(lines):
            return Strip.blank(width, styles[0])
        node = lines[line]
        path = self._path(node)
        hovered = self.get_node_at_line(self.hover_line) if self.hover_line >= 0 else None
        hover = hovered is not None and hovered in path
        cursor = self._cursor
        key = (node, node._updates, node._expanded, line, hover, self.hover_line == line,
               cursor is node, cursor in path, width, self.virtual_size.width, styles)  # fmt: skip
        strip = self._cache.get(key)
        if strip is None:
            strip = self._cache[key] = self._draw(line, node, path, hover, styles)
        return strip.crop(scroll_x, scroll_x + width)

    def _path(self, node: TreeItem[T]) -> list[TreeItem[T]]:
        path = []
        item: TreeItem[T] | None = node
        while item is not None and item.parent is not None:
            path.append(item)
            item = item.parent
        path.reverse()
        return path

    def _guides(self, style: Style, hidden: bool) -> tuple[str, ...]:
        chars = GUIDES["default"]
        if not self.show_guides or hidden:
            chars = ("  ",) * 4
        elif style.bold:
            chars = GUIDES["bold"]
        elif style.underline2:
            chars = GUIDES["double"]
        fill = max(0, self.guide_depth - 2)
        return tuple(f"{c[0]}{c[1] * fill} " for c in chars)

    def _draw(
        self, y: int, node: TreeItem[T], path: list[TreeItem[T]], is_hover: bool, styles: tuple[Any, ...]
    ) -> Strip:
        """The line as ``Tree`` draws it: guides coloured by hover and selection above, fold icon, label."""
        base, guide_base, guide_hover, guide_selected, hidden_of, highlight_line = styles[:6]
        label_style, highlight, cursor_style, _pseudo, focused = styles[6:]
        line_style = (highlight_line if is_hover else base) + Style(meta={"line": y})
        guides = Text(style=line_style)
        hover_row = self.get_node_at_line(self.hover_line) if self.hover_line >= 0 else None
        hover, selected = path[0] is hover_row, path[0] is self._cursor and focused
        guide_style, hidden = guide_base, True
        for item in path[1:]:
            hidden = hidden_of[0]
            if hover:
                guide_style, hidden = guide_hover, hidden_of[1]
            if selected:
                guide_style, hidden = guide_selected, hidden_of[2]
            space, vertical, _, _ = self._guides(guide_style, hidden)
            if item is not node:
                guides.append(space if item.is_last else vertical, style=guide_style)
            hover = hover or item is hover_row
            selected = (selected or item is self._cursor) and focused
        if len(path) > 1:
            _, _, terminator, cross = self._guides(guide_style, hidden)
            guides.append(terminator if node.is_last else cross, style=guide_style)
        style = label_style
        if self.hover_line == y:
            style += highlight
        if self._cursor is node:
            style += cursor_style
        label = node._label.copy()
        label.stylize(style)
        icon = self.ICON_NODE_EXPANDED if node._expanded else self.ICON_NODE
        prefix = (icon, line_style + TOGGLE_STYLE) if node.allow_expand else ("", line_style)
        text = Text.assemble(prefix, label)
        text.stylize(Style(meta={"node": id(node)}))
        guides.append(text)
        segments: list[Segment] = list(guides.render(self.app.console))
        pad = max(self.virtual_size.width, self.size.width) - guides.cell_len
        return Strip(line_pad(segments, 0, pad, line_style))

    def _refresh_line(self, line: int) -> None:
        self.refresh(Region(0, line - int(self.scroll_y), self.size.width, 1))

    # -- keys and mouse -------------------------------------------------------------------------------
    def watch_hover_line(self) -> None:
        self._cache.clear()
        self.refresh()

    def _on_mouse_move(self, event: events.MouseMove) -> None:
        meta = event.style.meta
        self.hover_line = meta["line"] if meta and "line" in meta else -1

    def _on_leave(self, _: events.Leave) -> None:
        self.hover_line = -1

    async def _on_click(self, event: events.Click) -> None:
        meta = event.style.meta
        if "line" not in meta:
            return
        node = self.get_node_at_line(meta["line"])
        if node is None:
            return
        if meta.get("toggle", False):
            node.toggle()
        else:
            self.move_cursor(node)
            self.action_select_cursor()

    def _step(self, delta: int) -> None:
        lines = self._layout()
        if not lines:
            return
        line = self.cursor_line
        if line < 0:  # no cursor yet: down starts at the top, up at the bottom
            line = -1 if delta > 0 else len(lines)
        self.move_cursor(lines[max(0, min(line + delta, len(lines) - 1))])

    def action_cursor_up(self) -> None:
        self._step(-1)

    def action_cursor_down(self) -> None:
        self._step(1)

    def action_page_up(self) -> None:
        self._step(-(self.scrollable_content_region.height - 1))

    def action_page_down(self) -> None:
        self._step(self.scrollable_content_region.height - 1)

    def action_scroll_home(self) -> None:
        self._step(-len(self._layout()))

    def action_scroll_end(self) -> None:
        self._step(len(self._layout()))

    def action_list_top(self) -> None:
        self.action_scroll_home()

    def action_list_bottom(self) -> None:
        self.action_scroll_end()

    def action_toggle_node(self) -> None:
        node = self.cursor_node
        if node is not None and node.allow_expand:
            node.toggle()

    def action_select_cursor(self) -> None:
        node = self.cursor_node
        if node is not None:
            self.post_message(self.NodeSelected(node))

    def action_cursor_parent(self) -> None:
        node = self.cursor_node
        if node is not None and node.parent is not None and not node.parent.is_root:
            self.move_cursor(node.parent)
