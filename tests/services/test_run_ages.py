"""How long a run has been in its state, and whether that is far past the usual: the rules, on domain
objects (what a backend returns), polled by hand on a clock the test moves."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tui.domain import GraphRun, RunState, TaskRun
from tui.services.run_ages import FAR_FLOOR, RunAges, percentile

T0 = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def job(state: RunState, raw: str, task: str = "double", run: str = "sub-1") -> TaskRun:
    """A Taipy-shaped job: no start or end times."""
    return TaskRun(task=task, graph_run=run, state=state, raw_state=raw)


def test_a_job_without_times_is_timed_from_the_transition_dagtop_saw():
    ages = RunAges()
    ages.observe_task_runs("sub-1", [job(RunState.QUEUED, "BLOCKED")], at(0))
    ages.observe_task_runs("sub-1", [job(RunState.EXECUTING, "RUNNING")], at(5))
    age = ages.task_run_age(job(RunState.EXECUTING, "RUNNING"), T0, at(65))
    assert age is not None and age.state == "RUNNING"
    assert age.elapsed == timedelta(seconds=60) and not age.at_least
    assert age.usual is None and not age.far_too_long  # nothing to compare with yet


def test_first_seen_already_running_is_a_lower_bound():
    ages = RunAges()
    ages.observe_task_runs("sub-1", [job(RunState.EXECUTING, "RUNNING")], at(0))
    age = ages.task_run_age(job(RunState.EXECUTING, "RUNNING"), T0, at(30))
    assert age is not None and age.at_least and age.elapsed == timedelta(seconds=30)


def test_observed_durations_become_the_usual_and_a_stuck_job_is_flagged():
    ages = RunAges()
    for n in range(5):  # five submissions, each seen blocked, then running 5 s, then completed
        run, start = f"sub-{n}", n * 100
        ages.observe_task_runs(run, [job(RunState.QUEUED, "BLOCKED", run=run)], at(start))
        ages.observe_task_runs(run, [job(RunState.EXECUTING, "RUNNING", run=run)], at(start + 1))
        ages.observe_task_runs(run, [job(RunState.SUCCEEDED, "COMPLETED", run=run)], at(start + 6))
    stuck = job(RunState.EXECUTING, "RUNNING", run="sub-9")
    ages.observe_task_runs("sub-9", [job(RunState.QUEUED, "BLOCKED", run="sub-9")], at(1000))
    ages.observe_task_runs("sub-9", [stuck], at(1001))
    short = ages.task_run_age(stuck, T0, at(1031))
    assert short is not None and short.usual == timedelta(seconds=5)
    assert not short.far_too_long  # 30 s: 6x the usual, but under a minute
    long = ages.task_run_age(stuck, T0, at(1001 + 14 * 60))
    assert long is not None and long.far_too_long and long.elapsed == timedelta(minutes=14)


def test_the_servers_times_win_and_a_run_that_left_the_current_list_is_a_sample():
    ages = RunAges()
    done = [
        GraphRun(
            graph="g", run_id=f"r{n}", state=RunState.SUCCEEDED, started_time=at(0), completed_time=at(10 + n)
        )
        for n in range(3)
    ]
    ages.observe_completed(done)
    ages.observe_completed(done)  # polled again: counted once
    assert ages.usual(("graph", "g")) == (timedelta(seconds=11), timedelta(seconds=12))
    running = GraphRun(graph="g", run_id="r9", state=RunState.EXECUTING, started_time=at(0))
    ages.observe_current("g", [running], at(0))
    age = ages.run_age(running, now=at(200), wall=at(5))  # the server's start time, on the data clock
    assert age is not None and age.elapsed == timedelta(seconds=200) and age.far_too_long
    # Without server times: a run seen starting, then gone from the current list, took that long.
    other = GraphRun(graph="h", run_id="x", state=RunState.QUEUED)
    ages.observe_current("h", [], at(0))
    ages.observe_current("h", [other], at(1))
    ages.observe_current("h", [other.model_copy(update={"state": RunState.EXECUTING})], at(2))
    ages.observe_current("h", [], at(9))
    assert ages.usual(("graph", "h")) == (timedelta(seconds=7), timedelta(seconds=7))


def test_a_full_list_says_nothing_about_runs_it_no_longer_shows():
    ages = RunAges()
    a = GraphRun(graph="g", run_id="a", state=RunState.EXECUTING)
    b = GraphRun(graph="g", run_id="b", state=RunState.EXECUTING)
    ages.observe_current("g", [a, b], at(0), limit=2)
    ages.observe_current("g", [b, a.model_copy(update={"run_id": "c"})], at(5), limit=2)
    assert ages.usual(("graph", "g")) is None
    assert ages.run_age(a, T0, at(9)) is not None  # still remembered since 0


def test_finished_runs_have_no_age_and_the_rule_needs_a_minute():
    ages = RunAges()
    assert ages.task_run_age(job(RunState.SUCCEEDED, "COMPLETED"), T0, at(0)) is None
    assert timedelta(minutes=1) == FAR_FLOOR
    assert percentile([5, 1, 3], 0.5) == 3 and percentile([1, 2, 3, 4, 100], 0.95) == 100
