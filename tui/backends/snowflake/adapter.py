"""SnowflakeBackend: the Backend protocol over the Tasks REST v2 API, scoped to one database.schema."""

from __future__ import annotations

from typing import Any

import anyio
import httpx

from tui import domain
from tui.action_plan import ActionKind, PlanFacts
from tui.backends.http import HttpClient, HttpSettings
from tui.backends.server_clock import ServerClock
from tui.backends.snowflake import mapping
from tui.backends.snowflake.client import SnowflakeClient
from tui.backends.snowflake.explain import why_not_running
from tui.backends.snowflake.identifiers import (
    quote_ident,
    raw_name,
    resolve,
    resolve_lenient,
    scope_of,
    split_ident,
    task_key,
)
from tui.backends.snowflake.wording import SnowflakeWording, plan_facts
from tui.errors import ConfigError, NotFoundError

_MAX_RESULT_LIMIT = 10000  # the spec's range for resultLimit is 1..10000
_MAX_ROOT_HOPS = 100  # a graph is at most 1000 tasks; a deeper chain is a bad payload


class SnowflakeBackend:
    """One connection to one Snowflake account, looking at one ``DATABASE.SCHEMA``.

    Task keys are fully qualified identifiers (``DB.SCHEMA.NAME``, parts quoted as identifiers need);
    methods also accept a bare name, resolved in this backend's scope.
    """

    kind = "snowflake"
    capabilities = domain.Capabilities(
        execute=True,
        retry_last=True,
        suspend_resume=True,
        task_runs=False,
        logs=False,
        scopes=True,
        explain=True,
    )

    wording = SnowflakeWording()  # what dagtop says about this backend's tasks and actions

    def __init__(self, client: SnowflakeClient, *, owns_http: bool = True) -> None:
        # The client speaks identifiers; the backend keeps the raw (stored) names of its scope.
        self.client = client
        self.database = raw_name(client.database)
        self.schema = raw_name(client.schema)
        self._owns_http = owns_http

    @property
    def request_rate(self) -> float | None:
        return self.client.http.settings.rate

    # ----------------------------------------------------------------------------- construction

    @classmethod
    def connect(
        cls,
        url: str,
        auth: httpx.Auth | None,
        database: str,
        schema: str,
        *,
        settings: HttpSettings | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        **http_options: Any,
    ) -> SnowflakeBackend:
        """Build on a new HTTP client. ``database``/``schema`` are identifiers as in SQL (``analytics`` means
        ANALYTICS; ``'"My Db"'`` is case-exact). ``http_options`` go to HttpClient (sleep, clock, ...)."""
        if not database or not schema:
            raise ConfigError("a Snowflake backend needs both a database and a schema")
        http = HttpClient(url, auth=auth, settings=settings, transport=transport, **http_options)
        return cls(SnowflakeClient(http, database, schema))

    def with_scope(self, scope: str) -> SnowflakeBackend:
        """A backend for another ``DB.SCHEMA`` sharing this one's connection (closing it is a no-op)."""
        try:
            parts = split_ident(scope)
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
        if len(parts) != 2:
            raise ConfigError(f"a Snowflake scope is DATABASE.SCHEMA, got {scope!r}")
        database, schema = (quote_ident(part) for part in parts)
        return SnowflakeBackend(self.client.scoped(database, schema), owns_http=False)

    # ----------------------------------------------------------------------------- description

    @property
    def scope(self) -> str:
        return scope_of(self.database, self.schema)

    @property
    def server_clock(self) -> ServerClock:
        """The server's time, from its Date headers (the UI corrects its "ago" for clock skew)."""
        return self.client.http.server_clock

    def ui_links(self, graph: domain.Task, run: domain.GraphRun | None = None) -> list[domain.UiLink]:
        from tui.backends.ui_links import snowsight

        try:
            database, schema, name = split_ident(graph.key)
        except ValueError:
            return []
        return snowsight(str(self.client.http.base_url), database, schema, name)

    @property
    def location(self) -> str:
        return f"{self.client.http.redact(str(self.client.http.base_url)).rstrip('/')} {self.scope}"

    def __repr__(self) -> str:
        return f"SnowflakeBackend({self.location!r})"

    async def aclose(self) -> None:
        if self._owns_http:
            await self.client.http.aclose()

    # ----------------------------------------------------------------------------- helpers

    def _target(self, key: str) -> tuple[SnowflakeClient, str, str]:
        """(client for the key's scope, the task's identifier, canonical key).

        Text that is not an identifier (``my task`` as the console shows it) is taken as one raw name.
        """
        database, schema, name = resolve_lenient(key, self.database, self.schema)
        client = self.client
        if (database, schema) != (self.database, self.schema):
            client = client.scoped(quote_ident(database), quote_ident(schema))
        return client, quote_ident(name), task_key(database, schema, name)

    # ----------------------------------------------------------------------------- reads

    async def list_tasks(self) -> list[domain.Task]:
        payload = await self.client.http.get_all(self.client.tasks_path)
        # Validating a large schema's tasks takes seconds of CPU (50,000 tasks): in a worker thread,
        # so the console's keys and repaints go on while a poll parses.
        return await anyio.to_thread.run_sync(mapping.parse_task_list, payload, self.database, self.schema)

    async def get_task(self, key: str) -> domain.Task:
        client, name, canonical = self._target(key)
        database, schema, _ = resolve(canonical, self.database, self.schema)
        chain = [await client.fetch_task(name)]
        known = {mapping.wire_key(chain[0], database, schema)}
        # Walk up first predecessors (or the finalizer's root) so the task knows its graph's root.
        for _ in range(_MAX_ROOT_HOPS):
            top = chain[-1]
            parent = top.finalize or (top.predecessors[0] if top.predecessors else None)
            if not parent:
                break
            pdb, psc, pname = resolve_lenient(parent, *mapping.wire_scope(top, database, schema))
            if task_key(pdb, psc, pname) in known:
                break
            known.add(task_key(pdb, psc, pname))
            try:
                chain.append(
                    await client.scoped(quote_ident(pdb), quote_ident(psc)).fetch_task(quote_ident(pname))
                )
            except NotFoundError:
                break
        return mapping.tasks_to_domain(chain, database, schema)[0]

    async def get_graph(self, root: str) -> domain.Graph:
        client, name, key = self._target(root)
        database, schema, _ = resolve(key, self.database, self.schema)
        wire = await client.fetch_dependents(name, recursive=True)
        if key not in {mapping.wire_key(t, database, schema) for t in wire}:
            # The docs say the named task comes first; be robust if a server leaves it out.
            wire = [await client.fetch_task(name), *wire]
        tasks = mapping.tasks_to_domain(wire, database, schema, root=key)
        return domain.Graph(root=key, tasks={t.key: t for t in tasks})

    async def current_runs(self, root: str, limit: int = 100) -> list[domain.GraphRun]:
        client, name, key = self._target(root)
        payload = await client.http.get_all(
            client.task_path(name, "/current-graphs"), {"resultLimit": _clamp(limit)}
        )
        return mapping.parse_run_list(payload, key)

    async def completed_runs(
        self, root: str, limit: int = 100, errors_only: bool = False
    ) -> list[domain.GraphRun]:
        client, name, key = self._target(root)
        params = {"resultLimit": _clamp(limit), "errorOnly": "true" if errors_only else "false"}
        payload = await client.http.get_all(client.task_path(name, "/complete-graphs"), params)
        return mapping.parse_run_list(payload, key)

    async def plan_facts(self, kind: ActionKind, task: domain.Task) -> PlanFacts:
        return await plan_facts(self, kind, task)

    async def why_not_running(self, task: domain.Task) -> list[domain.Fact]:
        """Why ``task`` did not run or will not run next (its graph's states, runs, conditions)."""
        return await why_not_running(self, task)

    async def list_scopes(self) -> list[str]:
        scopes = []
        for database in await self.client.list_databases():  # identifiers, as the server spells them
            for schema in await self.client.list_schemas(database):
                if raw_name(schema) != "INFORMATION_SCHEMA":
                    scopes.append(scope_of(raw_name(database), raw_name(schema)))
        return scopes

    # ----------------------------------------------------------------------------- actions

    async def execute(self, key: str, retry_last: bool = False) -> str:
        client, name, _ = self._target(key)
        return await client.execute_task(name, retry_last=True if retry_last else None)

    async def suspend(self, key: str) -> str:
        client, name, _ = self._target(key)
        return await client.suspend_task(name)

    async def resume(self, key: str) -> str:
        client, name, _ = self._target(key)
        return await client.resume_task(name)


def _clamp(limit: int) -> int:
    return max(1, min(int(limit), _MAX_RESULT_LIMIT))
