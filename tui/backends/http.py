"""The one HTTP policy every backend uses.

Timeouts, retries, redirects, 202 polling, pagination strategies, a response-size cap, a client-side
rate limit, typed errors and secret redaction. Backends only say *what* to fetch; how to survive the
network is decided here, once.

Retries: a read is resent after a connection failure, a timeout, a dropped connection, 429, 503 or 504
(never after 500 or 502: the server may be failing on this very request); an action is resent only
where the server provably did not act (the connection never opened, or 429). A ``Retry-After`` is never
cut short: asked to wait longer than ``retry_after_cap`` or the remaining budget, the client gives up at
once and says when to try again. Redirects: a read follows same-origin ones up to ``max_redirects``
times; a redirected action is a failed action naming where it pointed (it was not carried out there).
"""

from __future__ import annotations

import json
import logging
import random
import re
import ssl
import time
import weakref
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any, Protocol
from urllib.parse import quote

import anyio
import httpx

from tui.backends.server_clock import ServerClock
from tui.errors import (
    ActionOutcomeUnknown,
    AuthError,
    BackendError,
    ConflictError,
    NotFoundError,
    ProtocolError,
    RateLimitedError,
    TransportError,
)

log = logging.getLogger("dagtop.http")

Sleep = Callable[[float], Awaitable[None]]
Clock = Callable[[], float]
Params = Mapping[str, str | int | float] | None

# --------------------------------------------------------------------------------------------- redaction

_REDACTED = "***"
_QUERY_SECRET = re.compile(
    r"(?i)\b((?:access_|refresh_|id_|session_|auth_)?token|password|passwd|pwd|secret|client_secret"
    r"|api_?key|private_key|signature|sig)=([^&\s#'\"]+)"
)
_BEARER = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+")
_SNOWFLAKE_TOKEN = re.compile(r'(?i)(snowflake\s+token=)"?[^"\s,]+"?')
_USERINFO = re.compile(r"(//)[^/@\s]+@")


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with every known secret, credential-looking query value and auth header value masked."""
    # Longest first, so a secret containing another is masked whole.
    for secret in sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True):
        text = text.replace(secret, _REDACTED)
        encoded = quote(secret, safe="")
        if encoded != secret:
            text = text.replace(encoded, _REDACTED)
    text = _QUERY_SECRET.sub(lambda m: f"{m.group(1)}={_REDACTED}", text)
    text = _BEARER.sub(lambda m: f"{m.group(1)} {_REDACTED}", text)
    text = _SNOWFLAKE_TOKEN.sub(lambda m: f"{m.group(1)}{_REDACTED}", text)
    return _USERINFO.sub(rf"\1{_REDACTED}@", text)


class _LogRedactor(logging.Filter):
    """Redacts httpx's own log lines (it logs full URLs, query included) with every live client's secrets."""

    def __init__(self) -> None:
        super().__init__()
        self.clients: weakref.WeakSet[HttpClient] = weakref.WeakSet()

    def secrets(self) -> list[str]:
        return [secret for client in list(self.clients) for secret in client.secrets()]

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage(), self.secrets())
        record.args = ()
        return True


_LOG_REDACTOR = _LogRedactor()


def live_secrets() -> list[str]:
    """Every secret of every live client: what any text dagtop writes (debug log, log spill) must mask."""
    return _LOG_REDACTOR.secrets()


# httpcore's debug lines name methods and hosts, never headers or URLs with queries: httpx is enough.
logging.getLogger("httpx").addFilter(_LOG_REDACTOR)

# --------------------------------------------------------------------------------------------- settings


@dataclass(frozen=True)
class HttpSettings:
    """Timeouts, retry and polling budgets. Defaults suit an interactive console."""

    connect_timeout: float = 5.0
    read_timeout: float = 15.0
    call_timeout: float = 30.0  # one HTTP exchange, start to last byte
    max_attempts: int = 4  # per logical read (and per action, for the provably-not-acted cases)
    retry_budget: float = 60.0  # total seconds of attempts + backoff for one logical request
    backoff_base: float = 0.5
    backoff_cap: float = 10.0
    retry_after_cap: float = 30.0  # a server asking for longer is not waited for: give up, say when
    max_redirects: int = 3  # same-origin redirects a read follows
    max_body_bytes: int = 64 * 1024 * 1024  # a longer answer is cut off, not buffered
    poll_base: float = 0.25  # 202 polling: first delay, growth and cap
    poll_growth: float = 1.3
    poll_cap: float = 5.0
    poll_limit: float = 120.0  # give up polling a 202 after this long
    max_pages: int = 1000
    rate: float | None = 20.0  # client-side requests per second (None: unlimited)
    burst: int = 20
    user_agent: str = "dagtop"
    # Idle pooled connections are dropped after this long: below the 5 s of uvicorn (Airflow 3's
    # api-server, the sandbox), so a poll never races the server's close. Balancers may forget sooner,
    # which is why actions never use a pooled connection at all (see HttpClient).
    keepalive_expiry: float = 4.0


def _tls_context(verify: bool | str) -> ssl.SSLContext | bool:
    """httpx 0.28 wants an SSLContext for a custom CA bundle; True/False pass through."""
    if isinstance(verify, str):
        return ssl.create_default_context(cafile=verify)
    return verify


# --------------------------------------------------------------------------------------------- rate limit


class TokenBucket:
    """An async token bucket: ``burst`` requests at once, then ``rate`` per second.

    Each caller reserves its token synchronously (possibly going into debt) and then sleeps off the
    debt, so there is no lock and concurrent callers are served in arrival order.
    """

    def __init__(
        self, rate: float, burst: int, *, clock: Clock = time.monotonic, sleep: Sleep = anyio.sleep
    ) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be > 0 and burst >= 1")
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._sleep = sleep
        self._tokens = float(burst)
        self._last = clock()

    def _reserve(self) -> float:
        now = self._clock()
        self._tokens = min(float(self.burst), self._tokens + (now - self._last) * self.rate)
        self._last = now
        self._tokens -= 1.0
        return max(0.0, -self._tokens / self.rate)

    async def acquire(self) -> None:
        wait = self._reserve()
        if wait > 0:
            await self._sleep(wait)


# --------------------------------------------------------------------------------------------- pagination


@dataclass(frozen=True)
class PageRequest:
    """Where the next page is: a host-relative path or same-origin URL, and query params (or None)."""

    url: str
    params: dict[str, Any] | None = None


def resolve(response: httpx.Response, url: str) -> str:
    """A URL the server gave (a Link, a Location), made absolute against the URL it came from.

    Absolute, so httpx does not prefix it with the base URL's path a second time (``/airflow/airflow/``).
    """
    try:
        return str(response.url.join(url))
    except (httpx.InvalidURL, TypeError, ValueError) as exc:
        raise ProtocolError(f"unusable URL from server: {redact(str(url))[:200]}") from exc


class Pagination(Protocol):
    """How a list endpoint pages: where the items are in a body, and where the next page is."""

    def first_params(self, params: dict[str, Any]) -> dict[str, Any]: ...

    def items(self, body: Any) -> list[Any]: ...

    def next_page(
        self, response: httpx.Response, body: Any, request: PageRequest, seen: int
    ) -> PageRequest | None: ...


def _as_list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise ProtocolError(f"expected a JSON list {where}, got {type(value).__name__}")
    return value


class LinkHeaderPagination:
    """Snowflake: the body is a bare list; ``Link: <...?page=N>; rel="next"`` names the next page."""

    def first_params(self, params: dict[str, Any]) -> dict[str, Any]:
        return params

    def items(self, body: Any) -> list[Any]:
        return _as_list(body, "as the page body")

    def next_page(
        self, response: httpx.Response, body: Any, request: PageRequest, seen: int
    ) -> PageRequest | None:
        nxt = response.links.get("next", {}).get("url")
        # Resolved against the page's own URL (RFC 3986), never re-prefixed with the base path.
        return PageRequest(resolve(response, nxt)) if nxt else None


class _ItemsUnderKey:
    """Pages whose items sit under one key of a JSON object."""

    items_key: str

    def items(self, body: Any) -> list[Any]:
        if not isinstance(body, dict):
            raise ProtocolError(f"expected a JSON object with {self.items_key!r}")
        return _as_list(body.get(self.items_key), f"under {self.items_key!r}")


class OffsetLimitPagination(_ItemsUnderKey):
    """Bodies like ``{items_key: [...], "total_entries": N}`` paged with ``offset``/``limit`` params."""

    def __init__(
        self,
        items_key: str,
        limit: int = 100,
        total_key: str = "total_entries",
        offset_param: str = "offset",
        limit_param: str = "limit",
    ) -> None:
        self.items_key = items_key
        self.limit = limit
        self.total_key = total_key
        self.offset_param = offset_param
        self.limit_param = limit_param

    def first_params(self, params: dict[str, Any]) -> dict[str, Any]:
        return {**params, self.offset_param: 0, self.limit_param: self.limit}

    def next_page(
        self, response: httpx.Response, body: Any, request: PageRequest, seen: int
    ) -> PageRequest | None:
        total = body.get(self.total_key)
        page = body.get(self.items_key) or []
        # No total (or an empty page) means we cannot know there is more: stop rather than loop.
        if not isinstance(total, int) or isinstance(total, bool) or not page or seen >= total:
            return None
        return PageRequest(request.url, {**(request.params or {}), self.offset_param: seen})


LINK_HEADER = LinkHeaderPagination()

# --------------------------------------------------------------------------------------------- errors


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date); None if unusable."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


_STATUS_ERRORS: dict[int, type[BackendError]] = {
    401: AuthError,
    403: AuthError,
    404: NotFoundError,
    409: ConflictError,
    429: RateLimitedError,
    503: TransportError,
    504: TransportError,
}
_TEXT_LIMIT = 300


def _first_error(body: dict[str, Any]) -> dict[str, Any]:
    """Qlik's ``{errors: [{code, title, detail|context}], traceId}`` as the flat shape read below: the first
    error's code (a number or a string), its title and detail, and the trace id as the request id."""
    first = body["errors"][0] if isinstance(body["errors"][0], dict) else {}
    title, detail = first.get("title"), first.get("detail") or first.get("context")
    words = [str(w) for w in (title, detail) if isinstance(w, str | int) and str(w)]
    flat: dict[str, Any] = {"code": first.get("code"), "message": ": ".join(words) or None}
    if body.get("traceId"):
        flat["request_id"] = body["traceId"]
    return flat


def error_from_response(response: httpx.Response, secrets: Iterable[str] = ()) -> BackendError:
    """The typed error for a failed response, carrying the server's code, message and request id."""
    secrets = list(secrets)
    status = response.status_code
    code = message = None
    request_id = response.headers.get("X-Snowflake-Request-ID")
    try:
        body = response.json()
    except (ValueError, RecursionError):  # RecursionError: JSON nested too deep to decode
        body = None
    if isinstance(body, dict) and isinstance(body.get("errors"), list) and body["errors"]:
        body = _first_error(body)
    if isinstance(body, dict):
        # Snowflake: {code, message, error_code (deprecated twin), request_id}; Airflow: {detail|title}.
        raw_code = body.get("error_code") or body.get("code")
        code = str(raw_code) if raw_code not in (None, "") else None
        raw_msg = body.get("message") or body.get("detail") or body.get("title")
        if raw_msg is None or isinstance(raw_msg, str):
            message = raw_msg
        else:  # e.g. FastAPI's 422 list of {loc, msg, type, ...}: kept verbatim, as JSON
            message = json.dumps(raw_msg, ensure_ascii=False, default=str)
        request_id = request_id or (str(body["request_id"]) if body.get("request_id") else None)
    if not message:
        text = response.text.strip()
        message = text[:_TEXT_LIMIT] + ("..." if len(text) > _TEXT_LIMIT else "")
        message = message or response.reason_phrase or "no message"
    kind = _STATUS_ERRORS.get(status, BackendError)
    return kind(
        redact(message, secrets),
        status=status,
        code=redact(code, secrets) if code else None,
        request_id=redact(request_id, secrets) if request_id else None,
        retryable=status in (429, 503, 504),
        retry_after=parse_retry_after(response.headers.get("Retry-After")),
    )


# --------------------------------------------------------------------------------------------- client


@dataclass
class RequestStats:
    """Counters the UI can show: requests sent, retries, failures."""

    requests: int = 0
    retries: int = 0
    failures: int = 0
    by_status: dict[int, int] = field(default_factory=dict)


@dataclass(frozen=True)
class RequestEvent:
    method: str
    url: str  # redacted
    status: int | None
    attempt: int
    error: str | None = None


# Raised before the request left the machine: safe to resend even an action.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
_UNKNOWN_NOTE = "The action may or may not have happened: check the runs before retrying."


class HttpClient:
    """One keep-alive connection pool to one server, with dagtop's retry, polling and error policy.

    Reads share the pool. Actions go out on a connection of their own, opened for them and closed after:
    a pooled connection may have been closed by the server or forgotten by a load balancer while idle,
    and a request lost that way has an unknown outcome. One handshake is cheap next to that.

    ``transport`` (e.g. ``httpx.ASGITransport``), ``sleep``, ``clock`` and ``rng`` are injectable so tests
    run against an in-process app and check backoff without waiting.
    """

    def __init__(
        self,
        base_url: str,
        *,
        auth: httpx.Auth | None = None,
        headers: Mapping[str, str] | None = None,
        settings: HttpSettings | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Sleep = anyio.sleep,
        clock: Clock = time.monotonic,
        rng: random.Random | None = None,
        limiter: TokenBucket | None = None,
        on_request: Callable[[RequestEvent], None] | None = None,
        secrets: Iterable[str] = (),
        verify: bool | str = True,
        recorder: Any = None,
    ) -> None:
        """``verify``: TLS verification on (default), off (False), or a CA bundle path. ``recorder``
        (a ``tui.services.recording.Recorder``) is given every answer as it came (`dagtop --record`)."""
        self.settings = s = settings or HttpSettings()
        self.base_url = httpx.URL(base_url)
        self._auth = auth
        self._sleep = sleep
        self._clock = clock
        self._rng = rng or random.Random()
        self._static_secrets = [x for x in secrets if x]
        self.on_request = on_request
        self.recorder = recorder
        self.stats = RequestStats()
        _LOG_REDACTOR.clients.add(self)
        if limiter is None and s.rate:
            limiter = TokenBucket(s.rate, s.burst, clock=clock, sleep=sleep)
        self._limiter = limiter
        self.server_clock = ServerClock()  # what time the server says it is (its Date headers)
        tls = _tls_context(verify)

        def client(limits: httpx.Limits) -> httpx.AsyncClient:
            return httpx.AsyncClient(
                base_url=self.base_url,
                auth=auth,
                headers={"Accept": "application/json", "User-Agent": s.user_agent, **(headers or {})},
                timeout=httpx.Timeout(s.read_timeout, connect=s.connect_timeout, pool=s.connect_timeout),
                transport=transport,
                follow_redirects=False,
                verify=tls,
                limits=limits,
                event_hooks={"response": [self.server_clock.observe]},
            )

        self._client = client(httpx.Limits(keepalive_expiry=s.keepalive_expiry))
        # No idle connections kept: every action opens its own (an injected transport is shared as is).
        self._action_client = client(httpx.Limits(max_keepalive_connections=0))

    def __repr__(self) -> str:
        return f"HttpClient(base_url={redact(str(self.base_url))!r}, auth={self._auth!r})"

    async def aclose(self) -> None:
        await self._client.aclose()
        await self._action_client.aclose()

    async def __aenter__(self) -> HttpClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # ----------------------------------------------------------------------------- redaction helpers

    def secrets(self) -> list[str]:
        values = list(self._static_secrets)
        secret_values = getattr(self._auth, "secret_values", None)
        if callable(secret_values):
            values.extend(secret_values())
        return values

    def redact(self, text: str) -> str:
        return redact(text, self.secrets())

    def _request_id(self, response: httpx.Response) -> str | None:
        """The server's request id (it is echoed text like any other: redacted)."""
        value = response.headers.get("X-Snowflake-Request-ID")
        return self.redact(value) if value else None

    # ----------------------------------------------------------------------------- public API

    async def get_json(self, path: str, params: Params = None) -> Any:
        """GET one resource (following 202 and result handles) and return its JSON body."""
        _, body = await self._read(PageRequest(path, dict(params or {})))
        return body

    async def get_response(self, path: str, params: Params = None) -> httpx.Response:
        """GET one resource under the read policy and return the response as it came, for bodies that
        may not be JSON (Qlik serves a run's log as JSON or as text/plain)."""
        url = self._same_origin(path)
        return await self._complete(await self._exchange("GET", url, dict(params or {}), None, action=False))

    async def get_all(
        self, path: str, params: Params = None, pagination: Pagination = LINK_HEADER
    ) -> list[Any]:
        """GET a list, following ``pagination`` until the last page; every item, in server order."""
        request = PageRequest(path, pagination.first_params(dict(params or {})))
        items: list[Any] = []
        seen_urls: set[tuple[str, str]] = set()
        for _ in range(self.settings.max_pages):
            response, body = await self._read(request)
            page = pagination.items(body)
            items.extend(page)
            nxt = pagination.next_page(response, body, request, len(items))
            if nxt is None:
                return items
            marker = (nxt.url, repr(sorted((nxt.params or {}).items())))
            if marker in seen_urls:
                raise ProtocolError(f"pagination loops back to {self.redact(nxt.url)}")
            seen_urls.add(marker)
            request = nxt
        raise ProtocolError(f"more than {self.settings.max_pages} pages from {self.redact(path)}")

    async def post_read(self, path: str, json: Any) -> Any:
        """A query sent as POST because its filters would overflow a URL (Airflow's batch ``list``
        endpoints): it changes nothing, so it is retried like a GET."""
        response = await self._exchange("POST", self._same_origin(path), None, json, action=False)
        return self._json(await self._complete(response))

    async def send_action(self, method: str, path: str, params: Params = None, json: Any = None) -> Any:
        """Send a state-changing request. Resent only where the server provably did not act."""
        response = await self._exchange(method, path, dict(params or {}), json, action=True)
        accepted = response.status_code
        try:
            response = await self._complete(response)
            return self._json(response)
        except ActionOutcomeUnknown:
            raise
        except BackendError as exc:
            # The server accepted the action (2xx/202); only its answer is missing or unreadable.
            what = f"{method} {self.redact(path)}"
            reason = f"accepted (HTTP {accepted}), but then {exc.describe()}"
            raise self._unknown(what, reason, exc) from None

    # ----------------------------------------------------------------------------- internals

    async def _read(self, request: PageRequest) -> tuple[httpx.Response, Any]:
        url = self._same_origin(request.url)
        response = await self._exchange("GET", url, request.params, None, action=False)
        response = await self._complete(response)
        body = self._json(response)
        # "Large result set": a handle to fetch instead of the rows (snake_case, no Link header).
        if isinstance(body, dict) and "result_handler" in body and "link" not in response.headers:
            handle = body["result_handler"]
            if not isinstance(handle, str) or not handle:
                raise ProtocolError("large result set without a usable result_handler")
            path = f"/api/v2/results/{quote(handle, safe='')}"
            response = await self._complete(await self._exchange("GET", path, None, None, action=False))
            body = self._json(response)
        return response, body

    def _same_origin(self, url: str) -> str:
        """``url`` if it is on this server: an absolute URL (see ``resolve``) or a path under the base URL;
        anything pointing elsewhere is a protocol error."""
        try:
            parsed = httpx.URL(url)
        except (httpx.InvalidURL, TypeError) as exc:
            raise ProtocolError(f"unusable URL from server: {self.redact(url)[:200]}") from exc
        if parsed.is_absolute_url or parsed.host:
            same = (parsed.scheme, parsed.host, parsed.port) == (
                self.base_url.scheme,
                self.base_url.host,
                self.base_url.port,
            )
            if not same:
                raise ProtocolError(f"server pointed at another host: {self.redact(url)[:200]}")
            return str(parsed)
        if not url.startswith("/"):
            raise ProtocolError(f"server gave a relative location: {self.redact(url)[:200]}")
        return url

    def _json(self, response: httpx.Response) -> Any:
        if not response.content:
            return None
        try:
            return response.json()
        except (ValueError, RecursionError):  # RecursionError: JSON nested too deep to decode
            text = self.redact(response.text[:_TEXT_LIMIT])
            raise ProtocolError(
                f"server answered with something that is not JSON: {text!r}",
                status=response.status_code,
                request_id=self._request_id(response),
            ) from None

    async def _complete(self, response: httpx.Response) -> httpx.Response:
        """Follow a 202 Accepted to its result, polling with growing, jittered delays."""
        if response.status_code != 202:
            return response
        location = response.headers.get("Location")
        if not location:
            try:
                handle = response.json().get("resultHandler")
            except (ValueError, AttributeError, RecursionError):
                handle = None
            if not isinstance(handle, str) or not handle:
                raise ProtocolError("202 Accepted without a Location header or result handler")
            location = f"/api/v2/results/{quote(handle, safe='')}"
        else:
            location = resolve(response, location)
        path = self._same_origin(location)
        s = self.settings
        start = self._clock()
        delay = s.poll_base
        while response.status_code == 202:
            if self._clock() - start + delay > s.poll_limit:
                raise TransportError(
                    f"the request is still in progress server-side after {s.poll_limit:.0f} s "
                    f"(result at {self.redact(path)}); it was accepted and may still complete",
                    status=202,
                    request_id=self._request_id(response),
                )
            await self._sleep(self._rng.uniform(delay / 2, delay))
            delay = min(delay * s.poll_growth, s.poll_cap)
            response = await self._exchange("GET", path, None, None, action=False)
        return response

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        s = self.settings
        if retry_after is not None:
            return retry_after  # never sooner (a longer ask is refused in _retrying)
        return self._rng.uniform(0, min(s.backoff_cap, s.backoff_base * 2 ** (attempt - 1)))

    async def _send_once(
        self, method: str, url: str, params: dict[str, Any] | None, json: Any, attempt: int, action: bool
    ) -> httpx.Response:
        if self._limiter is not None:
            await self._limiter.acquire()
        self.stats.requests += 1
        shown = self.redact(url)
        try:
            with anyio.fail_after(self.settings.call_timeout):
                client = self._action_client if action else self._client
                request = client.build_request(method, url, params=params or None, json=json)
                response = await self._capped(await client.send(request, stream=True), method, action)
        except BaseException as exc:
            if isinstance(exc, Exception):
                self._event(RequestEvent(method, shown, None, attempt, type(exc).__name__))
            raise
        self.stats.by_status[response.status_code] = self.stats.by_status.get(response.status_code, 0) + 1
        self._event(RequestEvent(method, shown, response.status_code, attempt))
        if self.recorder is not None:  # every answer, retries and errors included; it only queues
            self.recorder.exchange(
                method,
                request.url,
                request.content,
                response.status_code,
                response.headers.multi_items(),
                response.content,
                self.secrets(),
            )
        return response

    async def _capped(self, response: httpx.Response, method: str, action: bool) -> httpx.Response:
        """The response with its body read, but never more than ``max_body_bytes`` of it (decoded)."""
        limit = self.settings.max_body_bytes
        chunks: list[bytes] = []
        size = 0
        try:
            declared = response.headers.get("Content-Length", "")
            if not (declared.isdigit() and int(declared) > limit):
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > limit:
                        break
                    chunks.append(chunk)
            else:
                size = int(declared)
        finally:
            await response.aclose()
        if size > limit:
            what = f"{method} {self.redact(str(response.request.url))}"
            reason = (
                f"the server's answer (HTTP {response.status_code}) is larger than {limit} bytes "
                f"({limit / 2**20:g} MiB, HttpSettings.max_body_bytes); not read further"
            )
            if action:
                raise self._unknown(what, reason)
            self.stats.failures += 1
            raise ProtocolError(f"{what}: {reason}", status=response.status_code)
        # The body is already decoded: the rebuilt response must not decode it again.
        headers = [
            (k, v)
            for k, v in response.headers.multi_items()
            if k not in ("content-encoding", "content-length")
        ]
        return httpx.Response(
            response.status_code,
            headers=headers,
            content=b"".join(chunks),
            request=response.request,
            extensions=response.extensions,
        )

    def _event(self, event: RequestEvent) -> None:
        log.debug(
            "%s %s -> %s (attempt %d)", event.method, event.url, event.status or event.error, event.attempt
        )
        if self.on_request is not None:
            self.on_request(event)

    async def _exchange(
        self, method: str, url: str, params: dict[str, Any] | None, json: Any, *, action: bool
    ) -> httpx.Response:
        """One logical request: the retry policy, then redirects; returns a 1xx/2xx response (202 included).

        A redirect is never success: an action redirected was not carried out at this URL (a failure
        naming where it pointed, not "outcome unknown"); a read follows same-origin redirects a few times.
        """
        hops = 0
        while True:
            response = await self._retrying(method, url, params, json, action=action)
            status = response.status_code
            if not 300 <= status < 400:
                return response
            what = f"{method} {self.redact(url)}"
            location = response.headers.get("Location")
            shown = self.redact(location)[:200] if location else "nowhere (no Location header)"
            request_id = self._request_id(response)
            if action or not location or hops >= self.settings.max_redirects:
                self.stats.failures += 1
            if action:
                raise ProtocolError(
                    f"{what}: the server redirected it (HTTP {status}) to {shown}; the action was not "
                    "carried out. Check the server URL of this connection.",
                    status=status,
                    request_id=request_id,
                )
            if not location or hops >= self.settings.max_redirects:
                raise ProtocolError(
                    f"{what}: redirected (HTTP {status}) to {shown}, after {hops} redirects already "
                    f"(at most {self.settings.max_redirects} are followed)",
                    status=status,
                    request_id=request_id,
                )
            target = resolve(response, location)
            try:
                url = self._same_origin(target)
            except ProtocolError:
                self.stats.failures += 1
                origin = self.redact(f"{self.base_url.scheme}://{self._host_port()}")
                raise ProtocolError(
                    f"{what}: redirected (HTTP {status}) to {self.redact(target)[:200]}, another server; "
                    f"only redirects within {origin} are followed",
                    status=status,
                    request_id=request_id,
                ) from None
            params, hops = None, hops + 1

    async def _retrying(
        self, method: str, url: str, params: dict[str, Any] | None, json: Any, *, action: bool
    ) -> httpx.Response:
        """One request under the retry policy; returns any response below 400 (202 and 3xx included)."""
        s = self.settings
        start = self._clock()
        what = f"{method} {self.redact(url)}"
        attempt = 0
        while True:
            attempt += 1
            retry_after: float | None = None
            try:
                response = await self._send_once(method, url, params, json, attempt, action)
            except _NOT_SENT as exc:
                failure: BackendError = TransportError(
                    f"{what}: could not connect to {self._host_port()} "
                    f"({type(exc).__name__}: {self.redact(str(exc))})",
                    retryable=True,
                )
            except (httpx.TimeoutException, TimeoutError) as exc:
                reason = f"no answer in time ({type(exc).__name__})"
                if action:
                    raise self._unknown(what, reason) from None
                failure = TransportError(f"{what}: {reason}", retryable=True)
            except (httpx.TransportError, OSError) as exc:
                # OSError: transports (e.g. in-process ASGI) may surface a raw reset instead of httpx's.
                reason = f"connection failed ({type(exc).__name__}: {self.redact(str(exc))})"
                if action:
                    raise self._unknown(what, reason) from None
                failure = TransportError(f"{what}: {reason}", retryable=True)
            else:
                status = response.status_code
                if status < 400:
                    return response
                failure = error_from_response(response, self.secrets())
                if status == 429 or (status in (503, 504) and not action):
                    retry_after = parse_retry_after(response.headers.get("Retry-After"))
                elif action and (status >= 500 or status == 408):
                    raise self._unknown(what, f"server answered {failure.describe()}", failure) from None
                else:
                    self.stats.failures += 1
                    raise failure from None
            if retry_after is not None:
                remaining = s.retry_budget - (self._clock() - start)
                if retry_after > min(s.retry_after_cap, remaining):
                    self.stats.failures += 1
                    raise self._come_back_later(failure, retry_after) from None
            delay = self._backoff(attempt, retry_after)
            over_budget = self._clock() - start + delay > s.retry_budget
            if attempt >= s.max_attempts or over_budget:
                self.stats.failures += 1
                raise failure from None
            self.stats.retries += 1
            log.debug("%s: retrying in %.2f s after %s", what, delay, failure.describe())
            await self._sleep(delay)

    @staticmethod
    def _come_back_later(failure: BackendError, retry_after: float) -> BackendError:
        """``failure`` saying when the server will take requests again: it is not asked sooner."""
        at = datetime.now(UTC) + timedelta(seconds=retry_after)
        return type(failure)(
            f"{failure.message} (the server asks to wait {retry_after:.0f} s: try again after "
            f"{at:%H:%M:%S} UTC)",
            status=failure.status,
            code=failure.code,
            request_id=failure.request_id,
            retryable=failure.retryable,
            retry_after=retry_after,
        )

    def _host_port(self) -> str:
        """``host:port`` of the server, the port spelled out even when it is the scheme's default."""
        url = self.base_url
        port = url.port or {"https": 443, "http": 80}.get(url.scheme, "")
        host = f"[{url.host}]" if ":" in url.host else url.host
        return self.redact(f"{host}:{port}")

    def _unknown(self, what: str, reason: str, cause: BackendError | None = None) -> ActionOutcomeUnknown:
        self.stats.failures += 1
        return ActionOutcomeUnknown(
            f"{what}: {reason}. {_UNKNOWN_NOTE}",
            status=cause.status if cause else None,
            code=cause.code if cause else None,
            request_id=cause.request_id if cause else None,
        )
