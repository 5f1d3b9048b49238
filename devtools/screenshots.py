"""`make screenshots`: an SVG of every screen, from the same seeded tour the snapshot tests use.

``python -m devtools.screenshots DIR [NAME ...]`` shoots only the named ones (e.g. ``qlik-run-detail``).
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.support import harness, harness_airflow, harness_qlik, harness_taipy

SIZE = (120, 40)


def _snowflake(name: str) -> tuple[Any, Callable[..., Any]]:
    return harness.build().app, harness.TOUR[name]


def _qlik(step: str) -> Callable[[str], tuple[Any, Callable[..., Any]]]:  # a Build
    def build(_name: str) -> tuple[Any, Callable[..., Any]]:
        app, _rig = harness_qlik.build()
        return app, harness_qlik.TOUR_QLIK[step]

    return build


# Every screenshot: how to build its console and reach its screen. On Qlik: a chain with a failed reload
# (the run, the failed task first) and that reload's log.
Build = Callable[[str], tuple[Any, Callable[..., Any]]]
SHOTS: dict[str, Build] = {name: _snowflake for name in harness.TOUR}
SHOTS["qlik-run-detail"] = _qlik("run-detail")
SHOTS["qlik-reload-log"] = _qlik("run-log")


def _inbox(_name: str) -> tuple[Any, Callable[..., Any]]:
    import tempfile

    from tests.support import harness_inbox

    multi = harness_inbox.build(Path(tempfile.mkdtemp(prefix="dagtop-inbox-")))
    return multi.app, harness.settle


SHOTS["inbox"] = _inbox  # two sandboxes ("prod", "staging") and a profile that is down


async def shoot(name: str, out_dir: Path) -> Path:
    app, step = SHOTS[name](name)
    async with app.run_test(size=SIZE) as pilot:
        await step(pilot)
        path = out_dir / f"{name}.svg"
        app.save_screenshot(filename=path.name, path=str(out_dir))
    return path


# Airflow, from responses recorded from a real Airflow 3 (tests/airflow/recorded/): the grid of a DAG with
# a mapped task, a 152-part fan-in found with /, the import errors, a failed run's detail with its exception.
AIRFLOW = {
    "airflow-grid": harness_airflow.tour_grid,
    "airflow-fan-in": harness_airflow.TOUR_AIRFLOW["wide-graph"],
    "airflow-import-errors": harness_airflow.TOUR_AIRFLOW["import-errors"],
    "airflow-run-detail": harness_airflow.TOUR_AIRFLOW["mapped-run"],
    "airflow-mark": harness_airflow.TOUR_AIRFLOW["mark-dialog"],
}


async def shoot_airflow(name: str, out_dir: Path) -> Path:
    h = harness_airflow.build_airflow()
    async with h.app.run_test(size=SIZE) as pilot:
        await AIRFLOW[name](pilot)
        path = out_dir / f"{name}.svg"
        h.app.save_screenshot(filename=path.name, path=str(out_dir))
    return path


# Taipy, from responses recorded from a real Taipy REST server: a scenario's graph, a failed job's run.
TAIPY = {"taipy-graph": "graph", "taipy-failed-job": "run-detail"}


async def shoot_taipy(name: str, out_dir: Path) -> Path:
    h = harness_taipy.build_taipy()
    async with h.app.run_test(size=SIZE) as pilot:
        await harness_taipy.TOUR_TAIPY[TAIPY[name]](pilot)
        path = out_dir / f"{name}.svg"
        h.app.save_screenshot(filename=path.name, path=str(out_dir))
    return path


def main(argv: list[str]) -> int:
    out_dir = Path(argv[0] if argv else "screenshots")
    out_dir.mkdir(parents=True, exist_ok=True)
    wanted = argv[1:] or [*SHOTS, *AIRFLOW, *TAIPY]  # names given: only those
    for name in wanted:
        if name in AIRFLOW:
            print(asyncio.run(shoot_airflow(name, out_dir)))
        elif name in TAIPY:
            print(asyncio.run(shoot_taipy(name, out_dir)))
        else:
            print(asyncio.run(shoot(name, out_dir)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
