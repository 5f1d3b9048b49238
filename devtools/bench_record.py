"""Bench: what `dagtop --record` costs the event loop, against writing each answer synchronously.

    python -m devtools.bench_record            # 50 answers of a 5,000-task list (~0.9 MB each)
    python -m devtools.bench_record --smoke    # 10 answers of 500 tasks: it must run, targets not enforced

- queue: the event loop's part of recording one answer (``Recorder.exchange``: a stamp and a queue put),
  median over the answers; baseline: masking, encoding and compressing it on the loop (what a synchronous
  writer would cost per answer);
- stall: the longest a 1 ms sleep on the main thread overran while the writer thread masked, encoded and
  compressed every queued answer (the GIL is shared: this is what a key press could wait);
- scan: looking through a poll's rows for the first failed run, off the loop (writer thread CPU).

Times are wall-clock per call (the loop's part is too short for thread CPU clocks to resolve).
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

TARGETS = {"queue": 0.0005, "stall": 0.050, "scan": 1.0}


def body(tasks: int) -> bytes:
    rows = [
        {
            "name": f"TASK_{n}",
            "definition": "INSERT INTO t SELECT * FROM s WHERE d = CURRENT_DATE()",
            "state": "started",
        }
        for n in range(tasks)
    ]
    return json.dumps(rows).encode()


def measure(answers: int, tasks: int) -> dict[str, float]:
    import httpx

    from tui.domain import GraphRun, RunState, Task
    from tui.services.recording import Recorder, _mask
    from tui.services.task_query import TaskRow

    content = body(tasks)
    url = httpx.URL("http://host/api/v2/databases/A/schemas/B/tasks?like=%25")
    headers = [("content-type", "application/json"), ("date", "Mon, 05 Jan 2026 12:00:00 GMT")]
    secrets = ["bench-secret-token-1234"]
    with tempfile.TemporaryDirectory() as folder:
        recorder = Recorder(Path(folder) / "r.gz")
        recorder.header({"backend": "snowflake"})
        calls = []
        for _ in range(answers):
            start = time.perf_counter()
            recorder.exchange("GET", url, None, 200, headers, content, secrets)
            calls.append(time.perf_counter() - start)
        stall = 0.0
        while not recorder._queue.empty():
            start = time.perf_counter()
            time.sleep(0.001)
            stall = max(stall, time.perf_counter() - start - 0.001)
        recorder.close()
        size = (Path(folder) / "r.gz").stat().st_size
    sync = []
    for _ in range(min(answers, 10)):
        start = time.perf_counter()
        text = _mask(content.decode("utf-8", errors="surrogateescape"), secrets)
        gzip.GzipFile(fileobj=io.BytesIO(), mode="wb").write(json.dumps({"body": text}).encode())
        sync.append(time.perf_counter() - start)
    rows = [
        TaskRow(
            Task(key=f"T{n}", name=f"T{n}", root=f"T{n}"),
            1,
            GraphRun(graph=f"T{n}", run_id="1", state=RunState.SUCCEEDED),
        )
        for n in range(tasks * 10)
    ]
    from tui.services.recording import find_failure

    start = time.thread_time()
    assert find_failure(rows) is None
    scan = time.thread_time() - start
    return {
        "queue": statistics.median(calls),
        "sync": statistics.median(sync),
        "stall": stall,
        "scan": scan,
        "ratio": len(content) * answers / size,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench_record", description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help="10 answers of 500 tasks; targets not enforced")
    args = parser.parse_args(argv)
    answers, tasks = (10, 500) if args.smoke else (50, 5000)
    got = measure(answers, tasks)
    label = f"{answers} answers of {tasks:,} tasks"
    rows = [
        ("measure", "value", "baseline (synchronous write)", "ratio", "target", "result"),
        (
            f"{label}: queue one answer (event loop)",
            f"{got['queue'] * 1e6:.0f} us",
            f"{got['sync'] * 1e3:.1f} ms",
            f"{got['queue'] / got['sync']:.4f}x",
            f"{TARGETS['queue'] * 1e6:.0f} us",
            "pass" if got["queue"] <= TARGETS["queue"] else "FAIL",
        ),
        (
            f"{label}: longest main-thread stall while writing",
            f"{got['stall'] * 1e3:.1f} ms",
            "-",
            "-",
            f"{TARGETS['stall'] * 1e3:.0f} ms",
            "pass" if got["stall"] <= TARGETS["stall"] else "FAIL",
        ),
        (
            f"{tasks * 10:,} rows: scan for a failed run (writer thread)",
            f"{got['scan'] * 1e3:.0f} ms",
            "-",
            "-",
            f"{TARGETS['scan'] * 1e3:.0f} ms",
            "pass" if got["scan"] <= TARGETS["scan"] else "FAIL",
        ),
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
    print(f"compressed {got['ratio']:.0f}x on disk")
    missed = [row[0] for row in rows[1:] if row[-1] != "pass"]
    sys.stdout.flush()
    if missed and not args.smoke:
        print("missed: " + "; ".join(missed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
