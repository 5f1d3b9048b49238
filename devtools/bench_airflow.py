"""`make bench-airflow`: dagtop against the official Python client on a REAL Airflow 3.3.2 with 50 DAGs,
and the latest run of every DAG on a REAL Airflow 2.11.2 with the same 50 DAGs.

The work, the same on both sides: list the DAGs, then for every DAG its latest finished run and that
run's task instances (what `dagtop get` and the console's task list need). dagtop does it with its
adapter (one fresh connection per repetition: the version probe included), once one DAG at a time and
once as the console does it (at most CONCURRENCY DAGs in flight); the official client
``apache-airflow-client`` does it in the obvious loop, in a venv of its own next to the Airflow
test servers' (``~/.cache/dagtop/airflow-client-<version>``, never the project's). Both get the same
bearer token, fetched once beforehand; each side's time is its median of REPEAT repetitions, measured
in-process (interpreter start-up excluded on both sides).

Airflow 2 (its own row, ``latest_runs_v2``): the DAG list and every DAG's latest finished run, dagtop's
adapter (batch reads: ``POST /api/v1/dags/~/dagRuns/list``) against the last 2.x release of
``apache-airflow-client`` in a loop (one request per DAG), both with the admin's basic auth. Airflow 2
runs tasks one at a time here (SequentialExecutor on sqlite): 200 task runs would take many minutes, so
each DAG's run is created by the API and marked success by the API (``PATCH .../dagRuns/{id}``), on a
paused DAG. The reads then see real runs the server made and finished, which is all they read.

    .venv/bin/python -m devtools.bench_airflow [--repeat N] [--only-v2]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import anyio

from tests.airflow import servers as srv
from tui.backends.airflow import AirflowBackend
from tui.backends.auth import BearerAuth
from tui.backends.http import HttpSettings
from tui.services.snapshots import CONCURRENCY

VERSION = srv.V3
DAGS = srv.HERE / "bench_dags"
COUNT = 50
CLIENT_VERSION = VERSION  # apache-airflow-client is released in step with Airflow 3.x
CLIENT_V2_VERSION = "2.10.0"  # the last 2.x release of apache-airflow-client (Airflow 2's /api/v1)
TARGET = 5.0  # dagtop at least this many times faster (issue 11)


def client_venv(version: str = CLIENT_VERSION) -> Path:
    return srv.cache_dir() / f"airflow-client-{version}"


def install_client(version: str = CLIENT_VERSION) -> Path:
    venv = client_venv(version)
    python = venv / "bin" / "python"
    stamp = venv / ".dagtop-installed"
    if not stamp.exists():
        uv = srv._uv()
        subprocess.run([str(uv), "venv", "-q", "--clear", "-p", "3.11", str(venv)], check=True)
        subprocess.run(
            [str(uv), "pip", "install", "-q", "--compile-bytecode", "--python", str(python),
             f"apache-airflow-client=={version}"],
            check=True,
        )  # fmt: skip
        stamp.touch()
    return python


CLIENT_LOOP = r"""
import json, sys, time
import airflow_client.client as af
from airflow_client.client.api import dag_api, dag_run_api, task_instance_api

url, token, repeat = sys.argv[1], sys.argv[2], int(sys.argv[3])
times, counts = [], []
for _ in range(repeat):
    started = time.perf_counter()
    with af.ApiClient(af.Configuration(host=url, access_token=token)) as api:
        dags = dag_api.DAGApi(api).get_dags(limit=100).dags
        runs_api, tis_api = dag_run_api.DagRunApi(api), task_instance_api.TaskInstanceApi(api)
        n = 0
        for dag in dags:
            runs = runs_api.get_dag_runs(
                dag.dag_id, limit=1, order_by=["-run_after"], state=["success", "failed"]
            ).dag_runs
            if runs:
                n += len(tis_api.get_task_instances(dag.dag_id, runs[0].dag_run_id).task_instances)
    times.append(time.perf_counter() - started)
    counts.append((len(dags), n))
print(json.dumps({"times": times, "counts": counts}))
"""


async def dagtop_once(url: str, token: str, concurrency: int) -> tuple[int, int]:
    """DAGs, then each DAG's latest finished run and its task instances, through the adapter."""
    backend = AirflowBackend.connect(url, BearerAuth(token), settings=HttpSettings(rate=None))
    instances = 0
    try:
        dags = await backend.list_tasks()
        limiter = anyio.Semaphore(concurrency)

        async def one(dag_id: str) -> None:
            nonlocal instances
            async with limiter:
                runs = await backend.completed_runs(dag_id, limit=1)
                got = await backend.task_runs(dag_id, runs[0].run_id) if runs else []
                instances += len(got)
                if len(got) != 4:  # every bench DAG has 4 tasks: say which answer was short
                    print(
                        f"  {dag_id}: {len(runs)} finished run(s), {len(got)} task instance(s)",
                        file=sys.stderr,
                    )

        async with anyio.create_task_group() as group:
            for dag in dags:
                group.start_soon(one, dag.key)
    finally:
        await backend.aclose()
    return len(dags), instances


def time_dagtop(url: str, token: str, repeat: int, concurrency: int) -> tuple[list[float], tuple[int, int]]:
    times, counts = [], (0, 0)
    for _ in range(repeat):
        started = time.perf_counter()
        counts = anyio.run(dagtop_once, url, token, concurrency)
        times.append(time.perf_counter() - started)
    return times, counts


def prepare(server: srv.AirflowServer) -> None:
    """One finished run per bench DAG (unpause + trigger all, then wait for all)."""
    runs = {f"bench_{n:02d}": srv.trigger(server, f"bench_{n:02d}") for n in range(COUNT)}
    for dag_id, run_id in runs.items():
        state = srv.wait_run(server, dag_id, run_id, timeout=300)
        if state != "success":
            raise RuntimeError(f"{dag_id} {run_id} ended {state}")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--only-v2", action="store_true", help="only the Airflow 2 row")
    args = parser.parse_args(argv)
    if not args.only_v2:
        table_v3(args.repeat)
    return 0 if latest_runs_v2(args.repeat) else 1


def table_v3(repeat: int) -> None:
    """Airflow 3: the DAGs, each one's latest finished run and its task instances; three ways."""
    srv.install(VERSION)
    python = install_client()
    root = Path(tempfile.mkdtemp(prefix="dagtop-bench-airflow-"))
    expected = frozenset(f"bench_{n:02d}" for n in range(COUNT))
    server = srv.AirflowServer(VERSION, root / "home", dags=DAGS, expected_dags=expected)
    try:
        started = time.monotonic()
        server.launch()
        server.wait_healthy(timeout=180)
        prepare(server)
        ready = time.monotonic() - started
        print(f"Airflow {VERSION} with {COUNT} DAGs, one finished run each: ready in {ready:.0f} s")
        token = server.admin_authorization().removeprefix("Bearer ")
        time_dagtop(server.url, token, 1, CONCURRENCY)  # warm the server's caches for both sides alike
        seq, seq_counts = time_dagtop(server.url, token, repeat, 1)
        conc, conc_counts = time_dagtop(server.url, token, repeat, CONCURRENCY)
        out = subprocess.run(
            [str(python), "-c", CLIENT_LOOP, server.url, token, str(repeat)],
            check=True,
            capture_output=True,
            text=True,
        )
        client: dict[str, Any] = json.loads(out.stdout)
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)
    client_counts = tuple(client["counts"][-1])
    if not (seq_counts == conc_counts == client_counts):
        raise RuntimeError(f"the two sides did different work: {seq_counts} {conc_counts} {client_counts}")
    c = statistics.median(client["times"])
    rows = [
        (f"apache-airflow-client {CLIENT_VERSION}, sequential loop", c),
        ("dagtop adapter, one DAG at a time", statistics.median(seq)),
        (f"dagtop adapter, {CONCURRENCY} DAGs in flight (as the console)", statistics.median(conc)),
    ]
    dags, tis = seq_counts
    print(f"work: {dags} DAGs, latest finished run of each, {tis} task instances; median of {repeat}")
    for label, seconds in rows:
        print(f"  {label:<58} {seconds * 1000:8.1f} ms   ratio to client {seconds / c:5.2f}")


# --------------------------------------------------------------------------------------------- Airflow 2

LATEST_LOOP_V2 = r"""
import json, os, sys, time
import airflow_client.client as af
from airflow_client.client.api import dag_api, dag_run_api

url, repeat = sys.argv[1], int(sys.argv[2])
user, password = os.environ["BENCH_AIRFLOW_USER"], os.environ["BENCH_AIRFLOW_PASSWORD"]
times, dags_seen = [], []
for _ in range(repeat):
    started = time.perf_counter()
    config = af.Configuration(host=url + "/api/v1", username=user, password=password)
    with af.ApiClient(config) as api:
        dags = dag_api.DAGApi(api).get_dags(limit=100).dags
        runs_api, n = dag_run_api.DAGRunApi(api), 0
        for dag in dags:
            runs = runs_api.get_dag_runs(
                dag.dag_id, limit=1, order_by="-execution_date", state=["success", "failed"]
            ).dag_runs
            n += 1 if runs else 0
    times.append(time.perf_counter() - started)
    dags_seen.append(n)
print(json.dumps({"times": times, "dags": dags_seen}))
"""


def finished_runs_v2(server: srv.AirflowServer) -> None:
    """One finished run per bench DAG, made and marked success through the API (see the module doc)."""
    from urllib.parse import quote

    for n in range(COUNT):
        dag_id = f"bench_{n:02d}"
        run = srv.api(server, "POST", f"/dags/{dag_id}/dagRuns", {"conf": {}})
        assert isinstance(run, dict)
        path = f"/dags/{dag_id}/dagRuns/{quote(str(run['dag_run_id']), safe='')}"
        srv.api(server, "PATCH", path, {"state": "success"})


def dagtop_latest(url: str, auth: Any) -> tuple[float, int, int]:
    """The DAG list, then every DAG's latest finished run: (seconds, DAGs with one, requests)."""
    from tui.services.snapshots import graph_statuses

    sent: list[Any] = []

    async def work() -> int:
        backend = AirflowBackend.connect(url, auth, settings=HttpSettings(rate=None), on_request=sent.append)
        try:
            roots = [t.key for t in await backend.list_tasks()]
            statuses = await graph_statuses(backend, roots, with_current=False)
        finally:
            await backend.aclose()
        return sum(1 for s in statuses.values() if s.last is not None)

    started = time.perf_counter()
    covered = anyio.run(work)
    return time.perf_counter() - started, covered, len(sent)


def latest_runs_v2(repeat: int) -> bool:
    """The Airflow 2 row: printed as value, baseline, ratio, target, pass/fail; True when met."""
    import os

    import httpx

    srv.install(srv.V2)
    python = install_client(CLIENT_V2_VERSION)
    root = Path(tempfile.mkdtemp(prefix="dagtop-bench-airflow2-"))
    expected = frozenset(f"bench_{n:02d}" for n in range(COUNT))
    server = srv.AirflowServer(srv.V2, root / "home", dags=DAGS, expected_dags=expected)
    user, password = srv.ADMIN
    try:
        server.launch()
        server.wait_healthy(timeout=300)
        finished_runs_v2(server)
        auth = httpx.BasicAuth(user, password)
        dagtop_latest(server.url, auth)  # warm the server's caches for both sides alike
        mine = [dagtop_latest(server.url, auth) for _ in range(repeat)]
        env = {**os.environ, "BENCH_AIRFLOW_USER": user, "BENCH_AIRFLOW_PASSWORD": password}
        out = subprocess.run(
            [str(python), "-c", LATEST_LOOP_V2, server.url, str(repeat)],
            check=True, capture_output=True, text=True, env=env,
        )  # fmt: skip
        client: dict[str, Any] = json.loads(out.stdout)
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)
    value, baseline = statistics.median(s for s, _, _ in mine), statistics.median(client["times"])
    covered = mine[-1][1] == client["dags"][-1] == COUNT
    ratio = baseline / value
    ok = covered and ratio >= TARGET
    print(f"{'measure':<78} {'value':>9} {'baseline':>9} {'ratio':>7} {'target':>7}  result")
    name = f"latest run of every DAG, {COUNT} DAGs, Airflow {srv.V2}, dagtop vs apache-airflow-client"
    print(f"{name:<78} {value * 1000:7.0f}ms {baseline * 1000:7.0f}ms {ratio:6.2f}x {TARGET:6.1f}x  "
          f"{'pass' if ok else 'FAIL'}")  # fmt: skip
    print(f"    {mine[-1][1]} DAGs covered; dagtop {mine[-1][2]} requests, client {COUNT + 1} "
          f"(apache-airflow-client {CLIENT_V2_VERSION}); median of {repeat}")  # fmt: skip
    return ok


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
