"""Every Snowflake endpoint the backend reads or acts on, answered with fuzzed payloads (off-schema,
huge, deeply nested, wrongly typed, odd statuses and Link headers): a typed BackendError or a result,
never another exception. tests/backends fuzzes the two list parsers alone; this goes end to end through
HTTP, pagination and mapping. Then the console fed garbage keeps running."""

from __future__ import annotations

import json
import random
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.reliability.support import SIZE, build, settle, tick
from tui.backends.http import HttpSettings
from tui.backends.snowflake import SnowflakeBackend
from tui.errors import BackendError, ProtocolError

pytestmark = pytest.mark.anyio

_leaf = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False)
    | st.text(max_size=30)
    | st.sampled_from(["2024-06-18T01:01:01.1Z", "9999-99-99", "SCHEDULED", "FAILED", "started", '"Q"."N"'])
)
_json = st.recursive(
    _leaf,
    lambda kids: st.lists(kids, max_size=5) | st.dictionaries(st.text(max_size=12), kids, max_size=5),
    max_leaves=30,
)
_fields = st.sampled_from(
    [
        "name", "state", "predecessors", "schedule", "finalize", "database_name", "schema_name",
        "run_id", "root_task_name", "scheduled_time", "completed_time", "first_error_message",
        "first_error_code", "graph_version", "config", "status", "task_relations", "created_on",
    ]
)  # fmt: skip
_record = st.dictionaries(_fields, _json, max_size=8)
_body = st.one_of(
    _json,
    st.lists(_record, max_size=5),
    st.builds(lambda d: "[" * d + "]" * d, st.integers(1, 5000)).map(str.encode),  # deeply nested
    st.builds(lambda n: json.dumps([{"name": f"T{i}"} for i in range(n)]), st.integers(0, 3000)).map(
        str.encode
    ),  # huge
    st.binary(max_size=40),
)
_answer = st.tuples(
    st.sampled_from([200, 200, 200, 202, 204, 400, 401, 404, 409, 429, 500, 503]),
    _body,
    st.sampled_from([None, '</api/v2/x?page=1>; rel="next"', "<http://elsewhere/>; rel=next", "garbage"]),
)
METHODS = [
    ("list_tasks", ()),
    ("get_task", ("T",)),
    ("get_graph", ("T",)),
    ("current_runs", ("T",)),
    ("completed_runs", ("T",)),
    ("list_scopes", ()),
    ("execute", ("T",)),
    ("suspend", ("T",)),
]


def backend_answering(answers: list[tuple[int, Any, str | None]]) -> SnowflakeBackend:
    queue = list(answers)

    def handler(request: httpx.Request) -> httpx.Response:
        status, body, link = queue.pop(0) if len(queue) > 1 else queue[0]
        content = body if isinstance(body, bytes) else json.dumps(body).encode()
        headers = {"content-type": "application/json"}
        if link:
            headers["link"] = link
        if status == 202:
            headers["location"] = "/api/v2/results/h"
        return httpx.Response(status, content=content, headers=headers)

    async def no_sleep(_: float) -> None:
        return None

    clock = iter(range(0, 10**9, 7))
    return SnowflakeBackend.connect(
        "https://acct.example.com",
        None,
        "DB",
        "S",
        settings=HttpSettings(rate=None, max_attempts=2, max_pages=5, poll_limit=30),
        transport=httpx.MockTransport(handler),
        sleep=no_sleep,
        clock=lambda: float(next(clock)),
        rng=random.Random(0),
    )


# 100 examples over ~20 endpoints; the timeout is the hang guard's, raised: on a loaded machine (real
# servers starting beside it) the examples took 150 s.
@pytest.mark.timeout(300)
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(METHODS), st.lists(_answer, min_size=1, max_size=4))
async def test_every_endpoint_answers_fuzz_with_a_typed_error_or_a_result(method, answers) -> None:
    name, args = method
    backend = backend_answering(answers)
    try:
        await getattr(backend, name)(*args)
    except BackendError:
        pass
    finally:
        await backend.aclose()


@pytest.mark.parametrize("depth", [10_000, 200_000])
async def test_a_deeply_nested_body_is_a_protocol_error(depth: int) -> None:
    backend = backend_answering([(200, b"[" * depth + b"]" * depth, None)])
    with pytest.raises(ProtocolError, match="not JSON"):
        await backend.list_tasks()
    await backend.aclose()


class Garbage(httpx.AsyncBaseTransport):
    """Every answer replaced by the next fuzz body (statuses and bodies cycle)."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.answers: list[tuple[int, bytes]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if not self.answers:
            return await self.inner.handle_async_request(request)
        status, body = self.answers.pop(0)
        self.answers.append((status, body))
        return httpx.Response(status, content=body, headers={"content-type": "application/json"})


async def test_the_console_fed_garbage_never_freezes_or_crashes() -> None:
    rng = random.Random(3)
    samples = [
        b"[" * 50_000 + b"]" * 50_000,
        json.dumps([{"name": 5, "state": {"x": []}}] * 3).encode(),
        json.dumps({"name": "T", "predecessors": "nope"}).encode(),
        json.dumps([{"name": f"T{i}", "predecessors": [f"T{i + 1}"]} for i in range(2000)]).encode(),
        b"\xff\xfe\x00",
        b'[{"name": "A", "finalize": "A", "predecessors": ["A"]}]',
    ]
    rig = build(wrap=Garbage)
    app = rig.app
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        garbage = rig.backend.client.http._client._transport
        for screen_keys in ([], ["enter"], ["t"], ["4"]):
            garbage.answers = []
            await pilot.press(*screen_keys)
            await settle(pilot)
            for _ in range(3):
                garbage.answers = [(rng.choice([200, 200, 202, 500]), rng.choice(samples)) for _ in range(3)]
                await tick(rig.clock, pilot)
                assert app.is_running
            await pilot.press("question_mark", "escape", "j", "k")
            assert app.is_running
            garbage.answers = []
            await tick(rig.clock, pilot)
            assert not app.screen.freshness.stale, type(app.screen).__name__
            await pilot.press("escape")
            await settle(pilot)
