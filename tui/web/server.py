"""textual-serve's server, made safe to leave running: nothing from the internet, no foreign pages.

Changes from ``textual_serve.server.Server``:
- the page is dagtop's copy of its template, which serves the bundled Roboto Mono instead of linking
  Google Fonts, and names the static files and the websocket relative to the request (textual-serve
  builds them from the bind address, which is wrong for a browser on another machine when bound to
  0.0.0.0);
- a server bound to loopback answers only requests addressed to a loopback name (a DNS-rebinding page
  cannot reach it), and the websocket refuses an ``Origin`` other than the page's own: websockets are not
  bound by the same-origin policy, so without this any web page the user visits could drive the console;
- its log shows no tracebacks' local variables (they hold the environment, and so DAGTOP_TOKEN);
- the startup banner is dagtop's (the default one prints the whole command line), and it says when a
  console opens and closes, for whom, instead of logging every request with its user agent.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp_jinja2
from aiohttp import web
from rich.logging import RichHandler
from textual_serve.server import Server, to_int

TEMPLATES = Path(__file__).parent / "templates"
LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1"})


class DagtopServer(Server):
    def __init__(self, command: str, *, host: str, port: int, loopback: bool, banner: str) -> None:
        super().__init__(command, host=host, port=port, title="dagtop", templates_path=TEMPLATES)
        self.loopback = loopback
        self.banner = banner

    def initialize_logging(self) -> None:
        handler = RichHandler(
            show_path=False, show_time=False, rich_tracebacks=True, tracebacks_show_locals=False
        )
        handler.console = self.console
        logging.basicConfig(level="INFO", format="%(message)s", handlers=[handler])
        logging.getLogger("aiohttp.access").setLevel(logging.WARNING)

    async def on_startup(self, app: web.Application) -> None:
        self.console.print(self.banner, markup=False, highlight=False, soft_wrap=True)

    def refusal(self, request: web.Request, *, websocket: bool = False) -> str | None:
        """Why this request must not reach the console; None when it may."""
        hostname = urlsplit(f"//{request.host}").hostname or ""
        if self.loopback and hostname not in LOOPBACK_NAMES:
            return f"this console is served on loopback only, not to {hostname!r}"
        origin = request.headers.get("Origin")
        if websocket and origin is not None and urlsplit(origin).netloc != request.host:
            return "the console's websocket only answers its own page"
        return None

    def refused(self, request: web.Request, reason: str) -> web.HTTPForbidden:
        self.console.print(f"dagtop: refused {request.remote}: {reason}", markup=False, highlight=False)
        return web.HTTPForbidden(text=f"dagtop: {reason}\n")

    @aiohttp_jinja2.template("app_index.html")
    async def handle_index(self, request: web.Request) -> dict[str, Any]:
        if reason := self.refusal(request):
            raise self.refused(request, reason)
        scheme = "wss" if request.secure else "ws"
        return {
            "font_size": to_int(request.query.get("fontsize", "16"), 16),
            "app_websocket_url": f"{scheme}://{request.host}/ws",
            "config": {"static": {"url": "/static/"}},
            "application": {"name": self.title},
        }

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        if reason := self.refusal(request, websocket=True):
            raise self.refused(request, reason)
        self.console.print(f"dagtop: console opened for {request.remote}", markup=False, highlight=False)
        try:
            return await super().handle_websocket(request)
        finally:
            self.console.print(f"dagtop: console closed for {request.remote}", markup=False, highlight=False)
