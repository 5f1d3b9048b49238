"""`make bench`: speed and memory targets, measured here rather than in timed unit tests.

Each line prints the measurement and its target; the command fails if a target is missed. Targets are
generous (2-core CI machines are noisy); the point is to catch order-of-magnitude regressions.
"""

from __future__ import annotations

import asyncio
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx

from tui.plural import plural


@dataclass
class Result:
    name: str
    value: float
    unit: str
    target: float

    @property
    def ok(self) -> bool:
        return self.value <= self.target


TOKEN = "bench"  # noqa: S105 - the in-process sandbox's own token


def elapsed(start: float) -> float:
    return time.perf_counter() - start


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


async def sandbox_at_scale(results: list[Result]) -> None:
    from tui.sandbox import ManualClock, SandboxConfig, create_app

    clock = ManualClock(datetime(2026, 1, 5, 12, 0, tzinfo=UTC))
    seconds, app = timed(lambda: create_app(SandboxConfig(tasks=50_000, token=TOKEN), clock=clock))
    results.append(Result("sandbox start, 50,000 tasks", seconds, "s", 5.0))
    database, schema = app.state.sandbox.scopes()[0]
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sandbox") as client:
        start = time.perf_counter()
        response = await client.get(
            f"/api/v2/databases/{database}/schemas/{schema}/tasks",
            headers={"Authorization": f"Bearer {TOKEN}"},
        )
        response.raise_for_status()
        results.append(Result("first list request at 50,000 tasks", time.perf_counter() - start, "s", 1.0))


async def client_full_list(results: list[Result]) -> None:
    from tests.support import harness

    h = harness.build(tasks=50_000, until_failure=False)
    start = time.perf_counter()
    tasks = await h.backend.list_tasks()
    results.append(Result(f"client lists {plural(len(tasks), 'task')} (all pages)", elapsed(start), "s", 3.0))
    await h.backend.aclose()


async def console_at_scale(results: list[Result]) -> None:
    """Times of the console at 10,500 tasks, then its peak Python memory in a run of its own: tracing
    every allocation (tracemalloc) makes this console ~3.5x slower (a refresh poll 14 s instead of 4),
    so a timed run under it measured the tracer, not dagtop."""
    await _console_steps(results)
    tracemalloc.start()
    await _console_steps()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    results.append(Result("peak Python memory, console at that size", peak / 2**20, "MiB", 400.0))


async def _console_steps(results: list[Result] | None = None) -> None:
    """Open the console on a 50,000-task sandbox, poll once more, press keys; timed into ``results``."""
    from tests.support import harness
    from tui.widgets.keyed_table import KeyedTable

    h = harness.build(tasks=50_000, until_failure=False)  # about 10,500 in the first scope
    async with h.app.run_test(size=(120, 40)) as pilot:
        start = time.perf_counter()
        await harness.settle(pilot)
        table = h.app.screen.query_one(KeyedTable)
        shown = f"console: {plural(table.row_count, 'task')} and their runs shown"
        first = elapsed(start)
        h.advance(300)
        start = time.perf_counter()
        h.app.screen.poll_now()
        await harness.settle(pilot)
        poll = elapsed(start)
        start = time.perf_counter()
        await pilot.press("j", "j", "j", "k")
        keys = elapsed(start)
    if results is not None:
        results.append(Result(shown, first, "s", 20.0))
        results.append(Result("console refresh poll at that size (keyed diff)", poll, "s", 10.0))
        results.append(Result("4 cursor key presses", keys, "s", 1.0))


def table_diff(results: list[Result]) -> None:
    from rich.text import Text
    from textual.app import App

    from tui.widgets.keyed_table import KeyedTable

    rows = [(f"T{i:05d}", (Text(f"T{i:05d}"), Text("started"), Text("✔ 2m ago"))) for i in range(10_000)]
    changed = [
        (key, (cells[0], Text("suspended"), cells[2])) if i % 200 == 0 else (key, cells)
        for i, (key, cells) in enumerate(rows)
    ]

    class Bench(App):
        def compose(self):
            table = KeyedTable()
            for column in ("name", "state", "last"):
                table.add_column(column, key=column)
            yield table

    async def run() -> None:
        app = Bench()
        async with app.run_test(size=(120, 40)) as pilot:
            table = app.query_one(KeyedTable)
            seconds, _ = timed(lambda: table.apply(rows))
            await pilot.pause()
            results.append(Result("KeyedTable: 10,000 rows first apply", seconds, "s", 3.0))
            seconds, _ = timed(lambda: table.apply(changed))
            await pilot.pause()
            results.append(Result("KeyedTable: diff of 50 changed rows in 10,000", seconds, "s", 1.0))

    asyncio.run(run())


def main() -> int:
    results: list[Result] = []
    asyncio.run(sandbox_at_scale(results))
    asyncio.run(client_full_list(results))
    table_diff(results)
    asyncio.run(console_at_scale(results))
    width = max(len(r.name) for r in results)
    for r in results:
        mark = "ok  " if r.ok else "SLOW"
        print(f"{mark} {r.name:<{width}}  {r.value:8.3f} {r.unit:<3}  (target ≤ {r.target:g} {r.unit})")
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
