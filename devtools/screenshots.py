"""`make screenshots`: an SVG of every screen, from the same seeded tour the snapshot tests use."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from tests.support import harness, harness_taipy

SIZE = (120, 40)


async def shoot(name: str, out_dir: Path) -> Path:
    h = harness.build()
    async with h.app.run_test(size=SIZE) as pilot:
        await harness.TOUR[name](pilot)
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
    for name in harness.TOUR:
        print(asyncio.run(shoot(name, out_dir)))
    for name in TAIPY:
        print(asyncio.run(shoot_taipy(name, out_dir)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
