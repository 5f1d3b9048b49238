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


# What a hostile task might raise, to reach the console as a job's stack trace: markup, terminal escapes
# (CSI, OSC 52 clipboard, OSC 8 link, DCS), C1 controls, BEL/BS/CR, bidi overrides, several lines.
EVIL = (
    "[@click=app.quit]x[/] [link=file:///etc/passwd]x[/link] \x1b[2J\x1b[31mred\x1b[0m "
    "\x1b]52;c;ZXZpbA==\x07 \x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\ \x1bP1$r0m\x1b\\ "
    "\x9b31m\x9d0;title\x9c\x85 ding\x07 back\x08\x08 over\rwrite abc\u202edcba\u2066x\u2069\u200b\n"
    "line two\r\nline three"
)


def evil(xs: list[int]) -> list[int]:
    raise RuntimeError(EVIL)


def after(xs: list[int]) -> int:
    return len(xs)
