"""Finding the problems in one scope of one profile, from its task list and its graphs' statuses (pure)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from tui.domain import GraphRun, Task, TaskState
from tui.services.inbox.problems import Problem, ProblemKind, Where, first_line
from tui.services.snapshots import GraphStatus

# A scheduled time is overdue once this much later than it, at the least (a scheduler takes a moment).
OVERDUE_AFTER = timedelta(minutes=10)
# A run is "far past its usual duration" beyond this multiple of the p95 of its recent runs, and by
# at least LONG_MARGIN (a 5-second job taking 11 seconds is not news).
LONG_FACTOR = 1.5
LONG_MARGIN = timedelta(minutes=5)


def long_threshold(p95: timedelta) -> timedelta:
    """How long a run may take before it is far past its usual duration ``p95``."""
    return max(p95 * LONG_FACTOR, p95 + LONG_MARGIN)


def find_problems(
    where: Where,
    tasks: Sequence[Task],
    statuses: Mapping[str, GraphStatus],
    p95s: Mapping[str, timedelta],
    now: datetime,
    overdue_after: timedelta = OVERDUE_AFTER,
    as_of: Mapping[str, datetime] | None = None,
) -> list[Problem]:
    """The problems of the graphs in ``tasks`` (their roots): ``statuses`` as the sweep last read them,
    ``p95s`` the usual duration of each graph that has enough history, ``now`` on the server's clock.
    ``as_of``: when each status was read, on the server's clock: a schedule is overdue only if it was
    already late when its status was read (a status a sweep old says nothing about the time since)."""
    problems: list[Problem] = []
    for root in (task for task in tasks if task.is_root):
        status = statuses.get(root.key)
        if status is not None:
            read = (as_of or {}).get(root.key, now)
            problems += _from_status(where, root, status, p95s.get(root.key), now, read, overdue_after)
        if root.state is TaskState.SUSPENDED and root.schedule.kind != "none":
            problems.append(_suspended(where, root))
    return problems


def _from_status(
    where: Where,
    root: Task,
    status: GraphStatus,
    p95: timedelta | None,
    now: datetime,
    read: datetime,
    overdue_after: timedelta,
) -> list[Problem]:
    out = []
    last, current = status.last, status.current
    if last is not None and last.state.is_failure:
        out.append(_failed(where, root, last, current))
    if current is not None and p95 is not None and current.started_time is not None:
        took = now - current.started_time
        if took > long_threshold(p95):
            out.append(_long_running(where, root, current, took, p95))
    due = status.next_time
    if current is None and due is not None and read - due > overdue_after:
        out.append(
            Problem(
                ProblemKind.OVERDUE,
                where,
                f"due {_ago(now - due)} ago, nothing started",
                since=due,
                graph=root,
                detail=f"Scheduled for {due.isoformat(timespec='seconds')}; no run has started since.",
                fingerprint=due.isoformat(),
            )
        )
    return out


def _failed(where: Where, root: Task, run: GraphRun, current: GraphRun | None) -> Problem:
    message = run.first_error_message or ""
    summary = first_line(message) or f"run {run.raw_state or run.state.value.lower()}"
    detail = message or "The backend gave no error message for this run."
    if run.first_error_code:
        detail = f"{run.first_error_code}: {detail}"
    extra = {"rerunning": current.run_id} if current is not None else {}
    return Problem(
        ProblemKind.FAILED,
        where,
        summary,
        since=run.completed_time or run.started_time or run.scheduled_time,
        graph=root,
        task=_task_name(run.first_error_task),
        run=run,
        detail=detail,
        fingerprint=run.run_id,
        extra=extra,
    )


def _long_running(where: Where, root: Task, run: GraphRun, took: timedelta, p95: timedelta) -> Problem:
    summary = f"running {_ago(took)}, usually ≤ {_ago(p95)} (p95)"
    return Problem(
        ProblemKind.LONG_RUNNING,
        where,
        summary,
        since=run.started_time,
        graph=root,
        run=run,
        detail=f"Run {run.run_id} started {run.started_time}; the p95 of its recent runs is {_ago(p95)}.",
        fingerprint=run.run_id,
    )


def _suspended(where: Where, root: Task) -> Problem:
    words = root.raw_state or root.state.value
    reason = f" ({root.state_reason})" if root.state_reason else ""
    return Problem(
        ProblemKind.SUSPENDED,
        where,
        f"{words}{reason}, scheduled {root.schedule.describe()}",
        since=root.last_suspended_on,
        graph=root,
        detail=f"{root.name} is {words}{reason}; its schedule ({root.schedule.describe()}) does not run it.",
        fingerprint=f"{words}{reason}@{root.last_suspended_on}",
    )


def _task_name(key: str | None) -> str:
    return (key or "").rsplit(".", 1)[-1]


def _ago(delta: timedelta) -> str:
    """``42 s``, ``17 min``, ``3 h 5 min``, ``2 d 4 h``: a duration in its two largest units."""
    seconds = max(0, int(delta.total_seconds()))
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


def p95(durations: Sequence[timedelta]) -> timedelta | None:
    """The 95th percentile (nearest rank) of ``durations``; None with fewer than 3 to go by."""
    if len(durations) < 3:
        return None
    ordered = sorted(durations)
    rank = max(0, -(-95 * len(ordered) // 100) - 1)
    return ordered[rank]
