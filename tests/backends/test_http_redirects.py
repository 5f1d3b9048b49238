"""Redirects, servers under a path prefix and oversized bodies, against a tiny in-process HTTP app."""

from __future__ import annotations

import contextlib
import random
import socket
import threading
from collections.abc import Iterator

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from tests.backends.fakes import FakeTime
from tui.backends.http import HttpClient, HttpSettings
from tui.errors import ActionOutcomeUnknown, ProtocolError

pytestmark = pytest.mark.anyio

BASE = "https://airflow.example.com"


class Server:
    """Records every request path (with query) it serves."""

    def __init__(self) -> None:
        self.seen: list[str] = []
        self.acted = 0

    def app(self, prefix: str = "") -> Starlette:
        def remember(request: Request) -> None:
            query = f"?{request.url.query}" if request.url.query else ""
            self.seen.append(f"{request.method} {request.url.path}{query}")

        async def execute(request: Request) -> Response:
            remember(request)
            return RedirectResponse(f"{prefix}/login?next=execute", status_code=307)

        async def execute_html(request: Request) -> Response:
            remember(request)
            return Response(
                "<html>moved</html>",
                status_code=302,
                headers={"Location": "/elsewhere"},
                media_type="text/html",
            )

        async def old(request: Request) -> Response:
            remember(request)
            return RedirectResponse(f"{prefix}/new?x=1", status_code=308)

        async def relative(request: Request) -> Response:
            remember(request)
            return Response(status_code=301, headers={"Location": "new"})

        async def new(request: Request) -> Response:
            remember(request)
            return JSONResponse({"moved": True})

        async def loop(request: Request) -> Response:
            remember(request)
            return RedirectResponse(f"{prefix}/loop", status_code=302)

        async def away(request: Request) -> Response:
            remember(request)
            return RedirectResponse("https://evil.example.net/steal", status_code=302)

        async def dags(request: Request) -> Response:
            remember(request)
            page = int(request.query_params.get("page", "1"))
            headers = {"Link": f'<{prefix}/api/v2/dags?page={page + 1}>; rel="next"'} if page < 3 else {}
            return JSONResponse([{"page": page}], headers=headers)

        async def accepted(request: Request) -> Response:
            remember(request)
            self.acted += 1
            return JSONResponse({}, status_code=202, headers={"Location": f"{prefix}/api/v2/results/h1"})

        async def result(request: Request) -> Response:
            remember(request)
            return JSONResponse({"status": "done"})

        routes = [
            Route("/t:execute", execute, methods=["POST"]),
            Route("/t:html", execute_html, methods=["POST"]),
            Route("/old", old),
            Route("/dir/relative", relative),
            Route("/dir/new", new),
            Route("/new", new),
            Route("/loop", loop),
            Route("/away", away),
            Route("/api/v2/dags", dags),
            Route("/api/v2/dags/d/runs", accepted, methods=["POST"]),
            Route("/api/v2/results/h1", result),
        ]
        return Starlette(routes=[Route(prefix + r.path, r.endpoint, methods=r.methods) for r in routes])


def make(server: Server, prefix: str = "", **settings: object) -> HttpClient:
    fake = FakeTime()
    return HttpClient(
        BASE + prefix,
        transport=httpx.ASGITransport(app=server.app(prefix)),
        settings=HttpSettings(rate=None, **settings),  # type: ignore[arg-type]
        sleep=fake.sleep,
        clock=fake.clock,
        rng=random.Random(0),
    )


# ------------------------------------------------------------------------------------------ item 1


@pytest.mark.parametrize("path", ["/t:execute", "/t:html"])
async def test_a_redirected_action_is_a_failure_naming_where_it_pointed(path: str) -> None:
    server = Server()
    async with make(server) as client:
        with pytest.raises(ProtocolError) as info:
            await client.send_action("POST", path)
    error = info.value
    assert not isinstance(error, ActionOutcomeUnknown)  # the server provably did not act on this URL
    assert error.status in (302, 307)
    assert "redirect" in error.message and (
        "/login?next=execute" in error.message or "/elsewhere" in error.message
    )
    assert server.seen == [f"POST {path}"]  # never followed: an action is not resent anywhere


async def test_a_read_follows_same_origin_redirects() -> None:
    server = Server()
    async with make(server) as client:
        assert await client.get_json("/old") == {"moved": True}
        assert await client.get_json("/dir/relative") == {"moved": True}
    assert server.seen == ["GET /old", "GET /new?x=1", "GET /dir/relative", "GET /dir/new"]


async def test_a_read_redirected_too_often_fails_naming_the_last_location() -> None:
    server = Server()
    async with make(server) as client:
        with pytest.raises(ProtocolError) as info:
            await client.get_json("/loop")
    assert "redirect" in info.value.message and "/loop" in info.value.message
    assert len(server.seen) == 4  # the request and 3 redirects followed, then no more


async def test_a_read_redirected_to_another_host_fails_naming_it() -> None:
    server = Server()
    async with make(server) as client:
        with pytest.raises(ProtocolError) as info:
            await client.get_json("/away")
    assert "https://evil.example.net/steal" in info.value.message
    assert server.seen == ["GET /away"]


# ------------------------------------------------------------------------------------------ item 13


async def test_a_server_under_a_path_prefix_pages_and_polls_under_that_prefix() -> None:
    server = Server()
    async with make(server, "/airflow") as client:
        assert await client.get_all("/api/v2/dags") == [{"page": 1}, {"page": 2}, {"page": 3}]
        assert await client.send_action("POST", "/api/v2/dags/d/runs") == {"status": "done"}
        assert await client.get_json("/old") == {"moved": True}
    assert server.seen == [
        "GET /airflow/api/v2/dags",
        "GET /airflow/api/v2/dags?page=2",
        "GET /airflow/api/v2/dags?page=3",
        "POST /airflow/api/v2/dags/d/runs",
        "GET /airflow/api/v2/results/h1",
        "GET /airflow/old",
        "GET /airflow/new?x=1",
    ]


@contextlib.contextmanager
def endless_server(declare_length: bool) -> Iterator[str]:
    """A raw TCP server that answers 200 and then never stops sending (or declares a huge length).

    Real sockets: the in-process ASGI transport buffers a whole body itself, so it cannot show this.
    """
    listener = socket.create_server(("127.0.0.1", 0))
    sent = [0]

    def serve() -> None:
        conn, _ = listener.accept()
        with conn:
            conn.recv(65536)
            head = "Content-Length: 99999999999" if declare_length else "Transfer-Encoding: chunked"
            conn.sendall(f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n{head}\r\n\r\n".encode())
            chunk = b"[" + b"1," * 32768
            frame = chunk if declare_length else b"%x\r\n%s\r\n" % (len(chunk), chunk)
            with contextlib.suppress(OSError):
                while sent[0] < 1 << 30:  # stops on the client's close (or after 1 GiB, a failed test)
                    conn.sendall(frame)
                    sent[0] += len(chunk)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        listener.close()
        thread.join(timeout=10)
    assert sent[0] < 1 << 30


@pytest.mark.parametrize("declare_length", [False, True], ids=["chunked", "content-length"])
async def test_an_endless_body_is_cut_at_the_size_limit(declare_length: bool) -> None:
    with endless_server(declare_length) as url:
        async with HttpClient(url, settings=HttpSettings(rate=None, max_body_bytes=1_000_000)) as client:
            with pytest.raises(ProtocolError) as info:
                await client.get_json("/huge")
    assert "1000000 bytes" in info.value.message and "max_body_bytes" in info.value.message
