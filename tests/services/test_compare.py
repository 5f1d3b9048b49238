"""Comparing a failed run with the last good one: which good run, and what counts as a change."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tui.domain import GraphRun, RunState
from tui.services.compare import TaskSide, _change, last_good, version_words

T0 = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


def run(run_id: str, state: RunState, start_min: int, took_min: int, version: int | None = None) -> GraphRun:
    start = T0 + timedelta(minutes=start_min)
    return GraphRun(
        graph="g",
        run_id=run_id,
        state=state,
        started_time=start,
        completed_time=start + timedelta(minutes=took_min),
        graph_version=version,
    )


def test_the_last_good_run_is_the_newest_success_that_ended_before_the_failure_began():
    failed = run("bad", RunState.FAILED, 60, 5)
    history = [
        run("after", RunState.SUCCEEDED, 70, 1),  # after the failure: not "before" it
        run("overlapping", RunState.SUCCEEDED, 58, 5),  # still going when the failure began
        run("good", RunState.SUCCEEDED, 40, 5),
        run("older", RunState.SUCCEEDED, 10, 5),
        run("failed-too", RunState.FAILED, 50, 1),
        failed,
    ]
    assert last_good(history, failed).run_id == "good"
    assert last_good([failed], failed) is None


def test_a_change_is_a_different_known_state_a_new_task_or_a_much_slower_one():
    m = lambda minutes: timedelta(minutes=minutes)  # noqa: E731
    ok = RunState.SUCCEEDED
    assert _change(TaskSide(RunState.FAILED), TaskSide(ok)) == "failed (was succeeded)"
    assert _change(TaskSide(RunState.NOT_RUN), TaskSide(ok)) == "did not run (was succeeded)"
    assert _change(TaskSide(RunState.UNKNOWN), TaskSide(ok)) == ""  # unknown is no evidence
    assert _change(TaskSide(ok), TaskSide(None)) == "new since the good run"
    assert _change(TaskSide(None), TaskSide(ok)) == "not in this run"
    assert _change(TaskSide(ok, m(10)), TaskSide(ok, m(4))) == "2.5x slower"
    assert (
        _change(TaskSide(ok, timedelta(seconds=20)), TaskSide(ok, timedelta(seconds=5))) == ""
    )  # 15 s: noise


def test_version_words_say_what_the_backend_knows():
    bad, good = run("b", RunState.FAILED, 60, 1, 7), run("g", RunState.SUCCEEDED, 0, 1, 6)
    assert version_words(bad, good) == "the graph changed between them: version 6 → 7"
    assert version_words(bad, run("g", RunState.SUCCEEDED, 0, 1, 7)).startswith("same graph version (7)")
    unversioned = run("g", RunState.SUCCEEDED, 0, 1)
    assert (
        version_words(bad, unversioned) == "this backend does not say which version of the graph a run used"
    )
