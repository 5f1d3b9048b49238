"""The HTTP face in-process: auth, errors, routing, 202 polling, pagination; and the CLI's output."""

from __future__ import annotations

import io
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime

import httpx
import pytest

from tui.sandbox import ManualClock, SandboxConfig, create_app
from tui.sandbox.cli import describe

T0 = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
TASKS = "/api/v2/databases/ANALYTICS/schemas/PUBLIC/tasks"
AUTH = {"Authorization": "Bearer secret-token"}


def client(**overrides) -> tuple[httpx.AsyncClient, object]:
    config = SandboxConfig(token="secret-token", **overrides)
    app = create_app(config, clock=ManualClock(T0))
    transport = httpx.ASGITransport(app=app)
    return httpx.AsyncClient(transport=transport, base_url="http://sandbox", headers=AUTH), app


@pytest.mark.anyio
async def test_auth_request_id_and_error_shape():
    c, app = client()
    async with c:
        r = await c.get(TASKS, headers={"Authorization": "Bearer wrong"})
        assert r.status_code == 401
        body = r.json()
        assert set(body) == {"code", "message", "error_code", "request_id"}
        assert body["request_id"] == r.headers["x-snowflake-request-id"]
        r = await c.get(TASKS, headers={"X-Snowflake-Authorization-Token-Type": "BOGUS"})
        assert r.status_code == 401
        for kind in ("KEYPAIR_JWT", "OAUTH", "PROGRAMMATIC_ACCESS_TOKEN"):
            r = await c.get(TASKS, headers={"X-Snowflake-Authorization-Token-Type": kind})
            assert r.status_code == 200 and r.headers["x-snowflake-request-id"]
    assert app.state.request_log[0] == ("GET", TASKS, 401)


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", TASKS + "?showLimit=0", 400),
        ("GET", TASKS + "?showLimit=abc", 400),
        ("GET", TASKS + "/ORDERS_PIPELINE/complete-graphs?resultLimit=20000", 400),
        ("GET", TASKS + "/ORDERS_PIPELINE/complete_graphs?errorOnly=maybe", 400),
        ("POST", TASKS + "?createMode=bogus", 400),
        ("GET", "/api/v2/databases/NOPE/schemas/PUBLIC/tasks", 404),
        ("GET", "/api/v2/databases/ANALYTICS/schemas/NOPE/tasks", 404),
        ("GET", TASKS + "/NO_SUCH_TASK", 404),
        ("GET", "/api/v2/results/nope", 404),
        ("PATCH", TASKS + "/ORDERS_PIPELINE", 405),
        ("GET", TASKS + "/ORDERS_PIPELINE:execute", 405),
        ("GET", TASKS + "/ORDERS_PIPELINE/current_graphs", 200),
        ("GET", TASKS + "/ORDERS_PIPELINE/dependents?recursive=false", 200),
    ],
)
async def test_status_codes(method, path, status):
    c, _ = client()
    async with c:
        r = await c.request(method, path, json={"name": "X", "definition": "select 1"})
        assert r.status_code == status, r.text
        assert r.headers["x-snowflake-request-id"]


@pytest.mark.anyio
async def test_create_fetch_put_delete_and_actions():
    c, _ = client()
    async with c:
        body = {"name": "my_task", "definition": "select 1", "comment": "hi"}
        assert (await c.post(TASKS, json=body)).json() == {"status": "Task MY_TASK successfully created."}
        assert (await c.post(TASKS, json=body)).status_code == 409
        assert (await c.post(TASKS + "?createMode=ifNotExists", json=body)).status_code == 200
        assert (await c.post(TASKS, content=b"{not json")).status_code == 400
        assert (await c.post(TASKS, json={"name": "X"})).status_code == 400
        got = (await c.get(TASKS + "/My_Task")).json()
        assert got["name"] == "MY_TASK" and got["state"] == "suspended" and got["comment"] == "hi"
        r = await c.put(TASKS + "/MY_TASK", json={"name": "MY_TASK", "definition": "select 2"})
        assert r.status_code == 200
        assert "comment" not in (await c.get(TASKS + "/MY_TASK")).json()  # PUT sets the full property set
        quoted = '"odd:name/x"'
        r = await c.put(TASKS + "/" + httpx.URL(quoted).raw_path.decode().replace("/", "%2F"), json={
            "name": quoted, "definition": "select 1"})  # fmt: skip
        assert r.status_code == 200, r.text
        r = await c.post(TASKS + "/%22odd:name%2Fx%22:resume")
        assert r.status_code == 200, r.text
        assert (await c.post(TASKS + "/MY_TASK:execute")).status_code == 200
        assert (await c.delete(TASKS + "/MY_TASK")).status_code == 200
        assert (await c.delete(TASKS + "/MY_TASK")).status_code == 404
        assert (await c.delete(TASKS + "/MY_TASK?ifExists=true")).status_code == 200


@pytest.mark.anyio
async def test_list_filters():
    c, _ = client()
    async with c:
        names = [t["name"] for t in (await c.get(TASKS)).json()]
        assert names == sorted(names)
        like = [t["name"] for t in (await c.get(TASKS, params={"like": "orders%"})).json()]
        assert like and all(n.startswith("ORDERS") for n in like)
        assert (await c.get(TASKS, params={"startsWith": "orders"})).json() == []
        roots = (await c.get(TASKS, params={"rootOnly": "true"})).json()
        assert roots and all(t["predecessors"] == [] for t in roots)
        after = [
            t["name"] for t in (await c.get(TASKS, params={"fromName": names[2], "showLimit": 2})).json()
        ]
        assert after == names[3:5]


@pytest.mark.anyio
async def test_async_execute_and_polling():
    c, _ = client(async_polls=2)
    async with c:
        r = await c.post(TASKS + "/ORDERS_PIPELINE:execute?asyncExec=true")
        assert r.status_code == 202 and r.json()["code"] == "392604"
        location = r.headers["location"]
        assert location == f"/api/v2/results/{r.json()['resultHandler']}"
        assert (await c.get(location)).status_code == 202
        assert (await c.get(location)).status_code == 202
        done = await c.get(location)
        assert done.status_code == 200 and "scheduled" in done.json()["status"]


@pytest.mark.anyio
async def test_async_probability_applies_to_reads():
    c, _ = client(async_probability=1.0, async_polls=0)
    async with c:
        r = await c.get(TASKS)
        assert r.status_code == 202
        assert isinstance((await c.get(r.headers["location"])).json(), list)


@pytest.mark.anyio
async def test_pagination_with_link_headers():
    c, _ = client(page_size=10)
    async with c:
        r = await c.get(TASKS)
        rows = r.json()
        assert len(rows) == 10
        links = httpx.Response(200, headers={"link": r.headers["link"]}).links
        assert set(links) == {"first", "next", "last"}
        everything = list(rows)
        url = links["next"]["url"]
        while True:
            page = await c.get(url)
            everything += page.json()
            nxt = page.links.get("next")
            assert "prev" in page.links
            if nxt is None:
                break
            url = nxt["url"]
        total = (await c.get(TASKS, params={"showLimit": 10000})).headers["link"]
        assert total
        names = [t["name"] for t in everything]
        assert names == sorted(names) and len(names) == len(set(names)) > 10
        last = int(links["last"]["url"].rsplit("=", 1)[1])
        assert (
            await c.get(links["last"]["url"].replace(f"page={last}", f"page={last + 1}"))
        ).status_code == 400


@pytest.mark.anyio
async def test_databases_and_schemas():
    c, _ = client()
    async with c:
        dbs = (await c.get("/api/v2/databases")).json()
        assert [d["name"] for d in dbs][:1] == ["ANALYTICS"]
        assert {"name", "created_on", "owner", "comment"} <= set(dbs[0])
        schemas = (await c.get("/api/v2/databases/ANALYTICS/schemas")).json()
        assert [s["name"] for s in schemas] == ["PUBLIC", "STAGING"]


def test_describe_prints_url_token_and_scopes():
    out = io.StringIO()
    describe("http://127.0.0.1:1234", "tok", [("ANALYTICS", "PUBLIC"), ("OPS", "MONITORING")], 0.1, out)
    text = out.getvalue()
    assert "http://127.0.0.1:1234" in text and "tok" in text and "OPS.MONITORING" in text


@pytest.mark.tcp
def test_cli_runs_and_serves():
    proc = subprocess.Popen(
        [sys.executable, "-m", "tui.sandbox.cli", "--port", "0", "--token", "t0k", "--tasks", "50"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline() for _ in range(3)]
        url = lines[0].rsplit(" ", 1)[1].strip()
        assert url.startswith("http://127.0.0.1:") and lines[1].strip() == "token: t0k"
        deadline = time.monotonic() + 10
        while True:
            try:
                r = httpx.get(url + "/api/v2/databases", headers={"Authorization": "Bearer t0k"})
                break
            except httpx.ConnectError:
                assert time.monotonic() < deadline
                time.sleep(0.1)
        assert r.status_code == 200
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.mark.tcp
def test_the_banner_appears_only_once_the_socket_accepts():
    proc = subprocess.Popen(
        [sys.executable, "-m", "tui.sandbox.cli", "--port", "0", "--token", "t0k", "--tasks", "50"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        lines = []
        while not lines or not lines[-1].startswith("started in"):
            line = proc.stdout.readline()
            assert line, "the sandbox exited before its banner"
            lines.append(line)
        url = httpx.URL(lines[0].rsplit(" ", 1)[1].strip())
        # Right after the banner, with no retry: the connection is accepted and answered.
        with socket.create_connection((url.host, url.port), timeout=5) as sock:
            sock.sendall(b"GET /api/v2/databases HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer t0k\r\n\r\n")
            assert sock.recv(12) == b"HTTP/1.1 200"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.mark.anyio
async def test_scopes_one_puts_every_task_in_one_schema():
    """`dagtop sandbox --tasks N --scopes 1`: the one-huge-schema case, every task in ANALYTICS.PUBLIC."""
    import argparse

    from tui.sandbox.cli import add_arguments, config_from_args

    parser = argparse.ArgumentParser()
    add_arguments(parser)
    config = config_from_args(
        parser.parse_args(
            ["--tasks", "3000", "--scopes", "1", "--page-size", "5000", "--token", "secret-token"]
        )
    )
    app = create_app(config, clock=ManualClock(T0))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://sandbox", headers=AUTH
    ) as c:
        dbs = (await c.get("/api/v2/databases")).json()
        assert [d["name"] for d in dbs] == ["ANALYTICS"]
        schemas = (await c.get("/api/v2/databases/ANALYTICS/schemas")).json()
        assert [s["name"] for s in schemas] == ["PUBLIC"]
        tasks = (await c.get(TASKS, params={"showLimit": 10000})).json()
        names = [t["name"] for t in tasks]
        assert len(names) == len(set(names)) == 3000
    with pytest.raises(SystemExit):  # six schemas do not exist
        parser.parse_args(["--scopes", "6"])
