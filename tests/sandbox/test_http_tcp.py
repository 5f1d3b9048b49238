"""The sandbox over a real loopback TCP socket (SandboxServer), with a plain synchronous httpx client."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.sandbox.spec import (
    TOKEN,
    ContractChecker,
    assert_error,
    make_config,
    parse_link_header,
    task_body,
    unique,
)

pytestmark = pytest.mark.tcp


@pytest.fixture(scope="module")
def server() -> Iterator[Any]:
    from tui.sandbox import SandboxServer

    with SandboxServer(make_config(page_size=25), host="127.0.0.1", port=0, clock=None) as running:
        yield running


@pytest.fixture
def http(server: Any) -> Iterator[httpx.Client]:
    checker = ContractChecker()
    with httpx.Client(
        base_url=server.url,
        headers={"Authorization": f"Bearer {server.token}"},
        event_hooks={"response": [checker.sync_hook]},
        timeout=10,
    ) as client:
        client.app_scope = server.app.state.sandbox.scopes()[0]  # type: ignore[attr-defined]
        yield client


def scope_of(http: httpx.Client) -> tuple[str, str]:
    return http.app_scope  # type: ignore[attr-defined]


def test_server_listens_on_loopback_with_the_configured_token(server: Any) -> None:
    split = urlsplit(server.url)
    assert split.scheme == "http" and split.hostname == "127.0.0.1" and split.port
    assert server.token == TOKEN


def test_crud_and_execute_over_tcp(http: httpx.Client) -> None:
    database, schema = scope_of(http)
    tasks = f"/api/v2/databases/{database}/schemas/{schema}/tasks"
    name = unique("TCP")
    response = http.post(
        tasks, json=task_body(name, schedule={"schedule_type": "MINUTES_TYPE", "minutes": 5})
    )
    assert response.status_code == 200
    assert http.get(f"{tasks}/{name}").json()["name"] == name
    assert_error(http.post(tasks, json=task_body(name)), 409)
    assert http.post(f"{tasks}/{name}:execute").status_code == 200
    current = http.get(f"{tasks}/{name}/current-graphs").json()
    assert current and current[0]["root_task_name"] == name
    assert http.delete(f"{tasks}/{name}").status_code == 200
    assert_error(http.get(f"{tasks}/{name}"), 404)


def test_pagination_over_tcp_yields_every_task_once(http: httpx.Client) -> None:
    database, schema = scope_of(http)
    tasks = f"/api/v2/databases/{database}/schemas/{schema}/tasks"
    first = http.get(tasks)
    assert first.status_code == 200
    assert "Link" in first.headers, "more tasks than page_size=25 should paginate"
    names = [t["name"] for t in first.json()]
    links = parse_link_header(first.headers["Link"])
    while "next" in links:
        page = http.get(links["next"])
        assert page.status_code == 200
        names += [t["name"] for t in page.json()]
        links = parse_link_header(page.headers["Link"])
    assert len(names) == len(set(names))
    assert names == sorted(names)
    assert [t["name"] for t in http.get(tasks, params={"fromName": names[-2]}).json()] == names[-1:]


def test_databases_and_schemas_over_tcp(server: Any, http: httpx.Client) -> None:
    database, schema = server.app.state.sandbox.scopes()[0]
    assert database in [d["name"] for d in http.get("/api/v2/databases").json()]
    assert schema in [s["name"] for s in http.get(f"/api/v2/databases/{database}/schemas").json()]


def test_unauthorized_over_tcp(server: Any) -> None:
    with httpx.Client(base_url=server.url, event_hooks={"response": [ContractChecker().sync_hook]}) as anon:
        assert_error(anon.get("/api/v2/databases"), 401)


def test_async_exec_over_tcp(http: httpx.Client) -> None:
    database, schema = scope_of(http)
    tasks = f"/api/v2/databases/{database}/schemas/{schema}/tasks"
    name = unique("TCP")
    assert http.post(tasks, json=task_body(name)).status_code == 200
    response = http.post(f"{tasks}/{name}:execute", params={"asyncExec": "true"})
    assert response.status_code == 202
    location, polls = response.headers["Location"], 0
    while response.status_code == 202 and polls < 20:
        response, polls = http.get(location), polls + 1
    assert response.status_code == 200
    assert set(response.json()) == {"status"}


def test_every_accepted_connection_has_nagle_off(server: Any, http: httpx.Client) -> None:
    """With Nagle on, a response's body waits for the client's delayed ACK of its headers: every
    request on a kept-alive connection then costs 40 ms more than the sandbox's work (benches lie)."""
    import socket

    http.get("/api/v2/databases")  # a connection, kept alive
    connections = list(server._server.server_state.connections)
    assert connections
    for protocol in connections:
        sock = protocol.transport.get_extra_info("socket")
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
