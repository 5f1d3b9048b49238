"""Chain runs: Qlik has runs of tasks, not of chains, so a chain's run is put together here.

A run of the chain's root task opens a chain run; every run of a member task that started after it and
before the root's next run belongs to it (the latest one, when a member ran twice in that time). Qlik
returns no id that ties them together (NOTES 3b), so this is an inference by time, and each chain run
says so in its note. The chain run's id is the root task's run id. Pure functions: no I/O.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from tui import domain
from tui.backends.qlik import models
from tui.backends.qlik.mapping import run_state

_NEVER = datetime.max.replace(tzinfo=UTC)
NOTE = (
    "a chain run: the runs of its tasks that started after this run of its first task "
    "(grouped by time: Qlik ties them by no id)"
)


@dataclass
class ChainRun:
    root: models.OrchRun
    members: dict[str, models.OrchRun] = field(default_factory=dict)  # task id -> its run in this one

    @property
    def runs(self) -> list[models.OrchRun]:
        return [self.root, *self.members.values()]


def _when(run: models.OrchRun) -> datetime | None:
    return run.started_at


def group(root_runs: list[models.OrchRun], member_runs: dict[str, list[models.OrchRun]]) -> list[ChainRun]:
    """Chain runs (newest first) from the root's runs and each other member's runs."""
    ordered = sorted((r for r in root_runs if r.started_at is not None), key=lambda r: r.started_at)  # type: ignore[arg-type,return-value]
    starts = [r.started_at for r in ordered]
    chains = [ChainRun(r) for r in ordered]
    for task_id, runs in member_runs.items():
        for run in runs:
            if run.started_at is None:
                continue
            at = bisect_right(starts, run.started_at) - 1  # type: ignore[arg-type]
            if at < 0:
                continue
            held = chains[at].members.get(task_id)
            if held is None or (held.started_at or run.started_at) < run.started_at:
                chains[at].members[task_id] = run
    return list(reversed(chains))


def since(root_runs: list[models.OrchRun]) -> datetime | None:
    """The oldest start among the root's runs: member runs before it belong to no chain run asked for."""
    starts = [r.started_at for r in root_runs if r.started_at is not None]
    return min(starts) if starts else None


def _fired(when: str | None, state: domain.RunState | None) -> bool:
    if state is None or not state.is_finished:
        return False
    if when == "on success":
        return state is domain.RunState.SUCCEEDED
    if when == "on failure":
        return state.is_failure
    return True  # on any outcome (or a status dagtop does not know: it ended)


def waiting(chain: ChainRun, tasks: Mapping[str, domain.Task]) -> list[str]:
    """The enabled tasks of the chain whose events have all (or, ``exclusive``, any one) fired in this
    chain run but that have no run in it yet: Qlik is about to start them, so the chain is not over."""
    ended = {r.task_id: run_state(r.status) for r in chain.runs}
    out = []
    for key, task in tasks.items():
        if key in ended or not task.predecessors or task.state is not domain.TaskState.STARTED:
            continue
        fired = [_fired(task.edge_conditions.get(p), ended.get(p)) for p in task.predecessors]
        if any(fired) if task.extra.get("exclusive") else all(fired):
            out.append(key)
    return out


def _state(runs: list[models.OrchRun]) -> tuple[domain.RunState, str]:
    states = [run_state(r.status) for r in runs]
    for state, word in (
        (domain.RunState.EXECUTING, "RUNNING"),
        (domain.RunState.FAILED, "FAILED"),
        (domain.RunState.UNKNOWN, None),
    ):
        if state in states:
            raw = word or next(r.status for r, s in zip(runs, states, strict=True) if s is state)
            return state, raw
    return domain.RunState.SUCCEEDED, "SUCCEEDED"


def to_graph_run(chain: ChainRun, root: str, pending: Sequence[str] = ()) -> domain.GraphRun:
    """The chain run as a graph run of ``root``: running while any task runs or is ``pending`` (fired,
    not started yet), failed when any failed (the first to fail named, with the error its run carries)."""
    runs = chain.runs
    state, raw = _state(runs)
    if pending and state.is_finished:
        state, raw = domain.RunState.EXECUTING, "RUNNING"
    failed = sorted(
        (r for r in runs if run_state(r.status) is domain.RunState.FAILED),
        key=lambda r: r.ended_at or r.started_at or _NEVER,
    )
    ends = [r.ended_at for r in runs if r.ended_at is not None]
    first = failed[0] if failed else None
    return domain.GraphRun(
        graph=root,
        run_id=chain.root.id,
        state=state,
        raw_state=raw,
        started_time=chain.root.started_at,
        completed_time=max(ends) if state.is_finished and ends else None,
        first_error_task=(first.task_name or first.task_id) if first else None,
        first_error_message=first.log if first else None,
        note=NOTE if chain.members else None,
        extra={"triggeredBy": chain.root.triggered_by} if chain.root.triggered_by else {},
    )
