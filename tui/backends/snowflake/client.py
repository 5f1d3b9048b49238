"""Low-level Snowflake Tasks REST v2 client: one method per endpoint, wire models in and out.

Scoped to one database.schema; ``scoped()`` gives a sibling for another scope over the same connection.
Every GET goes through the shared HTTP policy (retries, 202, Link pagination); every POST/PUT/DELETE is
an action (never resent unless the server provably did not act).
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import TypeAdapter, ValidationError

from tui.backends.http import HttpClient
from tui.backends.snowflake import models
from tui.backends.snowflake.identifiers import path_segment
from tui.errors import ActionOutcomeUnknown, ProtocolError

CreateMode = Literal["errorIfExists", "orReplace", "ifNotExists"]

_TASKS = TypeAdapter(list[models.Task])
_RUNS = TypeAdapter(list[models.TaskRun])
_NAMED = TypeAdapter(list[models.NamedObject])


def _flag(value: bool | None) -> str | None:
    return None if value is None else ("true" if value else "false")


def _params(**values: Any) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


def _problem(what: str, exc: ValidationError) -> ProtocolError:
    first = exc.errors()[0] if exc.errors() else {}
    where = ".".join(str(p) for p in first.get("loc", ()))
    return ProtocolError(f"unexpected {what} from server: {where or 'body'}: {first.get('msg', exc.title)}")


def parse_tasks(payload: Any) -> list[models.Task]:
    try:
        return _TASKS.validate_python(payload)
    except ValidationError as exc:
        raise _problem("task list", exc) from None


def parse_tasks_draining(payload: Any) -> list[models.Task]:
    """``parse_tasks`` for a listing this caller owns: each JSON object is dropped from ``payload`` as
    soon as it is validated, so the JSON and the models of 50,000 tasks are never all held at once
    (the peak is what stays resident: freed memory is seldom given back to the system)."""
    if not isinstance(payload, list):
        return parse_tasks(payload)
    out: list[models.Task] = []
    payload.reverse()
    try:
        while payload:
            out.append(models.Task.model_validate(payload.pop()))
    except ValidationError as exc:
        raise _problem("task list", exc) from None
    return out


def parse_task(payload: Any) -> models.Task:
    try:
        return models.Task.model_validate(payload)
    except ValidationError as exc:
        raise _problem("task", exc) from None


def parse_runs(payload: Any) -> list[models.TaskRun]:
    try:
        return _RUNS.validate_python(payload)
    except ValidationError as exc:
        raise _problem("graph run list", exc) from None


def parse_status(payload: Any) -> str:
    """The ``status`` text of a success response (empty if the server sent none)."""
    if payload is None:
        return ""
    try:
        return models.StatusResponse.model_validate(payload).status or ""
    except ValidationError as exc:
        # Only actions answer with a status: the server took the action (2xx) but said something odd.
        raise ActionOutcomeUnknown(
            f"{_problem('status', exc).message}. The action may or may not have happened: "
            "check the runs before retrying."
        ) from None


class SnowflakeClient:
    """Every Tasks endpoint of the spec for one ``database.schema``, plus database/schema listing."""

    def __init__(self, http: HttpClient, database: str, schema: str) -> None:
        self.http = http
        self.database = database
        self.schema = schema

    def __repr__(self) -> str:
        return f"SnowflakeClient({self.http!r}, {self.database!r}, {self.schema!r})"

    def scoped(self, database: str, schema: str) -> SnowflakeClient:
        return SnowflakeClient(self.http, database, schema)

    # ----------------------------------------------------------------------------- paths

    @property
    def tasks_path(self) -> str:
        return f"/api/v2/databases/{path_segment(self.database)}/schemas/{path_segment(self.schema)}/tasks"

    def task_path(self, name: str, suffix: str = "") -> str:
        """``.../tasks/{name}`` plus ``:execute``-style or ``/dependents``-style suffix."""
        return f"{self.tasks_path}/{path_segment(name)}{suffix}"

    # ----------------------------------------------------------------------------- reads

    async def list_tasks(
        self,
        *,
        root_only: bool | None = None,
        like: str | None = None,
        starts_with: str | None = None,
        show_limit: int | None = None,
        from_name: str | None = None,
    ) -> list[models.Task]:
        params = _params(
            rootOnly=_flag(root_only),
            like=like,
            startsWith=starts_with,
            showLimit=show_limit,
            fromName=from_name,
        )
        return parse_tasks(await self.http.get_all(self.tasks_path, params))

    async def fetch_task(self, name: str) -> models.Task:
        return parse_task(await self.http.get_json(self.task_path(name)))

    async def fetch_dependents(self, name: str, *, recursive: bool | None = True) -> list[models.Task]:
        params = _params(recursive=_flag(recursive))
        return parse_tasks(await self.http.get_all(self.task_path(name, "/dependents"), params))

    async def current_graphs(self, name: str, *, result_limit: int | None = None) -> list[models.TaskRun]:
        params = _params(resultLimit=result_limit)
        return parse_runs(await self.http.get_all(self.task_path(name, "/current-graphs"), params))

    async def complete_graphs(
        self, name: str, *, result_limit: int | None = None, error_only: bool | None = None
    ) -> list[models.TaskRun]:
        params = _params(resultLimit=result_limit, errorOnly=_flag(error_only))
        return parse_runs(await self.http.get_all(self.task_path(name, "/complete-graphs"), params))

    async def list_databases(self) -> list[str]:
        return self._names(await self.http.get_all("/api/v2/databases"), "database list")

    async def list_schemas(self, database: str) -> list[str]:
        path = f"/api/v2/databases/{path_segment(database)}/schemas"
        return self._names(await self.http.get_all(path), "schema list")

    @staticmethod
    def _names(payload: Any, what: str) -> list[str]:
        try:
            return [item.name for item in _NAMED.validate_python(payload)]
        except ValidationError as exc:
            raise _problem(what, exc) from None

    # ----------------------------------------------------------------------------- writes and actions

    async def create_task(self, task: models.Task, *, create_mode: CreateMode | None = None) -> str:
        params = _params(createMode=create_mode)
        body = task.to_create_body()
        return parse_status(await self.http.send_action("POST", self.tasks_path, params, body))

    async def delete_task(self, name: str, *, if_exists: bool | None = None) -> str:
        params = _params(ifExists=_flag(if_exists))
        return parse_status(await self.http.send_action("DELETE", self.task_path(name), params))

    async def execute_task(
        self, name: str, *, async_exec: bool | None = None, retry_last: bool | None = None
    ) -> str:
        params = _params(asyncExec=_flag(async_exec), retryLast=_flag(retry_last))
        return parse_status(await self.http.send_action("POST", self.task_path(name, ":execute"), params))

    async def resume_task(self, name: str) -> str:
        return parse_status(await self.http.send_action("POST", self.task_path(name, ":resume")))

    async def suspend_task(self, name: str) -> str:
        return parse_status(await self.http.send_action("POST", self.task_path(name, ":suspend")))
