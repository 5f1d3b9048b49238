"""Bench: the grid of a 150-task graph x 25 runs against a stock Textual ``DataTable`` with the same cells.

    python -m devtools.bench_grid            # 150 tasks x 25 runs; exit 1 when a target is missed
    python -m devtools.bench_grid --smoke    # 30 tasks x 10 runs: it must run, targets printed, not enforced

The model is made in memory from domain objects (a fan-out graph, runs with a failed task here and there,
every task's task run in every run: what the Airflow adapter hands over) and built by the grid service;
then both widgets show the same cells, headless at 120x40:

- build: the grid service making the model from the graph, runs and task runs (dagtop only; a poll's
  work off the screen);
- open: from the model handed over to the first screenful rendered (dagtop: ``GridScreen.show``;
  stock: one column per run and one row per task added, each cell the same glyph ``Text``);
- move: the cursor one cell right then one down, to the next screenful; the median of several;
- poll: a new model in which three cells changed, shown, to the next screenful (stock: three
  ``update_cell``).

Every time is main-thread CPU time (``time.thread_time``), as the other benches: the app's own work for
the step including the repaint, not the other processes on a shared 2-core machine.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from devtools.bench_report import print_rows, verdict

SIZE = (120, 40)
REPEATS = 9
TARGETS = {"build": 0.100, "open": 0.100, "move": 0.016, "poll": 0.050}


def world(tasks: int, runs: int) -> tuple[Any, list[Any], dict[str, list[Any]]]:
    """A fan-out DAG of ``tasks`` tasks and ``runs`` runs, every task's run in each (one failed now and
    then, what hangs below it upstream_failed)."""
    from tui.domain import Graph, GraphRun, RunState, Task, TaskRun

    root = "fanout"
    keys = [f"{root}/part_{n:03d}" for n in range(tasks - 2)]
    graph_tasks = {root: Task(key=root, name=root, root=root)}
    graph_tasks[f"{root}/start"] = Task(key=f"{root}/start", name="start", root=root, predecessors=(root,))
    for key in keys:
        graph_tasks[key] = Task(key=key, name=key.split("/")[1], root=root, predecessors=(f"{root}/start",))
    graph_tasks[f"{root}/end"] = Task(key=f"{root}/end", name="end", root=root, predecessors=tuple(keys))
    graph = Graph(root=root, tasks=graph_tasks)
    start = datetime(2026, 11, 30, tzinfo=UTC)
    all_runs, by_run = [], {}
    for n in range(runs):
        run_id = f"scheduled__{(start + timedelta(hours=n)).isoformat()}"
        failed = n % 4 == 3
        when = start + timedelta(hours=n)
        state = RunState.FAILED if failed else RunState.SUCCEEDED
        all_runs.append(
            GraphRun(
                graph=root,
                run_id=run_id,
                state=state,
                scheduled_time=when,
                started_time=when,
                completed_time=when + timedelta(minutes=5),
            )
        )
        these = []
        for m, key in enumerate([f"{root}/start", *keys, f"{root}/end"]):
            bad = failed and m == (n * 7) % len(keys) + 1
            st = RunState.FAILED if bad else RunState.SUCCEEDED
            if failed and key.endswith("/end"):
                st = RunState.UPSTREAM_FAILED
            these.append(
                TaskRun(
                    task=key,
                    graph_run=run_id,
                    state=st,
                    try_number=1,
                    started_time=when,
                    completed_time=when + timedelta(seconds=30 + m),
                )
            )
        by_run[run_id] = these
    return graph, all_runs, by_run


def render_screen(widget: Any) -> None:
    for y in range(widget.size.height):
        widget.render_line(y)


async def cpu_of(pilot: Any, widget: Any, step: Any) -> float:
    start = time.thread_time()
    step()
    await pilot.pause()
    render_screen(widget)
    return time.thread_time() - start


def changed(model_inputs: tuple[Any, list[Any], dict[str, list[Any]]]) -> dict[str, list[Any]]:
    """The same task runs with three cells of the newest run changed (a poll's usual news)."""
    from tui.domain import RunState

    _, runs, by_run = model_inputs
    newest = runs[-1].run_id
    moved = [
        tr.model_copy(update={"state": RunState.EXECUTING}) if n < 3 else tr
        for n, tr in enumerate(by_run[newest])
    ]
    return {**by_run, newest: moved}


async def measure_dagtop(inputs: tuple[Any, list[Any], dict[str, list[Any]]]) -> dict[str, float]:
    from tests.support import harness
    from tui.screens.grid import GridScreen
    from tui.services.grid import build
    from tui.widgets.grid import GridView

    graph, runs, by_run = inputs
    builds = []
    for _ in range(3):
        start = time.thread_time()
        model = build(graph, runs, by_run)
        builds.append(time.thread_time() - start)
    later = build(graph, runs, changed(inputs))
    hold = asyncio.Event()
    h = harness.build(tasks=20, graphs=1, scopes=1, until_failure=False)
    root = graph.tasks[graph.root]

    class HeldGrid(GridScreen):
        async def fetch(self) -> Any:
            await hold.wait()  # never: the bench hands the model over itself
            return model

    async with h.app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = HeldGrid(root)
        h.app.push_screen(screen)
        await pilot.pause()
        view = screen.query_one(GridView)
        out = {
            "build": statistics.median(builds),
            "open": await cpu_of(pilot, view, lambda: screen.show(model)),
        }
        out["move"] = statistics.median(
            [
                await cpu_of(pilot, view, partial(view.action_move, *step))
                for _ in range(REPEATS)
                for step in ((0, -1), (1, 0))
            ]
        )
        out["poll"] = await cpu_of(pilot, view, lambda: screen.show(later))
        out["cells"] = len(model.rows) * len(model.runs)
        hold.set()
    return out


async def measure_stock(inputs: tuple[Any, list[Any], dict[str, list[Any]]]) -> dict[str, float]:
    from rich.text import Text
    from textual.app import App
    from textual.widgets import DataTable

    from tui.services.grid import build
    from tui.widgets.status import RUN_GLYPHS

    graph, runs, by_run = inputs
    model = build(graph, runs, by_run)
    later = build(graph, runs, changed(inputs))

    def glyph(m: Any, row: int, column: int) -> Text:
        symbol, _ = RUN_GLYPHS[m.cell(row, column).state]
        return Text(symbol, style="green")

    class Stock(App):
        def compose(self):
            yield DataTable(cursor_type="cell")

    def feed() -> None:
        table.add_column("task", key="task")
        for column, run in enumerate(model.runs):
            table.add_column(run.scheduled_time.strftime("%H:%M"), key=str(column))
        for row, key in enumerate(model.rows):
            cells = [glyph(model, row, c) for c in range(len(model.runs))]
            table.add_row(Text(graph.tasks[key].name if key in graph.tasks else "run"), *cells, key=key)

    def poll() -> None:
        for (row, column), cell in later.cells.items():
            if model.cells.get((row, column)) != cell:
                table.update_cell(model.rows[row], str(column), glyph(later, row, column))

    app = Stock()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        table = app.query_one(DataTable)
        out = {"open": await cpu_of(pilot, table, feed)}
        out["move"] = statistics.median(
            [
                await cpu_of(pilot, table, move)
                for _ in range(REPEATS)
                for move in (table.action_cursor_right, table.action_cursor_down)
            ]
        )
        out["poll"] = await cpu_of(pilot, table, poll)
        out["build"] = 0.0
        out["cells"] = len(model.rows) * len(model.runs)
    return out


def table(mine: dict[str, float], base: dict[str, float], label: str) -> list[tuple[str, ...]]:
    """Rows: measure, value, baseline, ratio, target, pass/fail."""
    rows = []
    for key, what in (
        ("build", "build the model (service)"),
        ("open", "open (model to first frame)"),
        ("move", "cursor move"),
        ("poll", "poll with 3 changed cells"),
    ):
        value, baseline, limit = mine[key], base[key], TARGETS[key]
        ratio = f"{value / baseline:.2f}x" if baseline > 0 else "-"
        shown = "-" if key == "build" else f"{baseline * 1000:.1f} ms"
        ok = value <= limit
        rows.append(
            (
                f"{label}: {what}",
                f"{value * 1000:.1f} ms",
                shown,
                ratio,
                f"<= {limit * 1000:.0f} ms",
                "pass" if ok else "FAIL",
            )
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench_grid", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--smoke", action="store_true", help="30 tasks x 10 runs; targets printed, not enforced"
    )
    parser.add_argument("--tasks", type=int, default=None)
    parser.add_argument("--runs", type=int, default=None)
    args = parser.parse_args(argv)
    tasks = args.tasks or (30 if args.smoke else 152)
    runs = args.runs or (10 if args.smoke else 25)
    inputs = world(tasks, runs)
    mine = asyncio.run(measure_dagtop(inputs))
    base = asyncio.run(measure_stock(inputs))
    if mine["cells"] != base["cells"]:
        print(f"dagtop shows {mine['cells']} cells, DataTable {base['cells']}", file=sys.stderr)
        return 1
    label = f"{tasks} tasks x {runs} runs"
    header = ("measure", "value", "baseline (Textual DataTable)", "ratio", "target", "result")
    missed = print_rows(header, table(mine, base, label))
    print(f"{int(mine['cells']):,} cells on both sides; main-thread CPU time, median of {REPEATS * 2} moves")
    return verdict(missed, args.smoke)


if __name__ == "__main__":
    sys.exit(main())
