"""AirflowBackend: the Backend protocol (plus task runs, logs and retry preview) over Airflow's REST API.

One adapter, two API versions: on first use it probes ``/api/v2/version`` (Airflow 3) then
``/api/v1/version`` (Airflow 2) and speaks whichever answered. Graphs are DAGs (root key ``dag_id``,
task keys ``dag_id/task_id``), graph runs are DAG runs, task runs are task instances.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import anyio
import httpx

from tui import domain
from tui.action_plan import ActionKind, PlanFacts
from tui.backends.airflow import mapping, models
from tui.backends.airflow.auth import LoginAuth
from tui.backends.airflow.client import PAGE_LIMIT, AirflowClient, Api
from tui.backends.airflow.explain import why_not_running
from tui.backends.airflow.log_error import exception_of
from tui.backends.airflow.run_actions import AirflowRunActions
from tui.backends.airflow.wording import AirflowWording, plan_facts
from tui.backends.http import HttpClient, HttpSettings
from tui.backends.server_clock import ServerClock
from tui.errors import BackendError, ConfigError, ConflictError, NotFoundError
from tui.plural import plural

_MAX_RUNS = 1000
# Pages of a batch read of latest runs before the DAGs still unseen are asked one by one.
_BATCH_PAGES = 5
# What a failed-only clear takes (with include_downstream, what waits on a failure too).
_CLEARED_STATES = {domain.RunState.FAILED, domain.RunState.UPSTREAM_FAILED}
# A list this long is validated and mapped on a worker thread: ~30 ms per 1,000 task instances
# (pydantic over the list, then the domain objects; 1.5 s for 50,000, measured) would otherwise stall
# the console's keys.
# Shorter ones are parsed in place: a thread hop costs more than they do.
OFF_LOOP_ITEMS = 500
# Logs read per ``with_errors`` call (the rest wait for a later call): a screen of failed runs costs
# a bounded number of requests, and each (run, task, try) is read once (``_exceptions``).
ERROR_LOGS_PER_CALL = 10
_ERROR_LOG_PAGES = 5  # pages of one log followed to its end (the traceback is at the end)
_EXCEPTIONS_KEPT = 1000

R = TypeVar("R")


async def parsed(parse: Callable[[list[Any]], R], items: Any) -> R:
    """``parse(items)``: on a worker thread when ``items`` is a long list, else right here."""
    if isinstance(items, list) and len(items) >= OFF_LOOP_ITEMS:
        return await anyio.to_thread.run_sync(parse, items)
    return parse(items)


def _dags(payload: Any) -> tuple[list[models.Dag], list[domain.Task]]:
    """The DAG list as the server's models and as root tasks."""
    wire = mapping.parse_list(models.Dag, payload, "DAG list")
    return wire, [mapping.dag_to_task(dag) for dag in wire]


class AirflowBackend(AirflowRunActions):
    """One connection to one Airflow webserver / API server."""

    kind = "airflow"
    capabilities = domain.Capabilities(
        execute=True,
        retry_last=True,
        suspend_resume=True,
        task_runs=True,
        logs=True,
        scopes=False,
        trigger_conf=True,
        acts_on_graph=True,
        batch_runs=True,
        batch_task_runs=True,
        run_errors=True,
        tries=True,
        import_errors=True,
        run_actions=True,
        explain=True,
    )

    wording = AirflowWording()  # what dagtop says about this backend's tasks and actions

    def __init__(
        self, http: HttpClient, *, api: Api | None = None, page_limit: int = PAGE_LIMIT, batch: bool = True
    ) -> None:
        if not batch:  # one request per DAG (and per run), as a replay of per-DAG recordings expects
            self.capabilities = self.capabilities.model_copy(
                update={"batch_runs": False, "batch_task_runs": False}
            )
        self.http = http
        self._api: Api | None = api
        self._page_limit = page_limit
        self._client: AirflowClient | None = AirflowClient(http, api, page_limit) if api else None
        self.server_version: str | None = None
        self._lock = anyio.Lock()
        self._dags: dict[str, models.Dag] = {}  # the last DAG list: next run times for batch reads
        # The exception of each (dag, run, task, try) read from its log; None: its log has none.
        self._exceptions: dict[tuple[str, str, str, int], str | None] = {}

    @classmethod
    def connect(
        cls,
        url: str,
        auth: httpx.Auth | None = None,
        *,
        settings: HttpSettings | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        api: Api | None = None,
        page_limit: int = PAGE_LIMIT,
        batch: bool = True,
        **http_options: Any,
    ) -> AirflowBackend:
        """Build on a new HTTP client. ``url`` is the Airflow base URL (``http://host:8080``);
        ``api`` pins "v1"/"v2" instead of probing; ``batch=False`` reads runs DAG by DAG (no ``~`` batch
        reads); ``http_options`` go to HttpClient."""
        if not url:
            raise ConfigError("an Airflow backend needs a url")
        http = HttpClient(url, auth=auth, settings=settings, transport=transport, **http_options)
        return cls(http, api=api, page_limit=page_limit, batch=batch)

    # ----------------------------------------------------------------------------- description

    @property
    def server_clock(self) -> ServerClock:
        """The server's time, from its Date headers (the UI corrects its "ago" for clock skew)."""
        return self.http.server_clock

    def ui_links(self, graph: domain.Task, run: domain.GraphRun | None = None) -> list[domain.UiLink]:
        from tui.backends.ui_links import airflow

        return airflow(str(self.http.base_url), self.server_version, graph, run)

    @property
    def location(self) -> str:
        url = self.http.redact(str(self.http.base_url)).rstrip("/")
        return f"{url} (Airflow {self.server_version})" if self.server_version else url

    @property
    def request_rate(self) -> float | None:
        return self.http.settings.rate

    @property
    def api(self) -> Api | None:
        return self._api

    def __repr__(self) -> str:
        return f"AirflowBackend({self.location!r})"

    async def aclose(self) -> None:
        await self.http.aclose()

    async def client(self) -> AirflowClient:
        """The endpoint client, probing the API version on first use."""
        if self._client is not None:
            return self._client
        async with self._lock:
            if self._client is None:
                api, version = await AirflowClient.probe(self.http)
                self._api = api
                if isinstance(version, dict) and isinstance(version.get("version"), str):
                    self.server_version = version["version"]
                auth = getattr(self.http, "_auth", None)
                if isinstance(auth, LoginAuth):
                    auth.mode = "jwt" if api == "v2" else "basic"
                self._client = AirflowClient(self.http, api, self._page_limit)
        return self._client

    @staticmethod
    def _split(key: str) -> tuple[str, str | None]:
        try:
            return mapping.split_key(key)
        except ValueError as exc:
            raise ConfigError(str(exc)) from None

    # ----------------------------------------------------------------------------- reads

    async def list_tasks(self) -> list[domain.Task]:
        """Every DAG, as the root task of its graph (tasks inside a DAG come with ``get_graph``)."""
        client = await self.client()
        wire, tasks = await parsed(_dags, await client.list_dags())
        self._dags = {dag.dag_id: dag for dag in wire}
        return tasks

    async def _dag(self, dag_id: str) -> tuple[models.Dag, domain.Task]:
        client = await self.client()
        wire = mapping.parse(models.Dag, await client.get_dag(dag_id), "DAG")
        return wire, mapping.dag_to_task(wire)

    async def get_task(self, key: str) -> domain.Task:
        dag_id, task_id = self._split(key)
        if task_id is None:  # one DAG on its own: its details, which carry its doc_md
            client = await self.client()
            return mapping.dag_to_task(
                mapping.parse(models.Dag, await client.get_dag_details(dag_id), "DAG details")
            )
        graph = await self.get_graph(dag_id)
        task = graph.tasks.get(mapping.task_key(dag_id, task_id))
        if task is None:
            raise NotFoundError(f"DAG {dag_id!r} has no task {task_id!r}", status=404)
        return task

    async def get_graph(self, root: str) -> domain.Graph:
        dag_id, _ = self._split(root)
        client = await self.client()
        _, dag = await self._dag(dag_id)
        return await parsed(lambda tasks: mapping.build_graph(dag, tasks), await client.list_tasks(dag_id))

    async def current_runs(self, root: str, limit: int = 100) -> list[domain.GraphRun]:
        """Queued and running DAG runs (newest first), then the next scheduled one if any."""
        dag_id, _ = self._split(root)
        client = await self.client()
        wire, _ = await self._dag(dag_id)
        runs = mapping.parse_runs(
            await client.list_runs(dag_id, ["queued", "running"], max_items=_clamp(limit))
        )
        upcoming = mapping.next_scheduled_run(wire)
        if upcoming is not None and len(runs) < limit:
            runs.append(upcoming)
        return runs

    async def completed_runs(
        self, root: str, limit: int = 100, errors_only: bool = False
    ) -> list[domain.GraphRun]:
        """Finished DAG runs, newest first: success and failed, or failed only."""
        dag_id, _ = self._split(root)
        client = await self.client()
        states = ["failed"] if errors_only else ["success", "failed"]
        runs = await parsed(
            mapping.parse_runs, await client.list_runs(dag_id, states, max_items=_clamp(limit))
        )
        return await self._with_first_errors(dag_id, runs)

    async def latest_runs(
        self, roots: Sequence[str], *, with_current: bool = True
    ) -> dict[str, tuple[domain.GraphRun | None, list[domain.GraphRun]]]:
        """Many DAGs' latest completed runs (first errors named) and current runs in a few batch
        requests (``~`` as the DAG id), instead of two or three per DAG."""
        client = await self.client()
        dag_ids = list(dict.fromkeys(self._split(root)[0] for root in roots))
        latest = await self._latest_completed(client, dag_ids)
        current: dict[str, list[domain.GraphRun]] = {dag_id: [] for dag_id in dag_ids}
        if with_current:
            offset = 0
            while True:  # queued and running runs are few: page through them all
                body = await client.batch_runs(dag_ids, ["queued", "running"], offset)
                page = await parsed(mapping.parse_runs, mapping.items_of(body, "dag_runs", "DAG run list"))
                for run in page:
                    current.setdefault(run.graph, []).append(run)
                offset += len(page)
                if not page or offset >= _total(body, offset):
                    break
            for dag_id in dag_ids:
                wire = self._dags.get(dag_id) or (await self._dag(dag_id))[0]
                upcoming = mapping.next_scheduled_run(wire)
                if upcoming is not None:
                    current[dag_id].append(upcoming)
        return {dag_id: (latest.get(dag_id), current[dag_id]) for dag_id in dag_ids}

    async def _latest_completed(
        self, client: AirflowClient, dag_ids: list[str]
    ) -> dict[str, domain.GraphRun]:
        """Each DAG's newest finished run. Each page asks only for DAGs not yet seen, newest first, so
        one busy DAG cannot hide the others; a DAG still unseen after a few pages is asked alone."""
        latest: dict[str, domain.GraphRun] = {}
        pending = list(dag_ids)
        for _ in range(_BATCH_PAGES):
            if not pending:
                break
            body = await client.batch_runs(pending, ["success", "failed"])
            page = await parsed(mapping.parse_runs, mapping.items_of(body, "dag_runs", "DAG run list"))
            for run in page:
                latest.setdefault(run.graph, run)
            if len(page) < client.page_limit:  # the rest have no finished run at all
                pending = []
            pending = [d for d in pending if d not in latest]
        for dag_id in pending:
            runs = mapping.parse_runs(await client.list_runs(dag_id, ["success", "failed"], max_items=1))
            if runs:
                latest[dag_id] = runs[0]
        failed = [run for run in latest.values() if run.state is domain.RunState.FAILED]
        if not failed:
            return latest
        instances: list[domain.TaskRun] = []
        offset = 0
        while True:
            body = await client.batch_task_instances(
                sorted({r.graph for r in failed}), sorted({r.run_id for r in failed}), ["failed"], offset
            )
            items = mapping.items_of(body, "task_instances", "task instances")
            page = await parsed(mapping.parse_task_instances, items)
            instances += page
            offset += len(page)
            if not page or offset >= _total(body, offset) or offset >= _MAX_RUNS * 10:
                break
        by_dag: dict[str, list[domain.TaskRun]] = {}
        for ti in instances:  # run ids repeat across DAGs (scheduled__<date>): match within a DAG
            by_dag.setdefault(mapping.split_key(ti.task)[0], []).append(ti)
        for run in failed:
            latest[run.graph] = mapping.with_first_errors([run], by_dag.get(run.graph, []))[0]
        return latest

    async def get_run(self, root: str, run_id: str) -> domain.GraphRun:
        dag_id, _ = self._split(root)
        client = await self.client()
        return (
            await self._with_first_errors(dag_id, [mapping.parse_run(await client.get_run(dag_id, run_id))])
        )[0]

    async def _with_first_errors(self, dag_id: str, runs: list[domain.GraphRun]) -> list[domain.GraphRun]:
        """Failed runs with the task instance that failed named (``process[13]`` for a mapped index):
        a DAG run does not say, its failed task instances do. One request for all the runs."""
        failed = [r for r in runs if r.state is domain.RunState.FAILED]
        if not failed:
            return runs
        starts = [t for r in failed if (t := r.started_time or r.scheduled_time) is not None]
        client = await self.client()
        since = min(starts).isoformat() if len(starts) == len(failed) else None
        payload = await client.failed_task_instances(dag_id, since, max_items=_MAX_RUNS)
        return mapping.with_first_errors(runs, await parsed(mapping.parse_task_instances, payload))

    async def task_tries(self, root: str, run_id: str, task: str) -> list[domain.TaskRun]:
        """Every try of one task instance (``dag/task`` or ``task[3]`` for an index), oldest first; for a
        try waiting to retry, when it runs again (one more request: the task's retry delay)."""
        dag_id, _ = self._split(root)
        task_id, map_index = _task_ref(dag_id, task)
        client = await self.client()
        payload = await client.task_tries(dag_id, run_id, task_id, map_index)
        tries = mapping.parse_tries(payload)
        if any(t.state is domain.RunState.RETRYING for t in tries):
            wire = mapping.parse(models.DagTask, await client.get_task(dag_id, task_id), "task")
            tries = mapping.parse_tries(payload, wire)
        return tries

    async def with_errors(self, root: str, runs: Sequence[domain.GraphRun]) -> list[domain.GraphRun]:
        """Failed runs with the exception their first failed task died of, read from the last lines of
        that try's log (Airflow has no error field). At most ``ERROR_LOGS_PER_CALL`` logs are read per
        call; each (run, task, try) once, then cached (a finished try's log does not change)."""
        dag_id, _ = self._split(root)
        out: list[domain.GraphRun] = []
        budget = ERROR_LOGS_PER_CALL
        for run in runs:
            tried = run.extra.get("first_error_try")
            if run.state is not domain.RunState.FAILED or not run.first_error_task or not tried:
                out.append(run)
                continue
            key = (dag_id, run.run_id, run.first_error_task, int(tried))
            if key not in self._exceptions:
                if budget <= 0:
                    out.append(run)
                    continue
                budget -= 1
                try:
                    self._remember(key, await self._exception(*key))
                except NotFoundError:  # the log is gone (rotated, removed): it will not come back
                    self._remember(key, None)
                except BackendError:  # the run is shown without it; a later call asks again
                    out.append(run)
                    continue
            out.append(mapping.with_exception(run, self._exceptions[key]))
        return out

    async def _exception(self, dag_id: str, run_id: str, task: str, try_number: int) -> str | None:
        lines: list[str] = []
        token: str | None = None
        for _ in range(_ERROR_LOG_PAGES):
            chunk = await self.run_log(dag_id, run_id, task, try_number, token)
            lines += chunk.lines
            token = chunk.continuation
            if chunk.finished or not token:
                break
        return exception_of(lines)

    def _remember(self, key: tuple[str, str, str, int], exception: str | None) -> None:
        if len(self._exceptions) >= _EXCEPTIONS_KEPT:  # drop the oldest: runs scroll away
            self._exceptions.pop(next(iter(self._exceptions)))
        self._exceptions[key] = exception

    async def task_runs(self, root: str, run_id: str) -> list[domain.TaskRun]:
        """The task instances of one DAG run, ordered by task id (then map index)."""
        dag_id, _ = self._split(root)
        client = await self.client()
        runs = await parsed(mapping.parse_task_instances, await client.list_task_instances(dag_id, run_id))
        if not runs:  # Airflow 2 answers an unknown run with an empty list: say it is not there
            await client.get_run(dag_id, run_id)
        return runs

    async def task_runs_of(self, root: str, run_ids: Sequence[str]) -> dict[str, list[domain.TaskRun]]:
        """The task instances of many runs of one DAG, paged through one batch POST (taskInstances/list
        with ``dag_run_ids``): a grid of 25 runs costs a page per 100 task instances, not 25 requests."""
        dag_id, _ = self._split(root)
        client = await self.client()
        wanted = list(dict.fromkeys(run_ids))
        out: dict[str, list[domain.TaskRun]] = {run_id: [] for run_id in wanted}
        if not wanted:
            return out
        items: list[Any] = []
        while True:
            body = await client.batch_task_instances([dag_id], wanted, [], len(items))
            page = mapping.items_of(body, "task_instances", "task instances")
            items += page
            if not page or len(items) >= _total(body, len(items)):
                break
        for tr in await parsed(mapping.parse_task_instances, items):
            if tr.graph_run in out:
                out[tr.graph_run].append(tr)
        return out

    async def run_log(
        self, root: str, run_id: str, task: str, try_number: int, continuation: str | None = None
    ) -> domain.LogChunk:
        """One page of the log of ``task`` (key ``dag/task`` or a bare task id) for one try.

        Follow mode: while ``finished`` is False, call again with the returned ``continuation``.
        Airflow 3 answers try 0 (a task that never ran) with a one-line explanation."""
        dag_id, _ = self._split(root)
        if task in (dag_id, ""):  # the DAG itself has no task instance, so no log: summarise its run
            return await self._run_summary(dag_id, run_id)
        task_id, map_index = _task_ref(dag_id, task)
        client = await self.client()
        payload = await client.get_log(dag_id, run_id, task_id, try_number, continuation, map_index)
        return mapping.parse_log(payload, client.api)

    async def _run_summary(self, dag_id: str, run_id: str) -> domain.LogChunk:
        """What a DAG run's "log" is on Airflow: its state and times, then each task instance's state and
        try (the logs themselves belong to the task instances)."""
        client = await self.client()
        run = mapping.parse_run(await client.get_run(dag_id, run_id))
        tis = mapping.parse_task_instances(await client.list_task_instances(dag_id, run_id))
        lines = [f"DAG run {run.run_id} of {dag_id}", f"state: {run.raw_state or 'none'}"]
        for label, value in (
            ("run type", run.extra.get("run_type")),
            ("scheduled", run.scheduled_time),
            ("started", run.started_time),
            ("ended", run.completed_time),
        ):
            if value is not None:
                lines.append(f"{label}: {value.isoformat() if hasattr(value, 'isoformat') else value}")
        lines.append(f"task instances ({len(tis)}); a task's own log is on its node:")
        width = max((len(t.log_ref or t.task) for t in tis), default=0)
        for t in tis:
            lines.append(f"  {(t.log_ref or t.task).ljust(width)}  {t.raw_state:<16} try {t.try_number or 0}")
        return domain.LogChunk(lines=tuple(lines), continuation=None, finished=True)

    async def import_errors(self) -> list[domain.FileImportError]:
        """DAG files that failed to import (none of their DAGs exist), newest first, with the trace."""
        client = await self.client()
        return mapping.parse_import_errors(await client.import_errors())

    async def plan_facts(self, kind: ActionKind, task: domain.Task) -> PlanFacts:
        return await plan_facts(self, kind, task)

    async def why_not_running(self, task: domain.Task) -> list[domain.Fact]:
        """Why a DAG or task did not run: paused, max_active_runs, its task instance in the latest run
        with the scheduler's dependency report, its pool, the next run."""
        return await why_not_running(self, task)

    async def list_scopes(self) -> list[str]:
        return []

    # ----------------------------------------------------------------------------- actions

    async def trigger(
        self,
        root: str,
        conf: dict[str, Any] | None = None,
        run_id: str | None = None,
        note: str | None = None,
    ) -> domain.GraphRun:
        """Trigger a DAG run now (optional conf JSON, run id and note); the new run, usually queued."""
        dag_id, _ = self._split(root)
        client = await self.client()
        return mapping.parse_run(await client.trigger(dag_id, conf, run_id, note))

    async def execute(self, key: str, retry_last: bool = False) -> str:
        """Trigger the key's DAG (a task key triggers its whole DAG), or with ``retry_last`` clear the
        failed task instances of its latest failed run."""
        dag_id, _ = self._split(key)
        if retry_last:
            return await self.retry(dag_id)
        run = await self.trigger(dag_id)
        return f"triggered DAG run {run.run_id} of {dag_id} ({run.raw_state or 'queued'})"

    async def _latest_failed(self, dag_id: str) -> str:
        client = await self.client()
        runs = mapping.parse_runs(await client.list_runs(dag_id, ["failed"], max_items=1))
        if not runs:
            raise ConflictError(f"DAG {dag_id!r} has no failed run to retry")
        return runs[0].run_id

    async def retry_preview(self, root: str) -> list[str]:
        """The task instances a retry would clear: a dry run of the clear on the latest failed run.
        Task keys, an index of a mapped task as ``dag/task[13]`` (only that index is cleared)."""
        dag_id, _ = self._split(root)
        run_id = await self._latest_failed(dag_id)
        return await self._clear(dag_id, run_id, dry_run=True)

    async def _clear(self, dag_id: str, run_id: str, *, dry_run: bool) -> list[str]:
        client = await self.client()
        # Before a real clear, note the run's failed indexes: afterwards they are no longer failed.
        before = [] if client.api == "v2" else await self.task_runs(dag_id, run_id)
        cleared = _keys(
            dag_id, mapping.parse_cleared(await client.clear_failed(dag_id, run_id, dry_run=dry_run))
        )
        if client.api == "v1":  # Airflow 2 names a mapped task without the index it clears
            cleared = mapping.name_indexes(cleared, before, _CLEARED_STATES)
        return cleared

    async def retry(self, root: str) -> str:
        dag_id, _ = self._split(root)
        run_id = await self._latest_failed(dag_id)
        cleared = await self._clear(dag_id, run_id, dry_run=False)
        names = ", ".join(k.split(mapping.SEP, 1)[-1] for k in cleared) or "nothing"
        return f"cleared {plural(len(cleared), 'task instance')} of run {run_id}: {names}"

    async def set_run_state(self, root: str, run_id: str, state: str) -> domain.GraphRun:
        """Mark a DAG run ``success`` or ``failed`` (or ``queued`` to rerun it)."""
        if state not in ("success", "failed", "queued"):
            raise ConfigError(f"a DAG run can be marked success, failed or queued, not {state!r}")
        dag_id, _ = self._split(root)
        client = await self.client()
        return mapping.parse_run(await client.set_run_state(dag_id, run_id, state))

    async def _pause(self, key: str, paused: bool) -> str:
        dag_id, _ = self._split(key)
        client = await self.client()
        dag = mapping.parse_dag(await client.set_paused(dag_id, paused))
        return f"DAG {dag_id} is {'paused' if dag.state is domain.TaskState.SUSPENDED else 'active'}"

    async def suspend(self, key: str) -> str:
        return await self._pause(key, True)

    async def resume(self, key: str) -> str:
        return await self._pause(key, False)


def _task_ref(dag_id: str, task: str) -> tuple[str, int]:
    """The task id and map index (-1: not mapped) of a task key or a ``TaskRun.label`` (``t[3]``)."""
    task_id = task.split(mapping.SEP, 1)[1] if task.startswith(dag_id + mapping.SEP) else task
    if task_id.endswith("]") and "[" in task_id:
        name, _, index = task_id[:-1].rpartition("[")
        if index.isdigit():
            return name, int(index)
    return task_id, -1


def _keys(dag_id: str, names: list[str]) -> list[str]:
    """Task keys from what a clear names (v1 and v2 both carry the dag_id; be lenient when absent)."""
    return sorted({n if mapping.SEP in n else mapping.task_key(dag_id, n) for n in names})


def _total(body: Any, seen: int) -> int:
    """A page's ``total_entries`` (as many as seen when a server leaves it out)."""
    total = body.get("total_entries") if isinstance(body, dict) else None
    return total if isinstance(total, int) else seen


def _clamp(limit: int) -> int:
    return max(1, min(int(limit), _MAX_RUNS))
