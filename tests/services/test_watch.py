"""The watch list and the events a poll's graph statuses bring (services/watch.py): pure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tui.domain import GraphRun, RunState
from tui.services.snapshots import GraphStatus
from tui.services.watch import EventKind, Watcher, WatchTarget

T0 = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
ROOT = "DB.S.LOAD"


def run(run_id: str, state: RunState, minute: int = 0, **extra) -> GraphRun:
    end = T0 + timedelta(minutes=minute) if state.is_finished else None
    return GraphRun(graph=ROOT, run_id=run_id, state=state, completed_time=end, **extra)


def status(last: GraphRun | None = None, current: GraphRun | None = None, next_time=None) -> GraphStatus:
    return GraphStatus(last, current, next_time)


def graph_watcher() -> Watcher:
    watcher = Watcher()
    watcher.watch(WatchTarget.graph("prod", "DB.S", ROOT), "LOAD")
    return watcher


def test_the_first_status_is_a_baseline_then_each_new_run_is_told_by_its_outcome():
    watcher = graph_watcher()
    # An old failure when the watch begins: nothing to tell.
    assert watcher.observe("prod", "DB.S", {ROOT: status(run("1", RunState.FAILED))}, T0) == []
    failed = run("2", RunState.FAILED, 1, first_error_task="DB.S.STEP", first_error_message="boom\nline 2")
    [event] = watcher.observe("prod", "DB.S", {ROOT: status(failed)}, T0)
    assert (event.kind, event.name, event.run_id, event.error_task, event.error) == (
        EventKind.FAILED, "LOAD", "2", "STEP", "boom",
    )  # fmt: skip
    [event] = watcher.observe("prod", "DB.S", {ROOT: status(run("3", RunState.SUCCEEDED, 2))}, T0)
    assert event.kind is EventKind.SUCCEEDED
    [event] = watcher.observe("prod", "DB.S", {ROOT: status(run("4", RunState.SKIPPED, 3))}, T0)
    assert event.kind is EventKind.FINISHED
    # The same run seen again (another poll, another screen): nothing new.
    assert watcher.observe("prod", "DB.S", {ROOT: status(run("4", RunState.SKIPPED, 3))}, T0) == []


def test_an_older_answer_from_a_slower_poll_is_no_news_and_does_not_replace_the_newer():
    watcher = graph_watcher()
    watcher.observe("prod", "DB.S", {ROOT: status(run("1", RunState.SUCCEEDED, 0))}, T0)
    assert len(watcher.observe("prod", "DB.S", {ROOT: status(run("2", RunState.FAILED, 5))}, T0)) == 1
    assert watcher.observe("prod", "DB.S", {ROOT: status(run("1", RunState.SUCCEEDED, 0))}, T0) == []
    assert watcher.observe("prod", "DB.S", {ROOT: status(run("2", RunState.FAILED, 5))}, T0) == []


def test_overdue_is_told_once_per_scheduled_time_and_not_while_a_run_executes():
    watcher = graph_watcher()
    due = T0
    watcher.observe("prod", "DB.S", {ROOT: status(next_time=due)}, T0 - timedelta(minutes=5))
    later = T0 + timedelta(minutes=2)
    executing = run("9", RunState.EXECUTING)
    assert watcher.observe("prod", "DB.S", {ROOT: status(current=executing, next_time=due)}, later) == []
    [event] = watcher.observe("prod", "DB.S", {ROOT: status(next_time=due)}, later)
    assert (event.kind, event.when) == (EventKind.OVERDUE, due)
    assert watcher.observe("prod", "DB.S", {ROOT: status(next_time=due)}, later + timedelta(minutes=1)) == []
    # Within the grace a late start is normal: not overdue.
    soon = T0 + timedelta(hours=1)
    assert watcher.observe("prod", "DB.S", {ROOT: status(next_time=soon)}, soon + timedelta(seconds=30)) == []


def test_a_watched_run_is_told_once_when_it_finishes_then_forgotten():
    watcher = Watcher()
    target = WatchTarget.run("prod", "DB.S", ROOT, "7")
    watcher.watch(target, "LOAD")
    going = status(run("6", RunState.SUCCEEDED), current=run("7", RunState.EXECUTING))
    assert watcher.observe("prod", "DB.S", {ROOT: going}, T0) == []
    [event] = watcher.observe("prod", "DB.S", {ROOT: status(run("7", RunState.FAILED, 4))}, T0)
    assert (event.kind, event.run_id, event.state) == (EventKind.FINISHED, "7", "FAILED")
    assert not watcher.is_watching(target)
    # From a run's detail, which polls that run itself:
    watcher.watch(target, "LOAD")
    assert watcher.observe_run("prod", "DB.S", run("7", RunState.EXECUTING)) == []
    [event] = watcher.observe_run("prod", "DB.S", run("7", RunState.SUCCEEDED, 4))
    assert event.kind is EventKind.FINISHED and not watcher.is_watching(target)


def test_a_profile_watch_tells_new_failures_in_any_graph_of_it_only():
    watcher = Watcher()
    watcher.watch(WatchTarget.whole_profile("prod"))
    other = "DB.T.OTHER"
    first = {ROOT: status(run("1", RunState.SUCCEEDED)), other: status(None)}
    assert watcher.observe("prod", "DB.S", first, T0) == []
    assert watcher.observe("test", "DB.S", {ROOT: status(run("2", RunState.FAILED, 1))}, T0) == []
    [event] = watcher.observe("prod", "DB.S", {ROOT: status(run("2", RunState.FAILED, 1))}, T0)
    assert (event.kind, event.profile, event.name) == (EventKind.FAILED, "prod", "LOAD")
    assert watcher.observe("prod", "DB.S", {ROOT: status(run("3", RunState.SUCCEEDED, 2))}, T0) == []


def test_toggle_and_what_a_sweep_checks_every_poll():
    watcher = Watcher()
    target = WatchTarget.graph("prod", "DB.S", ROOT)
    assert watcher.toggle(target, "LOAD") and watcher.roots("prod", "DB.S") == [ROOT]
    assert watcher.roots("prod", "DB.T") == [] and not watcher.wants("other", "DB.S")
    assert target.kind == "graph" and WatchTarget.whole_profile("prod").kind == "profile"
    assert not watcher.toggle(target) and watcher.roots("prod", "DB.S") == []
    # Nothing watched there: a poll costs nothing.
    assert watcher.observe("prod", "DB.S", {ROOT: status(run("1", RunState.FAILED))}, T0) == []


def test_a_graph_and_a_profile_watch_seeing_one_failure_give_one_event():
    watcher = graph_watcher()
    watcher.watch(WatchTarget.whole_profile("prod"))
    watcher.observe("prod", "DB.S", {ROOT: status(None)}, T0)
    assert len(watcher.observe("prod", "DB.S", {ROOT: status(run("2", RunState.FAILED, 1))}, T0)) == 1


def test_watching_again_starts_from_now_not_from_what_the_earlier_watch_saw():
    watcher = graph_watcher()
    target = WatchTarget.graph("prod", "DB.S", ROOT)
    watcher.observe("prod", "DB.S", {ROOT: status(run("1", RunState.SUCCEEDED))}, T0)
    watcher.unwatch(target)
    watcher.watch(target, "LOAD")  # meanwhile run 2 failed: that is not news to this watch
    assert watcher.observe("prod", "DB.S", {ROOT: status(run("2", RunState.FAILED, 1))}, T0) == []
    watcher.unwatch(target)
    watcher.watch(target, "LOAD", baseline=status(run("2", RunState.FAILED, 1)))
    [event] = watcher.observe("prod", "DB.S", {ROOT: status(run("3", RunState.FAILED, 2))}, T0)
    assert event.run_id == "3"
