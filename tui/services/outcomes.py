"""What each task did in a graph run: the one rule every view uses (task list, graph, run detail, CLI).

- Where the backend reports task runs (Airflow task instances) they are the truth. A dynamically mapped
  task is as bad as its worst index (one failed index of twenty makes the task failed), and
  ``index_counts`` says how many indexes ended how.
- Otherwise (Snowflake's REST API says only which task failed first) the outcome is inferred from the
  run: in a succeeded run every task succeeded, except suspended children and what hangs below them
  (skipped); in a failed run the failing task failed, everything downstream of it did not run, every
  ancestor of it succeeded (it could not have started otherwise) and every other task is unknown.
- A task nothing can be said about is ``UNKNOWN``, never missing: a view shows "?" rather than nothing.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable

from tui.domain import Graph, GraphRun, RunState, TaskRun, TaskState

# The worst state of a mapped task's indexes decides the task's outcome.
_WORST_FIRST = (
    RunState.FAILED,
    RunState.UPSTREAM_FAILED,
    RunState.CANCELLED,
    RunState.RETRYING,
    RunState.EXECUTING,
    RunState.QUEUED,
    RunState.SCHEDULED,
    RunState.WAITING,
    RunState.UNKNOWN,
)
_INDEXED = re.compile(r"^(?P<name>.+)\[(?P<index>\d+)\]$")


def combined(states: Iterable[RunState]) -> RunState:
    """One state for several runs of one task (the indexes of a mapped task): the worst of them."""
    present = set(states)
    if not present:
        return RunState.UNKNOWN
    if len(present) == 1:
        return present.pop()
    for state in _WORST_FIRST:
        if state in present:
            return state
    # Only finished-and-fine states are left (succeeded, skipped, did not run).
    for state in (RunState.SUCCEEDED, RunState.SKIPPED):
        if state in present:
            return state
    return RunState.NOT_RUN


def index_counts(
    task_runs: Iterable[TaskRun], run_state: RunState = RunState.UNKNOWN
) -> dict[str, Counter[RunState]]:
    """For each mapped task (by key): how many of its indexes are in each state (``as_of_run`` the
    graph run's ``run_state``)."""
    counts: dict[str, Counter[RunState]] = defaultdict(Counter)
    for tr in task_runs:
        if tr.map_index is not None:
            counts[tr.task][as_of_run(tr.state, run_state)] += 1
    return dict(counts)


def find_task(graph: Graph, name: str | None) -> str | None:
    """The key of the task a run's error names: by name or key, ``process[13]`` naming ``process``."""
    if not name:
        return None
    by_name = {task.name: key for key, task in graph.tasks.items()}
    for candidate in (name, _INDEXED.sub(r"\g<name>", name)):
        if candidate in graph.tasks:
            return candidate
        if candidate in by_name:
            return by_name[candidate]
    return None


def task_outcomes(
    graph: Graph, run: GraphRun | None, task_runs: Iterable[TaskRun] = ()
) -> dict[str, RunState]:
    """What every task of ``graph`` did in ``run`` (every key present; empty when there is no run)."""
    if run is None:
        return {}
    reported: dict[str, list[RunState]] = defaultdict(list)
    for tr in task_runs:
        reported[tr.task].append(as_of_run(tr.state, run.state))
    if reported:
        outcome = {key: RunState.UNKNOWN for key in graph.tasks}
        outcome[graph.root] = run.state  # Airflow's root is the DAG itself: its run is its outcome
        outcome.update({key: combined(states) for key, states in reported.items() if key in graph.tasks})
        return outcome
    return _inferred(graph, run)


def as_of_run(state: RunState, run_state: RunState) -> RunState:
    """A task run's state as its graph run makes it read: one that has not run yet in a run still
    going is ``WAITING`` (it may run yet); in a finished run it ``did not run``."""
    if state is RunState.NOT_RUN and not run_state.is_finished and run_state is not RunState.UNKNOWN:
        return RunState.WAITING
    return state


def _inferred(graph: Graph, run: GraphRun) -> dict[str, RunState]:
    outcome = {key: RunState.UNKNOWN for key in graph.tasks}
    if run.state is RunState.SUCCEEDED:
        suspended = {
            key
            for key, task in graph.tasks.items()
            if task.state is TaskState.SUSPENDED and key != graph.root
        }
        skipped = suspended | graph.downstream_of(suspended)
        return {key: RunState.SKIPPED if key in skipped else RunState.SUCCEEDED for key in graph.tasks}
    if run.state is RunState.SKIPPED:
        return dict.fromkeys(graph.tasks, RunState.SKIPPED)
    failed = find_task(graph, run.first_error_task) if run.state.is_failure else None
    if failed is None:
        outcome[graph.root] = run.state  # the graph's own state; of its tasks nothing is known
        return outcome
    for key in ancestors(graph, failed):
        outcome[key] = RunState.SUCCEEDED
    for key in graph.downstream_of([failed]):
        outcome[key] = RunState.NOT_RUN
    outcome[failed] = run.state
    return outcome


def ancestors(graph: Graph, key: str) -> set[str]:
    """Every task ``key`` waits for, directly or not."""
    seen: set[str] = set()
    stack = list(graph.tasks[key].predecessors) if key in graph.tasks else []
    while stack:
        parent = stack.pop()
        if parent in graph.tasks and parent not in seen:
            seen.add(parent)
            stack.extend(graph.tasks[parent].predecessors)
    return seen
