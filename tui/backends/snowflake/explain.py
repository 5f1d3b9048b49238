"""Why a Snowflake task did not run, or will not run next: facts from the Tasks REST v2 API.

Three reads of the task's graph: its tasks (``/dependents`` of the root: every state, predecessor,
condition and the root's overlap policy), its current runs (executing now, next scheduled) and its
recent completed runs (skipped, failed in a row). What the REST API cannot see (whether a ``WHEN``
condition is true now, which child ran in a run) is said as such, never guessed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui.domain import Fact, Graph, GraphRun, RunState, Task, TaskState
from tui.plural import plural

if TYPE_CHECKING:
    from tui.backends.snowflake.adapter import SnowflakeBackend

# Completed runs read: enough to see a suspend_task_after_num_failures streak of the usual sizes.
RECENT_RUNS = 10


class _Sources:
    """The requests the facts come from, as the client sends them (``GET /api/v2/.../tasks/ROOT``)."""

    def __init__(self, backend: SnowflakeBackend, root: str) -> None:
        client, name, _ = backend._target(root)
        self.graph = f"GET {client.task_path(name, '/dependents')}"
        self.current = f"GET {client.task_path(name, '/current-graphs')}"
        self.complete = f"GET {client.task_path(name, '/complete-graphs')}"


async def why_not_running(backend: SnowflakeBackend, task: Task) -> list[Fact]:
    root_key = task.root or task.key
    graph = await backend.get_graph(root_key)
    src = _Sources(backend, root_key)
    me = graph.tasks.get(task.key, task)
    root = graph.tasks.get(graph.root, me)
    current = await backend.current_runs(root_key)
    # Enough runs to see a whole suspend_task_after_num_failures streak (the API allows 1..10000).
    recent = max(RECENT_RUNS, min(root.suspend_after_failures or 0, 1000))
    completed = await backend.completed_runs(root_key, limit=recent)
    facts = [*_states(graph, me, root, completed, src), *_conditions(graph, me, src)]
    facts += _last_run(graph, me, completed, src)
    facts += _overlap(root, current, src)
    facts += _schedule(root, me, current, src)
    return facts


def _ancestors(graph: Graph, task: Task) -> list[Task]:
    """Every task ``task`` waits for, directly or not, nearest first (the root excluded)."""
    seen: list[Task] = []
    stack = list(task.predecessors)
    while stack:
        key = stack.pop(0)
        found = graph.tasks.get(key)
        if found is None or found in seen or found.key == graph.root:
            continue
        seen.append(found)
        stack.extend(found.predecessors)
    return seen


def _states(graph: Graph, me: Task, root: Task, completed: list[GraphRun], src: _Sources) -> list[Fact]:
    facts: list[Fact] = []
    field = f"{src.graph} · state"
    if root.state is TaskState.SUSPENDED:
        facts += _root_suspended(me, root, completed, src)
    if me.key != root.key and me.state is TaskState.SUSPENDED:
        facts.append(
            Fact(
                text=f"{me.name} is suspended: its graph runs without it (a suspended child is skipped, "
                "and so is every task after it)",
                source=field,
                blocking=True,
            )
        )
    for before in _ancestors(graph, me):
        if before.state is TaskState.SUSPENDED:
            facts.append(
                Fact(
                    text=f"predecessor {before.name} is suspended: it is skipped, so {me.name}, which "
                    "waits for it, does not run either",
                    source=field,
                    blocking=True,
                )
            )
    return facts


def _root_suspended(me: Task, root: Task, completed: list[GraphRun], src: _Sources) -> list[Fact]:
    """The root is suspended: by hand, or by ``suspend_task_after_num_failures`` when the last runs say so."""
    whose = "it" if me.key == root.key else f"its root {root.name}"
    since = "was suspended {when}" if root.last_suspended_on else "is suspended"
    text = f"{whose} {since}: the graph's schedule does not fire"
    if me.key != root.key:
        text += " (a child runs only when its root runs)"
    source = f"{src.graph} · state, last_suspended_on"
    limit = root.suspend_after_failures
    streak = _failed_in_a_row(completed)
    if limit and streak >= limit:
        text += f"; by suspend_task_after_num_failures={limit}: the last {streak} runs failed"
        source += f", suspend_task_after_num_failures; {src.complete} · state"
    facts = [Fact(text=text, source=source, blocking=True, when=root.last_suspended_on)]
    if limit and streak < limit and len(completed) >= limit:
        # Failures suspend the root at the limit-th failure in a row: its last runs say it was not that.
        text = (
            f"not suspended by suspend_task_after_num_failures={limit}: its last "
            f"{plural(len(completed), 'run')} show {plural(streak, 'failure')} in a row, not {limit}"
        )
        facts.append(Fact(text=text, source=f"{src.complete} · state"))
    elif limit and streak < limit:
        seen = f"shows {plural(streak, 'failure')} in a row" if completed else "lists no run"
        text = (
            f"cannot tell from the API whether failures suspended {root.name} "
            f"(suspend_task_after_num_failures={limit}): complete-graphs keeps about the last hour, "
            f"and {seen}"
        )
        facts.append(Fact(text=text, source=f"{src.complete} · state", known=False))
    return facts


def _failed_in_a_row(completed: list[GraphRun]) -> int:
    count = 0
    for run in completed:  # newest first
        if run.state is not RunState.FAILED:
            break
        count += 1
    return count


def _conditions(graph: Graph, me: Task, src: _Sources) -> list[Fact]:
    """Each ``WHEN`` on the task, its predecessors or the root: shown, never evaluated."""
    facts = []
    holders = {t.key: t for t in (me, *_ancestors(graph, me), graph.tasks.get(graph.root, me))}
    for holder in holders.values():
        if not holder.condition:
            continue
        whose = "its" if holder.key == me.key else f"{holder.name}'s"
        facts.append(
            Fact(
                text=f"cannot tell from the API whether {whose} condition is true now: WHEN "
                f"{holder.condition} (a false one SKIPS the run, and the tasks after it do not run)",
                source=f"{src.graph} · condition of {holder.name}",
                known=False,
            )
        )
    return facts


def _last_run(graph: Graph, me: Task, completed: list[GraphRun], src: _Sources) -> list[Fact]:
    if not completed:
        return []
    last = completed[0]
    source = f"{src.complete} · state"
    if last.state is RunState.SKIPPED:
        text = (
            f"the latest run ({last.run_id}, {{when}}) was SKIPPED: a WHEN condition was false then, "
            "so the tasks after it did not run"
        )
        # It says why the last run did not happen; the next may well run (its condition then decides).
        return [Fact(text=text, source=source, when=last.completed_time)]
    if not last.state.is_failure:
        return []
    failed = _task_named(graph, last.first_error_task)
    source += ", first_error_task_name"
    state = last.raw_state or last.state.value
    if failed is not None and failed.key == me.key:
        text = f"it failed in the latest run ({last.run_id}, {state} {{when}}): its error is in 4"
    elif failed is not None and me.key in graph.downstream_of([failed.key]):
        text = (
            f"in the latest run ({last.run_id}, {{when}}) {failed.name}, which it waits for, failed: "
            f"{me.name} did not run"
        )
    else:
        where = f" at {failed.name}" if failed is not None else ""
        text = f"the latest run ({last.run_id}) ended {state}{where} {{when}}; the tasks after it did not run"
    return [Fact(text=text, source=source, when=last.completed_time)]


def _task_named(graph: Graph, name: str | None) -> Task | None:
    if not name:
        return None
    return graph.tasks.get(name) or next(
        (t for t in graph.tasks.values() if t.name == name.rsplit(".", 1)[-1]), None
    )


def _overlap(root: Task, current: list[GraphRun], src: _Sources) -> list[Fact]:
    executing = [r for r in current if r.state is RunState.EXECUTING]
    if not executing:
        return []
    run = executing[0]
    policy = str(root.extra.get("overlap_policy") or "")
    if not policy:
        allow = root.extra.get("allow_overlapping_execution")
        policy = "ALLOW_ALL_OVERLAP" if allow is True else "NO_OVERLAP"
    source = f"{src.current} · state; {src.graph} · overlap_policy of {root.name}"
    since = f"the graph is running now (run {run.run_id}, started {{when}})"
    if policy == "NO_OVERLAP":
        return [
            Fact(
                text=f"{since}: with overlap policy NO_OVERLAP no other run starts until it ends (a "
                "schedule slot due meanwhile is skipped)",
                source=source,
                when=run.started_time,  # it is running: not what stops it, but what holds the next run
            )
        ]
    if policy == "ALLOW_CHILD_OVERLAP":
        return [
            Fact(
                text=f"cannot tell from the API whether the root of run {run.run_id} (started {{when}}, "
                "still executing) has finished: with ALLOW_CHILD_OVERLAP the next run waits only for "
                "the root",
                source=source,
                known=False,
                when=run.started_time,
            )
        ]
    return [Fact(text=f"{since}; overlap policy {policy}: the next run starts anyway", source=source)]


def _schedule(root: Task, me: Task, current: list[GraphRun], src: _Sources) -> list[Fact]:
    scheduled = sorted(
        (r for r in current if r.state is RunState.SCHEDULED and r.scheduled_time is not None),
        key=lambda r: r.scheduled_time,  # type: ignore[arg-type,return-value]
    )
    if scheduled:
        run = scheduled[0]
        return [
            Fact(
                text=f"the next run of the graph is due {{when}} ({root.schedule.describe() or 'queued'})",
                source=f"{src.current} · SCHEDULED run {run.run_id}, scheduled_time",
                when=run.scheduled_time,
                due=True,
            )
        ]
    if root.schedule.kind == "none":
        if root.condition:
            text = "no schedule: a triggered task, it runs when its condition (a stream) has data"
            return [Fact(text=text, source=f"{src.graph} · schedule, condition of {root.name}")]
        return [
            Fact(
                text=f"{root.name} has no schedule: the graph runs only when executed",
                source=f"{src.graph} · schedule of {root.name}",
                blocking=True,
            )
        ]
    if root.state is TaskState.SUSPENDED:
        return []  # said above: a suspended root has no next run
    return [
        Fact(
            text=f"cannot tell from the API when it runs next: current-graphs lists no scheduled run "
            f"({root.schedule.describe()})",
            source=f"{src.current}",
            known=False,
        )
    ]
