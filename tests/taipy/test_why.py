"""`W` on the real Taipy REST server: a scenario has no schedule (it runs only when submitted), a job
BLOCKED names the data node it waits for and the task that writes it, an ABANDONED one says why.

On a scenario of its own (``actions``: prep -> a -> slow -> b -> last -> c), so the session's shared
pipeline and failing runs stay as the other tests read them.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import pytest

from tests.taipy.fixtures import Live
from tui.backends.base import ExplainBackend
from tui.backends.taipy import TaipyBackend
from tui.domain import Fact
from tui.services.why import explain

pytestmark = pytest.mark.anyio


@pytest.fixture
async def backend(live: Live) -> AsyncIterator[TaipyBackend]:
    backend = TaipyBackend.connect(live.url, list_ttl=0)
    try:
        yield backend
    finally:
        await backend.aclose()


def _with(facts: tuple[Fact, ...], words: str) -> Fact:
    found = [f for f in facts if words in f.text]
    assert len(found) == 1, [f.text for f in facts]
    return found[0]


async def test_a_blocked_job_names_the_data_node_it_waits_for(live: Live, backend: TaipyBackend) -> None:
    assert backend.capabilities.explain and isinstance(backend, ExplainBackend)
    root = live.server.create_scenario("actions")
    scenario = await backend.get_task(root)
    graph = await backend.get_graph(root)
    last = next(t for t in graph.tasks.values() if t.name == "last")

    said = await explain(backend, scenario)
    fact = _with(said.facts, "Taipy has no schedule: this scenario runs only when submitted (x)")
    assert fact.blocking
    # Taipy's jobs name their task's config, not their scenario: on the session's shared server another
    # test may have run an "actions" scenario already, and its jobs are the ones the server lists.
    before = [f for f in said.facts if f.text.startswith(("task last never ran", "task last last ended"))]
    assert len(before) == 1 and before[0].source.startswith("GET /api/v1/jobs"), [f.text for f in said.facts]

    await backend.execute(root)
    deadline = time.monotonic() + 30  # bounded wait for a state, not a timing assertion
    while True:
        said = await explain(backend, last)
        blocked = [f for f in said.facts if "is BLOCKED" in f.text]
        if blocked or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    # slow writes b: b is "being written" while slow runs (Taipy locks it), "never written" before.
    fact = _with(said.facts, "it is BLOCKED: it waits for data node b, which ")
    assert fact.text.endswith((" is being written (by slow)", " was never written (by slow)"))
    assert fact.blocking and "GET /api/v1/datanodes · last_edit_date" in fact.source
    assert said.verdict() == "1 thing stops last from running (✗ below)."
    live.server.wait_jobs()
    said = await explain(backend, last)
    assert not said.blocking
    assert _with(said.facts, "it last ended COMPLETED").when is not None


async def test_an_abandoned_job_says_a_job_before_it_failed(live: Live, backend: TaipyBackend) -> None:
    root = live.scenarios["failing"]
    graph = await backend.get_graph(root)
    after = next(t for t in graph.tasks.values() if t.name == "after")
    said = await explain(backend, after)
    fact = _with(said.facts, "it was ABANDONED in its latest submission: a job before it failed")
    assert fact.blocking
