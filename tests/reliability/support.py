"""Shared pieces of the reliability suite: a console rig in compressed time, a hostile-text corpus,
and ways to look at exactly what would reach the terminal.

Time: one ``ManualClock`` drives the simulated world, the console's clock and the HTTP client's retry
clock; the client's ``sleep`` advances it instead of waiting. Polling is under test control
(``auto_poll=False``): :func:`tick` does what the poll timer does — wait out the delay the screen
armed, then call ``poll_now`` — so a test can say how long the console waited and how often it asked.
"""

from __future__ import annotations

import io
import random
import re
from dataclasses import dataclass, field
from typing import Any

import anyio
import httpx
from rich.console import Console

from tests.support import harness
from tests.support.harness import settle
from tui.app import DagtopApp
from tui.backends.http import HttpSettings, RequestEvent
from tui.sandbox import FaultConfig, ManualClock
from tui.text_safety import is_unsafe
from tui.widgets.header import HeaderBar

START = harness.FROZEN_AT
TOKEN = "rig-token-7f3a9c1e55d0"  # the in-process sandbox's token; grepped for in every artefact
INTERVAL = 5.0
SIZE = (120, 36)

# ------------------------------------------------------------------------------------------ hostile text

# Each value is a string a server might send to take over a terminal, a UI or a reader's eyes.
HOSTILE: dict[str, str] = {
    "markup_bold": "[bold]loud[/bold]",
    "markup_link": "[link=file:///etc/passwd]x[/link]",
    "markup_click": "[@click=app.quit]x[/]",
    "csi": "\x1b[2J\x1b[31mred\x1b[0m",
    "osc52": "\x1b]52;c;ZXZpbA==\x07",
    "osc8": "\x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\",
    "dcs": "\x1bP1$r0m\x1b\\",
    "c1": "\x9b31m\x9d0;title\x9c\x85",
    "bel_bs_cr": "ding\x07 back\x08\x08 over\rwrite",
    "bidi": "abc\u202edcba\u2066x\u2069\u200b",
    "multi_line": "line one\nline two\r\nline three",
}
# What must never appear in anything rendered or written: raw controls (markup is checked apart).
RAW_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200b]")
LONG = "L" * 4000 + "\n" + "\n".join(f"long line {i}" for i in range(400))


def ident(name: str) -> str:
    """A quoted identifier for ``name`` (any characters)."""
    return '"' + name.replace('"', '""') + '"'


def hostile_name(key: str) -> str:
    return f"EVIL_{key}_{HOSTILE[key]}"


def huge_config() -> dict[str, Any]:
    nested: Any = {"leaf": HOSTILE["osc52"]}
    for level in range(40):
        nested = {f"level{level}": nested}
    return {
        "nested": nested,
        **{f"key{i}": HOSTILE[k] for i, k in enumerate(list(HOSTILE) * 20)},
    }


# ------------------------------------------------------------------------------------------ the rig


@dataclass
class Rig(harness.Harness):
    events: list[RequestEvent] = field(default_factory=list)
    sleeps: list[float] = field(default_factory=list)

    @property
    def faults(self) -> FaultConfig:
        return self.sandbox.state.faults

    @property
    def scope(self) -> tuple[str, str]:
        return self.sandbox.state.sandbox.scopes()[0]

    def requests(self) -> int:
        """Requests the client sent (including ones that never got an answer)."""
        return len(self.events)

    def posts(self, verb: str) -> list[str]:
        return [e.url for e in self.events if e.method == "POST" and verb in e.url]


def compressed_time(clock: ManualClock, sleeps: list[float]) -> dict[str, Any]:
    """HTTP client options whose clock is ``clock`` and whose sleep advances it (no waiting)."""

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        clock.advance(max(0.0, seconds))
        await anyio.sleep(0)

    return {"sleep": sleep, "clock": lambda: clock.now().timestamp(), "rng": random.Random(0)}


def build(
    *,
    tasks: int = 40,
    settings: HttpSettings | None = None,
    interval: float = INTERVAL,
    **options: Any,
) -> Rig:
    """The harness's console (tests/support/harness.py) on a smaller sandbox, in compressed time, with
    every request the client sends recorded; ``options`` as for :func:`harness.build`."""
    clock = ManualClock(START)
    events: list[RequestEvent] = []
    sleeps: list[float] = []
    h = harness.build(
        tasks=tasks,
        until_failure=False,
        clock=clock,
        token=TOKEN,
        http_settings=settings or HttpSettings(rate=None, call_timeout=5.0),
        client_options={"on_request": events.append, **compressed_time(clock, sleeps)},
        profile="rig",
        interval=interval,
        **options,
    )
    return Rig(h.app, h.sandbox, h.clock, h.backend, events, sleeps)


def console_app(backend: Any, clock: ManualClock, **options: Any) -> DagtopApp:
    """The rig's console on a backend of the test's own making."""
    return harness.console_app(backend, clock, profile="rig", interval=INTERVAL, **options)


# ------------------------------------------------------------------------------------------ driving


async def tick(clock: ManualClock, pilot: Any) -> float:
    """What the poll timer does: wait out the delay the screen armed, then poll. Returns the delay."""
    screen = pilot.app.screen
    due = screen.freshness.next_poll_at
    assert due is not None, "the screen armed no next poll"
    delay = max(0.0, (due - clock.now()).total_seconds())
    if delay:
        clock.set(due)
    screen.poll_now()
    await settle(pilot)
    return delay


def armed_delay(app: Any, clock: ManualClock) -> float:
    """Seconds until the poll the screen has armed."""
    due = app.screen.freshness.next_poll_at
    return (due - clock.now()).total_seconds()


def header(app: Any) -> str:
    return str(app.screen.query_one(HeaderBar).content)


def notifications(app: Any) -> list[str]:
    return [f"{n.title} {n.message}" for n in app._notifications]


# ------------------------------------------------------------------------------------------ the terminal

_SGR = re.compile(r"\x1b\[[0-9;]*m")
_CURSOR = re.compile(r"\x1b\[\d+;\d+H")


def terminal_bytes(app: Any) -> str:
    """What the console would write to the terminal for the current screen (and the screens under a
    modal): Textual's own compositor update rendered by Rich, as the real driver does."""
    console = Console(
        width=app.size.width,
        height=app.size.height,
        file=io.StringIO(),
        force_terminal=True,
        color_system="truecolor",
        legacy_windows=False,
        safe_box=False,
    )
    update = app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    console.print(update)
    return console.file.getvalue()  # type: ignore[attr-defined]


def foreign_controls(output: str) -> list[str]:
    """Control characters in ``output`` that are not dagtop's own colour and cursor codes."""
    rest = _CURSOR.sub("", _SGR.sub("", output))
    return sorted({f"U+{ord(c):04X}" for c in rest if c not in "\n" and (is_unsafe(c) or c == "\x1b")})


def screen_lines(app: Any) -> list[str]:
    """The current screen as plain text, one string per terminal row."""
    update = app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    console = Console(
        width=app.size.width, height=app.size.height, file=io.StringIO(), record=True, color_system=None
    )
    console.print(update)
    text = _CURSOR.sub("\n", console.export_text(styles=False))
    return [line for line in text.split("\n") if line][: app.size.height]


# ------------------------------------------------------------------------------------------ transports


class Gate(httpx.AsyncBaseTransport):
    """Passes requests through, except while closed: then each request waits until it is opened."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.open = anyio.Event()
        self.open.set()
        self.waiting = 0

    def close_gate(self) -> None:
        self.open = anyio.Event()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        gate = self.open
        if not gate.is_set():
            self.waiting += 1
            try:
                await gate.wait()
            finally:
                self.waiting -= 1
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


class Reshape(httpx.AsyncBaseTransport):
    """Passes requests through; while ``body`` is set, answers every GET (``methods``) 200 with it (valid
    JSON of whatever shape the test wants, after the real server handled the request)."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.body: bytes | None = None
        self.methods = {"GET"}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if self.body is None or request.method not in self.methods:
            return response
        await response.aread()
        return httpx.Response(200, content=self.body, headers={"content-type": "application/json"})

    async def aclose(self) -> None:
        await self.inner.aclose()


# ------------------------------------------------------------------------------------------ a bad server


class MisbehavingServer:
    """A raw asyncio TCP listener on 127.0.0.1 that misbehaves on demand, else relays to an app.

    ``mode``: ``"ok"`` (relay each request to ``app`` over ASGI and answer it), ``"reset"`` (send half a
    response, then reset the connection), ``"silent"`` (accept, read, never answer), ``"accepted"``
    (answer 202 with a Location whose result never completes), ``"unauthorized"`` (401). ``stop()`` and
    ``start()`` make the backend disappear (connection refused) and come back on the same port.
    """

    def __init__(self) -> None:
        self.transport: httpx.ASGITransport | None = None
        self.upstream = "http://sandbox"  # where "ok" requests go (relay_to: a real server)
        self.mode = "ok"
        self.port = 0
        self.connections = 0
        self.requests: list[tuple[str, str, str]] = []  # (mode, method, target)
        self._server: Any = None
        self._writers: set[Any] = set()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def attach(self, app: Any) -> None:
        """The app that ``"ok"`` relays to."""
        self.transport = httpx.ASGITransport(app=app)

    def relay_to(self, url: str) -> None:
        """Relay ``"ok"`` requests to a real server over HTTP (e.g. the session's Taipy) instead of an app."""
        self.transport = httpx.AsyncHTTPTransport()  # type: ignore[assignment]
        self.upstream = url

    async def start(self) -> None:
        import asyncio

        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port, reuse_address=True)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Stop listening and cut every open connection: from now on, connection refused."""
        self._server.close()
        for writer in list(self._writers):
            _abort(writer)
        await self._server.wait_closed()

    async def _serve(self, reader: Any, writer: Any) -> None:
        self.connections += 1
        self._writers.add(writer)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, target, _ = lines[0].split(" ", 2)
                headers = [tuple(x.strip() for x in line.split(":", 1)) for line in lines[1:] if ":" in line]
                length = int(next((v for k, v in headers if k.lower() == "content-length"), "0"))
                body = await reader.readexactly(length) if length else b""
                mode = self.mode
                self.requests.append((mode, method, target))
                if mode == "silent":
                    await reader.read()  # until the client gives up and closes
                    return
                if mode == "reset":
                    writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n")
                    writer.write(b'content-length: 5000\r\n\r\n[{"name": "HALF')
                    await writer.drain()
                    _abort(writer)
                    return
                if mode == "accepted":
                    status, out_headers, content = (
                        202,
                        [("content-type", "application/json"), ("location", "/api/v2/results/never")],
                        b'{"code": "392604", "message": "in progress", "resultHandler": "never"}',
                    )
                elif mode == "unauthorized":
                    status, out_headers, content = (
                        401,
                        [("content-type", "application/json")],
                        b'{"code": "390303", "message": "Invalid OAuth access token. Token expired."}',
                    )
                else:
                    request = httpx.Request(method, f"{self.upstream}{target}", headers=headers, content=body)
                    assert self.transport is not None, "attach() an app first"
                    response = await self.transport.handle_async_request(request)
                    content = await response.aread()
                    status = response.status_code
                    out_headers = [
                        (k, v)
                        for k, v in response.headers.items()
                        if k.lower() not in ("content-length", "transfer-encoding", "connection")
                    ]
                reply = [f"HTTP/1.1 {status} X".encode()]
                reply += [f"{k}: {v}".encode("latin-1") for k, v in out_headers]
                reply += [f"content-length: {len(content)}".encode(), b"", content]
                writer.write(b"\r\n".join(reply))
                await writer.drain()
        except (OSError, EOFError, ValueError):
            return
        except Exception as exc:  # asyncio.IncompleteReadError is an EOFError; anything else is a bug
            raise AssertionError(f"misbehaving server broke: {exc!r}") from exc
        finally:
            self._writers.discard(writer)
            writer.close()


def _abort(writer: Any) -> None:
    """Close with a TCP reset (SO_LINGER 0), as a crashed proxy would."""
    import socket
    import struct

    sock = writer.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()
