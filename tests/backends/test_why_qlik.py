"""`W` on Qlik Cloud: the explainer against the Qlik dialect of the sandbox over HTTP, every answer checked
against Qlik's published types; the chain's first task disabled through the real API (PUT enabled=false)."""

from __future__ import annotations

import pytest

from tests.support.harness_qlik import QlikRig, build_backend
from tui.backends.base import ExplainBackend
from tui.domain import Fact, TaskState
from tui.services.why import explain

pytestmark = pytest.mark.anyio


@pytest.fixture
def rig(qlik_rig: QlikRig) -> QlikRig:  # this file's rig is the Qlik one (conftest.py)
    return qlik_rig


def _with(facts: tuple[Fact, ...], words: str) -> Fact:
    found = [f for f in facts if words in f.text]
    assert len(found) == 1, [f.text for f in facts]
    return found[0]


async def test_a_disabled_first_task_stops_its_chain_and_says_its_disabled_code(rig: QlikRig) -> None:
    backend = rig.backend
    assert backend.capabilities.explain and isinstance(backend, ExplainBackend)
    tasks = await backend.list_tasks()
    by_key = {t.key: t for t in tasks}
    child = next(
        t
        for t in sorted(tasks, key=lambda t: t.name)
        if len(t.predecessors) == 1
        and t.predecessors[0] == t.root
        and by_key[t.root].state is TaskState.STARTED
        and t.state is TaskState.STARTED
    )
    root = by_key[child.root]
    await backend.suspend(root.key)

    said = await explain(backend, await backend.get_task(root.key))
    fact = _with(said.facts, "it is disabled (disabledCode MANUALLY: someone turned it off)")
    assert fact.blocking and fact.source.endswith("· enabled, metadata.disabledCode")
    assert said.verdict() == f"1 thing stops {root.name} from running (✗ below)."

    said = await explain(backend, await backend.get_task(child.key))
    fact = _with(said.facts, f"predecessor {root.name} is disabled (disabledCode MANUALLY")
    assert fact.blocking and "the events that would fire" in fact.text
    fires = _with(said.facts, f"it runs {child.condition}")
    assert "events[].correlation" in fires.source
    assert any(f.source == f"GET /api/v1/tasks/{root.key}/runs/last · status, endedAt" for f in said.facts)


async def test_an_enabled_scheduled_first_task_says_the_api_cannot_tell_its_next_time(rig: QlikRig) -> None:
    tasks = await rig.backend.list_tasks()
    root = next(t for t in tasks if t.is_root and t.state is TaskState.STARTED and t.schedule.describe())
    said = await explain(rig.backend, root)
    fact = _with(said.facts, "cannot tell from the API when it runs next: its schedule is")
    assert not fact.known and fact.source.endswith("· start.schedule")
    assert not said.blocking


async def test_every_disabled_code_the_tenant_uses_is_said_in_words() -> None:
    """A larger seeded tenant disables tasks for several reasons (by hand, an owner disabled, a load
    script changed): each reads in words, with the code as Qlik sent it."""
    from tui.backends.qlik.explain import DISABLED_WHY

    rig = build_backend(tasks=300, until_failure=False)
    try:
        tasks = await rig.backend.list_tasks()
        by_code = {t.state_reason: t for t in tasks if t.state is TaskState.SUSPENDED and t.state_reason}
        assert {"MANUALLY", "OWNER-DISABLED", "APP-SCRIPT-UPDATED"} <= set(by_code)
        for code, task in by_code.items():
            said = await explain(rig.backend, task)
            fact = _with(said.facts, f"it is disabled (disabledCode {code}")
            assert fact.blocking and fact.text.endswith(f"{DISABLED_WHY[code]})")
    finally:
        await rig.backend.aclose()
    assert not rig.checker.errors
