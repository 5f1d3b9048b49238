"""``dagtop serve`` without a browser: the page, who may reach it, and the consoles it starts.

One real ``dagtop serve`` on the shared sandbox (no profile configured) for the module; browser sessions
are played by websocket clients (aiohttp, which textual-serve runs on). The real browser: test_browser.py.
"""

from __future__ import annotations

import asyncio
import re
import stat
import time
from pathlib import Path

import aiohttp
import httpx
import pytest

from tests.web.serving import Served, dagtop_serve

pytestmark = pytest.mark.tcp

SESSION_TIMEOUT = 30.0  # a safety net for a loaded machine, not a speed check
URL = re.compile(r"""\b(?:https?|wss?):(//[^\s"'<>)]*)|(?:src|href)\s*=\s*["']\s*(//[^"']*)""", re.IGNORECASE)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory):
    with dagtop_serve(tmp_path_factory.mktemp("serve")) as served:
        yield served


def foreign_urls(html: str, own: str) -> list[str]:
    """Every absolute or scheme-relative URL in ``html`` that names a host other than ``own``."""
    found = [m.group(1) or m.group(2) for m in URL.finditer(html)]
    return [url for url in found if not url.startswith(f"//{own}/")]


def test_the_page_names_no_other_host(served: Served):
    own = served.url.removeprefix("http://")
    page = httpx.get(served.url + "/").text
    assert "fonts.googleapis.com" not in page and "textual-terminal" in page
    assert foreign_urls(page, own) == []
    assert f"ws://{own}/ws" in page  # the websocket is named after the address the browser used
    # The font it names is served here (textual-serve bundles it).
    font = httpx.get(served.url + "/static/fonts/RobotoMono-VariableFont_wght.ttf")
    assert font.status_code == 200 and len(font.content) > 10_000


def test_a_page_reached_under_another_name_is_refused(served: Served):
    """Bound to loopback, it answers loopback names only: a DNS-rebinding page cannot reach it."""
    port = served.url.rsplit(":", 1)[1]
    refused = httpx.get(served.url + "/", headers={"Host": f"attacker.example:{port}"})
    assert refused.status_code == 403 and "loopback" in refused.text
    assert "dagtop: refused 127.0.0.1: this console is served on loopback only" in served.output.read_text()
    assert httpx.get(served.url + "/", headers={"Host": f"localhost:{port}"}).status_code == 200


def test_each_session_gets_a_read_only_console_on_the_one_shared_sandbox(served: Served):
    consoles = asyncio.run(_two_sessions(served))
    assert len(consoles) == 2
    for argv in consoles:
        assert "--read-only" in argv and "--served-sandbox" in argv
    urls = {argv[argv.index("--url") + 1] for argv in consoles}
    assert len(urls) == 1  # one sandbox for every session: everyone sees the same account
    # Its token never rides on argv: a file only this user can read, which no argv holds.
    (token_file,) = {Path(argv[argv.index("--token-file") + 1]) for argv in consoles}
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(token_file.parent.stat().st_mode) == 0o700
    token = token_file.read_text()
    assert len(token) > 20 and not any(token in arg for argv in consoles for arg in argv)


def test_the_websocket_refuses_another_sites_page(served: Served):
    """Websockets are not held by the same-origin policy: any page the user visits could open one."""
    status = asyncio.run(_ws_status(served, origin="http://attacker.example"))
    assert status == 403


async def _two_sessions(served: Served) -> list[list[str]]:
    """Two browser sessions at once; the consoles' argv once both are drawing."""
    ws_url = served.url.replace("http://", "ws://") + "/ws?width=100&height=30"
    async with aiohttp.ClientSession() as client:
        first = await client.ws_connect(ws_url, origin=served.url)
        second = await client.ws_connect(ws_url, origin=served.url)
        try:
            for ws in (first, second):  # each console draws its screen: bytes arrive
                message = await ws.receive(timeout=SESSION_TIMEOUT)
                assert message.type == aiohttp.WSMsgType.BINARY, message
            deadline = time.monotonic() + SESSION_TIMEOUT
            while len(consoles := served.consoles()) < 2:
                assert time.monotonic() < deadline, f"consoles: {consoles}"
                await asyncio.sleep(0.05)
            return consoles
        finally:
            await first.close()
            await second.close()


async def _ws_status(served: Served, *, origin: str) -> int:
    async with aiohttp.ClientSession() as client:
        try:
            ws = await client.ws_connect(served.url + "/ws", origin=origin)
        except aiohttp.WSServerHandshakeError as exc:
            return exc.status
        await ws.close()
        return 101
