"""The default account makes a lively demo: something runs most minutes and there are failures to read."""

from __future__ import annotations

from datetime import UTC, datetime

from tui.sandbox import ManualClock, SandboxConfig, create_app
from tui.sandbox.generator import generate


def test_generation_is_deterministic_and_scales():
    t0 = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
    a, b = generate(7, 500, None, t0), generate(7, 500, None, t0)
    assert {k: sorted(s.tasks) for k, s in a.scopes.items()} == {
        k: sorted(s.tasks) for k, s in b.scopes.items()
    }
    sized = generate(7, 100, 10, t0)
    roots = [n for s in sized.scopes.values() for n in s.tasks if s.is_root(n)]
    assert len(roots) == 10


def test_default_demo_is_lively():
    clock = ManualClock(datetime(2026, 1, 5, 12, 0, tzinfo=UTC))
    sb = create_app(SandboxConfig(), clock=clock).state.sandbox
    busy = 0
    for _ in range(20):
        clock.advance(60)
        states = [
            r["state"]
            for db, sc in sb.scopes()
            for t in sb.list_tasks(db, sc, root_only=True)
            for r in sb.current_graphs(db, sc, t["name"])
        ]
        busy += "EXECUTING" in states
    assert busy >= 15
    recent = sb.complete_graphs("ANALYTICS", "PUBLIC", "CUSTOMER_360", 20, error_only=True)
    assert recent and recent[0]["first_error_message"]
