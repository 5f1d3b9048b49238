"""Checks of a wide fan-in's graph tree and of `/` in it, shared by the sandbox and Airflow console tests."""

from __future__ import annotations

from typing import Any

from tui.screens.graph import GraphScreen, GraphTree
from tui.widgets.tree_search import TreeSearchBox


def join_once(screen: GraphScreen, parts: int) -> str:
    """The tree has a line per task (the join not repeated under each part) and the join's line counts
    its upstreams; returns the join's key."""
    graph = screen.snapshot.graph  # type: ignore[union-attr]
    tree = screen.query_one(GraphTree)
    assert tree.last_line + 1 == len(graph.tasks), tree.last_line  # e.g. 154 or 155, not ~300
    joins = [key for key, task in graph.tasks.items() if len(task.predecessors) == parts]
    assert len(joins) == 1
    (node,) = [n for n in screen._tree_nodes.values() if n.data is not None and n.data.key == joins[0]]
    assert f"⇐ {parts} upstream" in node.label.plain
    return joins[0]


def found_status(screen: GraphScreen) -> str:
    return str(screen.query_one("#graph-found").content)


def cursor_name(screen: GraphScreen) -> str:
    node = screen.query_one(GraphTree).cursor_node
    assert node is not None and node.data is not None
    return screen.snapshot.graph.tasks[node.data.key].name  # type: ignore[union-attr]


async def find(pilot: Any, text: str, submit: bool = True, typed: bool = False) -> None:
    """`/`, the text typed key by key (``typed``) or pasted, enter (or not)."""
    await pilot.press("slash")
    await pilot.pause()
    box = pilot.app.screen.query_one(TreeSearchBox)
    assert pilot.app.screen.query_one("#graph-find-bar").display and box.has_focus
    box.value = ""
    if typed:
        await pilot.press(*text)
    else:
        box.insert_text_at_cursor(text)  # as a paste: one change (keeps the test fast)
    if submit:
        await pilot.press("enter")
    await pilot.pause()  # keys only: no poll to wait for


async def search_walk(pilot: Any, screen: GraphScreen, one: str, many: str) -> None:
    """`/one` lands on the task called ``one`` (folded away first); `/many`: n and N step and wrap
    through the tasks holding it, the counter follows; no match and escape said and done plainly."""
    tree = screen.query_one(GraphTree)
    await pilot.press("C")  # everything folded: the search unfolds what hides the task
    await pilot.pause()  # keys only: no poll to wait for
    await find(pilot, one.upper(), typed=True)
    assert cursor_name(screen) == one, cursor_name(screen)
    assert tree.has_focus and not screen.query_one("#graph-find-bar").display
    assert found_status(screen) == f"match 1 of 1 for “{one.upper()}”"
    assert tree.scroll_y <= tree.cursor_line < tree.scroll_y + tree.size.height
    await find(pilot, many)
    names = [screen.snapshot.graph.tasks[n.data.key].name for n in screen._tree_nodes.values()]  # type: ignore[union-attr]
    holding = [name for name in names if many.lower() in name.lower()]
    assert cursor_name(screen) == holding[0]
    assert found_status(screen) == f"match 1 of {len(holding)} for “{many}”"
    await pilot.press("n", "n")
    await pilot.pause()  # keys only: no poll to wait for
    assert cursor_name(screen) == holding[2] and found_status(screen).startswith("match 3 of ")
    await pilot.press("N", "N", "N")
    await pilot.pause()  # keys only: no poll to wait for
    assert cursor_name(screen) == holding[-1]  # wrapped round to the last
    await find(pilot, "[zz-no-such-task")  # markup-like: said as typed
    assert found_status(screen) == "no match for “[zz-no-such-task”"
    assert cursor_name(screen) == holding[-1]  # the cursor stays where it was
    await find(pilot, "x", submit=False)
    await pilot.press("escape")  # closes the box, not the screen
    await pilot.pause()  # keys only: no poll to wait for
    assert pilot.app.screen is screen and tree.has_focus
    assert not screen.query_one("#graph-find-bar").display
