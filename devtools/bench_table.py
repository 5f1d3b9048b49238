"""The task table at scale, against a stock Textual ``DataTable`` fed the same rows in the same run.

    python -m devtools.bench_table            # 50,000 tasks in one schema; exits 1 on a missed target
    python -m devtools.bench_table --smoke    # a few hundred rows: proves it runs (targets not enforced)

Both apps run headless in this process at 120x40. dagtop is the real console (TasksScreen on the
in-process sandbox, ``--scopes 1``); the rows it fetched are handed to both tables, so only the tables
differ. A key is timed from press to the frame after it (the pilot waits until the app is idle), while
a poll lands every few keys. Every time is main-thread CPU time (``time.thread_time``): the work the
app's thread does for the step, including the repaint, and not the other processes on a shared machine.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SIZE = (120, 40)
STOCK_COLUMNS = ("NAME", "STATE", "LAST RUN", "SCHEDULE", "KIND", "WAREHOUSE", "OWNER", "DATABASE.SCHEMA")


@dataclass
class Row:
    """One line of the printed table."""

    name: str
    value: float
    baseline: float | None
    unit: str
    target: str
    ok: bool

    @property
    def ratio(self) -> str:
        if self.baseline in (None, 0):
            return "-"
        return f"{self.value / self.baseline:.2f}x"


def rss_mb() -> float:
    """This process's resident memory now (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def p99(samples: Sequence[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]


async def timed(step: Callable[[], Awaitable[Any]]) -> float:
    start = time.thread_time()
    await step()
    return time.thread_time() - start


def changed(rows: list[Any], every: int) -> list[Any]:
    """The same rows with every ``every``-th one changed (as a poll with new results would)."""
    return [
        dataclasses.replace(r, graph_size=r.graph_size + 1) if i % every == 0 else r
        for i, r in enumerate(rows)
    ]


def stock_cells(row: Any) -> tuple[str, ...]:
    """What a stock app would show of a row: plain strings."""
    task, run = row.task, row.last_run
    return (
        task.name,
        task.raw_state or task.state.value,
        run.state.value if run else "",
        task.schedule.describe(),
        "root" if task.is_root else "child",
        task.warehouse or "",
        task.owner or "",
        task.scope,
    )


# -- dagtop -----------------------------------------------------------------------------------------
async def measure_dagtop(tasks: int, keys: int, poll_every: int) -> tuple[dict[str, float], list[Any]]:
    from tests.support import harness
    from tui.screens.tasks import TasksScreen
    from tui.widgets.keyed_table import KeyedTable

    start_rss = rss_mb()  # Python, Textual and dagtop's modules
    h = harness.build(tasks=tasks, scopes=1, warmup=600, until_failure=False)
    sandbox_rss = rss_mb()  # the in-process sandbox is not dagtop's: its share is taken out below
    out: dict[str, float] = {}
    async with h.app.run_test(size=SIZE) as pilot:
        await harness.settle(pilot)
        screen = h.app.screen
        assert isinstance(screen, TasksScreen)
        rows = list(screen.rows)
        table = screen.query_one(KeyedTable)
        built = {"cells": 0}
        original = screen.cells

        def counting(row: Any) -> Any:
            built["cells"] += 1
            return original(row)

        screen.cells = counting  # type: ignore[method-assign]
        screen.show([])  # empty, as before the first page arrives
        await pilot.pause()
        first = await polled(screen, rows)  # the first load, as TasksScreen.fetch hands it over
        out["first_frame"] = await timed(lambda: show_and_paint(screen, pilot, first))
        assert table.row_count == len(rows), "dagtop did not show every row"
        out["rss"] = start_rss + rss_mb() - sandbox_rss
        out["key"], out["filter"] = await keys_while_polling(pilot, screen, rows, keys, poll_every)
        poll = await polled(screen, changed(rows, 100))
        out["poll_1pct"] = await timed(lambda: show_and_paint(screen, pilot, poll))
        built["cells"] = 0
        poll = await polled(screen, list(poll.rows))
        out["poll_nothing"] = await timed(lambda: show_and_paint(screen, pilot, poll))
        out["poll_nothing_cells"] = built["cells"]
    return out, rows


async def polled(screen: Any, rows: list[Any]) -> Any:
    """What a poll hands the screen for ``rows``: its diff with the rows shown, computed in a worker
    thread as TasksScreen.fetch does (so not main-thread time)."""
    from tui.services.row_diff import diff_rows

    return await asyncio.to_thread(diff_rows, screen.rows, rows, (screen.sort, screen.reverse))


async def show_and_paint(screen: Any, pilot: Any, rows: Any) -> None:
    screen.show(rows)
    await pilot.pause()


async def keys_while_polling(
    pilot: Any, screen: Any, rows: list[Any], keys: int, poll_every: int
) -> tuple[list[float], list[float]]:
    cursor: list[float] = []
    for n in range(keys):
        if n % poll_every == 0:
            screen.show(await polled(screen, changed(rows, 100 + n)))
        cursor.append(await timed(lambda: pilot.press("down")))
    await pilot.press("slash")
    typed: list[float] = []
    for letter in "orders_pi":
        typed.append(await timed(lambda letter=letter: pilot.press(letter)))
    await pilot.press("escape")
    await pilot.pause()
    return cursor, typed


# -- stock DataTable --------------------------------------------------------------------------------
async def measure_stock(rows: list[Any], keys: int, poll_every: int) -> dict[str, float]:
    from textual.app import App, ComposeResult
    from textual.widgets import DataTable

    class Stock(App[None]):
        def compose(self) -> ComposeResult:
            table: DataTable[str] = DataTable(cursor_type="row")
            for label in STOCK_COLUMNS:
                table.add_column(label, key=label)
            yield table

    cells = {row.task.key: stock_cells(row) for row in rows}
    out: dict[str, float] = {}
    app = Stock()
    async with app.run_test(size=SIZE) as pilot:
        table = app.query_one(DataTable)
        table.focus()

        async def fill(keys_shown: list[str]) -> None:
            table.add_rows([cells[k] for k in keys_shown])  # keyless: a stock app's plain fill
            await pilot.pause()

        out["first_frame"] = await timed(lambda: fill(list(cells)))
        table.clear()
        for key, row in cells.items():
            table.add_row(*row, key=key)
        await pilot.pause()
        keys_list = list(cells)

        async def poll(offset: int) -> None:
            for key in keys_list[offset::100]:
                table.update_cell(key, "KIND", "root*")
            await pilot.pause()

        cursor: list[float] = []
        for n in range(keys):
            if n % poll_every == 0:
                for key in keys_list[n::100]:
                    table.update_cell(key, "KIND", f"root{n}")
            cursor.append(await timed(lambda: pilot.press("down")))
        out["key"] = cursor  # type: ignore[assignment]
        typed: list[float] = []
        for end in range(1, 4):  # a stock refill takes seconds: three keystrokes say enough
            needle = "orders_pi"[:end]

            async def refill(needle: str = needle) -> None:
                table.clear()
                for key in keys_list:
                    if needle in cells[key][0].lower():
                        table.add_row(*cells[key], key=key)
                await pilot.pause()

            typed.append(await timed(refill))
        out["filter"] = typed  # type: ignore[assignment]
        table.clear()
        for key, row in cells.items():
            table.add_row(*row, key=key)
        await pilot.pause()
        out["poll_1pct"] = await timed(lambda: poll(1))
        out["poll_nothing"] = await timed(pilot.pause)
    return out


# -- report -----------------------------------------------------------------------------------------
def report(ours: dict[str, Any], stock: dict[str, Any], smoke: bool) -> list[Row]:
    ms = 1000.0
    first, base_first = ours["first_frame"] * ms, stock["first_frame"] * ms
    key, base_key = p99(ours["key"]) * ms, p99(stock["key"]) * ms
    typed, base_typed = p99(ours["filter"]) * ms, p99(stock["filter"]) * ms
    return [
        Row("first frame (data arrived -> painted)", first, base_first, "ms", "<=300 and <=0.1x",
            first <= 300 and first <= 0.1 * base_first),
        Row("cursor key p99 while polling", key, base_key, "ms", "<=16", key <= 16),
        Row("filter keystroke p99", typed, base_typed, "ms", "<=16", typed <= 16),
        Row("poll changing 1% of rows", ours["poll_1pct"] * ms, stock["poll_1pct"] * ms, "ms", "<=16",
            ours["poll_1pct"] * ms <= 16),
        Row("poll changing nothing: cells built", ours["poll_nothing_cells"], None, "cells", "0",
            ours["poll_nothing_cells"] == 0),
        Row("poll changing nothing", ours["poll_nothing"] * ms, stock["poll_nothing"] * ms, "ms", "<=16",
            ours["poll_nothing"] * ms <= 16),
        Row("resident memory, dagtop's share", ours["rss"], None, "MB", "<=300", ours["rss"] <= 300),
    ]  # fmt: skip


def print_table(rows: list[Row], tasks: int, smoke: bool) -> None:
    print(f"task table, {tasks:,} tasks in one schema, {SIZE[0]}x{SIZE[1]}" + (" (smoke)" if smoke else ""))
    print(f"{'measure':40} {'value':>10} {'stock':>10} {'ratio':>7}  {'target':18} result")
    for r in rows:
        base = "-" if r.baseline is None else f"{r.baseline:.1f}"
        verdict = "pass" if r.ok else ("miss (not enforced)" if smoke else "MISS")
        print(f"{r.name:40} {r.value:>8.1f}{r.unit[:2]:>2} {base:>10} {r.ratio:>7}  {r.target:18} {verdict}")


async def run(tasks: int, keys: int, poll_every: int) -> tuple[dict[str, Any], dict[str, Any]]:
    ours, rows = await measure_dagtop(tasks, keys, poll_every)
    stock = await measure_stock(rows, keys, poll_every)
    return ours, stock


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m devtools.bench_table", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--smoke", action="store_true", help="a small, quick run; targets are not enforced")
    parser.add_argument("--tasks", type=int, default=None, help="tasks in the one schema (default 50,000)")
    args = parser.parse_args(argv)
    tasks = args.tasks or (300 if args.smoke else 50_000)
    keys = 20 if args.smoke else 100
    ours, stock = asyncio.run(run(tasks, keys, poll_every=5))
    rows = report(ours, stock, args.smoke)
    print_table(rows, tasks, args.smoke)
    if args.smoke:
        return 0
    missed = [r.name for r in rows if not r.ok]
    if missed:
        print(f"missed: {', '.join(missed)}", file=sys.stderr)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
