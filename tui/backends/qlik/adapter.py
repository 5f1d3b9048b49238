"""QlikBackend: the Backend protocol (plus task runs and logs) over Qlik Cloud's Tasks API.

Tasks are keyed by their Qlik id. A graph is a chain: tasks linked by events (mapping.py), its root the
task nothing triggers. A graph run is a chain run put together from task runs by time (chains.py); a
task run is a Qlik run (OrchRun). The scheduling API's graph endpoint is used where the tenant has it
(asked once; a 404 there while the task exists means it does not, and the task list is used instead).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import httpx

from tui import domain
from tui.action_plan import ActionKind, PlanFacts
from tui.backends.http import HttpClient, HttpSettings
from tui.backends.qlik import chains, mapping, models
from tui.backends.qlik.client import PAGE_LIMIT, QlikClient
from tui.backends.qlik.explain import why_not_running
from tui.backends.qlik.wording import QlikWording
from tui.backends.server_clock import ServerClock
from tui.errors import ConfigError, ConflictError, NotFoundError

_MAX_RUNS = 100  # runs of a chain's first task one view asks for at most
_FIND_PAGES = 20  # pages of a task's runs searched for one run id


def _older_than(moment: datetime | None) -> Callable[[list[Any]], bool]:
    """A stop for a newest-first run list: the page reached runs that started before ``moment``."""

    def stop(page: list[Any]) -> bool:
        if moment is None:
            return False
        last = mapping.parse(models.OrchRun, page[-1], "run")
        return last.started_at is not None and last.started_at < moment

    return stop


class QlikBackend:
    """One connection to one Qlik Cloud tenant (with an API key)."""

    kind = "qlik"
    capabilities = domain.Capabilities(
        execute=True,
        retry_last=False,
        suspend_resume=True,
        task_runs=True,
        logs=True,
        scopes=False,
        trigger_conf=False,
        acts_on_graph=False,
        batch_runs=False,
        cancel=False,
        explain=True,
    )
    wording = QlikWording()

    def __init__(self, http: HttpClient, *, apps: tuple[str, ...] = (), page_limit: int = PAGE_LIMIT) -> None:
        self.http = http
        self.client = QlikClient(http, page_limit)
        self.apps = tuple(apps)
        self.graph_api: bool | None = None  # the scheduling API's graph endpoint: unknown until asked
        self._roots: dict[str, str] = {}  # task id -> its chain's root, from the last task list
        self._tasks: dict[str, domain.Task] = {}  # the tasks as last read (edges, enabled)
        self._member_runs: dict[tuple[str, str], models.OrchRun] = {}  # (chain run id, task id) -> its run

    @classmethod
    def connect(
        cls,
        url: str,
        auth: httpx.Auth | None = None,
        *,
        settings: HttpSettings | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        apps: tuple[str, ...] = (),
        page_limit: int = PAGE_LIMIT,
        **http_options: Any,
    ) -> QlikBackend:
        """Build on a new HTTP client. ``url`` is the tenant (``https://tenant.eu.qlikcloud.com``); ``apps``
        lists tasks per app (resourceId), as tenants that require it need."""
        if not url:
            raise ConfigError("a Qlik backend needs the tenant url")
        http = HttpClient(url, auth=auth, settings=settings, transport=transport, **http_options)
        return cls(http, apps=apps, page_limit=page_limit)

    # ----------------------------------------------------------------------------- description

    @property
    def server_clock(self) -> ServerClock:
        return self.http.server_clock

    def ui_links(self, graph: domain.Task, run: domain.GraphRun | None = None) -> list[domain.UiLink]:
        from tui.backends.ui_links import qlik

        return qlik(str(self.http.base_url), graph)

    @property
    def location(self) -> str:
        return f"{self.http.redact(str(self.http.base_url)).rstrip('/')} (Qlik Cloud)"

    @property
    def request_rate(self) -> float | None:
        return self.http.settings.rate

    def __repr__(self) -> str:
        return f"QlikBackend({self.location!r})"

    async def aclose(self) -> None:
        await self.http.aclose()

    async def list_scopes(self) -> list[str]:
        return []

    # ----------------------------------------------------------------------------- tasks and chains

    async def _wire_tasks(self) -> list[models.Task]:
        if not self.apps:
            return mapping.parse_list(models.Task, await self.client.list_tasks(), "task list")
        seen: dict[str, models.Task] = {}
        for app in self.apps:
            for task in mapping.parse_list(models.Task, await self.client.list_tasks(app), "task list"):
                seen.setdefault(task.id, task)
        return list(seen.values())

    async def list_tasks(self) -> list[domain.Task]:
        wire = await self._wire_tasks()
        self._roots = mapping.chain_roots(wire)
        tasks = mapping.to_tasks(wire)
        self._tasks = {t.key: t for t in tasks}
        return tasks

    async def get_task(self, key: str) -> domain.Task:
        """The task with id ``key``, or (for people at a command line) the one task named ``key``."""
        if key not in self._roots:
            await self.list_tasks()
        named = [k for k, t in self._tasks.items() if t.name == key]
        if key not in self._roots and len(named) == 1:
            key = named[0]
        elif key not in self._roots and named:
            raise ConflictError(
                f"{len(named)} tasks are named {key!r}: give the task id ({', '.join(named)})"
            )
        if key not in self._roots:  # not in the listed apps: a chain of its own as far as we can see
            task = mapping.parse(models.Task, await self.client.get_task(key), "task")
            return mapping.to_task(task, key, {})
        graph = await self.get_graph(self._roots[key])
        found = graph.tasks.get(key)
        if found is None:  # it left its chain since the list was read
            self._roots.clear()
            return await self.get_task(key)
        return found

    async def get_graph(self, root: str) -> domain.Graph:
        wire = await self._chain(root)
        roots = mapping.chain_roots(wire)
        self._roots.update(roots)
        names = {t.id: t.name for t in wire}
        tasks = {t.id: mapping.to_task(t, roots[t.id], names) for t in wire}
        self._tasks.update(tasks)
        head = roots.get(root, root)
        return domain.Graph(root=head, tasks={k: v for k, v in tasks.items() if v.root == head})

    async def _chain(self, root: str) -> list[models.Task]:
        """The tasks connected to ``root``: the scheduling API's subgraph, or the task list."""
        if self.graph_api is not False:
            try:
                body = await self.client.subgraph(root)
            except NotFoundError:
                if self.graph_api is None:
                    await self.client.get_task(root)  # a 404 here: the task itself is gone
                    self.graph_api = False
            else:
                self.graph_api = True
                vertices = body.get("vertices") if isinstance(body, dict) else None
                if not isinstance(vertices, list):
                    raise mapping.ProtocolError("unexpected task graph from server: no 'vertices' list")
                return mapping.parse_list(models.Task, [v.get("task") for v in vertices], "task graph")
        wire = await self._wire_tasks()
        roots = mapping.chain_roots(wire)
        if root not in roots:
            raise NotFoundError(f"no task {root!r} on this tenant", status=404)
        return [t for t in wire if roots[t.id] == roots[root]]

    # ----------------------------------------------------------------------------- runs

    async def _runs(self, task_id: str, since: datetime | None) -> list[models.OrchRun]:
        payload = await self.client.runs(task_id, _older_than(since))
        return [r for r in mapping.parse_list(models.OrchRun, payload, "run list")
                if since is None or r.started_at is None or r.started_at >= since]  # fmt: skip

    async def _members(self, root: str) -> tuple[str, list[str]]:
        """The chain's root and its other tasks: from the last task list (read every poll anyway), so a
        run read costs no list of its own; from the chain itself when the list has not seen it."""
        head = self._roots.get(root)
        if head is None:
            head = (await self.get_graph(root)).root
        return head, [key for key, of in self._roots.items() if of == head and key != head]

    async def _chain_runs(self, root: str, count: int) -> list[chains.ChainRun]:
        head, others = await self._members(root)
        payload = await self.client.runs(head, limit=count, stop=lambda page: True)
        root_runs = mapping.parse_list(models.OrchRun, payload, "run list")[:count]
        start = chains.since(root_runs)
        if start is None:  # the chain never ran (or its runs carry no start): nothing to group
            return []
        members = {key: await self._runs(key, start) for key in others}
        grouped = chains.group(root_runs, members)
        for chain in grouped:
            for task_id, run in chain.members.items():
                self._member_runs[(chain.root.id, task_id)] = run
        return grouped

    async def _graph_runs(self, root: str, count: int) -> list[domain.GraphRun]:
        """The chain's latest ``count`` runs, newest first. The newest is still going while a task it
        fired has not started yet (Qlik starts it a moment after the event): not over, not succeeded."""
        grouped = await self._chain_runs(root, count)
        _, others = await self._members(root)
        chain_tasks = {k: self._tasks[k] for k in others if k in self._tasks}
        return [
            chains.to_graph_run(c, root, chains.waiting(c, chain_tasks) if n == 0 else ())
            for n, c in enumerate(grouped)
        ]

    async def current_runs(self, root: str, limit: int = 100) -> list[domain.GraphRun]:
        """Chain runs with a task still running, newest first (Qlik queues nothing and shows no next run)."""
        runs = await self._graph_runs(root, 2)
        return [r for r in runs if not r.state.is_finished][:limit]

    async def completed_runs(
        self, root: str, limit: int = 100, errors_only: bool = False
    ) -> list[domain.GraphRun]:
        count = max(1, min(_MAX_RUNS, limit * (5 if errors_only else 1) + 1))
        runs = await self._graph_runs(root, count)
        done = [r for r in runs if r.state.is_finished and (r.state.is_failure or not errors_only)]
        return done[:limit]

    async def task_runs(self, root: str, run_id: str) -> list[domain.TaskRun]:
        """The runs of the chain's tasks in chain run ``run_id`` (its first task's run id)."""
        head, others = await self._members(root)
        pages = [0]

        def stop(page: list[Any]) -> bool:  # found it, or searched far enough back
            pages[0] += 1
            return any(isinstance(r, dict) and r.get("id") == run_id for r in page) or pages[0] >= _FIND_PAGES

        payload = await self.client.runs(head, stop)
        root_runs = mapping.parse_list(models.OrchRun, payload, "run list")
        at = next((i for i, r in enumerate(root_runs) if r.id == run_id), None)
        if at is None:
            raise NotFoundError(f"no run {run_id!r} of the chain's first task {head!r}", status=404)
        window = root_runs[max(0, at - 1) : at + 1]  # the run and the next one, which ends its window
        start = root_runs[at].started_at
        members = {key: await self._runs(key, start) for key in others}
        chain = next(c for c in chains.group(window, members) if c.root.id == run_id)
        for task_id, run in chain.members.items():
            self._member_runs[(run_id, task_id)] = run
        out = [mapping.to_task_run(r, run_id) for r in chain.runs]
        pending = chains.waiting(chain, {k: self._tasks[k] for k in others if k in self._tasks})
        if chains.to_graph_run(chain, root, pending if at == 0 else ()).state.is_finished:
            # Over: a task with no run in it never got the event that fires it (its upstream failed,
            # or it was disabled), so it did not run, rather than "unknown".
            out += [
                domain.TaskRun(
                    task=key, graph_run=run_id, state=domain.RunState.NOT_RUN, raw_state="did not run"
                )
                for key in others
                if key not in chain.members
            ]
        return out

    async def _member_run(self, root: str, run_id: str, task: str) -> models.OrchRun | None:
        if (run_id, task) not in self._member_runs:
            await self.task_runs(root, run_id)
        return self._member_runs.get((run_id, task))

    async def run_log(
        self, root: str, run_id: str, task: str, try_number: int, continuation: str | None = None
    ) -> domain.LogChunk:
        """The log of ``task``'s run in chain run ``run_id`` (Qlik runs have one try). While the run goes
        on, ``continuation`` is how many lines were already given: the next call returns the rest."""
        head, _ = await self._members(root)
        if task in (head, ""):
            run_ref: str | None = run_id
            task = head
        else:
            member = await self._member_run(root, run_id, task)
            run_ref = member.id if member is not None else None
        if run_ref is None:
            raise NotFoundError(f"task {task} did not run in chain run {run_id}", status=404)
        response = await self.client.run_log(task, run_ref)
        body = response.json() if "json" in response.headers.get("content-type", "") else None
        lines = mapping.parse_log(response.headers.get("content-type", ""), body, response.text)
        running = await self._still_running(task, run_ref)
        offset = int(continuation) if continuation and continuation.isdigit() else 0
        return domain.LogChunk(
            lines=tuple(lines[offset:]),
            continuation=str(len(lines)) if running else None,
            finished=not running,
        )

    async def _still_running(self, task: str, run_id: str) -> bool:
        payload = await self.client.runs(task, lambda page: any(r.get("id") == run_id for r in page), 20)
        run = next(
            (r for r in mapping.parse_list(models.OrchRun, payload, "run list") if r.id == run_id), None
        )
        return run is not None and mapping.run_state(run.status) is domain.RunState.EXECUTING

    # ----------------------------------------------------------------------------- actions

    async def why_not_running(self, task: domain.Task) -> list[domain.Fact]:
        """Why ``task`` did not run or will not run next: enabled, its chain, what fires it."""
        return await why_not_running(self, task)

    async def plan_facts(self, kind: ActionKind, task: domain.Task) -> PlanFacts:
        """A start says what is chained after the task; the rest need nothing beforehand."""
        if kind is not ActionKind.EXECUTE:
            return PlanFacts()
        return PlanFacts(graph=await self.get_graph(task.root))

    async def execute(self, key: str, retry_last: bool = False) -> str:
        """Start the task now (source=manual). Qlik returns no run id: the new run is its ``runs/last``
        when that changed, else the message says it could not be identified."""
        if retry_last:
            raise ConflictError("Qlik Cloud has no retry of a failed run: start the task again")
        before = await self.client.last_run(key)
        await self.client.start(key, "manual")
        after = await self.client.last_run(key)
        task = mapping.parse(models.Task, await self.client.get_task(key), "task")
        if after is not None and (before is None or after.get("id") != before.get("id")):
            run = mapping.parse(models.OrchRun, after, "run")
            return f"started task {task.name}: run {run.id} ({run.status or 'no status'})"
        return (
            f"started task {task.name}; its new run could not be identified yet (Qlik returns no run id, "
            "and its latest run is still the one before): look at its runs in a moment"
        )

    async def _set_enabled(self, key: str, enabled: bool) -> str:
        body = await self.client.get_task(key)
        if not isinstance(body, dict):
            raise mapping.ProtocolError("unexpected task from server: not an object")
        name = mapping.parse(models.Task, body, "task").name
        if body.get("enabled") is enabled:
            return f"task {name} is already {'enabled' if enabled else 'disabled'}"
        task = mapping.parse(
            models.Task, await self.client.put_task(key, {**body, "enabled": enabled}), "task"
        )
        owner = task.metadata.owner_id or "you"
        state = "enabled" if task.enabled else "disabled"
        return f"task {task.name} is {state}; Qlik made {owner} its owner"

    async def suspend(self, key: str) -> str:
        return await self._set_enabled(key, False)

    async def resume(self, key: str) -> str:
        return await self._set_enabled(key, True)
