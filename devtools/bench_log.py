"""Bench: a 1,000,000-line log in dagtop's log view against Textual's ``Log`` fed the same lines.

    python -m devtools.bench_log            # 1,000,000 lines; exit 1 when a target is missed
    python -m devtools.bench_log --smoke    # 20,000 lines: it must run, targets are printed, not enforced

Each widget runs in a child process of its own (so one's memory cannot hide in the other's), headless at
120x40, fed the same lines in batches of 10,000. Measured:

- first frame: from the first batch fed to the screenful rendered (every visible row's strip);
- search to last match: from submitting the search to the last match on screen (dagtop: ``/`` then
  ``N``, which wraps round to the last; ``Log``: the same scan of its lines a viewer on it would do);
- memory: growth of the resident set from before the first batch to after the search;
- follow: then 10 s of a log writing 10,000 lines/s (1,000 lines a tick, a frame after each): the
  main thread's CPU time per second of log (below 1 s it keeps up; the target leaves room for the
  rest). CPU time, not wall time: on a shared machine waiting for a core is not the widget's work.

The lines are made before the clock starts (as bytes, decoded into fresh strings batch by batch, as
they would come from a server), so memory growth is what the widget itself keeps. The spill file is
in a temporary state directory, removed afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from devtools.bench_report import print_rows, verdict

SIZE = (120, 40)
BATCH = 10_000
NEEDLE = "timeout"


def make_lines(count: int) -> list[str]:
    """A plausible task log: a timeout every 997 lines, and one on the very last line."""
    lines = [
        f"[2026-11-30T03:{(i // 60000) % 60:02d}:{(i // 1000) % 60:02d}.{i % 1000:03d}Z] INFO "
        f"{'Timeout' if i % 997 == 0 else 'step'} batch {i // 100} processed record {i} of {count} ok"
        for i in range(count)
    ]
    lines[-1] = f"[2026-11-30T03:59:59.999Z] ERROR worker gave up after a TIMEOUT on record {count - 1}"
    return lines


def rss() -> int:
    """Resident set size of this process, in bytes."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def render_screen(widget) -> None:
    for y in range(widget.scrollable_content_region.height):
        widget.render_line(y)


async def measure(variant: str, count: int) -> dict[str, float]:
    from textual.app import App
    from textual.widgets import Input, Log

    from tui.widgets.log_view import LogView

    class Bench(App):
        def compose(self):
            yield LogView(name_hint="bench") if variant == "dagtop" else Log(highlight=False)

    lines = make_lines(count)
    # Each batch arrives as fresh strings (as from a server), made from bytes the bench keeps: what a
    # widget keeps of them is its own memory.
    blobs = ["\n".join(lines[i : i + BATCH]).encode() for i in range(0, count, BATCH)]
    del lines
    app = Bench()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        start = time.perf_counter()
        for blob in blobs:  # what the arrival of the lines costs, before any widget sees them
            blob.decode().split("\n")
        arrival = time.perf_counter() - start
        before = rss()
        start, cpu = time.perf_counter(), time.thread_time()
        if variant == "dagtop":
            view = app.query_one(LogView)
            widget = view.log_widget
            for blob in blobs:
                view.append(blob.decode().split("\n"))
        else:
            widget = app.query_one(Log)
            for blob in blobs:
                widget.write_lines(blob.decode().split("\n"))
        await pilot.pause()
        render_screen(widget)
        first_frame, first_frame_cpu = time.perf_counter() - start, time.thread_time() - cpu

        start, cpu = time.perf_counter(), time.thread_time()
        if variant == "dagtop":
            box = view.query_one("#log-search", Input)
            view.search_submitted(Input.Submitted(box, NEEDLE))
            view.action_previous_match()
            last = view.matches[view.match_index][0]
            found = len(view.matches)
        else:
            needle = NEEDLE.lower()
            hits = [i for i, line in enumerate(widget.lines) if needle in line.lower()]
            last, found = hits[-1], len(hits)
            height = widget.scrollable_content_region.height
            widget.scroll_to(y=max(0, last - height // 2), animate=False, immediate=True)
        await pilot.pause()
        render_screen(widget)
        search, search_cpu = time.perf_counter() - start, time.thread_time() - cpu
        assert last == count - 1, f"{variant}: the last match is line {last}, not {count - 1}"
        grown = rss() - before

        # Follow: 10 s of a log writing 10,000 lines/s, 1,000 lines a tick, a frame after each tick.
        seconds = 10 if count >= 100_000 else 1  # a smoke run follows for one second of log
        ticks = [
            [f"[follow] tick {t} line {i} of a busy task, status ok" for i in range(1000)]
            for t in range(10 * seconds)
        ]
        if variant == "dagtop":
            view.action_toggle_follow()  # the search paused following
        start = time.thread_time()  # the main thread's CPU: waiting (for the CPU, or idle) is not work
        for tick in ticks:
            if variant == "dagtop":
                view.append(tick)
            else:
                widget.write_lines(tick)
            await pilot.pause()
            render_screen(widget)
        follow = (time.thread_time() - start) / seconds  # seconds of work per second of log
        assert widget.max_scroll_y - widget.scroll_y <= 1, f"{variant} did not follow the end"
    return {
        "first_frame": first_frame,
        "search": search,
        "memory": grown,
        "matches": found,
        "arrival": arrival,
        "follow": follow,
        "cpu": f"first frame {first_frame_cpu * 1000:.0f} ms, search {search_cpu * 1000:.0f} ms",
    }


def run_child(variant: str, count: int, state: str) -> dict[str, float]:
    env = {**os.environ, "XDG_STATE_HOME": state}
    out = subprocess.run(
        [sys.executable, "-m", "devtools.bench_log", "--child", variant, "--lines", str(count)],
        capture_output=True,
        text=True,
        env=env,
        cwd=Path(__file__).resolve().parents[1],
        check=False,
    )
    if out.returncode != 0:
        raise SystemExit(f"{variant} failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def table(mine: dict[str, float], base: dict[str, float], count: int) -> list[tuple[str, ...]]:
    """Rows: measure, value, baseline, ratio, target, pass/fail."""
    rows = []
    for key, label, limit, ratio_limit in (
        ("first_frame", f"{count:,}-line log: first frame", 0.5, None),
        ("search", f"{count:,}-line log: search to last match", 1.0, None),
        ("memory", f"{count:,}-line log: memory growth", None, 0.25),
        ("follow", "follow at 10,000 lines/s: main-thread CPU ms a second", 0.5, None),
    ):
        value, baseline = mine[key], base[key]
        ratio = value / baseline if baseline > 0 else 0.0
        if key == "memory":
            shown, was, target = (
                f"{value / 2**20:.1f} MB",
                f"{baseline / 2**20:.1f} MB",
                "<= 0.25x Log (flat)",
            )
            ok = ratio <= ratio_limit  # type: ignore[operator]
        else:
            shown, was, target = (
                f"{value * 1000:.0f} ms",
                f"{baseline * 1000:.0f} ms",
                f"<= {limit * 1000:.0f} ms",
            )  # type: ignore[operator]
            ok = value <= limit  # type: ignore[operator]
        rows.append((label, shown, was, f"{ratio:.2f}x", target, "pass" if ok else "FAIL"))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench_log", description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help="20,000 lines; targets printed, not enforced")
    parser.add_argument("--lines", type=int, default=None)
    parser.add_argument("--child", choices=["dagtop", "log"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    count = args.lines or (20_000 if args.smoke else 1_000_000)
    if args.child:
        print(json.dumps(asyncio.run(measure(args.child, count))))
        return 0
    with tempfile.TemporaryDirectory(prefix="dagtop-bench-log-") as state:
        mine = run_child("dagtop", count, state)
        base = run_child("log", count, state)
        left = list(Path(state).rglob("*.log"))
    if mine["matches"] != base["matches"]:
        print(f"dagtop found {mine['matches']} matches, Log {base['matches']}", file=sys.stderr)
        return 1
    header = ("measure", "value", "baseline (Textual Log)", "ratio", "target", "result")
    missed = print_rows(header, table(mine, base, count))
    print(
        f"{int(mine['matches']):,} matches for “{NEEDLE}”; spill files left behind: {len(left)}; "
        f"first frames include decoding the lines as they arrive ({mine['arrival'] * 1000:.0f} ms alone)\n"
        f"main-thread CPU (wall time above also counts waiting for a core): dagtop {mine['cpu']}; "
        f"Log {base['cpu']}"
    )
    if left:
        return 1
    return verdict(missed, args.smoke)


if __name__ == "__main__":
    sys.exit(main())
