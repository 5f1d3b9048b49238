"""The served console in a real browser: headless Chromium (the system's; Playwright drives it).

One browser session for every check (the suite's time budget): the page loads nothing from another host,
the tasks appear, a key typed in the browser reaches the console and changes the screen. xterm.js draws
on a canvas, so what the browser shows is judged from its screenshots (tests/web/pixels.py), what the
console did from the sandbox's request log. The screenshots are kept: test-artifacts/web/.

Never skipped: a machine without Chromium fails here, saying how to get it (`make test` installs it).
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.web.pixels import measure
from tests.web.serving import Served, dagtop_serve
from tui.sandbox import SandboxConfig, SandboxServer

pytestmark = pytest.mark.tcp

TOKEN = "web-token-5e7ve"
CHROMIUM_ENV = "DAGTOP_CHROMIUM"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "web"
TIMEOUT = 30.0  # a safety net for a loaded machine, not a speed check
INKED = 0.05  # share of non-background pixels: a blank page ~0.003, the tasks table ~0.13
REDRAWN = 0.10  # share of pixels changed by a new screen (~0.3); a ticking "updated 3s ago" ~0.001


def chromium() -> str:
    found = os.environ.get(CHROMIUM_ENV) or shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        pytest.fail(
            "no Chromium for the web test: `make test` installs Debian's chromium (make browser; "
            f"apt-get install chromium); elsewhere set {CHROMIUM_ENV} to a Chromium or Chrome binary"
        )
    return found


def until(condition: Callable[[], Any], what: str) -> Any:
    deadline = time.monotonic() + TIMEOUT
    while not (value := condition()):
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.1)
    return value


def test_the_console_works_in_chromium(tmp_path: Path):
    from playwright.sync_api import sync_playwright

    executable = chromium()
    with (
        SandboxServer(SandboxConfig(seed=7, tasks=60, token=TOKEN), host="127.0.0.1", port=0) as sandbox,
        sync_playwright() as playwright,
    ):
        database, schema = sandbox.app.state.sandbox.scopes()[0]
        flags = ["--url", sandbox.url, "--database", database, "--schema", schema]
        # Containers: a small /dev/shm, and root, whom Chromium's own sandbox refuses (--no-sandbox).
        args = ["--disable-dev-shm-usage"] + (["--no-sandbox"] if os.geteuid() == 0 else [])
        browser = playwright.chromium.launch(executable_path=executable, args=args)
        with dagtop_serve(tmp_path, *flags, env={"DAGTOP_TOKEN": TOKEN}) as served:
            try:
                _drive(browser, served, sandbox.app.state.request_log, tmp_path)
            finally:
                browser.close()
                _keep(tmp_path)


def _drive(browser: Any, served: Served, requests: list[tuple[str, str, int]], shots: Path) -> None:
    page = browser.new_page(viewport={"width": 1200, "height": 720})
    judge = browser.new_page()  # decodes the screenshots (pixels.py)
    fetched: list[str] = []
    page.on("request", lambda request: fetched.append(request.url))
    page.on("websocket", lambda ws: fetched.append(ws.url))
    page.goto(served.url + "/")

    # The tasks appear: the console listed them, and the browser shows a full screen, settled.
    until(lambda: any(m == "GET" and t.split("?")[0].endswith("/tasks") for m, t, _ in requests), "tasks")
    before = until(lambda: _settled(page, judge), "the tasks on screen")
    (shots / "web-tasks.png").write_bytes(before)

    # A key typed in the browser reaches the console (it asks the sandbox for a page of the selected
    # graph's completed runs; the tasks list asks for one run per graph) and its answer comes back to
    # the browser (most of the screen redrawn).
    page.locator(".xterm-helper-textarea").focus()
    page.keyboard.press("4")
    until(lambda: any(_a_page_of_runs(target) for _, target, _ in requests), "the runs the key asks for")
    after = until(lambda: _redrawn(page, judge, before), "the runs screen")
    (shots / "web-runs.png").write_bytes(after)

    # Nothing came from anywhere but dagtop serve itself (no web font, no CDN).
    own = urlsplit(served.url).netloc
    assert fetched and {urlsplit(url).netloc for url in fetched} == {own}, fetched
    (console,) = served.consoles()
    assert "--read-only" in console and not any(TOKEN in arg for arg in console)


def _a_page_of_runs(target: str) -> bool:
    path, _, query = target.partition("?")
    return path.endswith("/complete-graphs") and "resultLimit=1&" not in f"{query}&"


def _settled(page: Any, judge: Any) -> bytes | None:
    """A screenshot of a full screen that no longer changes much (None: not yet)."""
    first = page.screenshot()
    time.sleep(0.2)
    second = page.screenshot()
    settled = measure(judge, first, second)
    return second if settled["ink"] > INKED and settled["changed"] < REDRAWN / 10 else None


def _redrawn(page: Any, judge: Any, before: bytes) -> bytes | None:
    shot = page.screenshot()
    return shot if measure(judge, before, shot)["changed"] > REDRAWN else None


def _keep(shots: Path) -> None:
    """The screenshots outlive the test's tmp dir: test-artifacts/web/ (git-ignored)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for shot in shots.glob("web-*.png"):
        shutil.copy2(shot, ARTIFACTS / shot.name)
