"""Why a Taipy scenario, sequence or task did not run, or will not run next: facts from Taipy REST.

Taipy REST has no schedule: a scenario (or a sequence, or one task) runs only when submitted. A job
waits BLOCKED until every data node it reads is written, and is ABANDONED when a job before it failed
or was cancelled. So the facts are the latest job of each task (from the job list: jobs name their task
config, not their task) and, for a waiting one, which of its input data nodes is not ready (never
written, or being written) and which task writes it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui.backends.taipy import mapping, models
from tui.domain import Fact, Task

if TYPE_CHECKING:
    from tui.backends.taipy.adapter import TaipyBackend, _Scene

JOBS = "GET /api/v1/jobs · status, creation_date"
NODES = "GET /api/v1/datanodes · last_edit_date, edit_in_progress"
TASKS = "GET /api/v1/tasks · input_ids, output_ids"


async def why_not_running(backend: TaipyBackend, task: Task) -> list[Fact]:
    scene = await backend._scene(jobs=True, nodes=True, cycles=True)
    found = backend._root(scene, task.root or task.key)
    tasks = backend._root_tasks(scene, found)
    mine = tasks if task.is_root else [t for t in tasks if t.id == task.key]
    facts = [_no_schedule(task)]
    subs = [sub for _, sub in backend._submissions(scene, found)]  # newest first
    for wire in mine:
        latest = next((s for s in subs if wire.config_id in s.configs), None)
        job = None
        if latest is not None:
            job = next(j for j in latest.jobs if mapping.config_of(j.id, "JOB") == wire.config_id)
        facts += _job(scene, tasks, wire, job, many=len(mine) > 1)
    return facts


def _no_schedule(task: Task) -> Fact:
    source = "Taipy REST: no schedule in any of its resources (scenarios, sequences, tasks)"
    if task.is_root:
        kind = str(task.extra.get("kind") or "scenario")
        text = f"Taipy has no schedule: this {kind} runs only when submitted (x)"
        return Fact(text=text, source=source, blocking=True)
    text = "it runs only when submitted: alone, in a sequence or with its scenario (Taipy has no schedule)"
    return Fact(text=text, source=source)


def _job(
    scene: _Scene, tasks: list[models.Task], wire: models.Task, job: models.Job | None, many: bool
) -> list[Fact]:
    name = wire.config_id
    who = f"task {name}" if many else "it"
    if job is None:
        return [Fact(text=f"{who} never ran: the server lists no job of it", source=JOBS)]
    status = mapping.word(job.status).upper()
    if status == "BLOCKED":
        waits = _inputs_not_ready(scene, tasks, wire, who)
        if waits:
            return waits
        text = f"cannot tell from the API why {who} is BLOCKED: every data node it reads is written"
        return [Fact(text=text, source=f"{JOBS}; {NODES}", known=False)]
    said = {
        "ABANDONED": (f"{who} was ABANDONED in its latest submission: a job before it failed or was "
                      "cancelled, so it did not run", True),
        "PENDING": (f"{who} is PENDING since {{when}}: ready, waiting for a free worker", False),
        "SUBMITTED": (f"{who} is SUBMITTED since {{when}}: not dispatched yet (a job created by POST "
                      "/jobs is never dispatched)", False),
        "RUNNING": (f"{who} is RUNNING now (submitted {{when}})", False),
        "FAILED": (f"{who} FAILED in its latest submission ({{when}}): its stack trace is its log", False),
    }  # fmt: skip
    text, blocking = said.get(status, (f"{who} last ended {status or 'without a status'} ({{when}})", False))
    return [Fact(text=text, source=JOBS, blocking=blocking, when=job.creation_date)]


def _inputs_not_ready(scene: _Scene, tasks: list[models.Task], wire: models.Task, who: str) -> list[Fact]:
    """A BLOCKED job's reasons: each data node it reads that is not written, and what writes it."""
    nodes = {d.id: d for d in scene.datanodes}
    facts = []
    for node_id in wire.input_ids:
        node = nodes.get(node_id)
        if node is None:
            text = f"cannot tell from the API whether data node {node_id} is ready: it is not listed"
            facts.append(Fact(text=text, source=NODES, known=False))
            continue
        if node.edit_in_progress:
            state = "is being written"
        elif node.last_edit_date is None:
            state = "was never written"
        else:
            continue
        writers = [t.config_id for t in tasks if node_id in t.output_ids]
        by = f" (by {' and '.join(writers)})" if writers else " (no task here writes it)"
        text = f"{who} is BLOCKED: it waits for data node {node.config_id}, which {state}{by}"
        facts.append(Fact(text=text, source=f"{JOBS}; {NODES}; {TASKS}", blocking=True))
    return facts
