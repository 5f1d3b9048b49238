"""Bench: the graph view of a 1,000-task graph (Snowflake's maximum) against a stock Textual ``Tree``.

    python -m devtools.bench_graph            # a 1,000-task graph; exit 1 when a target is missed
    python -m devtools.bench_graph --smoke    # a 60-task graph: it must run, targets printed, not enforced

The graph is fetched once over the in-process sandbox's HTTP API (one graph, one schema), the way the
graph screen fetches it; the snapshot is then handed to both sides in the same process, headless at
120x40, so only the views differ:

- open: from the data handed over to the first screenful rendered (dagtop: ``GraphScreen.show``; the
  stock ``Tree``: one node added per laid-out line, labelled with the task's name);
- fold / unfold: the root folded (the whole graph hidden), then unfolded, each timed to the next
  screenful; the median of several, the worse of the two is compared to the target;
- expand all: ``E`` after ``C`` (dagtop) / ``expand_all`` after collapsing (stock).

Every time is main-thread CPU time (``time.thread_time``): the app's own work for the step including
the repaint, not the other processes on a shared 2-core machine.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

from devtools.bench_report import print_rows, verdict

SIZE = (120, 40)
REPEATS = 9
OPEN_TARGET, FOLD_TARGET = 0.200, 0.016


def render_screen(widget: Any) -> None:
    for y in range(widget.scrollable_content_region.height):
        widget.render_line(y)


async def settle_and_render(pilot: Any, widget: Any) -> None:
    await pilot.pause()
    render_screen(widget)


async def cpu_of(pilot: Any, widget: Any, step: Callable[[], object]) -> float:
    start = time.thread_time()
    step()
    await settle_and_render(pilot, widget)
    return time.thread_time() - start


async def snapshot_of(tasks: int) -> Any:
    """One graph of ``tasks`` tasks from the sandbox, fetched as the graph screen fetches it."""
    from tests.support import harness
    from tui.screens.graph import GraphSnapshot

    h = harness.build(tasks=tasks, graphs=1, scopes=1, until_failure=False)
    backend = h.backend
    (root,) = [t for t in await backend.list_tasks() if t.is_root]
    graph = await backend.get_graph(root.root)
    runs = await backend.completed_runs(root.root, limit=1)
    return h, root, GraphSnapshot(graph, runs[0] if runs else None, None)


async def measure_dagtop(h: Any, root: Any, data: Any) -> dict[str, float]:
    from tui.screens.graph import GraphScreen, GraphTree

    hold = asyncio.Event()

    class HeldGraph(GraphScreen):
        async def fetch(self) -> Any:
            await hold.wait()  # never: the bench hands the data over itself
            return data

    async with h.app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = HeldGraph(root)
        h.app.push_screen(screen)
        await pilot.pause()
        tree = screen.query_one(GraphTree)
        out = {"open": await cpu_of(pilot, tree, lambda: screen.show(data)), "rows": tree.last_line + 1}
        out.update(await folds(pilot, tree, tree.root.children[0]))
        out["expand_all"] = await expand_all(
            pilot, tree, screen.action_collapse_all, screen.action_expand_all
        )
        hold.set()
    return out


async def measure_stock(h: Any, data: Any) -> dict[str, float]:
    from rich.text import Text
    from textual.app import App
    from textual.widgets import Tree

    from tui.services.graph_view import layout

    class Stock(App):
        def compose(self):
            tree: Tree[None] = Tree("graph")
            tree.show_root = False
            yield tree

    def feed() -> None:
        nodes: dict[tuple[str, ...], Any] = {}
        for line in layout(data.graph):
            parent = nodes.get(line.path[:-1], tree.root)
            label = Text(data.graph.tasks[line.key].name)
            nodes[line.path] = parent.add(label, expand=True, allow_expand=True)
        tree.root.expand()

    app = Stock()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        tree = app.query_one(Tree)
        out = {"open": await cpu_of(pilot, tree, feed), "rows": tree.last_line + 1}
        out.update(await folds(pilot, tree, tree.root.children[0]))

        def collapse_all() -> None:
            for node in tree.root.children:
                node.collapse_all()

        out["expand_all"] = await expand_all(pilot, tree, collapse_all, tree.root.expand_all)
    return out


async def folds(pilot: Any, tree: Any, node: Any) -> dict[str, float]:
    fold, unfold = [], []
    for _ in range(REPEATS):
        fold.append(await cpu_of(pilot, tree, node.collapse))
        unfold.append(await cpu_of(pilot, tree, node.expand))
    return {"fold": statistics.median(fold), "unfold": statistics.median(unfold)}


async def expand_all(
    pilot: Any, tree: Any, collapse: Callable[[], None], expand: Callable[[], None]
) -> float:
    times = []
    for _ in range(3):
        collapse()
        await settle_and_render(pilot, tree)
        times.append(await cpu_of(pilot, tree, expand))
    return statistics.median(times)


def table(mine: dict[str, float], base: dict[str, float], tasks: int) -> list[tuple[str, ...]]:
    """Rows: measure, value, baseline, ratio, target, pass/fail."""
    rows = []
    for key, label, limit in (
        ("open", f"{tasks:,}-task graph: open (data to first frame)", OPEN_TARGET),
        ("fold", f"{tasks:,}-task graph: fold the root", FOLD_TARGET),
        ("unfold", f"{tasks:,}-task graph: unfold the root", FOLD_TARGET),
        ("expand_all", f"{tasks:,}-task graph: expand all", None),
    ):
        value, baseline = mine[key], base[key]
        ratio = value / baseline if baseline > 0 else 0.0
        ok = limit is None or value <= limit
        target = "-" if limit is None else f"<= {limit * 1000:.0f} ms"
        rows.append(
            (
                label,
                f"{value * 1000:.1f} ms",
                f"{baseline * 1000:.1f} ms",
                f"{ratio:.2f}x",
                target,
                "pass" if ok else "FAIL",
            )
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench_graph", description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help="a 60-task graph; targets printed, not enforced")
    parser.add_argument("--tasks", type=int, default=None)
    args = parser.parse_args(argv)
    tasks = args.tasks or (60 if args.smoke else 1000)

    async def run() -> tuple[dict[str, float], dict[str, float], int]:
        h, root, data = await snapshot_of(tasks)
        mine = await measure_dagtop(h, root, data)
        base = await measure_stock(h, data)
        return mine, base, len(data.graph.tasks)

    mine, base, count = asyncio.run(run())
    if mine["rows"] != base["rows"]:
        print(f"dagtop shows {mine['rows']} rows, Tree {base['rows']}", file=sys.stderr)
        return 1
    header = ("measure", "value", "baseline (Textual Tree)", "ratio", "target", "result")
    missed = print_rows(header, table(mine, base, count))
    print(f"{int(mine['rows']):,} tree rows on both sides; main-thread CPU time, median of {REPEATS} folds")
    return verdict(missed, args.smoke)


if __name__ == "__main__":
    sys.exit(main())
