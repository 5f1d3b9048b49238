"""Why a Qlik Cloud task did not run, or will not run next: facts from the Tasks API.

A task runs on its schedule, when started, or when the tasks it listens to end as its events say
(``com.qlik.v1.task.run.finished`` with an ``id`` and a ``status``; ``exclusive``: any one fires it,
else all must). So the facts are: is it enabled (and if not, Qlik's ``disabledCode``), are the tasks
before it in the chain enabled, how did its direct predecessors last end against what fires it, and
its schedule. Qlik's v1 task carries its schedule's rule, not its next time: that is said, not guessed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui.backends.qlik import mapping, models
from tui.backends.qlik.client import SCHEDULING, V1
from tui.domain import Fact, Graph, RunState, Task, TaskState

if TYPE_CHECKING:
    from tui.backends.qlik.adapter import QlikBackend

# metadata.disabledCode, in words (qlik-api types: the v1 codes, then the scheduling API's).
DISABLED_WHY = {
    "MANUALLY": "someone turned it off",
    "CONSECUTIVE-FAILURES": "Qlik turned it off after it failed several times in a row",
    "APP-SCRIPT-UPDATED": "Qlik turned it off because its app's load script changed",
    "OWNER-DELETED": "Qlik turned it off because its owner was deleted",
    "OWNER-DISABLED": "Qlik turned it off because its owner was disabled",
    "APP-MOVED-SPACE": "Qlik turned it off because its app moved to another space",
    "OWNER-MOVED": "Qlik turned it off because its owner moved",
}
# Direct predecessors whose last run is read (one request each): a chain's fan-in is small.
MAX_PREDECESSORS = 10


async def why_not_running(backend: QlikBackend, task: Task) -> list[Fact]:
    graph = await backend.get_graph(task.root or task.key)
    listed = f"GET {SCHEDULING}/{graph.root}/graphs/subgraph" if backend.graph_api else f"GET {V1}"
    me = graph.tasks.get(task.key, task)
    facts = _enabled(graph, me, listed)
    facts += await _predecessors(backend, graph, me, listed)
    facts += _schedule(me, listed)
    return facts


def _disabled(task: Task, who: str) -> str:
    code = task.state_reason
    why = DISABLED_WHY.get(code or "", "") if code else "Qlik gives no disabledCode"
    said = f"disabledCode {code}" + (f": {why}" if why else "") if code else why
    return f"{who} disabled ({said})"


def _ancestors(graph: Graph, task: Task) -> list[Task]:
    seen: list[Task] = []
    stack = list(task.predecessors)
    while stack:
        found = graph.tasks.get(stack.pop(0))
        if found is not None and found not in seen and found.key != task.key:
            seen.append(found)
            stack.extend(found.predecessors)
    return seen


def _enabled(graph: Graph, me: Task, listed: str) -> list[Fact]:
    source = f"{listed} · enabled, metadata.disabledCode"
    facts = []
    if me.state is TaskState.SUSPENDED:
        facts.append(Fact(text=_disabled(me, "it is"), source=source, blocking=True))
    any_one = bool(me.extra.get("exclusive"))
    direct = set(me.predecessors)
    enabled_direct = [p for p in me.predecessors if _on(graph, p)]
    for before in _ancestors(graph, me):
        if before.state is not TaskState.SUSPENDED:
            continue
        if before.key in direct and any_one and enabled_direct:
            text = (
                f"{_disabled(before, f'predecessor {before.name} is')}: its end never comes, but any one "
                f"of its predecessors fires {me.name}"
            )
            facts.append(Fact(text=text, source=source))
            continue
        where = "predecessor" if before.key in direct else "earlier in the chain,"
        text = (
            f"{_disabled(before, f'{where} {before.name} is')}: it will not run again until enabled, "
            f"so the events that would fire {me.name} do not come"
        )
        facts.append(Fact(text=text, source=source, blocking=not any_one or not enabled_direct))
    return facts


def _on(graph: Graph, key: str) -> bool:
    found = graph.tasks.get(key)
    return found is not None and found.state is not TaskState.SUSPENDED


async def _predecessors(backend: QlikBackend, graph: Graph, me: Task, listed: str) -> list[Fact]:
    """What fires it, and how each task it listens to last ended."""
    if not me.predecessors:
        return []
    condition = me.condition or "when its predecessors end"
    facts = [
        Fact(
            text=f"it runs {condition if condition.startswith('on ') else 'when ' + condition}",
            source=f"{listed} · events[].correlation (id, status), states[].exclusive",
        )
    ]
    any_one = bool(me.extra.get("exclusive"))
    fired = 0
    for key in me.predecessors[:MAX_PREDECESSORS]:
        before = graph.tasks.get(key)
        name = before.name if before is not None else key
        when = me.edge_conditions.get(key, mapping.ANY_OUTCOME)
        source = f"GET {V1}/{key}/runs/last · status, endedAt"
        body = await backend.client.last_run(key)
        if body is None:
            facts.append(Fact(text=f"predecessor {name} never ran: its end has not fired {me.name}",
                              source=source, blocking=not any_one))  # fmt: skip
            continue
        run = mapping.parse(models.OrchRun, body, "run")
        state = mapping.run_state(run.status)
        status = run.status or "no status"
        if not state.is_finished:
            text = f"predecessor {name} is {status} now (since {{when}}): {me.name} fires {when} of it"
            facts.append(Fact(text=text, source=source, when=run.started_at))
        elif not _fires(when, state):
            text = f"predecessor {name} last ended {status} {{when}}: {me.name} fires only {when}"
            facts.append(Fact(text=text, source=source, blocking=not any_one, when=run.ended_at))
        else:
            fired += 1
            text = f"predecessor {name} last ended {status} {{when}}, which fires {me.name} ({when})"
            facts.append(Fact(text=text, source=source, when=run.ended_at))
    if any_one and not fired and len(me.predecessors) <= MAX_PREDECESSORS:
        text = f"none of its predecessors last ended as {me.name} needs: nothing has fired it"
        facts.append(Fact(text=text, source=f"GET {V1}/{{id}}/runs/last of each predecessor", blocking=True))
    return facts


def _fires(when: str, state: RunState) -> bool:
    if when == "on success":
        return state is RunState.SUCCEEDED
    if when == "on failure":
        return state.is_failure
    return True


def _schedule(me: Task, listed: str) -> list[Fact]:
    if me.predecessors:
        return []
    source = f"{listed} · start.schedule"
    described = me.schedule.describe()
    if not described:
        text = "it has no schedule and no task triggers it: it runs only when started"
        return [Fact(text=text, source=source, blocking=True)]
    return [
        Fact(
            text=f"cannot tell from the API when it runs next: its schedule is {described} (Qlik's "
            "v1 task carries the rule, not the next time)",
            source=source,
            known=False,
        )
    ]
