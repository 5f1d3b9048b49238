"""Fault injection: parsing, each fault in-process, and drop/hang over a real TCP socket."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from tui.sandbox import FaultConfig, SandboxConfig, SandboxServer, create_app
from tui.sandbox.faults import DroppedConnection

TASKS = "/api/v2/databases/ANALYTICS/schemas/PUBLIC/tasks"
AUTH = {"Authorization": "Bearer secret-token"}


def test_parse_spec():
    f = FaultConfig.parse("latency=0.1:2.0,429=0.05,retry_after=3,503=0.02,504=0.01,drop=0.01,"
                          "truncate=0.01,malformed=0.01,hang=0,seed=4")  # fmt: skip
    assert (f.latency_probability, f.latency_seconds, f.rate_limit_probability, f.retry_after) == (
        0.1,
        2.0,
        0.05,
        3,
    )
    assert (f.unavailable_probability, f.gateway_timeout_probability, f.drop_probability) == (
        0.02,
        0.01,
        0.01,
    )
    assert (f.truncate_probability, f.malformed_probability, f.hang_probability, f.seed) == (0.01, 0.01, 0, 4)
    assert FaultConfig.parse("retry_after=none").retry_after is None
    assert FaultConfig.parse("") == FaultConfig()
    for bad in ("nope=1", "429=2", "429", "latency=x"):
        with pytest.raises(ValueError):
            FaultConfig.parse(bad)


def test_parse_from_env(monkeypatch):
    monkeypatch.setenv("DAGTOP_SANDBOX_FAULTS", "503=0.5")
    assert FaultConfig.from_env().unavailable_probability == 0.5


def app_with(**faults):
    return create_app(SandboxConfig(token="secret-token", tasks=50, faults=FaultConfig(**faults)))


async def get(app, path=TASKS):
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sandbox", headers=AUTH) as c:
        return await c.get(path)


@pytest.mark.anyio
@pytest.mark.parametrize(("fault", "status"), [("unavailable", 503), ("gateway_timeout", 504)])
async def test_server_errors(fault, status):
    r = await get(app_with(**{f"{fault}_probability": 1.0}))
    assert r.status_code == status
    assert r.json()["request_id"] == r.headers["x-snowflake-request-id"]


@pytest.mark.anyio
async def test_rate_limit_with_and_without_retry_after():
    r = await get(app_with(rate_limit_probability=1.0, retry_after=3))
    assert r.status_code == 429 and r.headers["retry-after"] == "3"
    r = await get(app_with(rate_limit_probability=1.0, retry_after=None))
    assert r.status_code == 429 and "retry-after" not in r.headers


@pytest.mark.anyio
async def test_truncated_and_malformed_bodies():
    r = await get(app_with(truncate_probability=1.0))
    assert r.status_code == 200 and r.content.startswith(b"[{")
    with pytest.raises(json.JSONDecodeError):
        r.json()
    r = await get(app_with(malformed_probability=1.0))
    assert r.status_code == 200
    with pytest.raises(ValueError):
        json.loads(r.content)


@pytest.mark.anyio
async def test_latency_and_runtime_replacement():
    app = app_with(latency_probability=1.0, latency_seconds=0.05)
    assert (await get(app)).status_code == 200
    app.state.faults = FaultConfig(unavailable_probability=1.0)
    assert (await get(app)).status_code == 503
    app.state.faults.unavailable_probability = 0.0
    assert (await get(app)).status_code == 200
    assert [s for _, _, s in app.state.request_log] == [200, 503, 200]


@pytest.mark.anyio
async def test_faults_only_touch_the_api_and_follow_the_seed():
    app = app_with(unavailable_probability=1.0)
    assert (await get(app, "/healthz")).status_code == 404  # not /api/v2: no fault drawn
    a, b = app_with(unavailable_probability=0.5, seed=3), app_with(unavailable_probability=0.5, seed=3)
    codes_a = [(await get(a)).status_code for _ in range(12)]
    codes_b = [(await get(b)).status_code for _ in range(12)]
    assert codes_a == codes_b and {200, 503} == set(codes_a)


@pytest.mark.anyio
async def test_drop_in_process_raises():
    with pytest.raises(DroppedConnection):
        await get(app_with(drop_probability=1.0))


@pytest.mark.tcp
def test_drop_over_tcp_looks_like_a_broken_connection():
    config = SandboxConfig(token="secret-token", tasks=50, faults=FaultConfig(drop_probability=1.0))
    with SandboxServer(config) as server:
        with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
            httpx.get(server.url + TASKS, headers=AUTH, timeout=5)
        server.app.state.faults = FaultConfig()
        assert httpx.get(server.url + TASKS, headers=AUTH, timeout=5).status_code == 200
        # The server logs a request after its answer has gone out: wait (bounded) for the entry.
        deadline = time.monotonic() + 5
        while len(server.app.state.request_log) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert [s for _, _, s in server.app.state.request_log] == [0, 200]


@pytest.mark.tcp
def test_hang_over_tcp_never_answers():
    config = SandboxConfig(token="secret-token", tasks=50, faults=FaultConfig(hang_probability=1.0))
    with SandboxServer(config) as server:
        with pytest.raises(httpx.ReadTimeout):
            httpx.get(server.url + TASKS, headers=AUTH, timeout=0.5)
        server.app.state.faults = FaultConfig()
        r = httpx.get(server.url + TASKS, headers=AUTH, timeout=5)
        assert r.status_code == 200 and r.headers["x-snowflake-request-id"]


@pytest.mark.tcp
def test_real_tcp_round_trip_and_truncate():
    config = SandboxConfig(token="secret-token", tasks=50, faults=FaultConfig(truncate_probability=1.0))
    with SandboxServer(config) as server:
        r = httpx.get(server.url + TASKS, headers=AUTH, timeout=5)
        assert r.status_code == 200
        with pytest.raises(ValueError):
            r.json()
