"""The virtual tree (the graph view's widget): it draws exactly what Textual's ``Tree`` draws for the same
nodes and folds, a fold splices the visible lines instead of laying out every node again, the cursor
survives folds, and a deep tree scrolls sideways to the cursor's label."""

from __future__ import annotations

import pytest
from rich.text import Text
from textual.app import App, ComposeResult
from textual.containers import Horizontal
from textual.widgets import Tree

from tui.widgets.virtual_tree import TreeItem, VirtualTree

pytestmark = pytest.mark.anyio


def shape(depth: int = 3, fan: int = 3, prefix: str = "n") -> list[tuple[str, list]]:
    """A nested (label, children) structure: ``fan`` children a level, ``depth`` levels."""
    if depth == 0:
        return []
    return [(f"{prefix}{i}", shape(depth - 1, fan, f"{prefix}{i}.")) for i in range(fan)]


class Both(App):
    """The stock Tree and the virtual one, side by side, fed the same nodes."""

    def __init__(self, nodes: list[tuple[str, list]], width: int = 40) -> None:
        super().__init__()
        self.nodes, self.width = nodes, width

    def compose(self) -> ComposeResult:
        with Horizontal():
            stock: Tree[str] = Tree("root", id="stock")
            stock.show_root, stock.guide_depth = False, 3
            stock.styles.width = self.width
            yield stock
            mine: VirtualTree[str] = VirtualTree(guide_depth=3, id="mine")
            mine.styles.width = self.width
            yield mine

    def fill(self) -> tuple[Tree[str], VirtualTree[str], dict[str, object], dict[str, TreeItem[str]]]:
        stock, mine = self.query_one("#stock", Tree), self.query_one("#mine", VirtualTree)
        stock_nodes: dict[str, object] = {}
        my_nodes: dict[str, TreeItem[str]] = {}

        def add(nodes, stock_parent, my_parent) -> None:
            for label, children in nodes:
                leaf = not children
                stock_nodes[label] = s = stock_parent.add(
                    Text(label), data=label, expand=True, allow_expand=not leaf
                )
                my_nodes[label] = m = my_parent.add(
                    Text(label), data=label, expand=True, allow_expand=not leaf
                )
                add(children, s, m)

        with mine.batch():
            add(self.nodes, stock.root, mine.root)
        stock.root.expand()
        return stock, mine, stock_nodes, my_nodes


def lines_of(widget) -> list[str]:
    return [widget.render_line(y).text for y in range(widget.scrollable_content_region.height)]


async def test_it_draws_what_a_stock_tree_draws_through_folds_and_cursor_moves():
    app = Both(shape(3, 3))
    async with app.run_test(size=(80, 30)) as pilot:
        stock, mine, stock_nodes, my_nodes = app.fill()
        await pilot.pause()
        assert lines_of(mine) == lines_of(stock) and mine.virtual_size == stock.virtual_size
        for label in ("n1", "n0.2", "n2"):
            stock_nodes[label].collapse()  # type: ignore[attr-defined]
            my_nodes[label].collapse()
            await pilot.pause()
            assert lines_of(mine) == lines_of(stock) and mine.virtual_size == stock.virtual_size
        stock.move_cursor(stock_nodes["n0.1"])  # type: ignore[arg-type]
        mine.move_cursor(my_nodes["n0.1"])
        await pilot.pause()
        assert mine.cursor_line == stock.cursor_line and mine.last_line == stock.last_line
        stock_nodes["n1"].expand()  # type: ignore[attr-defined]
        my_nodes["n1"].expand()
        await pilot.pause()
        assert lines_of(mine) == lines_of(stock)
        assert mine.cursor_node is my_nodes["n0.1"] and mine.cursor_line == stock.cursor_line
        # A longer label widens the tree (Tree keeps its old width until its next fold: not compared).
        longer = Text("n1.1 relabelled with a label far longer than before")
        my_nodes["n1.1"].set_label(longer)
        await pilot.pause()
        assert mine.virtual_size.width == 1 * 3 + len("▼ ") + longer.cell_len
        assert any("n1.1 relabelled" in line for line in lines_of(mine))


async def test_a_fold_walks_only_the_folded_nodes_subtree_never_the_whole_tree(monkeypatch):
    app = Both(shape(4, 5))
    async with app.run_test(size=(80, 30)) as pilot:
        _stock, mine, _, nodes = app.fill()
        await pilot.pause()
        assert mine.last_line + 1 == sum(5**d for d in range(1, 5))
        walked: list[TreeItem[str]] = []
        real = TreeItem.visible_below
        monkeypatch.setattr(TreeItem, "visible_below", lambda self: (walked.append(self), real(self))[1])
        nodes["n3"].collapse()
        await pilot.pause()
        nodes["n3"].expand()
        await pilot.pause()
        assert walked == [nodes["n3"]]  # the unfold laid out n3's own lines; nothing else was laid out
        assert mine.last_line + 1 == sum(5**d for d in range(1, 5))


async def test_folding_the_cursors_ancestor_leaves_the_cursor_on_that_ancestor():
    app = Both(shape(3, 3))
    async with app.run_test(size=(80, 30)) as pilot:
        _stock, mine, _, nodes = app.fill()
        mine.move_cursor(nodes["n2.1.0"])
        await pilot.pause()
        nodes["n2"].collapse()
        await pilot.pause()
        assert mine.cursor_node is nodes["n2"]
        nodes["n2"].expand()
        for top in mine.root.children:  # the graph screen's collapse all (C)
            top.collapse_all()
        await pilot.pause()
        assert mine.cursor_node is nodes["n2"] and mine.last_line == 2


async def test_a_deep_tree_scrolls_sideways_to_show_the_cursors_label():
    deep: list[tuple[str, list]] = []
    level = deep
    for n in range(40):  # 40 levels of 3 cells: 120 cells of guides before the deepest label
        child: list[tuple[str, list]] = []
        level.append((f"DEPTH_{n:02d}_TASK", child))
        level = child
    app = Both(deep, width=60)
    async with app.run_test(size=(130, 50)) as pilot:
        _stock, mine, _, nodes = app.fill()
        await pilot.pause()
        assert mine.virtual_size.width > mine.size.width  # wider than the view: a horizontal scrollbar
        mine.focus()
        await pilot.press("G")
        await pilot.pause()
        assert mine.cursor_node is nodes["DEPTH_39_TASK"]
        assert mine.scroll_x > 0
        row = mine.cursor_line - int(mine.scroll_y)
        assert "DEPTH_39_TASK" in mine.render_line(row).text
        await pilot.press("g")
        await pilot.pause()
        assert mine.scroll_x == 0 and mine.scroll_y == 0
        assert "DEPTH_00_TASK" in mine.render_line(0).text


def test_a_label_keeps_its_first_line_only():
    tree: VirtualTree[str] = VirtualTree()
    item = tree.root.add(Text("first\nsecond"))
    assert item.label.plain == "first"
    item.set_label(Text("again\nand again"))
    assert item.label.plain == "again"
