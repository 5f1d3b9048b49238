"""Why an Airflow DAG or task did not run, or will not run next: facts from the REST API (v2 or v1).

The DAG (paused, stale, its next run, ``max_active_runs``), its queued and running runs, and in its
latest run the task instance's state with the scheduler's own dependency report
(``.../taskInstances/{task}/dependencies``: what stops it from being scheduled, in Airflow's words)
and, for one waiting for a slot, its pool. A DAG's own facts stop at its runs: the tasks of its latest
run that wait are named with Airflow's reasons.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from tui.backends.airflow import mapping, models
from tui.domain import Fact, GraphRun, Task
from tui.errors import BackendError, NotFoundError
from tui.plural import plural

if TYPE_CHECKING:
    from tui.backends.airflow.adapter import AirflowBackend
    from tui.backends.airflow.client import AirflowClient

# A task instance in one of these has not run yet in its run: ask the scheduler what it waits for.
WAITING = {"none", "scheduled", "queued", "up_for_reschedule", "deferred", "restarting", ""}
# Task instances of a DAG's latest run whose dependencies are asked for (one request each).
MAX_ASKED = 3
ACTIVE_RUNS = 100


def _get(path: str, fields: str) -> str:
    return f"GET {unquote(path)} · {fields}"


async def why_not_running(backend: AirflowBackend, task: Task) -> list[Fact]:
    client = await backend.client()
    dag_id, task_id = mapping.split_key(task.key)
    dag = mapping.parse(models.Dag, await client.get_dag(dag_id), "DAG")
    facts = _dag(client, dag)
    active = mapping.parse_runs(await client.list_runs(dag_id, ["queued", "running"], max_items=ACTIVE_RUNS))
    facts += _active(client, dag, active)
    latest = mapping.parse_runs(await client.list_runs(dag_id, None, max_items=1))
    if latest:
        if task_id is not None:
            facts += await _task_in_run(backend, client, dag_id, task_id, task, latest[0])
        else:
            facts += await _waiting_in_run(client, dag_id, latest[0])
    else:
        facts.append(Fact(text="it never ran: the server lists no run of it", source=_get(
            client.dag_path(dag_id, "/dagRuns"), "dag_runs")))  # fmt: skip
    facts += _next(client, dag)
    return facts


def _dag(client: AirflowClient, dag: models.Dag) -> list[Fact]:
    path = client.dag_path(dag.dag_id)
    facts = []
    if dag.is_paused:
        text = f"the DAG {dag.dag_id} is paused: the scheduler creates no runs and starts none it has"
        facts.append(Fact(text=text, source=_get(path, "is_paused"), blocking=True))
    if dag.is_stale or dag.is_active is False:
        field = "is_stale" if dag.is_stale else "is_active"
        text = "its DAG file no longer defines it (stale): the scheduler does not schedule it"
        facts.append(Fact(text=text, source=_get(path, field), blocking=True))
    if dag.has_import_errors:
        text = "its DAG file fails to import now: the scheduler runs the last version that loaded (I)"
        facts.append(Fact(text=text, source=_get(path, "has_import_errors")))
    return facts


def _active(client: AirflowClient, dag: models.Dag, active: list[GraphRun]) -> list[Fact]:
    running = [r for r in active if r.raw_state == "running"]
    queued = [r for r in active if r.raw_state == "queued"]
    source = f"{_get(client.dag_path(dag.dag_id, '/dagRuns'), 'state=queued,running')}"
    limit = dag.max_active_runs
    if limit and len(running) >= limit:
        waits = f"; {plural(len(queued), 'queued run')} wait" if queued else ""
        text = f"max_active_runs reached: {len(running)} of {limit} runs are running{waits}"
        source += f"; {_get(client.dag_path(dag.dag_id), 'max_active_runs')}"
        return [Fact(text=text, source=source, blocking=True)]
    facts = []
    if running:
        text = f"{plural(len(running), 'run')} of the DAG running now (max_active_runs {limit or '—'})"
        facts.append(Fact(text=text, source=source, when=running[0].started_time))
    if queued and not dag.is_paused:
        text = f"{plural(len(queued), 'run')} queued since {{when}}: waiting for the scheduler to start it"
        facts.append(Fact(text=text, source=source, when=queued[-1].scheduled_time))
    elif queued:
        text = f"{plural(len(queued), 'run')} queued, and stays queued while the DAG is paused"
        facts.append(Fact(text=text, source=source, blocking=True))
    return facts


def _next(client: AirflowClient, dag: models.Dag) -> list[Fact]:
    path = client.dag_path(dag.dag_id)
    field = "next_dagrun_run_after" if client.api == "v2" else "next_dagrun_create_after"
    when = mapping.next_run_time(dag)
    described = mapping.schedule(dag).describe()
    if (when is None and not described) or described in ("None", "none"):
        text = "it has no schedule: it runs only when triggered (x)"
        return [Fact(text=text, source=_get(path, "timetable_summary" if client.api == "v2" else
                                             "schedule_interval"), blocking=True)]  # fmt: skip
    if when is None:
        text = f"cannot tell from the API when it runs next ({described}): the server gives no next run"
        return [Fact(text=text, source=_get(path, field), known=False)]
    if dag.is_paused:
        text = f"its next scheduled run would be created {{when}} ({described}), once the DAG is unpaused"
        return [Fact(text=text, source=_get(path, field), when=when, due=True)]
    text = f"the next scheduled run is created {{when}} ({described})"
    return [Fact(text=text, source=_get(path, field), when=when, due=True)]


async def _task_in_run(
    backend: AirflowBackend, client: AirflowClient, dag_id: str, task_id: str, task: Task, run: GraphRun
) -> list[Fact]:
    path = client.task_instance_path(dag_id, run.run_id, task_id)
    try:
        ti = mapping.parse(
            models.TaskInstance, await client.get_task_instance(dag_id, run.run_id, task_id), "task instance"
        )
    except NotFoundError:
        text = f"it has no task instance in the latest run ({run.run_id}, {run.raw_state})"
        return [Fact(text=text, source=_get(path, "404"))]
    state = (ti.state or "none").lower()
    facts = [_ti_fact(ti, state, run, task, path)]
    if state == "up_for_retry":
        tries = await backend.task_tries(dag_id, run.run_id, task.key)
        nxt = next((t.next_retry_time for t in reversed(tries) if t.next_retry_time), None)
        text = "its next try starts {when}" if nxt else "cannot tell from the API when its next try starts"
        facts.append(Fact(text=text, source=_get(path + "/tries", "end_date; task retry_delay"),
                          known=nxt is not None, when=nxt, due=True))  # fmt: skip
    if state in WAITING:
        facts += await _dependencies(client, dag_id, run.run_id, task_id, "it")
    if state in ("queued", "scheduled"):
        facts += await _pool(client, task.pool or "default_pool")
    return facts


_TI_WORDS = {
    "upstream_failed": ("a task it waits for failed, and its trigger rule ({rule}) needs them to succeed",
                        True),
    "up_for_retry": ("its try {tries} failed; it waits to retry", True),
    "queued": ("queued: waiting for a worker slot", False),
    "scheduled": ("scheduled: waiting for the executor to queue it", False),
    "none": ("not scheduled yet in this run", False),
    "running": ("running now", False),
    "deferred": ("deferred: waiting for its trigger to fire", False),
    "up_for_reschedule": ("waiting for its sensor's next check", False),
    "skipped": ("skipped in this run (a branch or a short-circuit chose so)", True),
    "removed": ("removed: the DAG no longer has this task", True),
    "failed": ("failed in this run", False),
    "success": ("succeeded in this run", False),
}  # fmt: skip


def _ti_fact(ti: models.TaskInstance, state: str, run: GraphRun, task: Task, path: str) -> Fact:
    words, blocking = _TI_WORDS.get(state, (f"{state} in this run", False))
    tries = f"{ti.try_number or 0} of {ti.max_tries + 1}" if ti.max_tries is not None else str(ti.try_number)
    words = words.format(rule=task.trigger_rule or "all_success", tries=tries)
    when = ti.end_date or ti.start_date
    text = f"in the latest run ({run.run_id}, {run.raw_state or 'no state'}) it is {state}: {words}"
    if when is not None:
        text += " ({when})"
    return Fact(text=text, source=_get(path, "state, try_number, max_tries"), blocking=blocking, when=when)


async def _report(
    client: AirflowClient, dag_id: str, run_id: str, task_id: str, who: str
) -> tuple[list[tuple[str, str]], Fact | None]:
    """The scheduler's own report on one task instance: each dependency not met as (name, reason),
    or the fact that it could not be read."""
    path = client.task_instance_path(dag_id, run_id, task_id, "/dependencies")
    try:
        body = await client.dependencies(dag_id, run_id, task_id)
    except BackendError as exc:
        text = f"cannot tell from the API what {who} waits for: the dependency report failed ({exc})"
        return [], Fact(text=text, source=_get(path, "dependencies"), known=False)
    deps = body.get("dependencies") if isinstance(body, dict) else None
    if not isinstance(deps, list) or not deps:
        text = f"Airflow's dependency report lists nothing that stops {who}"
        return [], Fact(text=text, source=_get(path, "dependencies"))
    pairs = [(str(d.get("name", "")), str(d.get("reason", ""))) if isinstance(d, dict) else ("", repr(d))
             for d in deps]  # fmt: skip
    return pairs, None


async def _dependencies(
    client: AirflowClient, dag_id: str, run_id: str, task_id: str, who: str
) -> list[Fact]:
    """What one task instance waits for, in Airflow's words (shown inert)."""
    pairs, fact = await _report(client, dag_id, run_id, task_id, who)
    if fact is not None:
        return [fact]
    path = client.task_instance_path(dag_id, run_id, task_id, "/dependencies")
    source = _get(path, "dependencies[].name, reason")
    return [Fact(text=f"Airflow says {who} waits: {n}: {r}" if n else f"Airflow says {who} waits: {r}",
                 source=source, blocking=True) for n, r in pairs]  # fmt: skip


async def _pool(client: AirflowClient, name: str) -> list[Fact]:
    path = f"{client.base}/pools/{name}"
    try:
        pool: Any = await client.get_pool(name)
    except BackendError:
        return []  # a pool the user may not read: nothing said rather than a guess
    if not isinstance(pool, dict) or not isinstance(pool.get("open_slots"), int):
        return []
    slots, open_slots = pool.get("slots"), pool["open_slots"]
    if open_slots > 0:
        text = f"pool {name} has {open_slots} of {slots} slots open"
        return [Fact(text=text, source=_get(path, "open_slots, slots"))]
    text = f"pool {name} is full: 0 of {slots} slots open ({pool.get('queued_slots', '?')} queued)"
    return [Fact(text=text, source=_get(path, "open_slots, slots, queued_slots"), blocking=True)]


async def _waiting_in_run(client: AirflowClient, dag_id: str, run: GraphRun) -> list[Fact]:
    """A DAG's latest run: its state, and what its first waiting task instances wait for."""
    path = client.run_path(dag_id, run.run_id, "/taskInstances")
    tis = mapping.parse_list(models.TaskInstance, await client.list_task_instances(dag_id, run.run_id),
                             "task instances")  # fmt: skip
    states: dict[str, int] = {}
    for ti in tis:
        states[ti.state or "none"] = states.get(ti.state or "none", 0) + 1
    counts = ", ".join(f"{n} {s}" for s, n in sorted(states.items()))
    state = run.raw_state or "without a state"
    text = f"its latest run ({run.run_id}) is {state} {{when}}: {counts or 'no task instances'}"
    when = run.completed_time or run.started_time or run.scheduled_time
    facts = [Fact(text=text, source=_get(path, "state"), when=when,
                  blocking=states.get("upstream_failed", 0) > 0 and not run.state.is_finished)]  # fmt: skip
    if run.state.is_finished:
        return facts
    waiting = [ti for ti in tis if (ti.state or "none") in WAITING and ti.map_index < 0][:MAX_ASKED]
    said: dict[tuple[str, str], list[str]] = {}  # one reason many tasks give is said once, naming them
    for ti in waiting:
        pairs, fact = await _report(client, dag_id, run.run_id, ti.task_id, f"task {ti.task_id}")
        facts += [fact] if fact is not None else []
        for pair in pairs:
            said.setdefault(pair, []).append(ti.task_id)
    template = client.task_instance_path(dag_id, run.run_id, "TASK", "/dependencies")
    for (name, reason), ids in said.items():
        who = f"task {ids[0]} waits" if len(ids) == 1 else f"tasks {', '.join(ids)} wait"
        source = f"{_get(template, 'dependencies[].name, reason')} (TASK: {', '.join(ids)})"
        facts.append(Fact(text=f"Airflow says {who}: {name}: {reason}", source=source, blocking=True))
    return facts
