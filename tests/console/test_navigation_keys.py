"""Keys that move and open, the same on every screen: enter opens detail (also in the graph), space and
left/right fold the graph, j/k/g/G move in every list, and `?` lists each key that works there."""

from __future__ import annotations

import pytest
from textual.widgets import DataTable, Log, OptionList, Tree

from tests.support.harness import settle
from tui.screens.graph import GraphScreen, GraphTree
from tui.screens.help import HelpScreen
from tui.screens.run_detail import RunDetailScreen
from tui.screens.scope import NamePicker, ScopePicker
from tui.screens.task_detail import TaskDetailScreen
from tui.widgets.lists import ListKeys
from tui.widgets.log_view import LogLines
from tui.widgets.virtual_table import VirtualTable
from tui.widgets.virtual_tree import VirtualTree

pytestmark = pytest.mark.anyio
SIZE = (120, 40)
# Textual's lists and ours (the virtual table, the log's lines on the Line API).
LIST_WIDGETS = (DataTable, VirtualTable, VirtualTree, LogLines, OptionList, Tree, Log)


def help_keys(app) -> dict[str, str]:
    """What `?` says each key does on the current screen: {key: description}."""
    return {key: description for key, description, _id in app.screen.rows}


async def open_graph(pilot) -> GraphScreen:
    await settle(pilot)
    await pilot.press("t")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, GraphScreen)
    return screen


async def test_enter_in_the_graph_opens_task_detail_and_keeps_the_tree(console):
    async with console.app.run_test(size=SIZE) as pilot:
        graph = await open_graph(pilot)
        tree = graph.query_one(GraphTree)
        tree.move_cursor(next(n for n in graph._tree_nodes.values() if n.children))
        node = tree.cursor_node
        chosen = graph.selected_task
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(console.app.screen, TaskDetailScreen)
        assert console.app.screen.task_data.key == chosen.key
        await pilot.press("escape")
        await settle(pilot)
        assert console.app.screen is graph and node.is_expanded  # enter did not fold it


async def test_space_and_left_right_fold_the_graph(console):
    async with console.app.run_test(size=SIZE) as pilot:
        graph = await open_graph(pilot)
        tree = graph.query_one(GraphTree)
        tree.move_cursor(next(n for n in graph._tree_nodes.values() if n.children))
        node = tree.cursor_node
        assert node.is_expanded
        await pilot.press("space")
        assert not node.is_expanded and isinstance(console.app.screen, GraphScreen)
        await pilot.press("space")
        assert node.is_expanded
        await pilot.press("left")
        assert not node.is_expanded
        await pilot.press("right")
        assert node.is_expanded


async def test_enter_in_run_detail_opens_the_selected_task(console):
    async with console.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("4")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(console.app.screen, RunDetailScreen)
        chosen = console.app.screen.selected_task
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(console.app.screen, TaskDetailScreen)
        assert console.app.screen.task_data.key == chosen.key


async def test_l_in_the_graph_opens_the_log_of_the_run_shown_or_says_why_not(console):
    from tests.support.harness import select_task
    from tui.screens.run_detail import RunLogScreen

    async with console.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        rows = console.app.screen.rows
        ran = next(r for r in rows if r.task.is_root and r.last_run is not None and r.graph_size > 1)
        await select_task(pilot, ran.task.name)
        graph = await open_graph(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        assert help_keys(console.app).get("l") == "Log"  # help lists it, and it works
        await pilot.press("escape")
        await settle(pilot)
        shown = graph.snapshot.run
        assert shown is not None
        await pilot.press("l")  # Snowflake has no task logs: the run's record and its first error
        await settle(pilot)
        assert isinstance(console.app.screen, RunLogScreen)
        assert console.app.screen.run.run_id == shown.run_id
        never = [r for r in rows if r.task.is_root and r.last_run is None]
        if never:  # a graph that never ran has no log: `l` says so and stays
            await pilot.press("escape", "escape")
            await settle(pilot)
            await select_task(pilot, never[0].task.name)
            graph = await open_graph(pilot)
            await pilot.press("l")
            await settle(pilot)
            assert console.app.screen is graph
            said = [n.message for n in console.app._notifications]
            assert "No run of this graph yet: no log to show." in said


async def test_help_on_tasks_and_graph_lists_enter_and_folding(console):
    async with console.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(console.app.screen, HelpScreen)
        keys = help_keys(console.app)
        assert keys.get("enter") == "Detail"
        assert {"j", "k", "g", "G"} <= set(keys)
        await pilot.press("escape", "t")
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        keys = help_keys(console.app)
        assert keys.get("enter") == "Detail"
        assert "fold" in keys.get("space", "").lower()
        assert "fold" in keys.get("←", "").lower() and "unfold" in keys.get("→", "").lower()


async def test_j_and_k_move_in_the_scope_picker(console):
    async with console.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(console.app.screen, ScopePicker)
        options = console.app.screen.query_one(OptionList)
        start = options.highlighted
        await pilot.press("j")
        assert options.highlighted == start + 1
        await pilot.press("k")
        assert options.highlighted == start
        await pilot.press("G")
        assert options.highlighted == options.option_count - 1
        await pilot.press("g")
        assert options.highlighted == 0


async def test_j_and_k_move_in_the_profile_picker_and_the_help_table(console):
    async with console.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        chosen: list[str | None] = []
        console.app.push_screen(NamePicker("Profile", ["dev", "sandbox", "prod"], "dev"), chosen.append)
        await settle(pilot)
        await pilot.press("j", "j", "k", "enter")
        await settle(pilot)
        assert chosen == ["sandbox"]
        await pilot.press("question_mark")
        await settle(pilot)
        table = console.app.screen.query_one(DataTable)
        await pilot.press("j", "j")
        assert table.cursor_row == 2
        await pilot.press("G")
        assert table.cursor_row == table.row_count - 1


async def test_every_list_on_every_screen_has_the_list_keys(console):
    """Visit each screen and dialog; every list-like widget there moves with j/k/g/G."""
    seen: set[str] = set()

    def check(app) -> None:
        for widget in app.screen.query("*"):
            if isinstance(widget, LIST_WIDGETS):
                seen.add(type(widget).__name__)
                assert isinstance(widget, ListKeys), f"{type(widget).__name__} on {app.screen} lacks j/k"

    async with console.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for keys in (
            (),
            ("question_mark",),
            ("escape", "c"),
            ("escape", "t"),
            ("escape", "3"),
            ("escape", "4"),
            ("enter",),
            ("l",),
        ):
            await pilot.press(*keys)
            await settle(pilot)
            check(console.app)
        console.app.push_screen(NamePicker("Profile", ["a", "b"], "a"))
        await settle(pilot)
        check(console.app)
    assert {"KeyedTable", "GraphTree", "LogLines"} <= seen and len(seen) >= 5


def test_no_screen_builds_a_bare_textual_list():
    """A list added later gets j/k too: lists come from tui.widgets.lists (or LogLines), never bare."""
    import re
    from pathlib import Path

    import tui

    kinds = "DataTable|OptionList|Tree|Log|RichLog|ListView|SelectionList"
    built = re.compile(rf"(?<![\w.])({kinds})\(")  # DataTable(...)
    subclassed = re.compile(rf"\s*class \w+\(({kinds})\b")  # class X(DataTable)
    offenders = []
    for path in Path(tui.__file__).parent.rglob("*.py"):
        if path.name == "lists.py":
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            is_built = built.search(line) and not line.lstrip().startswith(("#", "class "))
            if is_built or subclassed.match(line):
                offenders.append(f"{path.name}:{number}: {line.strip()}")
    assert offenders == [], "use tui/widgets/lists.py, VirtualTree or LogLines"
