"""Graph runs: how one run plays out, derived purely from (seed, graph, time).

Two models share the wire shape: ``History`` derives any past run from a hash in O(1) (so a root can
have a million completed runs without storing one), ``plan_run`` simulates a live run task by task
(suspended children, conditions, failures, retry of the failed part only).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tui.sandbox.clock import iso
from tui.sandbox.model import quote
from tui.sandbox.rand import units
from tui.sandbox.schedule import Schedule
from tui.sandbox.world import Scope

SUCCEEDED, FAILED, CANCELLED, SKIPPED = "SUCCEEDED", "FAILED", "CANCELLED", "SKIPPED"
ERROR_STATES = frozenset({FAILED, CANCELLED})

# Real Snowflake error codes and messages, for believable first_error_* fields.
ERRORS: list[tuple[int, str]] = [
    (100038, "Numeric value 'abc' is not recognized"),
    (2003, "SQL compilation error:\nObject 'SALES.RAW.ORDERS_STAGE' does not exist or not authorized."),
    (100183, "Date '2025-02-30' is not recognized"),
    (100051, "Division by zero"),
    (100035, "Timestamp 'N/A' is not recognized"),
    (100072, "NULL result in a non-nullable column"),
    (2049, "SQL compilation error: Table 'CUSTOMERS_DEDUP' does not exist or not authorized."),
    (100090, 'Duplicate row detected during DML action\nRow Values: ["ORD-10042", 17]'),
    (100132, "JavaScript execution error: Uncaught TypeError: Cannot read properties of undefined"),
]
TIMEOUT = (604, "Statement reached its statement or warehouse timeout of 3,600 second(s) and was canceled.")

_FALSE = {"false", "1=0", "0=1", "1<>1", "1!=1", "null", "0"}
_SELECT = re.compile(r"^\s*select\s+", re.IGNORECASE)


def condition_holds(condition: str | None, u: float) -> bool:
    """Evaluate a WHEN condition: literal falsehoods are false, stream checks are true 75% of runs."""
    if not condition:
        return True
    text = _SELECT.sub("", condition).strip().lower().replace(" ", "").rstrip(";")
    if text in _FALSE:
        return False
    if "system$stream_has_data" in text:
        return u < 0.75
    return True


def condition_kind(condition: str | None) -> str:
    if condition_holds(condition, 0.0) is False:
        return "false"
    if condition and "system$stream_has_data" in condition.lower():
        return "stream"
    return "true"


@dataclass(slots=True)
class Run:
    run_id: int
    scheduled: datetime
    start: datetime
    end: datetime
    state: str  # the final state; SCHEDULED/EXECUTING are read off the clock
    version: int
    next_scheduled: datetime
    error: tuple[str, int, str] | None = None  # task name, code, message
    failed: tuple[str, ...] = ()  # tasks that failed or were cancelled: retryLast restarts there

    def to_json(self, scope: Scope, root: str, root_id: str, now: datetime) -> dict[str, Any]:
        if now < self.start:
            state = "SCHEDULED"
        elif now < self.end:
            state = "EXECUTING"
        else:
            state = self.state
        out: dict[str, Any] = {
            "root_task_name": quote(root),
            "database_name": quote(scope.database),
            "schema_name": quote(scope.schema),
            "state": state,
            "scheduled_time": iso(self.scheduled),
            "next_scheduled_time": iso(self.next_scheduled),
            "root_task_id": root_id,
            "graph_version": self.version,
            "run_id": self.run_id,
        }
        if state != "SCHEDULED":
            out["query_start_time"] = iso(self.start)
        if state not in ("SCHEDULED", "EXECUTING"):
            out["completed_time"] = iso(self.end)
            if self.error is not None:
                task, code, message = self.error
                out["first_error_task_name"] = quote(task)
                out["first_error_code"] = code
                out["first_error_message"] = message
        return out


def run_id_for(when: datetime) -> int:
    return int(when.timestamp() * 1000)


@dataclass
class History:
    """A frozen snapshot of a graph, enough to derive any of its past runs from a hash."""

    seed: int
    root_id: str
    schedule: Schedule | None
    start: datetime  # no runs before this (the root's creation)
    end: datetime  # derived runs are scheduled strictly before this
    fail_p: float
    failers: list[str]
    seconds: float  # typical run length (critical path)
    condition: str  # "true", "false" or "stream"
    version: int
    committed: datetime

    def derive(self, slot: datetime) -> Run:
        assert self.schedule is not None
        u = units(self.seed, self.root_id, run_id_for(slot))
        start = slot + timedelta(seconds=u[0] * 2)
        version = self.version if slot >= self.committed else max(1, self.version - 1)
        run = Run(run_id_for(slot), slot, start, start, SUCCEEDED, version, self.schedule.next_after(slot))
        if self.condition == "false" or (self.condition == "stream" and u[1] >= 0.75):
            run.state, run.end = SKIPPED, start + timedelta(seconds=1)
            return run
        if u[2] < self.fail_p + 0.002 and self.failers:
            task = self.failers[int(u[3] * len(self.failers))]
            cancelled = u[2] >= self.fail_p
            code, message = TIMEOUT if cancelled else ERRORS[int(u[1] * 1000) % len(ERRORS)]
            run.state = CANCELLED if cancelled else FAILED
            run.error, run.failed = (task, code, message), (task,)
            run.end = start + timedelta(seconds=self.seconds * (0.2 + 0.6 * u[3]))
            return run
        run.end = start + timedelta(seconds=self.seconds * (0.75 + 0.5 * u[3]))
        return run

    def backwards(self, before: datetime | None = None, scan_limit: int = 2_000_000):
        """Derived runs, newest first, scheduled before ``before`` (default: the end of history)."""
        if self.schedule is None:
            return
        slot = self.schedule.prev_before(before or self.end)
        for _ in range(scan_limit):
            if slot is None or slot < self.start:
                return
            yield self.derive(slot)
            slot = self.schedule.prev_before(slot)

    def count(self) -> int:
        """How many runs this history holds (exact for MINUTES, estimated for CRON)."""
        if self.schedule is None or self.end <= self.start:
            return 0
        if self.schedule.interval is not None:
            first = self.schedule.next_after(self.start - timedelta(microseconds=1))
            return max(0, -((first - self.end) // self.schedule.interval))
        day = [self.end - timedelta(days=1)]
        while len(day) < 2000 and day[-1] < self.end:
            day.append(self.schedule.next_after(day[-1]))
        per_day = len(day) - 1
        return int(per_day * (self.end - self.start).total_seconds() / 86400)


def critical_path(scope: Scope, members: list[str]) -> float:
    finish: dict[str, float] = {}
    for name in members:
        rec = scope.tasks[name]
        finish[name] = max((finish.get(p, 0.0) for p in rec.predecessors), default=0.0) + rec.base_seconds
    return max(finish.values(), default=1.0)


def plan_run(
    scope: Scope,
    root: str,
    members: list[str],
    *,
    seed: int,
    scheduled: datetime,
    start: datetime,
    version: int,
    next_scheduled: datetime,
    rerun: set[str] | None = None,
) -> Run:
    """Simulate one live run task by task; the outcome is fixed at start (seeded by run id)."""
    salt = run_id_for(start)
    final = scope.finalizer.get(root)
    status: dict[str, str] = {}
    ends: dict[str, datetime] = {}
    errors: list[tuple[datetime, str, int, str]] = []
    for name in members:
        if name == final:
            continue
        rec = scope.tasks[name]
        preds = [p for p in rec.predecessors if p in status]
        if name != root and rec.state == "suspended":
            status[name] = "suspended"  # skipped; so are its dependents (their predecessor is not "ok")
            continue
        if any(status[p] != "ok" for p in preds):
            status[name] = "not_run"
            continue
        begin = max((ends[p] for p in preds), default=start)
        if rerun is not None and name not in rerun:
            status[name], ends[name] = "ok", begin  # kept from the run being retried
            continue
        u = units(seed, rec.id, salt)
        if not condition_holds(rec.props.get("condition"), u[0]):
            status[name], ends[name] = "condition", begin
            continue
        seconds = rec.base_seconds * (0.6 + 0.8 * u[1])
        timeout_ms = rec.props.get("user_task_timeout_ms")
        if timeout_ms and seconds * 1000 > timeout_ms:
            status[name], ends[name] = "cancelled", begin + timedelta(milliseconds=timeout_ms)
            errors.append((ends[name], name, *TIMEOUT))
        elif u[2] < rec.fail_probability:
            status[name], ends[name] = "failed", begin + timedelta(seconds=seconds * (0.3 + 0.7 * u[3]))
            errors.append((ends[name], name, *ERRORS[int(u[3] * 1000) % len(ERRORS)]))
        else:
            status[name], ends[name] = "ok", begin + timedelta(seconds=seconds)
    end = max(ends.values(), default=start)
    if final is not None and scope.tasks[final].state != "suspended":
        end += timedelta(seconds=scope.tasks[final].base_seconds)  # the finalizer runs last, always
    errors.sort()
    run = Run(run_id_for(scheduled), scheduled, start, end, SUCCEEDED, version, next_scheduled)
    if errors:
        _, task, code, message = errors[0]
        run.error = (task, code, message)
        run.failed = tuple(name for name in members if status.get(name) in ("failed", "cancelled"))
        run.state = FAILED if any(status.get(n) == "failed" for n in members) else CANCELLED
    elif "condition" in status.values():
        run.state = SKIPPED
    return run
