"""The one HTTP policy every backend uses.

Timeouts, retries (reads freely, actions only where the server provably did not act), 202 polling,
pagination strategies, a client-side rate limit, typed errors and secret redaction. Backends only say
*what* to fetch; how to survive the network is decided here, once.
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
from datetime import UTC, datetime
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

    def filter(self, record: logging.LogRecord) -> bool:
        secrets = [secret for client in list(self.clients) for secret in client.secrets()]
        record.msg = redact(record.getMessage(), secrets)
        record.args = ()
        return True


_LOG_REDACTOR = _LogRedactor()
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
    retry_after_cap: float = 30.0  # a server asking for longer is not waited for
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
        return PageRequest(nxt) if nxt else None


class _ItemsUnderKey:
    """Pages whose items sit under one key of a JSON object."""

    items_key: str

    def items(self, body: Any) -> list[Any]:
        if not isinstance(body, dict):
            raise ProtocolError(f"expected a JSON object with {self.items_key!r}")
        return _as_list(body.get(self.items_key), f"under {self.items_key!r}")


class CursorLinkPagination(_ItemsUnderKey):
    """Bodies like ``{items_key: [...], "links": {"next": {"href": "..."}}}`` (a null href ends it)."""

    def __init__(self, items_key: str, href_path: tuple[str, ...] = ("links", "next", "href")) -> None:
        self.items_key = items_key
        self.href_path = href_path

    def first_params(self, params: dict[str, Any]) -> dict[str, Any]:
        return params

    def next_page(
        self, response: httpx.Response, body: Any, request: PageRequest, seen: int
    ) -> PageRequest | None:
        node: Any = body
        for key in self.href_path:
            node = node.get(key) if isinstance(node, dict) else None
        if node is None or node == "":
            return None
        if not isinstance(node, str):
            raise ProtocolError(f"next-page link is not a string: {type(node).__name__}")
        return PageRequest(node)


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
    ) -> None:
        """``verify``: TLS verification on (default), off (False), or a CA bundle path."""
        self.settings = s = settings or HttpSettings()
        self.base_url = httpx.URL(base_url)
        self._auth = auth
        self._sleep = sleep
        self._clock = clock
        self._rng = rng or random.Random()
        self._static_secrets = [x for x in secrets if x]
        self.on_request = on_request
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
        """A host-relative path for ``url``; anything pointing elsewhere is a protocol error."""
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
            return parsed.raw_path.decode("ascii")
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
            return min(retry_after, s.retry_after_cap)
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
                response = await client.request(method, url, params=params or None, json=json)
        except BaseException as exc:
            if isinstance(exc, Exception):
                self._event(RequestEvent(method, shown, None, attempt, type(exc).__name__))
            raise
        self.stats.by_status[response.status_code] = self.stats.by_status.get(response.status_code, 0) + 1
        self._event(RequestEvent(method, shown, response.status_code, attempt))
        return response

    def _event(self, event: RequestEvent) -> None:
        log.debug(
            "%s %s -> %s (attempt %d)", event.method, event.url, event.status or event.error, event.attempt
        )
        if self.on_request is not None:
            self.on_request(event)

    async def _exchange(
        self, method: str, url: str, params: dict[str, Any] | None, json: Any, *, action: bool
    ) -> httpx.Response:
        """One logical request under the retry policy; returns any response below 400 (202 included)."""
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
            delay = self._backoff(attempt, retry_after)
            over_budget = self._clock() - start + delay > s.retry_budget
            if attempt >= s.max_attempts or over_budget:
                self.stats.failures += 1
                raise failure from None
            self.stats.retries += 1
            log.debug("%s: retrying in %.2f s after %s", what, delay, failure.describe())
            await self._sleep(delay)

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
