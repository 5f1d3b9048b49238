"""TaipyBackend: the Backend protocol (plus task runs, logs and cancel) over Taipy REST (``/api/v1``).

Graphs are scenarios (and, as roots of their own, their sequences), tasks are Taipy tasks, graph runs are
submissions (jobs grouped by creation time: Taipy returns no submission id), task runs are jobs. Taipy
lists come whole, with no filters, so each read fetches the lists it needs and works from them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import anyio
import httpx

from tui import domain
from tui.action_plan import ActionKind, PlanFacts
from tui.backends.http import HttpClient, HttpSettings
from tui.backends.server_clock import ServerClock
from tui.backends.taipy import mapping, models
from tui.backends.taipy.client import TaipyClient
from tui.backends.taipy.explain import why_not_running
from tui.backends.taipy.wording import TaipyWording
from tui.errors import ConfigError, ConflictError, NotFoundError

_MAX_RUNS = 1000
LIST_TTL = 1.0  # seconds a list read is reused (see TaipyBackend.__init__)


@dataclass
class _Scene:
    """What one read fetched: scenarios and tasks (always), jobs, data nodes and cycles (when asked)."""

    scenarios: dict[str, models.Scenario]
    tasks: list[models.Task]
    jobs: list[models.Job] = field(default_factory=list)
    datanodes: list[models.DataNode] = field(default_factory=list)
    cycles: dict[str, models.Cycle] = field(default_factory=dict)

    def tasks_of(self, scenario_id: str) -> list[models.Task]:
        return [t for t in self.tasks if t.owner_id == scenario_id]

    def configs_of(self, scenario_id: str) -> frozenset[str]:
        return frozenset(t.config_id for t in self.tasks_of(scenario_id))


@dataclass(frozen=True)
class _Root:
    """A graph root: a scenario, or one of its sequences (``sequence`` its name)."""

    scenario: models.Scenario
    sequence: str | None
    task: domain.Task  # the root as the task list shows it


class TaipyBackend:
    """One connection to one Taipy REST server."""

    kind = "taipy"
    capabilities = domain.Capabilities(
        execute=True,
        retry_last=False,  # no failed run to retry: submit again
        suspend_resume=False,  # scenarios run only when submitted (Wording.absent_actions says why)
        task_runs=True,
        logs=True,
        scopes=False,
        trigger_conf=False,
        acts_on_graph=False,  # a scenario, a sequence or a single task is submitted as chosen
        batch_runs=True,  # one read of the whole job list answers for every graph (latest_runs)
        cancel=True,
        explain=True,
    )
    wording = TaipyWording()

    def __init__(
        self, http: HttpClient, *, list_ttl: float = LIST_TTL, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.http = http
        self.client = TaipyClient(http)
        # Taipy's lists come whole and its job list is slow (about 2.5 ms a job on the server: 0.8 s at
        # 316 jobs): a list read less than ``list_ttl`` seconds ago is reused, so the reads of one poll
        # (current runs, completed runs, a run's jobs) share one. Any action forgets them all.
        self._ttl = list_ttl
        self._clock = clock
        self._lists: dict[str, tuple[float, list[Any]]] = {}
        self._locks: dict[str, anyio.Lock] = {}
        # Taipy REST does not say its version (swagger.json's info.version is the API's "1.0.0").
        self.server_version: str | None = None

    @classmethod
    def connect(
        cls,
        url: str,
        auth: httpx.Auth | None = None,
        *,
        settings: HttpSettings | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        list_ttl: float = LIST_TTL,
        clock: Callable[[], float] = time.monotonic,
        **http_options: Any,
    ) -> TaipyBackend:
        """Build on a new HTTP client. ``url`` is the server's base URL (``http://host:5000``, without
        ``/api/v1``); ``auth`` is for a proxy in front (Taipy community REST has none); ``list_ttl``:
        how long a list read is reused (0: never)."""
        if not url:
            raise ConfigError("a Taipy backend needs a url")
        url = url.rstrip("/").removesuffix("/api/v1")
        http = HttpClient(url, auth=auth, settings=settings, transport=transport, **http_options)
        return cls(http, list_ttl=list_ttl, clock=clock)

    # ----------------------------------------------------------------------------- description

    @property
    def server_clock(self) -> ServerClock:
        return self.http.server_clock

    def ui_links(self, graph: domain.Task, run: domain.GraphRun | None = None) -> list[domain.UiLink]:
        return []  # Taipy has no standard UI: a scenario's pages are the application's own

    @property
    def location(self) -> str:
        return f"{self.http.redact(str(self.http.base_url)).rstrip('/')} (Taipy REST)"

    @property
    def request_rate(self) -> float | None:
        return self.http.settings.rate

    def __repr__(self) -> str:
        return f"TaipyBackend({self.location!r})"

    async def aclose(self) -> None:
        await self.http.aclose()

    # ----------------------------------------------------------------------------- fetching

    async def _list(self, name: str, model: type[Any], what: str) -> list[Any]:
        """One of Taipy's lists, parsed; reused for ``list_ttl`` seconds (concurrent readers share one
        request)."""
        lock = self._locks.setdefault(name, anyio.Lock())
        async with lock:
            cached = self._lists.get(name)
            if cached is not None and self._clock() - cached[0] < self._ttl:
                return cached[1]
            parsed = mapping.parse_list(model, await self.client.list(name), what)
            self._lists[name] = (self._clock(), parsed)
            return parsed

    def forget_lists(self) -> None:
        """Read every list afresh next time (after an action)."""
        self._lists.clear()

    async def _scene(self, *, jobs: bool = False, nodes: bool = False, cycles: bool = False) -> _Scene:
        scenarios = await self._list("scenarios", models.Scenario, "scenario list")
        scene = _Scene({s.id: s for s in scenarios}, await self._list("tasks", models.Task, "task list"))
        if jobs:
            scene.jobs = await self._list("jobs", models.Job, "job list")
        if nodes:
            scene.datanodes = await self._list("datanodes", models.DataNode, "data node list")
        if cycles:
            scene.cycles = {y.id: y for y in await self._list("cycles", models.Cycle, "cycles")}
        return scene

    def _root(self, scene: _Scene, key: str) -> _Root:
        listed = mapping.scenario_roots(list(scene.scenarios.values()), scene.tasks, scene.cycles)
        roots = {t.key: t for t in listed}
        task = roots.get(key) or _by_name(roots.values(), key)
        if task is None:
            alike = sorted(t.name for t in roots.values() if t.is_root and t.name.startswith(f"{key} "))
            alike = [n for n in alike if "/" not in n]
            if alike:  # several scenarios share the name: each is shown with the start of its uuid
                raise NotFoundError(f"several scenarios are called {key}: name one ({', '.join(alike)})")
            raise NotFoundError(f"Taipy has no scenario or sequence {key!r}", status=404)
        scenario = scene.scenarios[task.extra.get("scenario", task.key)]
        return _Root(scenario, task.extra.get("sequence"), task)

    def _root_tasks(self, scene: _Scene, root: _Root) -> list[models.Task]:
        tasks = scene.tasks_of(root.scenario.id)
        if root.sequence is None:
            return tasks
        seq = (root.scenario.sequences or {}).get(root.sequence)
        wanted = set(seq.tasks) if seq else set()
        return [t for t in tasks if t.id in wanted]

    # ----------------------------------------------------------------------------- reads

    async def list_tasks(self) -> list[domain.Task]:
        """Every scenario, each followed by its sequences, as roots (their tasks come with the graph)."""
        scene = await self._scene(cycles=True)
        return mapping.scenario_roots(list(scene.scenarios.values()), scene.tasks, scene.cycles)

    async def get_task(self, key: str) -> domain.Task:
        """A scenario, a sequence or a task, by id; a root also by its name as listed (``pipeline``,
        ``pipeline/head``), a task by ``SCENARIO/TASK`` (``pipeline/double``) as people type it."""
        if mapping.config_of(key, "TASK"):
            scene = await self._scene()
            owner = next((t.owner_id for t in scene.tasks if t.id == key), None)
            if owner is None:
                raise NotFoundError(f"Taipy has no task {key!r} in a scenario", status=404)
            return (await self.get_graph(owner)).tasks[key]
        scene = await self._scene(cycles=True)
        root_name, _, task_name = key.rpartition("/")
        try:
            return self._root(scene, key).task
        except NotFoundError:
            if not root_name:
                raise
        graph = await self.get_graph(self._root(scene, root_name).task.key)
        found = [t for t in graph.tasks.values() if t.name == task_name and not t.is_root]
        if len(found) != 1:
            raise NotFoundError(f"{root_name} has no task {task_name!r}", status=404)
        return found[0]

    async def get_graph(self, root: str) -> domain.Graph:
        scene = await self._scene(nodes=True, cycles=True)
        found = self._root(scene, root)
        graph = mapping.build_graph(found.task, self._root_tasks(scene, found), scene.datanodes)
        name = mapping.shown_names(list(scene.scenarios.values()))[found.scenario.id]
        tasks = {
            k: (t if t.is_root else t.model_copy(update={"extra": {**t.extra, "scenario_name": name}}))
            for k, t in graph.tasks.items()
        }
        return graph.model_copy(update={"tasks": tasks})

    async def _runs(self, root: str) -> list[domain.GraphRun]:
        """Every submission of ``root``, newest first."""
        scene = await self._scene(jobs=True, nodes=True)
        found = self._root(scene, root)
        return [run for run, _ in self._submissions(scene, found)]

    def _submissions(self, scene: _Scene, root: _Root) -> list[tuple[domain.GraphRun, mapping.Submission]]:
        sets = {sid: scene.configs_of(sid) for sid in scene.scenarios}
        tasks = self._root_tasks(scene, root)
        mine = frozenset(t.config_id for t in tasks)
        by_config = {t.config_id: t.id for t in tasks}
        names = {t.id: t.config_id for t in tasks}
        shown = mapping.shown_names(list(scene.scenarios.values()))
        groups = mapping.group_jobs(scene.jobs, sets.values())
        ends = mapping.job_ends(groups, scene.tasks, scene.datanodes, sets)
        out = []
        for sub in groups:
            if not sub.configs or not sub.configs <= mine:
                continue
            also = [shown[sid] for sid, s in sets.items() if sid != root.scenario.id and sub.configs <= s]
            out.append((mapping.graph_run(root.task.key, sub, by_config, names, also, ends), sub))
        out.reverse()
        return out

    async def latest_runs(
        self, roots: Sequence[str], *, with_current: bool = True
    ) -> dict[str, tuple[domain.GraphRun | None, list[domain.GraphRun]]]:
        """Every root's latest finished submission and its unfinished ones, from one read of the
        scenario, task and job lists (Taipy's lists come whole anyway): three requests for any number
        of graphs instead of six per graph. A root gone since the task list was read is left out."""
        scene = await self._scene(jobs=True, nodes=True, cycles=True)
        out: dict[str, tuple[domain.GraphRun | None, list[domain.GraphRun]]] = {}
        for key in roots:
            try:
                found = self._root(scene, key)
            except NotFoundError:
                continue
            runs = [run for run, _ in self._submissions(scene, found)]
            done = next((r for r in runs if r.state.is_finished), None)
            out[key] = (done, [r for r in runs if not r.state.is_finished] if with_current else [])
        return out

    async def current_runs(self, root: str, limit: int = 100) -> list[domain.GraphRun]:
        """Submissions with a job not finished yet (waiting or running), newest first."""
        return [r for r in await self._runs(root) if not r.state.is_finished][: _clamp(limit)]

    async def completed_runs(
        self, root: str, limit: int = 100, errors_only: bool = False
    ) -> list[domain.GraphRun]:
        runs = [r for r in await self._runs(root) if r.state.is_finished]
        if errors_only:
            runs = [r for r in runs if r.state.is_failure]
        return runs[: _clamp(limit)]

    async def _submission(self, root: str, run_id: str) -> tuple[_Scene, _Root, mapping.Submission]:
        scene = await self._scene(jobs=True, nodes=True)
        found = self._root(scene, root)
        for _, sub in self._submissions(scene, found):
            if sub.run_id == run_id:
                return scene, found, sub
        raise NotFoundError(
            f"{found.task.name} has no run {run_id!r} (jobs are kept until deleted)", status=404
        )

    async def task_runs(self, root: str, run_id: str) -> list[domain.TaskRun]:
        """The jobs of one submission, in data-flow order of their tasks."""
        scene, found, sub = await self._submission(root, run_id)
        tasks = self._root_tasks(scene, found)
        order = {t.id: i for i, t in enumerate(mapping.data_order(tasks)[0])}
        sets = {sid: scene.configs_of(sid) for sid in scene.scenarios}
        groups = mapping.group_jobs(scene.jobs, sets.values())
        ends = mapping.job_ends(groups, scene.tasks, scene.datanodes, sets)
        runs = mapping.task_runs(sub, {t.config_id: t.id for t in tasks}, ends)
        return sorted(runs, key=lambda r: order.get(r.task, len(order)))

    async def _job(self, root: str, run_id: str, task: str) -> models.Job:
        scene, found, sub = await self._submission(root, run_id)
        config = next((t.config_id for t in scene.tasks if t.id == task), task)
        for job in sub.jobs:
            if job.id == task or mapping.config_of(job.id, "JOB") == config:
                return job
        raise NotFoundError(f"run {run_id} of {found.task.name} has no job of {config}", status=404)

    async def run_log(
        self, root: str, run_id: str, task: str, try_number: int, continuation: str | None = None
    ) -> domain.LogChunk:
        """The job's stack trace: Taipy REST serves no task output (the log view says so)."""
        if task in (root, ""):
            return await self._run_summary(root, run_id)
        job = await self._job(root, run_id, task)
        return mapping.job_log(job)

    async def _run_summary(self, root: str, run_id: str) -> domain.LogChunk:
        scene, found, sub = await self._submission(root, run_id)
        runs = mapping.task_runs(sub, {t.config_id: t.config_id for t in self._root_tasks(scene, found)})
        lines = [f"submission {run_id} of {found.task.name} ({mapping.GROUPING_NOTE})"]
        width = max((len(r.task) for r in runs), default=0)
        lines += [
            f"  {r.task.ljust(width)}  {r.raw_state:<10} {j.id}" for r, j in zip(runs, sub.jobs, strict=True)
        ]
        return domain.LogChunk(lines=tuple(lines), note=mapping.LOG_NOTE)

    async def retry_preview(self, root: str) -> list[str]:
        raise ConflictError("Taipy keeps no failed run to retry: submit again")

    async def why_not_running(self, task: domain.Task) -> list[domain.Fact]:
        """Why ``task`` (a scenario, a sequence or a task) did not run: no schedule, its jobs' states,
        the data nodes a BLOCKED job waits for."""
        return await why_not_running(self, task)

    async def plan_facts(self, kind: ActionKind, task: domain.Task) -> PlanFacts:
        """Execute names what the submit runs (the graph); cancel names the task's newest unfinished job."""
        if kind is ActionKind.EXECUTE:
            return PlanFacts(graph=await self.get_graph(task.root) if task.is_root else None)
        if kind is ActionKind.CANCEL and not task.is_root:
            for run in await self.current_runs(task.root):
                for tr in await self.task_runs(task.root, run.run_id):
                    if tr.task == task.key and not tr.state.is_finished:
                        return PlanFacts(task_run=tr)
        return PlanFacts()

    async def list_scopes(self) -> list[str]:
        return []

    # ----------------------------------------------------------------------------- actions

    async def execute(self, key: str, retry_last: bool = False) -> str:
        """Submit a scenario, a sequence or a single task (by what ``key`` is)."""
        if retry_last:
            raise ConflictError("Taipy keeps no failed run to retry: submit again")
        task = await self.get_task(key)
        self.forget_lists()
        entity = {"scenario": "scenarios", "sequence": "sequences"}.get(str(task.extra.get("kind")), "tasks")
        body = await self.client.submit(entity, task.key)
        said = body.get("message") if isinstance(body, dict) else None
        return str(said or f"submitted {task.name}")

    async def cancel(self, root: str, run_id: str, task: str) -> str:
        """Cancel one job, then re-read it: Taipy answers 200 "was cancelled." to a RUNNING job and lets
        it run on (gotcha 11), so the job's own status is what is reported."""
        job = await self._job(root, run_id, task)
        self.forget_lists()
        await self.client.cancel(job.id)
        after = mapping.parse(models.Job, await self.client.job(job.id), "job")
        status = mapping.word(after.status)
        if mapping.job_state(after.status) is domain.RunState.CANCELLED:
            return f"job {job.id} cancelled (status {status})"
        raise ConflictError(
            f"Taipy said the job was cancelled, but it is {status}: only jobs that have not started "
            f"(SUBMITTED, BLOCKED, PENDING) can be cancelled; {job.id} goes on."
        )

    async def suspend(self, key: str) -> str:
        raise ConflictError(TaipyWording.absent_actions[ActionKind.SUSPEND])

    async def resume(self, key: str) -> str:
        raise ConflictError(TaipyWording.absent_actions[ActionKind.RESUME])


def _by_name(roots: Any, name: str) -> domain.Task | None:
    """The one root called ``name`` (None when none or several are)."""
    found = [t for t in roots if t.name == name]
    return found[0] if len(found) == 1 else None


def _clamp(limit: int) -> int:
    return max(1, min(int(limit), _MAX_RUNS))
