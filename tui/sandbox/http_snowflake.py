"""The Snowflake Tasks REST API v2 face of the sandbox: routing, parameters, auth, 202s and paging.

Routing is done by hand on the raw path: the action is a ``:verb`` suffix on the name segment and names
may be quoted identifiers with any character (even an encoded ``/``), which a route pattern cannot split.
"""

from __future__ import annotations

import hmac
import json
import random
import uuid
from collections.abc import Callable
from datetime import UTC
from email.utils import format_datetime
from typing import Any
from urllib.parse import unquote

from starlette.requests import Request
from starlette.responses import Response

from tui.sandbox import errors
from tui.sandbox.engine import Sandbox
from tui.sandbox.errors import SandboxError, bad_request
from tui.sandbox.results import Result, ResultStore

VERBS = {"execute", "resume", "suspend"}
TOKEN_TYPES = {"KEYPAIR_JWT", "OAUTH", "PROGRAMMATIC_ACCESS_TOKEN"}
CREATE_MODES = ("errorIfExists", "orReplace", "ifNotExists")
ASYNC_MESSAGE = (
    "Request execution in progress. Use the provided location header or result handler ID to perform "
    "query monitoring and management."
)
GRAPH_ROUTES = {
    "current-graphs": "current",
    "current_graphs": "current",
    "complete-graphs": "complete",
    "complete_graphs": "complete",
}


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    content = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
    return Response(content, status_code=status, headers=headers, media_type="application/json")


def error_response(request: Request, exc: SandboxError, headers: dict[str, str] | None = None) -> Response:
    request_id = request.scope.get("state", {}).get("request_id", "")
    body = {"code": exc.code, "message": exc.message, "error_code": exc.code, "request_id": request_id}
    return json_response(exc.status, body, headers)


def _bool(request: Request, name: str, default: bool) -> bool:
    value = request.query_params.get(name)
    if value is None:
        return default
    if value.lower() in ("true", "1"):
        return True
    if value.lower() in ("false", "0"):
        return False
    raise bad_request(f"Query parameter '{name}' must be true or false, not '{value}'.")


def _int(request: Request, name: str, default: int | None, low: int, high: int) -> int | None:
    value = request.query_params.get(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise bad_request(f"Query parameter '{name}' must be an integer, not '{value}'.") from None
    if not low <= number <= high:
        raise bad_request(f"Query parameter '{name}' must be between {low} and {high}, not {number}.")
    return number


class SnowflakeAPI:
    """The request handler; ``app.state`` holds the sandbox, faults, results and request log."""

    def __init__(self, sandbox: Sandbox, config: Any, results: ResultStore) -> None:
        self.sandbox = sandbox
        self.config = config
        self.results = results
        self._async_rng = random.Random(config.seed)

    async def handle(self, request: Request) -> Response:
        try:
            return await self._dispatch(request)
        except SandboxError as exc:
            extra = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
            if exc.status == 405:
                extra = {"Allow": exc.message.rsplit("(allowed: ", 1)[-1].rstrip(").")}
            return error_response(request, exc, extra)
        except Exception as exc:  # a sandbox bug still answers in the API's error shape
            return error_response(request, SandboxError(500, f"Internal error: {exc!r}", "390500"))

    def _authorize(self, request: Request) -> None:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        ok = scheme.lower() == "bearer" and hmac.compare_digest(
            token.strip().encode(), self.config.token.encode()
        )
        token_type = request.headers.get("x-snowflake-authorization-token-type")
        if token_type is not None and token_type.upper() not in TOKEN_TYPES:
            ok = False
        if not ok:
            raise SandboxError(401, "Unauthorized: a valid bearer token is required.", errors.UNAUTHORIZED)

    async def _dispatch(self, request: Request) -> Response:
        parts = _path_parts(request)
        if parts[:2] != ["api", "v2"]:
            raise _unknown(request)
        self._authorize(request)
        rest, method = parts[2:], request.method
        if rest[:1] == ["results"] and len(rest) == 2:
            self._allow(method, "GET")
            return self._result(request, rest[1])
        if rest[:1] != ["databases"]:
            raise _unknown(request)
        sb = self.sandbox
        if len(rest) == 1:
            self._allow(method, "GET")
            return self._answer(request, lambda: sb.databases())
        db = rest[1]
        if len(rest) == 3 and rest[2] == "schemas":
            self._allow(method, "GET")
            return self._answer(request, lambda: sb.schemas(db))
        if len(rest) < 5 or rest[2] != "schemas" or rest[4] != "tasks":
            raise _unknown(request)
        schema = rest[3]
        if len(rest) == 5:
            return await self._tasks(request, db, schema)
        if len(rest) == 6:
            return await self._task(request, db, schema, rest[5])
        if len(rest) == 7:
            return self._task_view(request, db, schema, rest[5], rest[6])
        raise _unknown(request)

    async def _tasks(self, request: Request, db: str, schema: str) -> Response:
        """``.../tasks``: list (GET) or create (POST)."""
        self._allow(request.method, "GET", "POST")
        if request.method == "GET":
            return self._list(request, db, schema)
        mode = request.query_params.get("createMode", "errorIfExists")
        if mode not in CREATE_MODES:
            modes = ", ".join(CREATE_MODES)
            raise bad_request(f"createMode must be one of {modes}, not '{mode}'.")
        body = await self._body(request)
        return self._answer(request, lambda: {"status": self.sandbox.create_task(db, schema, body, mode)})

    async def _task(self, request: Request, db: str, schema: str, name: str) -> Response:
        """``.../tasks/NAME``: get, create-or-alter, delete; ``.../tasks/NAME:verb``: an action."""
        sb, method = self.sandbox, request.method
        head, sep, verb = name.rpartition(":")
        if sep and verb in VERBS and head:
            self._allow(method, "POST")
            return self._action(request, db, schema, head, verb)
        if method == "POST" and sep and head:  # an unknown action is an unknown endpoint
            raise SandboxError(404, f"Unknown task action ':{verb}'.", errors.NOT_FOUND_ENDPOINT)
        self._allow(method, "GET", "PUT", "DELETE")
        if method == "GET":
            return self._answer(request, lambda: sb.get_task(db, schema, name))
        if method == "PUT":
            body = await self._body(request)
            return self._answer(request, lambda: {"status": sb.put_task(db, schema, name, body)})
        if_exists = _bool(request, "ifExists", False)
        return self._answer(request, lambda: {"status": sb.delete_task(db, schema, name, if_exists)})

    def _task_view(self, request: Request, db: str, schema: str, name: str, sub: str) -> Response:
        """``.../tasks/NAME/dependents``, ``/current_graphs``, ``/complete_graphs``."""
        sb = self.sandbox
        if sub == "dependents":
            self._allow(request.method, "GET")
            recursive = _bool(request, "recursive", True)
            return self._answer(request, lambda: sb.dependents(db, schema, name, recursive))
        if sub not in GRAPH_ROUTES:
            raise _unknown(request)
        self._allow(request.method, "GET")
        limit = _int(request, "resultLimit", 1000, 1, 10000)
        assert limit is not None
        if GRAPH_ROUTES[sub] == "current":
            return self._answer(request, lambda: sb.current_graphs(db, schema, name, limit))
        error_only = _bool(request, "errorOnly", False)
        return self._answer(request, lambda: sb.complete_graphs(db, schema, name, limit, error_only))

    @staticmethod
    def _allow(method: str, *allowed: str) -> None:
        if method not in allowed:
            raise SandboxError(
                405, f"Method {method} is not allowed here (allowed: {', '.join(allowed)}).",
                errors.METHOD_NOT_ALLOWED,
            )  # fmt: skip

    @staticmethod
    async def _body(request: Request) -> Any:
        raw = await request.body()
        try:
            return json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            raise bad_request("The request body is not valid JSON.") from None

    def _list(self, request: Request, db: str, schema: str) -> Response:
        root_only = _bool(request, "rootOnly", False)
        limit = _int(request, "showLimit", None, 1, 10000)
        q = request.query_params
        like, starts, from_name = q.get("like"), q.get("startsWith"), q.get("fromName")
        return self._answer(
            request,
            lambda: self.sandbox.list_tasks(
                db,
                schema,
                root_only=root_only,
                like=like,
                starts_with=starts,
                show_limit=limit,
                from_name=from_name,
            ),
        )

    def _action(self, request: Request, db: str, schema: str, name: str, verb: str) -> Response:
        sb = self.sandbox
        if verb == "execute":
            force_async = _bool(request, "asyncExec", False)
            retry = _bool(request, "retryLast", False)
            return self._answer(
                request, lambda: {"status": sb.execute(db, schema, name, retry)}, force_async=force_async
            )
        action = sb.resume if verb == "resume" else sb.suspend
        return self._answer(request, lambda: {"status": action(db, schema, name)})

    def _answer(self, request: Request, compute: Callable[[], Any], force_async: bool = False) -> Response:
        """Run the operation now; answer it directly, as a 202 to poll, or as page 0 of a long list."""
        body = compute()
        go_async = force_async or (
            self.config.async_probability > 0 and self._async_rng.random() < self.config.async_probability
        )
        paged = isinstance(body, list)
        if go_async:
            handle = self.results.add(Result(200, body, paged, max(0, self.config.async_polls)))
            return self._accepted(handle)
        if paged and len(body) > self.config.page_size:
            handle = self.results.add(Result(200, body, True, 0))
            return self._page(handle, body, 0)
        return json_response(200, body)

    @staticmethod
    def _accepted(handle: str) -> Response:
        return json_response(
            202,
            {"code": "392604", "message": ASYNC_MESSAGE, "resultHandler": handle},
            {"Location": f"/api/v2/results/{handle}"},
        )

    def _page(self, handle: str, rows: list, page: int) -> Response:
        size = self.config.page_size
        last = max(0, (len(rows) - 1) // size)
        if page > last:
            raise bad_request(f"Page {page} is out of range: this result has pages 0 to {last}.")
        headers = {}
        if len(rows) > size:
            link = f"/api/v2/results/{handle}?page="
            rels = [f'<{link}0>; rel="first"']
            if page > 0:
                rels.append(f'<{link}{page - 1}>; rel="prev"')
            if page < last:
                rels.append(f'<{link}{page + 1}>; rel="next"')
            rels.append(f'<{link}{last}>; rel="last"')
            headers["Link"] = ", ".join(rels)
        return json_response(200, rows[page * size : (page + 1) * size], headers)

    def _result(self, request: Request, handle: str) -> Response:
        result = self.results.get(handle)
        if result is None:
            raise SandboxError(
                404, f"Result '{handle}' does not exist or has expired.", errors.DOES_NOT_EXIST
            )
        page = _int(request, "page", 0, 0, 2**62)
        assert page is not None
        if result.polls_left > 0:
            result.polls_left -= 1
            return self._accepted(handle)
        if result.paged:
            return self._page(handle, result.body, page)
        if page != 0:
            raise bad_request(f"Page {page} is out of range: this result has pages 0 to 0.")
        return json_response(result.status, result.body)


class RequestContext:
    """Outermost middleware: a request id on every response (faults included) and the request log."""

    def __init__(self, app: Any, state: Any) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = str(uuid.uuid4())
        scope["state"] = {**scope.get("state", {}), "request_id": request_id}
        status = 0  # stays 0 when no response was sent (dropped or hung)

        async def send_with_id(message: dict) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                own = (b"x-snowflake-request-id", b"date")
                headers = [h for h in message.get("headers", []) if h[0].lower() not in own]
                headers.append((b"x-snowflake-request-id", request_id.encode()))
                # Like any server, the Date is its own clock's (the simulated one may run ahead).
                date = format_datetime(self.state.sandbox.clock.now().astimezone(UTC), usegmt=True)
                headers.append((b"date", date.encode()))
                message = {**message, "headers": headers}
            await send(message)

        query = scope.get("query_string", b"").decode("latin-1")
        target = scope["path"] + (f"?{query}" if query else "")
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            self.state.request_log.append((scope["method"], target, status))


def _path_parts(request: Request) -> list[str]:
    """The path's segments, percent-decoded one by one (an encoded "/" stays inside its segment)."""
    raw = request.scope.get("raw_path") or request.scope["path"].encode()
    path = raw.decode("latin-1").split("?", 1)[0]
    parts = [unquote(p) for p in path.split("/")][1:]
    return parts[:-1] if parts[-1:] == [""] else parts


def _unknown(request: Request) -> SandboxError:
    return SandboxError(404, f"Unknown endpoint {request.url.path}.", errors.NOT_FOUND_ENDPOINT)
