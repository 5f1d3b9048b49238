"""The shared HTTP policy against a scripted transport: retries, actions, 202, errors, redaction."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import anyio
import httpx
import pytest

from tests.backends.fakes import BASE, TOKEN, FakeTime, Script, json_response, make_client
from tui.backends.auth import BearerAuth
from tui.backends.http import TokenBucket, error_from_response, parse_retry_after, redact
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

pytestmark = pytest.mark.anyio

OK = json_response(200, [{"name": "A"}])


# ------------------------------------------------------------------------------------------ reads


async def test_read_retried_on_503_then_succeeds() -> None:
    script = Script(json_response(503, {"message": "busy"}), OK)
    client, fake = make_client(script)
    assert await client.get_json("/x") == [{"name": "A"}]
    assert script.count == 2
    assert len(fake.sleeps) == 1 and 0 <= fake.sleeps[0] <= 0.5  # full jitter under the first cap
    assert client.stats.retries == 1


@pytest.mark.parametrize(
    "failure",
    [
        httpx.ConnectError("refused"),
        httpx.ReadTimeout("slow"),
        httpx.RemoteProtocolError("dropped"),
        json_response(504, {}),
        json_response(429, {}),
    ],
    ids=["connect", "read-timeout", "dropped", "504", "429"],
)
async def test_each_retryable_read_failure_is_retried(failure: object) -> None:
    script = Script(failure, OK)
    client, _ = make_client(script)
    assert await client.get_json("/x") == [{"name": "A"}]
    assert script.count == 2


async def test_read_gives_up_after_max_attempts_with_growing_capped_backoff() -> None:
    script = Script(json_response(504, {"code": "1", "message": "gateway"}))
    client, fake = make_client(script, max_attempts=5, backoff_base=1.0, backoff_cap=3.0)
    with pytest.raises(TransportError) as info:
        await client.get_json("/x")
    assert script.count == 5
    assert info.value.status == 504 and info.value.message == "gateway"
    caps = [1.0, 2.0, 3.0, 3.0]
    assert len(fake.sleeps) == 4
    assert all(0 <= slept <= cap for slept, cap in zip(fake.sleeps, caps, strict=True))


async def test_retry_after_seconds_is_honoured() -> None:
    script = Script(json_response(429, {}, **{"Retry-After": "7"}), OK)
    client, fake = make_client(script)
    await client.get_json("/x")
    assert fake.sleeps == [7.0]


@pytest.mark.parametrize(
    ("status", "kind", "settings"),
    [
        (503, TransportError, {"retry_after_cap": 12.0, "retry_budget": 100.0}),  # over the cap
        (429, RateLimitedError, {"retry_after_cap": 12.0, "retry_budget": 100.0}),
        (429, RateLimitedError, {"retry_budget": 10.0}),  # under the cap, over the budget
    ],
)
async def test_a_longer_retry_after_is_never_cut_short_but_given_up_on_naming_when(
    status: int, kind: type[BackendError], settings: dict[str, float]
) -> None:
    wait = "9999" if status == 503 or "retry_after_cap" in settings else "20"
    script = Script(json_response(status, {"message": "slow down"}, **{"Retry-After": wait}), OK)
    client, fake = make_client(script, **settings)
    before = datetime.now(UTC)
    with pytest.raises(kind) as info:
        await client.get_json("/x")
    after = datetime.now(UTC)
    assert script.count == 1 and fake.sleeps == []  # not retried sooner than asked: not retried at all
    error = info.value
    assert error.status == status and error.retry_after == float(wait)
    said, zone = error.message.split("try again after ")[1].split()[:2]  # an absolute clock time
    assert zone.startswith("UTC")
    said_time = datetime.strptime(said, "%H:%M:%S").time()
    earliest = before + timedelta(seconds=float(wait) - 1)
    latest = after + timedelta(seconds=float(wait))
    days = {earliest.date(), latest.date()}
    assert any(earliest <= datetime.combine(day, said_time, UTC) <= latest for day in days)


async def test_an_action_refused_with_a_long_retry_after_is_not_resent() -> None:
    script = Script(json_response(429, {"message": "too many"}, **{"Retry-After": "600"}), OK)
    client, fake = make_client(script)
    with pytest.raises(RateLimitedError) as info:
        await client.send_action("POST", "/t:execute")
    assert script.count == 1 and fake.sleeps == []
    assert "try again after" in info.value.message


async def test_an_action_refused_with_a_short_retry_after_is_resent_after_it() -> None:
    script = Script(json_response(429, {}, **{"Retry-After": "3"}), OK)
    client, fake = make_client(script)
    await client.send_action("POST", "/t:execute")
    assert script.count == 2 and fake.sleeps == [3.0]


async def test_429_after_all_attempts_is_rate_limited() -> None:
    script = Script(json_response(429, {"code": "390411", "message": "too many"}))
    client, _ = make_client(script)
    with pytest.raises(RateLimitedError):
        await client.get_json("/x")
    assert script.count == 4


async def test_non_retryable_status_is_raised_at_once() -> None:
    script = Script(json_response(400, {"code": "x", "message": "bad"}))
    client, _ = make_client(script)
    with pytest.raises(BackendError) as info:
        await client.get_json("/x")
    assert script.count == 1 and info.value.status == 400


def test_parse_retry_after_http_date() -> None:
    now = datetime(2026, 1, 5, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("Mon, 05 Jan 2026 12:00:30 GMT", now) == 30.0
    assert parse_retry_after("Mon, 05 Jan 2026 11:00:00 GMT", now) == 0.0
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after(None) is None
    assert parse_retry_after(" 2.5 ") == 2.5


async def test_call_timeout_bounds_one_exchange() -> None:
    async def hang(request: httpx.Request) -> httpx.Response:
        await anyio.sleep(30)
        return OK

    client, _ = make_client(hang, call_timeout=0.05, max_attempts=2)
    with pytest.raises(TransportError, match="no answer in time"):
        await client.get_json("/x")


# ------------------------------------------------------------------------------------------ actions


@pytest.mark.parametrize(
    "failure",
    [
        json_response(503, {"message": "unavailable"}),
        json_response(504, {"message": "gateway"}),
        json_response(500, {"code": "000001", "message": "internal"}),
        httpx.ReadTimeout("slow"),
        httpx.RemoteProtocolError("Server disconnected without sending a response."),
        httpx.ReadError("reset"),
    ],
    ids=["503", "504", "500", "read-timeout", "dropped", "reset"],
)
async def test_action_failure_after_sending_is_never_resent(failure: object) -> None:
    script = Script(failure, json_response(200, {"status": "ok"}))
    client, fake = make_client(script)
    with pytest.raises(ActionOutcomeUnknown) as info:
        await client.send_action("POST", "/t:execute")
    assert script.count == 1
    assert fake.sleeps == []
    assert "may or may not have happened" in str(info.value)
    assert "check the runs" in str(info.value)


async def test_action_500_carries_server_details() -> None:
    response = json_response(
        500, {"code": "000001", "message": "internal"}, **{"X-Snowflake-Request-ID": "r-1"}
    )
    client, _ = make_client(Script(response))
    with pytest.raises(ActionOutcomeUnknown) as info:
        await client.send_action("POST", "/t:execute")
    assert (info.value.status, info.value.code, info.value.request_id) == (500, "000001", "r-1")


@pytest.mark.parametrize(
    "failure",
    [json_response(429, {}), httpx.ConnectError("refused"), httpx.ConnectTimeout("no route")],
    ids=["429", "refused", "connect-timeout"],
)
async def test_action_is_resent_only_when_the_server_provably_did_not_act(failure: object) -> None:
    script = Script(failure, json_response(200, {"status": "executed"}))
    client, _ = make_client(script)
    assert await client.send_action("POST", "/t:execute") == {"status": "executed"}
    assert script.count == 2


@pytest.mark.parametrize(
    ("status", "kind"),
    [(401, AuthError), (403, AuthError), (404, NotFoundError), (409, ConflictError), (400, BackendError)],
)
async def test_action_refusals_are_typed_not_unknown(status: int, kind: type[BackendError]) -> None:
    script = Script(json_response(status, {"code": "c", "message": "no"}))
    client, _ = make_client(script)
    with pytest.raises(kind) as info:
        await client.send_action("POST", "/t:suspend")
    assert not isinstance(info.value, ActionOutcomeUnknown)
    assert script.count == 1


# ------------------------------------------------------------------------------------------ 202


async def test_202_location_is_polled_until_done() -> None:
    accepted = json_response(202, {"code": "392604", "message": "in progress"}, Location="/api/v2/results/h1")
    script = Script(accepted, accepted, accepted, json_response(200, {"status": "done"}))
    client, fake = make_client(script, poll_base=0.2, poll_growth=1.3)
    assert await client.send_action("POST", "/t:execute", {"asyncExec": "true"}) == {"status": "done"}
    assert [r.method for r in script.requests] == ["POST", "GET", "GET", "GET"]
    assert {r.url.path for r in script.requests[1:]} == {"/api/v2/results/h1"}
    assert len(fake.sleeps) == 3
    assert all(0.1 <= s <= 0.2 * 1.3**i for i, s in enumerate(fake.sleeps))


async def test_202_with_only_a_result_handler_body() -> None:
    accepted = json_response(202, {"code": "392604", "resultHandler": "abc"})
    script = Script(accepted, OK)
    client, _ = make_client(script)
    assert await client.get_json("/x") == [{"name": "A"}]
    assert script.requests[1].url.path == "/api/v2/results/abc"


async def test_202_same_host_absolute_location_is_accepted() -> None:
    script = Script(json_response(202, {}, Location=f"{BASE}/api/v2/results/h2"), OK)
    client, _ = make_client(script)
    await client.get_json("/x")
    assert script.requests[1].url == httpx.URL(f"{BASE}/api/v2/results/h2")


@pytest.mark.parametrize(
    "location",
    [
        "https://evil.example.net/api/v2/results/h",
        "//evil.example.net/x",
        "https://acct.example.com:8443/x",
        "http://acct.example.com/x",
    ],
)
async def test_202_location_elsewhere_is_a_protocol_error(location: str) -> None:
    script = Script(json_response(202, {}, Location=location), OK)
    client, _ = make_client(script)
    with pytest.raises(ProtocolError):
        await client.get_json("/x")
    assert script.count == 1


async def test_202_that_never_finishes_stops_at_the_poll_limit() -> None:
    script = Script(json_response(202, {}, Location="/api/v2/results/slow"))
    client, fake = make_client(script, poll_limit=10.0, poll_cap=2.0)
    with pytest.raises(TransportError, match="still in progress server-side"):
        await client.get_json("/x")
    assert sum(fake.sleeps) <= 10.0
    assert script.count > 3


async def test_large_result_set_handle_is_fetched() -> None:
    big = json_response(200, {"result_handler": "rh-9", "message": "Large result set."})
    script = Script(big, OK)
    client, _ = make_client(script)
    assert await client.get_all("/x") == [{"name": "A"}]
    assert script.requests[1].url.path == "/api/v2/results/rh-9"


# ------------------------------------------------------------------------------------------ errors


async def test_error_carries_code_message_and_request_id() -> None:
    body = {"code": "390189", "error_code": "390189", "message": "Compilation error!"}
    script = Script(json_response(404, body, **{"X-Snowflake-Request-ID": "req-42"}))
    client, _ = make_client(script)
    with pytest.raises(NotFoundError) as info:
        await client.get_json("/x")
    err = info.value
    assert (err.status, err.code, err.message, err.request_id) == (
        404,
        "390189",
        "Compilation error!",
        "req-42",
    )
    assert err.describe() == "HTTP 404 code 390189: Compilation error! (request id req-42)"


def test_request_id_falls_back_to_the_body_and_text_is_truncated() -> None:
    r1 = httpx.Response(409, json={"message": "exists", "request_id": "body-id"})
    assert error_from_response(r1).request_id == "body-id"
    r2 = httpx.Response(502, text="<html>" + "x" * 1000)
    err = error_from_response(r2)
    assert err.message.startswith("<html>") and len(err.message) <= 303 and err.message.endswith("...")


async def test_a_200_that_is_not_json_is_a_protocol_error() -> None:
    client, _ = make_client(Script(httpx.Response(200, text="<html>oops")))
    with pytest.raises(ProtocolError, match="not JSON"):
        await client.get_json("/x")


# ------------------------------------------------------------------------------------------ redaction


def test_redact_masks_secrets_query_credentials_and_auth_headers() -> None:
    text = (
        f"GET https://u:pw@h/x?access_token=abc123&page=2&password=hunter2 "
        f'Authorization: Bearer eyJhbGciOi.x.y body {TOKEN} Snowflake Token="s3ss10n"'
    )
    out = redact(text, [TOKEN])
    for secret in ("abc123", "hunter2", "eyJhbGciOi", TOKEN, "s3ss10n", "u:pw"):
        assert secret not in out
    assert "page=2" in out


async def test_token_never_appears_in_errors_logs_or_reprs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    echo = json_response(401, {"code": "390303", "message": f"Invalid OAuth access token {TOKEN}"})
    script = Script(echo, httpx.ConnectError(f"refused with Bearer {TOKEN}"))
    client, _ = make_client(script, max_attempts=2)
    errors = []
    for _ in range(2):
        with pytest.raises(BackendError) as info:
            await client.get_json(f"/x?token={TOKEN}")
        errors.append(info.value)
    assert isinstance(errors[0], AuthError)
    assert isinstance(errors[1], TransportError)
    texts = [str(e) for e in errors] + [repr(e) for e in errors] + [e.describe() for e in errors]
    texts += [repr(client), repr(BearerAuth(TOKEN)), caplog.text]
    for text in texts:
        assert TOKEN not in text
    assert "Invalid OAuth access token ***" in errors[0].message


# ------------------------------------------------------------------------------------------ rate limit


async def test_token_bucket_allows_a_burst_then_paces() -> None:
    fake = FakeTime()
    bucket = TokenBucket(rate=2.0, burst=3, clock=fake.clock, sleep=fake.sleep)
    for _ in range(3):
        await bucket.acquire()
    assert fake.sleeps == []
    await bucket.acquire()
    await bucket.acquire()
    assert fake.sleeps == [0.5, 0.5]


async def test_rate_limiter_is_applied_to_reads_and_actions() -> None:
    script = Script(json_response(200, {"status": "ok"}))
    client, fake = make_client(script, rate=1.0, burst=1)
    await client.get_json("/x")
    await client.send_action("POST", "/t:resume")
    await client.get_json("/x")
    assert fake.sleeps == [1.0, 1.0]


async def test_on_request_hook_and_counters() -> None:
    events = []
    script = Script(json_response(503, {}), OK)
    client, _ = make_client(script)
    client.on_request = events.append
    await client.get_json("/x")
    assert [(e.method, e.status, e.attempt) for e in events] == [("GET", 503, 1), ("GET", 200, 2)]
    assert client.stats.requests == 2 and client.stats.by_status == {503: 1, 200: 1}


def test_structured_error_detail_is_kept_verbatim_as_json() -> None:
    # FastAPI (Airflow 3) answers validation errors with a list under "detail".
    detail = [{"type": "missing", "loc": ["body", "logical_date"], "msg": "Field required", "input": {}}]
    err = error_from_response(httpx.Response(422, json={"detail": detail}))
    assert type(err) is BackendError
    assert err.status == 422
    assert '"loc": ["body", "logical_date"]' in err.message
    assert '"msg": "Field required"' in err.message
