"""Engine rules: determinism, laziness, runs on a manual clock, graph rules, retryLast, conditions, cron."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tui.sandbox import ManualClock, SandboxConfig, create_app
from tui.sandbox.cron import Cron, CronError
from tui.sandbox.errors import SandboxError

T0 = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
DB, SC = "ANALYTICS", "PUBLIC"


def make(tasks: int = 200, seed: int = 7):
    clock = ManualClock(T0)
    app = create_app(SandboxConfig(seed=seed, tasks=tasks), clock=clock)
    return app.state.sandbox, clock


def task(name: str, preds=(), **extra):
    return {"name": name, "definition": "select 1", "predecessors": list(preds), **extra}


def graph(sb, root="R", minutes=5, kids=("A", "B"), **root_extra):
    """A fresh suspended graph R -> A -> B, with its children started."""
    sched = {"schedule_type": "MINUTES_TYPE", "minutes": minutes}
    sb.create_task(DB, SC, task(root, schedule=sched, **root_extra))
    parent = root
    for kid in kids:
        sb.create_task(DB, SC, task(kid, [parent]))
        sb.resume(DB, SC, kid)
        parent = kid


def test_same_seed_same_account_and_runs():
    a, _ = make()
    b, _ = make()
    c, _ = make(seed=8)
    assert a.list_tasks(DB, SC) == b.list_tasks(DB, SC)
    assert a.list_tasks(DB, SC) != c.list_tasks(DB, SC)
    assert a.complete_graphs(DB, SC, "ORDERS_PIPELINE", 50) == b.complete_graphs(
        DB, SC, "ORDERS_PIPELINE", 50
    )


def test_generator_shapes_and_scopes():
    sb, _ = make()
    assert sb.scopes()[0] == ("ANALYTICS", "PUBLIC")
    assert len(sb.scopes()) >= 4
    total = sum(len(s.tasks) for s in sb.world.scopes.values())
    assert 200 <= total <= 230
    scope = sb.world.scopes[(DB, SC)]
    fan = scope.members("ORDERS_PIPELINE")
    assert len(fan) == 9 and scope.finalizer["ORDERS_PIPELINE"] == fan[-1]
    joins = [n for n in fan if len(scope.tasks[n].predecessors) > 1]
    assert joins, "a fan-in task waits for several predecessors"
    assert scope.tasks["LEGACY_EXPORT"].state == "suspended"
    standalone = [n for n in scope.tasks if scope.is_root(n) and len(scope.members(n)) == 1]
    assert standalone
    assert any(t.fail_probability > 0.05 for t in scope.tasks.values())


def test_lazy_start_at_50k_tasks_and_deep_history():
    sb, _ = make(tasks=50_000)
    assert sum(len(s.tasks) for s in sb.world.scopes.values()) >= 50_000
    assert sb._runtimes == {}, "no root is simulated before it is asked about"
    runs = sb.complete_graphs(DB, SC, "EVENTS_INGEST", 10_000)
    assert len(runs) == 10_000
    assert [r["run_id"] for r in runs] == sorted((r["run_id"] for r in runs), reverse=True)
    assert len(sb._runtimes) == 1
    assert sb.history_size() >= 1_000_000


def test_runs_progress_on_the_clock():
    sb, clock = make()
    graph(sb, minutes=5)
    sb.resume(DB, SC, "R")
    [upcoming] = sb.current_graphs(DB, SC, "R")
    assert upcoming["state"] == "SCHEDULED"
    assert upcoming["scheduled_time"] == "2026-01-05T12:05:00.000000+00:00"
    clock.advance(5 * 60 + 1)
    states = [r["state"] for r in sb.current_graphs(DB, SC, "R")]
    assert states == ["EXECUTING", "SCHEDULED"]
    clock.advance(4 * 60)
    [done] = sb.complete_graphs(DB, SC, "R")
    assert done["state"] == "SUCCEEDED" and done["completed_time"] > done["query_start_time"]
    assert done["run_id"] == int(datetime(2026, 1, 5, 12, 5, tzinfo=UTC).timestamp() * 1000)
    sb.suspend(DB, SC, "R")
    assert sb.current_graphs(DB, SC, "R") == []
    clock.advance(3600)
    assert len(sb.complete_graphs(DB, SC, "R")) == 1


def test_graph_changes_need_a_suspended_root():
    sb, _ = make()
    graph(sb)
    sb.resume(DB, SC, "R")
    with pytest.raises(SandboxError) as err:
        sb.create_task(DB, SC, task("C", ["B"]))
    assert err.value.status == 400 and err.value.code == "091421"
    assert "root task ANALYTICS.PUBLIC.R since that root task is not suspended" in err.value.message
    for action in (lambda: sb.suspend(DB, SC, "A"), lambda: sb.delete_task(DB, SC, "B")):
        with pytest.raises(SandboxError):
            action()
    version = sb.current_graphs(DB, SC, "R")[0]["graph_version"]
    sb.suspend(DB, SC, "R")
    sb.create_task(DB, SC, task("C", ["B"]))
    sb.resume(DB, SC, "R")
    assert sb.current_graphs(DB, SC, "R")[0]["graph_version"] == version + 1


def test_execute_only_roots_and_retry_last_rules():
    sb, clock = make()
    graph(sb)
    with pytest.raises(SandboxError) as err:
        sb.execute(DB, SC, "A")
    assert err.value.status == 400 and "root" in err.value.message
    sb.execute(DB, SC, "R")  # a suspended root can be executed
    assert sb.current_graphs(DB, SC, "R")[0]["state"] == "EXECUTING"
    clock.advance(600)
    assert sb.complete_graphs(DB, SC, "R")[0]["state"] == "SUCCEEDED"
    with pytest.raises(SandboxError) as err:
        sb.execute(DB, SC, "R", retry_last=True)
    assert err.value.status == 400 and "FAILED or CANCELLED" in err.value.message


def test_retry_last_reruns_only_the_failed_part():
    sb, clock = make()
    graph(sb, kids=("A", "B", "C"))
    scope = sb.world.scopes[(DB, SC)]
    scope.tasks["B"].fail_probability = 1.0
    sb.execute(DB, SC, "R")
    clock.advance(900)
    failed = sb.complete_graphs(DB, SC, "R")[0]
    assert failed["state"] == "FAILED" and failed["first_error_task_name"] == "B"
    assert isinstance(failed["first_error_code"], int) and failed["first_error_message"]
    scope.tasks["B"].fail_probability = 0.0
    sb.execute(DB, SC, "R", retry_last=True)
    rt = sb._runtimes[(DB, SC, "R")]
    run = rt.current
    assert run is not None
    # R and A kept their success: the retry starts at B, so it is shorter than R + A + B + C.
    full = sum(scope.tasks[n].base_seconds for n in ("B", "C")) * 1.4
    assert (run.end - run.start).total_seconds() <= full
    clock.advance(900)
    assert sb.complete_graphs(DB, SC, "R")[0]["state"] == "SUCCEEDED"


@pytest.mark.parametrize("condition", ["false", "1=0", "select false", "SELECT 1 = 0"])
def test_false_condition_skips_the_run(condition):
    sb, clock = make()
    graph(sb, condition=condition)
    sb.execute(DB, SC, "R")
    clock.advance(600)
    assert sb.complete_graphs(DB, SC, "R")[0]["state"] == "SKIPPED"


def test_suspended_child_and_its_dependents_are_skipped():
    sb, clock = make()
    graph(sb, kids=("A", "B"))
    scope = sb.world.scopes[(DB, SC)]
    scope.tasks["B"].fail_probability = 1.0
    sb.suspend(DB, SC, "A")
    sb.execute(DB, SC, "R")
    clock.advance(900)
    assert sb.complete_graphs(DB, SC, "R")[0]["state"] == "SUCCEEDED"  # B never ran, so never failed


def test_limits_and_cycles():
    sb, _ = make()
    graph(sb)
    with pytest.raises(SandboxError, match="cycle"):
        sb.put_task(DB, SC, "A", task("A", ["B"]))
    many = [f"P{i}" for i in range(101)]
    for name in many:
        sb.create_task(DB, SC, task(name))
    with pytest.raises(SandboxError, match="at most 100 predecessors"):
        sb.create_task(DB, SC, task("X", many))


def test_names_case_and_quoting():
    sb, _ = make()
    sb.create_task(DB, SC, task("lower_case"))
    sb.create_task(DB, SC, task('"My Task"'))
    assert sb.get_task(DB, SC, "LOWER_CASE")["name"] == "LOWER_CASE"
    assert sb.get_task("analytics", "public", '"My Task"')["name"] == '"My Task"'
    with pytest.raises(SandboxError) as err:
        sb.get_task(DB, SC, "my task")
    assert err.value.status == 400
    with pytest.raises(SandboxError) as err:
        sb.get_task(DB, SC, '"lower_case"')
    assert err.value.status == 404


def test_dependents_root_first_then_topological():
    sb, _ = make()
    graph(sb, kids=("A", "B"))
    sb.create_task(DB, SC, task("Z", ["R"]))
    names = [t["name"] for t in sb.dependents(DB, SC, "R")]
    assert names[0] == "R" and names.index("A") < names.index("B") and set(names) == {"R", "A", "B", "Z"}
    assert [t["name"] for t in sb.dependents(DB, SC, "R", recursive=False)] == ["R", "A", "Z"]


def test_cron_matcher():
    c = Cron("*/15 8-10 * * MON-FRI", "UTC")
    monday = datetime(2026, 1, 5, 7, 59, tzinfo=UTC)
    assert c.next_after(monday) == datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
    assert c.next_after(datetime(2026, 1, 5, 10, 45, tzinfo=UTC)) == datetime(2026, 1, 6, 8, 0, tzinfo=UTC)
    assert c.prev_before(datetime(2026, 1, 5, 8, 0, tzinfo=UTC)) == datetime(2026, 1, 2, 10, 45, tzinfo=UTC)
    ny = Cron("0 9 1,15 * *", "America/New_York")
    assert ny.next_after(monday) == datetime(2026, 1, 15, 14, 0, tzinfo=UTC)
    assert Cron("0 0 * * 7", "UTC").matches(datetime(2026, 1, 4, 0, 0, tzinfo=UTC))  # a Sunday
    for bad in ("* * * *", "61 * * * *", "*/0 * * * *", "5-1 * * * *"):
        with pytest.raises(CronError):
            Cron(bad)
    with pytest.raises(CronError):
        Cron("* * * * *", "Mars/Olympus")
