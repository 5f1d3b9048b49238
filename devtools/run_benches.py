"""`make bench`: every bench in turn, each table printed as it comes, all of them kept in bench/results.json.

Each bench is its own process (a clean heap, its own exit code) and prints its own table (value, baseline
in the same run, ratio, target, pass/fail). A missed target does not stop the others: every bench runs, the
file records what each printed and whether it met its targets, and the exit code is non-zero if any missed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

BENCHES: list[tuple[str, list[str]]] = [
    ("console and sandbox", ["devtools.bench"]),
    ("task table at 50,000 tasks", ["devtools.bench_table"]),
    ("log of 1,000,000 lines", ["devtools.bench_log"]),
    ("graph of 1,000 tasks", ["devtools.bench_graph"]),
    ("grid of 152 tasks x 25 runs", ["devtools.bench_grid"]),
    ("inbox: launch to the newest failure", ["devtools.bench_inbox"]),
    ("Airflow 3 and 2 against the official client", ["devtools.bench_airflow"]),
    ("every graph's status, batch reads", ["devtools.bench_sweep", "--airflow"]),
    ("recording (dagtop --record)", ["devtools.bench_record"]),
]

SMOKE = {
    "devtools.bench_table",
    "devtools.bench_log",
    "devtools.bench_graph",
    "devtools.bench_grid",
    "devtools.bench_sweep",
    "devtools.bench_inbox",
    "devtools.bench_record",
}


def machine() -> dict[str, object]:
    """What the numbers were measured on: they only compare within one run, but say where."""
    try:
        load = os.getloadavg()[0]
    except OSError:
        load = None
    return {
        "cpus": os.cpu_count(),
        "processor": platform.processor() or platform.machine(),
        "system": platform.platform(terse=True),
        "python": platform.python_version(),
        "load_average_1min_at_start": load,
    }


def run(name: str, module: list[str]) -> dict[str, object]:
    print(f"\n== {name}: python -m {' '.join(module)}", flush=True)
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", *module], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    assert proc.stdout is not None
    lines = []
    for line in proc.stdout:
        print(line, end="", flush=True)
        lines.append(line.rstrip("\n"))
    code = proc.wait()
    return {
        "command": ["python", "-m", *module],
        "met_targets": code == 0,
        "exit_code": code,
        "seconds": round(time.perf_counter() - start, 1),
        "output": lines,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="run_benches", description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path("bench/results.json"))
    parser.add_argument("--only", action="append", help="run only benches whose module contains this")
    parser.add_argument("--smoke", action="store_true", help="each bench's quick run (targets not enforced)")
    args = parser.parse_args(argv)
    chosen = [(n, m) for n, m in BENCHES if not args.only or any(o in m[0] for o in args.only)]
    if args.smoke:
        chosen = [(n, [*m, "--smoke"]) for n, m in chosen if m[0] in SMOKE]
    results = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "benches": {name: run(name, module) for name, module in chosen},
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    missed = [name for name, result in results["benches"].items() if not result["met_targets"]]
    print(f"\nwritten: {args.out}" + (f"; targets missed in: {', '.join(missed)}" if missed else "; all met"))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
