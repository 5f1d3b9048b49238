"""Low-level Qlik Cloud Tasks client: one method per endpoint of ``/api/v1/tasks`` (and the scheduling
API's graph endpoint), JSON in and out.

Every GET goes through the shared HTTP policy (retries, 429 + Retry-After, the request budget); the start
and the PUT are actions (never resent unless the server provably did not act). Lists page by following
``links.next.href``, absolute or host-relative (NOTES 3b: unverified which): both resolve against the
page they came from.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import httpx

from tui.backends.http import HttpClient, PageRequest, resolve
from tui.errors import BackendError, ConfigError, NotFoundError, ProtocolError

V1 = "/api/v1/tasks"
SCHEDULING = "/api/scheduling/tasks"
PAGE_LIMIT = 100  # the largest page the reconstructed spec allows (1..100)


def seg(value: str) -> str:
    return quote(value, safe="")


class NextLinkPagination:
    """``{data: [...], links: {next: {href}}}``; the href carries the whole query. ``stop(page)`` ends
    the walk early (runs come newest first: once a page is older than wanted, the rest are too)."""

    def __init__(self, stop: Callable[[list[Any]], bool] | None = None) -> None:
        self.stop = stop

    def first_params(self, params: dict[str, Any]) -> dict[str, Any]:
        return params

    def items(self, body: Any) -> list[Any]:
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, list):
            raise ProtocolError("unexpected list from server: expected an object with a 'data' list")
        return data

    def next_page(
        self, response: httpx.Response, body: Any, request: PageRequest, seen: int
    ) -> PageRequest | None:
        page = self.items(body)
        if not page or (self.stop is not None and self.stop(page)):
            return None
        links = body.get("links")
        nxt = links.get("next") if isinstance(links, dict) else None
        href = nxt.get("href") if isinstance(nxt, dict) else None
        if href is None or href == "":
            return None
        if not isinstance(href, str):
            raise ProtocolError(f"links.next.href is not a string: {type(href).__name__}")
        return PageRequest(resolve(response, href))


def _resource_required(exc: BackendError) -> bool:
    return exc.status == 400 and "resourceid" in exc.message.lower()


class QlikClient:
    """The endpoints dagtop uses on one tenant."""

    def __init__(self, http: HttpClient, page_limit: int = PAGE_LIMIT) -> None:
        self.http = http
        self.page_limit = page_limit

    def __repr__(self) -> str:
        return f"QlikClient({self.http!r})"

    # ----------------------------------------------------------------------------- tasks

    async def list_tasks(self, resource_id: str | None = None) -> list[Any]:
        """Every task (of one app, with ``resource_id``). A tenant that insists on ``resourceId`` (the seed
        document's 400) is told apart from other refusals: the message says what to configure."""
        params: dict[str, Any] = {"limit": self.page_limit}
        if resource_id is not None:
            params["resourceId"] = resource_id
        try:
            return await self.http.get_all(V1, params, NextLinkPagination())
        except BackendError as exc:
            if resource_id is None and _resource_required(exc):
                raise ConfigError(
                    "this Qlik tenant lists tasks only per app (resourceId is required): name the apps in "
                    f'the profile, e.g. apps = ["<app id>"] (the server said: {exc.describe()})'
                ) from None
            raise

    async def get_task(self, task_id: str) -> Any:
        return await self.http.get_json(f"{V1}/{seg(task_id)}")

    async def put_task(self, task_id: str, body: dict[str, Any]) -> Any:
        """Replace the whole task (Qlik moves its ownership to the caller)."""
        return await self.http.send_action("PUT", f"{V1}/{seg(task_id)}", None, body)

    async def start(self, task_id: str, source: str = "manual") -> Any:
        """Start a task now; Qlik answers ``{message}`` without a run id."""
        return await self.http.send_action("POST", f"{V1}/{seg(task_id)}/actions/start", {"source": source})

    # ----------------------------------------------------------------------------- runs

    async def runs(
        self, task_id: str, stop: Callable[[list[Any]], bool] | None = None, limit: int | None = None
    ) -> list[Any]:
        """A task's runs, newest first, page after page until ``stop(page)`` says enough."""
        params = {"limit": max(1, min(limit or self.page_limit, self.page_limit))}
        return await self.http.get_all(f"{V1}/{seg(task_id)}/runs", params, NextLinkPagination(stop))

    async def resource_runs(
        self, resource_id: str, stop: Callable[[list[Any]], bool] | None = None
    ) -> list[Any]:
        """The runs of every task of one resource (app), newest first."""
        path = f"{V1}/resources/{seg(resource_id)}/runs"
        return await self.http.get_all(path, {"limit": self.page_limit}, NextLinkPagination(stop))

    async def last_run(self, task_id: str) -> Any | None:
        """The task's latest run; None when it never ran (a 404)."""
        try:
            return await self.http.get_json(f"{V1}/{seg(task_id)}/runs/last")
        except NotFoundError:
            return None

    async def run_log(self, task_id: str, run_id: str) -> httpx.Response:
        """A run's log: ``{logContent}`` as JSON, or the text itself when the server answers text/plain."""
        return await self.http.get_response(f"{V1}/{seg(task_id)}/runs/{seg(run_id)}/log")

    # ----------------------------------------------------------------------------- scheduling API

    async def subgraph(self, task_id: str) -> Any:
        """The scheduling API's whole connected graph of a task, each vertex with its task."""
        path = f"{SCHEDULING}/{seg(task_id)}/graphs/subgraph"
        return await self.http.get_json(path, {"withTask": "true"})
