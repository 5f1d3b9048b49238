"""The Qlik Cloud Tasks API face of the sandbox (``dagtop sandbox --dialect qlik``).

Routes ``/api/v1/tasks`` (list with ``links.next.href`` paging, get, PUT, start, runs per task and per
resource, runs/last, run log as JSON or text/plain) and, as an option, the scheduling API's graph
endpoints (``/api/scheduling/tasks/{id}/graphs/...``; off, they answer 404 so a client can detect them
and fall back). Errors are Qlik's ``{errors:[{code,title,...}],traceId}``; API-key bearer auth; the
documented 600 requests/minute answered with 429 + Retry-After beyond it.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import math
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from datetime import UTC
from email.utils import format_datetime
from typing import Any
from urllib.parse import unquote, urlencode

from starlette.requests import Request
from starlette.responses import Response

from tui.sandbox.errors import SandboxError
from tui.sandbox.qlik_model import MANUAL, qiso
from tui.sandbox.qlik_service import QlikService, bad, not_found

V1 = ["api", "v1", "tasks"]
SCHEDULING = ["api", "scheduling", "tasks"]
GRAPH_LISTS = ("children", "parents")
GRAPH_WALKS = ("descendants", "ancestors", "subgraph")
RUN_SORTS = {"-startedAt"}  # the only run order the sandbox serves (Qlik's default)
TITLES = {400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 405: "Method Not Allowed",
          429: "Too Many Requests", 500: "Internal Server Error"}  # fmt: skip
WINDOW = 60.0  # seconds of the rate limit's window


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    content = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
    return Response(content, status_code=status, headers=headers, media_type="application/json")


class RateLimit:
    """A sliding window of request times: at most ``limit`` per minute, then 429 until one ages out."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.times: deque[float] = deque()
        self.lock = threading.Lock()

    def retry_after(self) -> int | None:
        """None to let the request through, else seconds to wait."""
        if self.limit <= 0:
            return None
        now = time.monotonic()
        with self.lock:
            while self.times and self.times[0] <= now - WINDOW:
                self.times.popleft()
            if len(self.times) >= self.limit:
                return max(1, math.ceil(self.times[0] + WINDOW - now))
            self.times.append(now)
            return None


def encode_cursor(*values: int) -> str:
    return base64.urlsafe_b64encode(":".join(map(str, values)).encode()).decode().rstrip("=")


def decode_cursor(text: str, count: int) -> tuple[int, ...]:
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
        values = tuple(int(v) for v in raw.split(":"))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise bad(f"Invalid page cursor '{text}'") from None
    if len(values) != count:
        raise bad(f"Invalid page cursor '{text}'")
    return values


class QlikAPI:
    def __init__(self, service: QlikService, config: Any) -> None:
        self.service = service
        self.config = config
        self.rate = RateLimit(config.qlik_rate_limit)

    async def handle(self, request: Request) -> Response:
        trace = secrets.token_hex(16)
        headers: dict[str, str] = {}
        try:
            response = await self._dispatch(request)
        except SandboxError as exc:
            if exc.status == 401:
                headers["WWW-Authenticate"] = "Bearer"
            if exc.status == 429:
                headers["Retry-After"] = exc.code
            response = self.error(exc, trace, headers)
        except Exception as exc:  # a sandbox bug still answers in Qlik's error shape
            response = self.error(SandboxError(500, f"Internal error: {exc!r}", "500"), trace, headers)
        date = format_datetime(self.service.sb.clock.now().astimezone(UTC), usegmt=True)
        response.headers["date"] = date
        return response

    def error(self, exc: SandboxError, trace: str, headers: dict[str, str]) -> Response:
        code: int | str = exc.status
        if self.config.qlik_string_codes:  # as the CLI docs quote them (not what the types say)
            code = f"TASKS-{exc.status}"
        error = {
            "code": code,
            "title": TITLES.get(exc.status, "Error"),
            "context": exc.message,
            "timestamp": qiso(self.service.sb.clock.now()),
        }
        return json_response(exc.status, {"errors": [error], "traceId": trace}, headers)

    def _authorize(self, request: Request) -> None:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(
            token.strip().encode(), self.config.token.encode()
        ):
            raise SandboxError(401, "A valid API key is required (Authorization: Bearer <API key>)", "401")
        wait = self.rate.retry_after()
        if wait is not None:
            raise SandboxError(429, "Rate limit exceeded: 600 requests per minute", str(wait))

    async def _dispatch(self, request: Request) -> Response:
        parts = _path_parts(request)
        if parts[:3] == V1:
            self._authorize(request)
            return await self._v1(request, parts[3:])
        if parts[:3] == SCHEDULING and self.config.qlik_graph_api:
            self._authorize(request)
            return self._scheduling(request, parts[3:])
        raise SandboxError(404, f"Unknown endpoint {request.url.path}", "404")

    async def _v1(self, request: Request, rest: list[str]) -> Response:
        svc, method = self.service, request.method
        if not rest:
            _allow(method, "GET")
            return self._list_tasks(request)
        if len(rest) == 3 and rest[0] == "resources" and rest[2] == "runs":
            _allow(method, "GET")
            return self._runs(request, svc.resource_tasks(rest[1]))
        tid = rest[0]
        if len(rest) == 1:
            _allow(method, "GET", "PUT")
            if method == "PUT":
                return json_response(200, svc.put(tid, await _body(request)))
            return json_response(200, svc.get_task(tid))
        if rest[1:] == ["actions", "start"]:
            _allow(method, "POST")
            svc.start(tid, request.query_params.get("source") or MANUAL)
            return json_response(200, {"message": "Task started successfully"})
        if rest[1:] == ["runs"]:
            _allow(method, "GET")
            svc.get_task(tid)  # 404 for an unknown task
            return self._runs(request, [tid])
        if rest[1:] == ["runs", "last"]:
            _allow(method, "GET")
            return json_response(200, svc.last_run(tid))
        if len(rest) == 4 and rest[1] == "runs" and rest[3] == "log":
            _allow(method, "GET")
            return self._log(request, tid, rest[2])
        raise SandboxError(404, f"Unknown endpoint {request.url.path}", "404")

    def _list_tasks(self, request: Request) -> Response:
        q = request.query_params
        resource_id = q.get("resourceId")
        if resource_id is None and self.config.qlik_require_resource_id:
            raise bad("Required query parameter 'resourceId' is missing")
        limit = _limit(request)
        offset = decode_cursor(q["page"], 1)[0] if "page" in q else 0
        tasks = self.service.list_tasks(resource_id, q.get("sort", "-updatedAt"))
        page = tasks[offset : offset + limit]
        more = offset + limit < len(tasks)
        links = self._links(request, encode_cursor(offset + limit) if more else None,
                            encode_cursor(max(0, offset - limit)) if offset > 0 else None)  # fmt: skip
        return json_response(200, {"data": page, "links": links})

    def _runs(self, request: Request, tids: list[str]) -> Response:
        q = request.query_params
        if q.get("sort", "-startedAt") not in RUN_SORTS:
            raise bad(f"The sandbox sorts runs by -startedAt only, not '{q.get('sort')}'")
        cursor = decode_cursor(q["page"], 2) if "page" in q else None
        items, more = self.service.runs(tids, cursor, _limit(request))  # type: ignore[arg-type]
        nxt = encode_cursor(items[-1].graph_run_id, items[-1].index) if more and items else None
        return json_response(200, {"data": [i.body for i in items], "links": self._links(request, nxt, None)})

    def _links(self, request: Request, nxt: str | None, prev: str | None) -> dict[str, Any]:
        def href(page: str | None) -> str:
            params = [(k, v) for k, v in request.query_params.multi_items() if k != "page"]
            if page is not None:
                params.append(("page", page))
            path = request.url.path + (f"?{urlencode(params)}" if params else "")
            if self.config.qlik_links == "relative":
                return path
            return f"{request.url.scheme}://{request.url.netloc}{path}"

        links = {"self": {"href": href(request.query_params.get("page"))}}
        if nxt is not None:
            links["next"] = {"href": href(nxt)}
        if prev is not None:
            links["prev"] = {"href": href(prev)}
        return links

    def _log(self, request: Request, tid: str, run_id: str) -> Response:
        text = self.service.log(tid, run_id)
        accept = request.headers.get("accept", "")
        if "text/plain" in accept and "application/json" not in accept:
            return Response(text, media_type="text/plain; charset=utf-8")
        return json_response(200, {"logContent": text})

    def _scheduling(self, request: Request, rest: list[str]) -> Response:
        if len(rest) != 3 or rest[1] != "graphs" or rest[2] not in (*GRAPH_LISTS, *GRAPH_WALKS):
            raise SandboxError(
                404, f"Unknown endpoint {request.url.path} (the sandbox serves only graphs)", "404"
            )
        _allow(request.method, "GET")
        tid, kind = rest[0], rest[2]
        self.service.get_task(tid)
        if kind in GRAPH_LISTS:
            data = self.service.neighbours(tid, kind)
            return json_response(200, {"data": data, "links": self._links(request, None, None)})
        level = _int(request, "level", None, 1, 1000)
        with_task = request.query_params.get("withTask", "false").lower() == "true"
        return json_response(200, self.service.graph(tid, kind, level, with_task))


def _allow(method: str, *allowed: str) -> None:
    if method not in allowed:
        # 400, not 405: the types declare no 405, and Qlik's error shape carries the reason either way.
        raise bad(f"Method {method} is not allowed here (allowed: {', '.join(allowed)})")


def _int(request: Request, name: str, default: int | None, low: int, high: int) -> int | None:
    value = request.query_params.get(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise bad(f"Query parameter '{name}' must be an integer, not '{value}'") from None
    if not low <= number <= high:
        raise bad(f"Query parameter '{name}' must be between {low} and {high}, not {number}")
    return number


def _limit(request: Request) -> int:
    # Bounds 1..100, default 20: the reconstructed spec's (NOTES 3b: no source confirms them).
    value = _int(request, "limit", 20, 1, 100)
    assert value is not None
    return value


async def _body(request: Request) -> Any:
    try:
        return json.loads(await request.body())
    except (ValueError, UnicodeDecodeError):
        raise bad("The request body is not valid JSON") from None


def _path_parts(request: Request) -> list[str]:
    raw = request.scope.get("raw_path") or request.scope["path"].encode()
    path = raw.decode("latin-1").split("?", 1)[0]
    parts = [unquote(p) for p in path.split("/")][1:]
    return parts[:-1] if parts[-1:] == [""] else parts


def make_handler(service: QlikService, config: Any) -> Callable[[Request], Any]:
    return QlikAPI(service, config).handle


__all__ = ["QlikAPI", "RateLimit", "make_handler", "not_found"]
