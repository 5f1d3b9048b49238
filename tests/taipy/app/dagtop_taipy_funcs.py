"""Task functions of the test Taipy server (tests/taipy/app/dagtop_taipy_server.py).

In a module of their own: standalone jobs run in spawned worker processes, which import the functions by
module name (never from ``__main__``). ``DAGTOP_TAIPY_SLOW`` sets how long ``double`` takes (seconds): long
enough for a test to see it RUNNING, short enough to keep ``make test`` quick.
"""

from __future__ import annotations

import os
import time


def generate() -> list[int]:
    return [1, 2, 3, 4, 5]


def double(xs: list[int]) -> list[int]:
    time.sleep(float(os.environ.get("DAGTOP_TAIPY_SLOW", "3")))
    return [2 * x for x in xs]


def total(xs: list[int]) -> int:
    return sum(xs)


def boom(xs: list[int]) -> list[int]:
    raise RuntimeError("intentional failure for dagtop tests")


def after(xs: list[int]) -> int:
    return len(xs)
