"""Low-level Airflow REST client: one method per endpoint, JSON in and out, for ``/api/v2`` or ``/api/v1``.

Every GET goes through the shared HTTP policy (retries, pagination); every PATCH/POST that changes
something is an action (never resent unless the server provably did not act). Path segments (DAG ids,
run ids such as ``manual__2026-01-01T00:00:00+00:00``) are percent-encoded, ``+`` and ``:`` included.
"""

from __future__ import annotations

from typing import Any, Literal
from urllib.parse import quote

import httpx

from tui.backends.http import HttpClient, OffsetLimitPagination, PageRequest
from tui.errors import NotFoundError, ProtocolError

Api = Literal["v1", "v2"]
PAGE_LIMIT = 100  # both versions cap a page at 100 ([api] maximum_page_limit)


def seg(value: str) -> str:
    return quote(value, safe="")


class AirflowPagination(OffsetLimitPagination):
    """``offset``/``limit`` with ``total_entries`` (both versions), switching to the keyset ``cursor``
    where the server offers one (Airflow 3.3 dagRuns and taskInstances: ``next_cursor``), and stopping
    after ``max_items`` when only the first few are wanted."""

    def __init__(
        self, items_key: str, limit: int = PAGE_LIMIT, max_items: int | None = None, cursor: bool = False
    ) -> None:
        super().__init__(items_key, limit=limit)
        self.max_items = max_items
        self.cursor = cursor

    def first_params(self, params: dict[str, Any]) -> dict[str, Any]:
        first = super().first_params(params)
        # Airflow 3.3 starts keyset paging on an empty cursor; older servers ignore the parameter.
        return {**first, "cursor": ""} if self.cursor else first

    def next_page(
        self, response: httpx.Response, body: Any, request: PageRequest, seen: int
    ) -> PageRequest | None:
        if self.max_items is not None and seen >= self.max_items:
            return None
        if self.cursor and isinstance(body, dict) and "next_cursor" in body:
            cursor = body["next_cursor"]
            if cursor is None or cursor == "" or not body.get(self.items_key):
                return None
            if not isinstance(cursor, str):
                raise ProtocolError(f"next_cursor is not a string: {type(cursor).__name__}")
            params = {k: v for k, v in (request.params or {}).items() if k != self.offset_param}
            return PageRequest(request.url, {**params, "cursor": cursor})
        return super().next_page(response, body, request, seen)


class AirflowClient:
    """The endpoints dagtop uses, for one API version (``v2`` = Airflow 3, ``v1`` = Airflow 2)."""

    def __init__(self, http: HttpClient, api: Api, page_limit: int = PAGE_LIMIT) -> None:
        self.http = http
        self.api = api
        self.page_limit = page_limit

    def __repr__(self) -> str:
        return f"AirflowClient({self.http!r}, api={self.api!r})"

    @property
    def base(self) -> str:
        return f"/api/{self.api}"

    def dag_path(self, dag_id: str, suffix: str = "") -> str:
        return f"{self.base}/dags/{seg(dag_id)}{suffix}"

    def run_path(self, dag_id: str, run_id: str, suffix: str = "") -> str:
        return self.dag_path(dag_id, f"/dagRuns/{seg(run_id)}{suffix}")

    def _pages(self, key: str, max_items: int | None = None, cursor: bool = False) -> AirflowPagination:
        limit = self.page_limit if max_items is None else max(1, min(self.page_limit, max_items))
        return AirflowPagination(key, limit=limit, max_items=max_items, cursor=cursor and self.api == "v2")

    # ----------------------------------------------------------------------------- probing

    @staticmethod
    async def probe(http: HttpClient) -> tuple[Api, dict[str, Any]]:
        """Which API the server speaks: ``/api/v2/version`` (Airflow 3) first, then ``/api/v1/version``."""
        try:
            return "v2", await http.get_json("/api/v2/version")
        except NotFoundError:
            pass
        try:
            return "v1", await http.get_json("/api/v1/version")
        except NotFoundError:
            raise NotFoundError(
                f"{http.redact(str(http.base_url))} answers neither /api/v2/version nor /api/v1/version: "
                "is this the Airflow base URL?",
                status=404,
            ) from None

    # ----------------------------------------------------------------------------- reads

    async def list_dags(self) -> list[Any]:
        params: dict[str, Any] = {"order_by": "dag_id"}
        if self.api == "v1":
            params["only_active"] = "true"
        else:
            params["exclude_stale"] = "true"
        return await self.http.get_all(f"{self.base}/dags", params, self._pages("dags"))

    async def get_dag(self, dag_id: str) -> Any:
        return await self.http.get_json(self.dag_path(dag_id))

    async def get_dag_details(self, dag_id: str) -> Any:
        """The DAG with its details (``doc_md`` among them): a superset of ``get_dag`` on both versions."""
        return await self.http.get_json(self.dag_path(dag_id, "/details"))

    async def list_tasks(self, dag_id: str) -> list[Any]:
        # Not paged on either version (v1 has no total_entries): one GET is the whole list.
        body = await self.http.get_json(self.dag_path(dag_id, "/tasks"), {"order_by": "task_id"})
        if not isinstance(body, dict) or not isinstance(body.get("tasks"), list):
            raise ProtocolError("unexpected task list from server: expected an object with a 'tasks' list")
        return body["tasks"]

    async def get_task(self, dag_id: str, task_id: str) -> Any:
        return await self.http.get_json(self.dag_path(dag_id, f"/tasks/{seg(task_id)}"))

    async def list_runs(
        self, dag_id: str, states: list[str] | None = None, max_items: int | None = None
    ) -> list[Any]:
        """Runs of a DAG (``~`` for all), newest first."""
        params: dict[str, Any] = {"order_by": "-run_after" if self.api == "v2" else "-execution_date"}
        if states:
            params["state"] = list(states)
        pages = self._pages("dag_runs", max_items, cursor=True)
        runs = await self.http.get_all(self.dag_path(dag_id, "/dagRuns"), params, pages)
        return runs if max_items is None else runs[:max_items]

    async def get_run(self, dag_id: str, run_id: str) -> Any:
        return await self.http.get_json(self.run_path(dag_id, run_id))

    async def list_task_instances(self, dag_id: str, run_id: str) -> list[Any]:
        path = self.run_path(dag_id, run_id, "/taskInstances")
        return await self.http.get_all(path, None, self._pages("task_instances", cursor=True))

    async def failed_task_instances(self, dag_id: str, ended_since: str | None, max_items: int) -> list[Any]:
        """The DAG's failed task instances over all its runs (``~``), those ended since a moment."""
        params: dict[str, Any] = {"state": ["failed"]}
        if ended_since:
            params["end_date_gte"] = ended_since
        path = self.run_path(dag_id, "~", "/taskInstances")
        items = await self.http.get_all(path, params, self._pages("task_instances", max_items, cursor=True))
        return items[:max_items]

    async def batch_runs(
        self, dag_ids: list[str], states: list[str], offset: int = 0, limit: int | None = None
    ) -> Any:
        """One page of the runs of many DAGs (``~``), newest first: ``{dag_runs, total_entries}``."""
        body = {
            "dag_ids": dag_ids,
            "states": states,
            "order_by": "-run_after" if self.api == "v2" else "-execution_date",
            "page_offset": offset,
            "page_limit": limit or self.page_limit,
        }
        return await self.http.post_read(f"{self.base}/dags/~/dagRuns/list", body)

    async def batch_task_instances(
        self, dag_ids: list[str], run_ids: list[str], states: list[str], offset: int = 0
    ) -> Any:
        """One page of the task instances of many runs of many DAGs: ``{task_instances, total_entries}``;
        no ``states``: every state."""
        body: dict[str, Any] = {
            "dag_ids": dag_ids,
            "dag_run_ids": run_ids,
            "page_offset": offset,
            "page_limit": self.page_limit,
        }
        if states:
            body["state"] = states
        return await self.http.post_read(f"{self.base}/dags/~/dagRuns/~/taskInstances/list", body)

    async def task_tries(self, dag_id: str, run_id: str, task_id: str, map_index: int = -1) -> list[Any]:
        """Every try of one task instance (an index of a mapped task), the current one included."""
        index = f"/{int(map_index)}" if map_index >= 0 else ""
        path = self.run_path(dag_id, run_id, f"/taskInstances/{seg(task_id)}{index}/tries")
        return await self.http.get_all(path, None, self._pages("task_instances"))

    def task_instance_path(self, dag_id: str, run_id: str, task_id: str, suffix: str = "") -> str:
        return self.run_path(dag_id, run_id, f"/taskInstances/{seg(task_id)}{suffix}")

    async def get_task_instance(self, dag_id: str, run_id: str, task_id: str) -> Any:
        """One (unmapped) task instance of a run."""
        return await self.http.get_json(self.task_instance_path(dag_id, run_id, task_id))

    async def dependencies(self, dag_id: str, run_id: str, task_id: str) -> Any:
        """What stops a task instance from being scheduled, in the scheduler's words: ``{"dependencies":
        [{"name", "reason"}]}`` (the same path and body in v1 and v2)."""
        return await self.http.get_json(self.task_instance_path(dag_id, run_id, task_id, "/dependencies"))

    async def get_pool(self, name: str) -> Any:
        return await self.http.get_json(f"{self.base}/pools/{seg(name)}")

    async def get_log(
        self, dag_id: str, run_id: str, task_id: str, try_number: int, token: str | None, map_index: int = -1
    ) -> Any:
        path = self.run_path(dag_id, run_id, f"/taskInstances/{seg(task_id)}/logs/{int(try_number)}")
        params: dict[str, Any] = {"map_index": map_index}
        if token:
            params["token"] = token
        return await self.http.get_json(path, params)

    async def import_errors(self) -> list[Any]:
        return await self.http.get_all(f"{self.base}/importErrors", None, self._pages("import_errors"))

    # ----------------------------------------------------------------------------- actions

    async def set_paused(self, dag_id: str, paused: bool) -> Any:
        return await self.http.send_action(
            "PATCH", self.dag_path(dag_id), {"update_mask": "is_paused"}, {"is_paused": paused}
        )

    async def trigger(
        self,
        dag_id: str,
        conf: dict[str, Any] | None = None,
        run_id: str | None = None,
        note: str | None = None,
    ) -> Any:
        body: dict[str, Any] = {"conf": conf or {}}
        if self.api == "v2":
            body["logical_date"] = None  # the key is required (422 without it); null = "now"
        if run_id:
            body["dag_run_id"] = run_id
        if note:
            body["note"] = note
        return await self.http.send_action("POST", self.dag_path(dag_id, "/dagRuns"), None, body)

    async def clear_failed(self, dag_id: str, run_id: str, *, dry_run: bool) -> Any:
        """Clear (or, with ``dry_run``, list) the failed task instances of one run, and set the run
        back to queued so the scheduler picks it up again."""
        body = {
            "dry_run": dry_run,
            "only_failed": True,
            "dag_run_id": run_id,
            "reset_dag_runs": True,
            "include_downstream": True,  # upstream_failed tasks after a failure run again too
        }
        # Even the dry run is a POST: it goes out under the action policy (never resent blindly).
        return await self.http.send_action("POST", self.dag_path(dag_id, "/clearTaskInstances"), None, body)

    async def set_run_state(self, dag_id: str, run_id: str, state: str) -> Any:
        return await self.http.send_action("PATCH", self.run_path(dag_id, run_id), None, {"state": state})

    async def set_task_state(
        self, dag_id: str, run_id: str, task_id: str, map_index: int, state: str, *, dry_run: bool
    ) -> Any:
        """Mark one task instance (an index of a mapped task) ``state``, or with ``dry_run`` list what
        that would change. v2 has a ``/dry_run`` twin of the PATCH; v1 takes ``dry_run`` in the body
        (and defaults it to true: it is always sent)."""
        index = f"/{int(map_index)}" if map_index >= 0 else ""
        path = self.run_path(dag_id, run_id, f"/taskInstances/{seg(task_id)}{index}")
        if self.api == "v2":
            # update_mask: only the state changes (a body without it would also reset the note).
            params = {"update_mask": "new_state"}
            body: dict[str, Any] = {"new_state": state}
            return await self.http.send_action("PATCH", path + ("/dry_run" if dry_run else ""), params, body)
        return await self.http.send_action("PATCH", path, None, {"dry_run": dry_run, "new_state": state})

    async def clear(
        self,
        dag_id: str,
        run_id: str,
        task: tuple[str, int] | None,
        *,
        downstream: bool,
        upstream: bool,
        only_failed: bool,
        dry_run: bool,
    ) -> Any:
        """Clear (or with ``dry_run`` list) one task instance of a run and, as asked, what is down- or
        upstream of it; ``task`` None: every task instance of the run. The run goes back to queued."""
        body: dict[str, Any] = {
            "dry_run": dry_run,
            "dag_run_id": run_id,
            "only_failed": only_failed,
            "reset_dag_runs": True,
            "include_downstream": downstream,
            "include_upstream": upstream,
        }
        if task is not None:
            task_id, map_index = task
            # v2 names one index of a mapped task as [task_id, map_index]; v1 only whole tasks.
            body["task_ids"] = [[task_id, map_index] if map_index >= 0 and self.api == "v2" else task_id]
        return await self.http.send_action("POST", self.dag_path(dag_id, "/clearTaskInstances"), None, body)

    async def delete_run(self, dag_id: str, run_id: str) -> Any:
        return await self.http.send_action("DELETE", self.run_path(dag_id, run_id))
