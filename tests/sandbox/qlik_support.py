"""Test support for the Qlik dialect: a real sandbox server on loopback and a client whose every
response is validated against the schemas derived from Qlik's TypeScript types."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx

from tests.sandbox.qlik_contract import QlikChecker
from tests.sandbox.spec import START, make_config

KEY = "qlik-test-api-key"
V1 = "/api/v1/tasks"


@dataclass
class Qlik:
    """A running Qlik-dialect sandbox: ``client`` (validated), ``clock``, ``server``, ``checker``."""

    server: Any
    client: httpx.Client
    clock: Any
    checker: QlikChecker

    @property
    def sandbox(self) -> Any:
        return self.server.app.state.sandbox

    @property
    def service(self) -> Any:
        return self.server.app.state.qlik

    def ok(self, response: httpx.Response, status: int = 200) -> Any:
        assert response.status_code == status, response.text
        return response.json() if response.content else None

    def all_tasks(self, **params: Any) -> list[dict[str, Any]]:
        """Every task, following links.next.href until there is none."""
        out: list[dict[str, Any]] = []
        url: str | None = V1
        query: dict[str, Any] | None = {"limit": 100, **params}
        while url is not None:
            page = self.ok(self.client.get(url, params=query))
            out += page["data"]
            url = page["links"].get("next", {}).get("href")
            query = None  # the next href carries the whole query
        return out

    def task_named(self, predicate: Any) -> dict[str, Any]:
        return next(t for t in self.all_tasks() if predicate(t))

    def world_task(self, task: dict[str, Any]) -> tuple[Any, str]:
        ref = self.service.state.refs[task["id"]]
        return ref.scope, ref.name


@contextlib.contextmanager
def qlik_sandbox(token: str | None = KEY, **overrides: Any) -> Iterator[Qlik]:
    from tui.sandbox import ManualClock, SandboxServer

    clock = ManualClock(START)
    config = make_config(dialect="qlik", **{"token": KEY, "tasks": 120, **overrides})
    checker = QlikChecker()
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    with SandboxServer(config, clock=clock) as server:
        client = httpx.Client(base_url=server.url, headers=headers, event_hooks={"response": [checker.hook]})
        with client:
            yield Qlik(server, client, clock, checker)
    assert not checker.errors, checker.errors
