"""The inbox's rules, on domain objects: which graphs are problems, in which order, and acknowledgements."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from tui.domain import GraphRun, RunState, Schedule, Task, TaskState
from tui.services.inbox.acks import AckStore
from tui.services.inbox.detect import find_problems, long_threshold, p95
from tui.services.inbox.problems import ProblemKind, Where, ranked
from tui.services.snapshots import GraphStatus

NOW = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
HERE = Where("prod", "snowflake", production=True, scope="DB.S")


def root(name: str, **fields) -> Task:
    return Task(key=f"DB.S.{name}", name=name, root=f"DB.S.{name}", scope="DB.S", **fields)


def run(
    name: str, state: RunState, *, started: timedelta, ended: timedelta | None = None, **fields
) -> GraphRun:
    return GraphRun(
        graph=f"DB.S.{name}",
        run_id=f"{name}-{started.total_seconds():.0f}",
        state=state,
        started_time=NOW - started,
        completed_time=None if ended is None else NOW - ended,
        **fields,
    )


def test_a_failed_run_names_its_task_and_the_first_line_of_its_error():
    failed = run(
        "LOAD",
        RunState.FAILED,
        started=timedelta(minutes=9),
        ended=timedelta(minutes=8),
        first_error_task="DB.S.STEP_2",
        first_error_code="100038",
        first_error_message="\n  Numeric value 'abc' is not recognized\n  at line 3",
    )
    [problem] = find_problems(HERE, [root("LOAD")], {"DB.S.LOAD": GraphStatus(failed, None, None)}, {}, NOW)
    assert problem.kind is ProblemKind.FAILED and problem.task == "STEP_2"
    assert problem.summary == "Numeric value 'abc' is not recognized"
    assert problem.detail.startswith("100038:") and "at line 3" in problem.detail
    assert problem.since == NOW - timedelta(minutes=8) and problem.fingerprint == failed.run_id


def test_long_running_is_judged_against_the_p95_of_recent_runs():
    usual = p95([timedelta(minutes=m) for m in (10, 11, 12, 10, 30)])
    assert usual == timedelta(minutes=30)  # nearest rank: the slowest of five
    assert p95([timedelta(minutes=1)] * 2) is None  # too little history to judge
    limit = long_threshold(usual)
    assert limit == timedelta(minutes=45)
    status = lambda took: GraphStatus(None, run("T", RunState.EXECUTING, started=took), None)  # noqa: E731
    fine = find_problems(HERE, [root("T")], {"DB.S.T": status(timedelta(minutes=44))}, {"DB.S.T": usual}, NOW)
    late = find_problems(HERE, [root("T")], {"DB.S.T": status(timedelta(minutes=46))}, {"DB.S.T": usual}, NOW)
    assert fine == [] and [p.kind for p in late] == [ProblemKind.LONG_RUNNING]
    assert "usually ≤ 30 min (p95)" in late[0].summary
    # a short job is not news for a few seconds over: at least five minutes past its p95
    assert long_threshold(timedelta(seconds=20)) == timedelta(minutes=5, seconds=20)


def test_overdue_when_the_scheduled_time_passed_and_nothing_started():
    due = NOW - timedelta(minutes=11)
    tasks = [root("NIGHTLY", schedule=Schedule(kind="cron", cron="0 2 * * *"), state=TaskState.STARTED)]
    [late] = find_problems(HERE, tasks, {"DB.S.NIGHTLY": GraphStatus(None, None, due)}, {}, NOW)
    assert late.kind is ProblemKind.OVERDUE and late.since == due
    soon = find_problems(
        HERE, tasks, {"DB.S.NIGHTLY": GraphStatus(None, None, NOW - timedelta(minutes=2))}, {}, NOW
    )
    assert soon == []  # a scheduler takes a moment: not overdue yet
    # read a sweep ago, when it was not late yet: that status says nothing about the time since
    as_of = {"DB.S.NIGHTLY": due + timedelta(minutes=2)}
    assert (
        find_problems(HERE, tasks, {"DB.S.NIGHTLY": GraphStatus(None, None, due)}, {}, NOW, as_of=as_of) == []
    )
    going = run("NIGHTLY", RunState.EXECUTING, started=timedelta(minutes=1))
    assert find_problems(HERE, tasks, {"DB.S.NIGHTLY": GraphStatus(None, going, due)}, {}, NOW) == []


def test_suspended_is_a_problem_only_when_its_schedule_says_it_should_run():
    scheduled = root(
        "A", state=TaskState.SUSPENDED, raw_state="suspended", schedule=Schedule(kind="minutes", minutes=5)
    )
    manual = root("B", state=TaskState.SUSPENDED, raw_state="suspended")
    problems = find_problems(HERE, [scheduled, manual], {}, {}, NOW)
    assert [(p.kind, p.graph_name) for p in problems] == [(ProblemKind.SUSPENDED, "A")]
    assert "every 5 min" in problems[0].summary


def test_ranked_worst_kind_first_then_newest():
    def failed(name, minutes_ago):
        r = run(
            name,
            RunState.FAILED,
            started=timedelta(minutes=minutes_ago + 1),
            ended=timedelta(minutes=minutes_ago),
        )
        return find_problems(HERE, [root(name)], {f"DB.S.{name}": GraphStatus(r, None, None)}, {}, NOW)[0]

    suspended = find_problems(
        HERE,
        [root("S", state=TaskState.SUSPENDED, schedule=Schedule(kind="minutes", minutes=1))],
        {},
        {},
        NOW,
    )[0]
    order = ranked([suspended, failed("OLD", 50), failed("NEW", 5)])
    assert [p.graph_name for p in order] == ["NEW", "OLD", "S"]


def test_acknowledgements_survive_a_restart_and_a_broken_file_is_set_aside(tmp_path):
    path = tmp_path / "state" / "inbox-acks.json"
    r = run("X", RunState.FAILED, started=timedelta(minutes=2), ended=timedelta(minutes=1))
    problem = find_problems(HERE, [root("X")], {"DB.S.X": GraphStatus(r, None, None)}, {}, NOW)[0]
    store = AckStore(path)
    assert store.toggle(problem, NOW) is True
    assert AckStore(path).is_acked(problem)
    assert store.toggle(problem, NOW) is False and not AckStore(path).is_acked(problem)
    path.write_text("{not json")
    fresh = AckStore(path)  # shows too much rather than too little
    assert not fresh.is_acked(problem) and path.with_suffix(".bad").exists()
    fresh.toggle(problem, NOW)
    assert json.loads(path.read_text())[problem.key]["fingerprint"] == r.run_id
