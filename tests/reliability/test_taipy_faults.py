"""The Taipy adapter through the fault-injecting TCP listener, in front of the session's REAL Taipy server:
refused, reset mid-body, accepted but never answered, 202 forever, 401 (a proxy's token expired). Reads
fail with a typed error in words a person can act on, then recover; an action is sent exactly once and
its unknown outcome is said as such."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.reliability.support import MisbehavingServer
from tests.taipy.fixtures import Live
from tui.backends.http import HttpSettings
from tui.backends.taipy import TaipyBackend
from tui.errors import ActionOutcomeUnknown, AuthError, BackendError

pytestmark = [pytest.mark.anyio, pytest.mark.tcp]
SETTINGS = HttpSettings(rate=None, call_timeout=1.5, connect_timeout=2.0, poll_limit=2.0, max_attempts=2)


@pytest.fixture
async def bad(taipy_server: Live) -> AsyncIterator[MisbehavingServer]:
    server = MisbehavingServer()
    server.relay_to(taipy_server.url)
    await server.start()
    yield server
    await server.stop()


READ_FAULTS = {
    "reset-mid-body": ("reset", "connection failed"),
    "accept-never-answer": ("silent", "no answer in time"),
    "202-never-completes": ("accepted", "still in progress"),
    "401-token-expired": ("unauthorized", "HTTP 401"),
}


@pytest.mark.parametrize("fault", READ_FAULTS)
async def test_reads_fail_in_words_then_recover(
    fault: str, bad: MisbehavingServer, taipy_server: Live
) -> None:
    mode, words = READ_FAULTS[fault]
    backend = TaipyBackend.connect(bad.url, settings=SETTINGS)
    try:
        assert {t.name for t in await backend.list_tasks()} >= {"pipeline", "failing"}
        bad.mode = mode
        with pytest.raises(BackendError) as caught:
            await backend.get_graph(taipy_server.scenarios["failing"])
        assert words in caught.value.describe()
        bad.mode = "ok"
        runs = await backend.completed_runs(taipy_server.scenarios["failing"])
        assert runs and runs[-1].first_error_message == "RuntimeError: intentional failure for dagtop tests"
    finally:
        await backend.aclose()


async def test_refused_then_back(bad: MisbehavingServer, taipy_server: Live) -> None:
    backend = TaipyBackend.connect(bad.url, settings=SETTINGS)
    try:
        await bad.stop()
        with pytest.raises(BackendError, match="could not connect"):
            await backend.list_tasks()
        await bad.start()
        assert await backend.get_task(taipy_server.scenarios["pipeline"])
    finally:
        await backend.aclose()


@pytest.mark.parametrize("mode", ["reset", "silent", "accepted", "unauthorized"])
async def test_a_submit_is_sent_once(mode: str, bad: MisbehavingServer) -> None:
    """Submits go to an entity that does not exist, so whatever gets through changes nothing on the
    shared server: a 404 when relayed. What is checked is the one POST and how its fate is said."""
    backend = TaipyBackend.connect(bad.url, settings=SETTINGS)
    try:
        bad.mode = mode
        expected = AuthError if mode == "unauthorized" else ActionOutcomeUnknown
        with pytest.raises(expected):
            await backend.client.submit("scenarios", "SCENARIO_nope")
        assert [r for r in bad.requests if r[1] == "POST"] == [
            (mode, "POST", "/api/v1/scenarios/submit/SCENARIO_nope/")
        ]
    finally:
        await backend.aclose()
