"""A 152-part fan-in on real Airflow 3.3.2 and 2.11.2 (dags/tui_fanin_wide.py): the Graph screen shows
`end` once, counting its 152 upstreams (155 lines, not ~300), and `/` finds a part, n/N step through the
parts. The sandbox's: tests/console/test_graph_wide.py; the snapshot: the `wide-graph` tour step."""

from __future__ import annotations

import pytest

from tests.airflow.conftest import Live
from tests.airflow.test_console import console
from tests.support.harness import select_task, settle
from tests.support.wide_graph import join_once, search_walk
from tui.screens.graph import GraphScreen

pytestmark = [pytest.mark.anyio, pytest.mark.tcp, pytest.mark.timeout(300)]


async def test_a_152_part_fan_in_shows_end_once_and_slash_finds_a_part(live: Live):
    app = console(live)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await select_task(pilot, "tui_fanin_wide")
        await pilot.press("t")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, GraphScreen)
        assert join_once(screen, 152) == "tui_fanin_wide/end"
        assert screen.query_one("#graph-tree").last_line + 1 == 155  # the DAG, start, 152 parts, end
        await search_walk(pilot, screen, "part_77", "part_7")  # part_7, part_70 .. part_79
