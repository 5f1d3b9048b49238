"""Low-level Taipy REST client (``/api/v1``): one method per endpoint, JSON in and out.

Lists are bare JSON arrays with no paging and no filters (the spec's ``{"results": [...]}`` is accepted
too, should a server ever send it); single GETs wrap the object (``{"job": {...}}``). Submits and cancels
are actions: never resent unless the server provably did not act. Ids are percent-encoded as path segments.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx

from tui.backends.http import HttpClient, PageRequest
from tui.errors import ProtocolError

BASE = "/api/v1"


def seg(value: str) -> str:
    return quote(value, safe="")


class BareList:
    """Taipy's lists: the whole collection in one bare array (or under ``results``); never a next page."""

    def first_params(self, params: dict[str, Any]) -> dict[str, Any]:
        return params

    def items(self, body: Any) -> list[Any]:
        if isinstance(body, dict) and isinstance(body.get("results"), list):
            return body["results"]
        if not isinstance(body, list):
            raise ProtocolError(f"expected a JSON list from Taipy, got {type(body).__name__}")
        return body

    def next_page(
        self, response: httpx.Response, body: Any, request: PageRequest, seen: int
    ) -> PageRequest | None:
        return None


_BARE = BareList()


def unwrap(body: Any, key: str) -> Any:
    """A single GET's ``{key: {...}}`` (tolerating the object itself)."""
    if isinstance(body, dict) and isinstance(body.get(key), dict):
        return body[key]
    if isinstance(body, dict) and "id" in body:
        return body
    raise ProtocolError(f"unexpected {key} from Taipy: expected an object with a {key!r} object")


class TaipyClient:
    def __init__(self, http: HttpClient) -> None:
        self.http = http

    def __repr__(self) -> str:
        return f"TaipyClient({self.http!r})"

    async def list(self, what: str) -> list[Any]:
        """``what``: scenarios, tasks, jobs, datanodes, cycles, sequences."""
        return await self.http.get_all(f"{BASE}/{what}/", None, _BARE)

    async def job(self, job_id: str) -> Any:
        return unwrap(await self.http.get_json(f"{BASE}/jobs/{seg(job_id)}/"), "job")

    async def scenario(self, scenario_id: str) -> Any:
        return unwrap(await self.http.get_json(f"{BASE}/scenarios/{seg(scenario_id)}/"), "scenario")

    async def submit(self, entity: str, entity_id: str) -> Any:
        """``entity`` is "scenarios", "sequences" or "tasks": 200 ``{"message": ...}``, no job id."""
        return await self.http.send_action("POST", f"{BASE}/{entity}/submit/{seg(entity_id)}/")

    async def cancel(self, job_id: str) -> Any:
        return await self.http.send_action("POST", f"{BASE}/jobs/cancel/{seg(job_id)}/")
