"""Every graph's status, measured against a plain loop over the same endpoints, in the same run.

1. Snowflake (the sandbox, in a process of its own): ``dagtop get tasks`` on a schema of 2,000 graphs
   versus a sequential ``httpx`` loop asking the same endpoints (the task list, then each root's latest
   completed run). Every graph must be covered and the profile's request budget kept. The sandbox
   answers every request of both sides after ``LATENCY`` (its fault layer, tui/sandbox/faults.py): a
   real Snowflake account answers over the internet in tens of milliseconds, and without that delay a
   local sandbox on a small machine is CPU-bound, so the comparison would measure the CPU, not the
   client's concurrency.
2. Airflow (``--airflow``: a real Airflow 3.3.2 with 50 DAGs, about 1.5 min to start): the latest finished
   run of every DAG through dagtop's adapter (batch reads) versus the official ``apache-airflow-client``
   in a loop (one request per DAG).

Each line prints value, baseline, ratio, target and pass/fail; the exit status is 1 when a target is
missed. ``--smoke`` runs a small schema once, checks coverage and budget, and does not judge speed.

    .venv/bin/python -m devtools.bench_sweep [--smoke] [--airflow] [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

GRAPHS = 2000  # in the measured schema
TASKS_PER_GRAPH = 2
SCOPES = 5  # the sandbox spreads graphs over five schemas
BUDGET = 60_000  # requests per minute: the profile's request_budget for the run (1,000/s)
TARGET = 5.0  # at least this many times faster than the baseline
LATENCY = 0.040  # seconds the sandbox waits before each answer, for both sides: a real network's delay
SMOKE_LATENCY = 0.005  # the smoke run only proves the bench runs
TOKEN = "bench-sweep-token-not-a-secret"  # noqa: S105 - the local sandbox's own token

SERVE = r"""
import json, sys
from tui.sandbox import FaultConfig, SandboxConfig, SandboxServer
graphs, token, latency = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])
# Simulated time at real speed: both sides then measure the API, not the simulation catching up.
# Every answer waits ``latency`` (a network's round trip), asleep: concurrent requests overlap.
faults = FaultConfig(latency_probability=1.0 if latency else 0.0, latency_seconds=latency)
config = SandboxConfig(seed=7, tasks=graphs * 2, graphs=graphs, token=token, speed=1.0, faults=faults)
with SandboxServer(config, port=0) as server:
    print(json.dumps({"url": server.url, "scope": server.app.state.sandbox.scopes()[0]}), flush=True)
    sys.stdin.read()  # until the parent closes our stdin
"""


@dataclass(frozen=True)
class Result:
    name: str
    value: float  # seconds
    baseline: float  # seconds
    target: float  # the ratio baseline/value must reach this
    ok: bool  # coverage and budget held
    note: str = ""

    @property
    def ratio(self) -> float:
        return self.baseline / self.value if self.value else float("inf")

    def passed(self, judge_speed: bool) -> bool:
        return self.ok and (not judge_speed or self.ratio >= self.target)


def _sandbox(graphs: int, latency: float) -> tuple[subprocess.Popen[str], str, tuple[str, str]]:
    child = subprocess.Popen(
        [sys.executable, "-c", SERVE, str(graphs * SCOPES), TOKEN, str(latency)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    ready = json.loads(child.stdout.readline())
    return child, ready["url"], tuple(ready["scope"])


def _profile_env(home: Path, url: str, scope: tuple[str, str]) -> dict[str, str]:
    (home / ".config" / "dagtop").mkdir(parents=True, exist_ok=True)
    token_file = home / "bench.token"
    token_file.write_text(TOKEN)
    token_file.chmod(0o600)
    (home / ".config" / "dagtop" / "config.toml").write_text(
        'default_profile = "bench"\n'
        f'[profiles.bench]\nurl = "{url}"\ndatabase = "{scope[0]}"\nschema = "{scope[1]}"\n'
        f'token_file = "{token_file}"\nrequest_budget = {BUDGET}\n'
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DAGTOP_", "SNOWFLAKE_"))}
    config = home / ".config" / "dagtop" / "config.toml"
    return {**env, "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"), "DAGTOP_CONFIG": str(config)}


def _get_tasks_args() -> argparse.Namespace:
    from tui.headless import register

    parser = argparse.ArgumentParser(prog="dagtop")
    register(parser.add_subparsers(dest="command"))
    return parser.parse_args(["get", "tasks", "-o", "json"])


def _get_tasks(env: dict[str, str]) -> tuple[float, dict[str, Any]]:
    """``dagtop get tasks -o json`` in-process (start-up excluded): seconds and its JSON."""
    import contextlib
    import io

    from tui.headless import run

    out = io.StringIO()
    started = time.perf_counter()
    with contextlib.redirect_stdout(out):
        code = run(_get_tasks_args(), env)
    seconds = time.perf_counter() - started
    if code != 0:
        raise RuntimeError(f"dagtop get tasks exited {code}")
    return seconds, json.loads(out.getvalue())


def _counted_requests(env: dict[str, str]) -> tuple[int, float]:
    """What ``get tasks`` sends, counted by the HTTP client's own request hook: (requests, seconds)."""
    import anyio

    from tui.backends.factory import open_backend
    from tui.config import resolve_profile
    from tui.services.snapshots import graph_statuses

    profile, _ = resolve_profile(_get_tasks_args(), env)
    sent: list[Any] = []

    async def work() -> None:
        backend = open_backend(profile, on_request=sent.append)
        try:
            tasks = await backend.list_tasks()
            await graph_statuses(backend, sorted({t.root for t in tasks}), with_current=False)
        finally:
            await backend.aclose()

    started = time.perf_counter()
    anyio.run(work)
    return len(sent), time.perf_counter() - started


def _httpx_loop(url: str, scope: tuple[str, str]) -> tuple[float, int]:
    """The baseline: the same endpoints, one request after another."""
    base = f"{url}/api/v2/databases/{scope[0]}/schemas/{scope[1]}/tasks"
    headers = {"Authorization": f"Bearer {TOKEN}", "Accept": "application/json"}
    started = time.perf_counter()
    with httpx.Client(headers=headers, timeout=30) as client:
        # Every page of the task list (Link rel="next", as dagtop reads it): the first page alone
        # holds only some of the roots, and a loop over fewer graphs is not the same work.
        response = client.get(base).raise_for_status()
        tasks = response.json()
        while "next" in response.links:
            response = client.get(str(response.url.join(response.links["next"]["url"]))).raise_for_status()
            tasks.extend(response.json())
        roots = sorted({t["name"] for t in tasks if not t.get("predecessors")})
        for root in roots:
            client.get(f"{base}/{root}/complete-graphs", params={"resultLimit": 1}).raise_for_status()
    return time.perf_counter() - started, len(roots)


def bench_snowflake(graphs: int, repeat: int, latency: float) -> Result:
    child, url, scope = _sandbox(graphs, latency)
    try:
        with tempfile.TemporaryDirectory(prefix="dagtop-bench-sweep-") as tmp:
            env = _profile_env(Path(tmp), url, scope)
            _get_tasks(env)  # warm both sides' caches alike
            mine, loop = [], []
            for _ in range(repeat):  # interleaved, so a busy moment of the machine hits both sides
                mine.append(_get_tasks(env))
                loop.append(_httpx_loop(url, scope))
            requests, seconds = _counted_requests(env)
    finally:
        assert child.stdin is not None
        child.stdin.close()
        child.wait(timeout=30)
    roots = {t["name"] for t in mine[-1][1]["tasks"] if t["is_root"]}
    covered = sum(1 for t in mine[-1][1]["tasks"] if t["is_root"] and t["last_run"] is not None)
    graphs_seen = loop[-1][1]
    rate = requests / seconds * 60
    ok = len(roots) == graphs_seen and rate <= BUDGET * 1.05  # the bucket's first burst aside
    note = (
        f"{len(roots):,} graphs ({covered:,} with a finished run), {requests:,} requests at "
        f"{rate:,.0f}/min (budget {BUDGET:,}/min); every answer of both sides delayed "
        f"{latency * 1000:.0f} ms by the sandbox (a network round trip)"
    )
    return Result(
        f"every graph's status, {len(roots):,} graphs, {latency * 1000:.0f} ms latency, "
        "dagtop get tasks vs sequential httpx",
        statistics.median(s for s, _ in mine),
        statistics.median(s for s, _ in loop),
        TARGET,
        ok,
        note,
    )


def bench_airflow(repeat: int) -> Result:
    from tests.airflow import servers as srv

    try:
        from devtools import bench_airflow as ba
    except ImportError:  # moved with the other tools
        from devtools import bench_airflow as ba  # type: ignore[no-redef]

    srv.install(ba.VERSION)
    python = ba.install_client()
    root = Path(tempfile.mkdtemp(prefix="dagtop-bench-sweep-airflow-"))
    expected = frozenset(f"bench_{n:02d}" for n in range(ba.COUNT))
    server = srv.AirflowServer(ba.VERSION, root / "home", dags=ba.DAGS, expected_dags=expected)
    try:
        server.launch()
        server.wait_healthy(timeout=180)
        ba.prepare(server)
        token = server.admin_authorization().removeprefix("Bearer ")
        _airflow_dagtop(server.url, token)  # warm
        mine = [_airflow_dagtop(server.url, token) for _ in range(repeat)]
        out = subprocess.run(
            [str(python), "-c", LATEST_LOOP, server.url, token, str(repeat)],
            check=True,
            capture_output=True,
            text=True,
        )
        client = json.loads(out.stdout)
    finally:
        server.stop()
    covered = mine[-1][1]
    ok = covered == client["dags"][-1] == ba.COUNT
    return Result(
        f"latest run of every DAG, {ba.COUNT} DAGs, Airflow {ba.VERSION}, dagtop vs apache-airflow-client",
        statistics.median(s for s, _, _ in mine),
        statistics.median(client["times"]),
        TARGET,
        ok,
        f"{covered} DAGs covered; dagtop {mine[-1][2]} requests, client {ba.COUNT + 1}",
    )


LATEST_LOOP = r"""
import json, sys, time
import airflow_client.client as af
from airflow_client.client.api import dag_api, dag_run_api

url, token, repeat = sys.argv[1], sys.argv[2], int(sys.argv[3])
times, dags_seen = [], []
for _ in range(repeat):
    started = time.perf_counter()
    with af.ApiClient(af.Configuration(host=url, access_token=token)) as api:
        dags = dag_api.DAGApi(api).get_dags(limit=100).dags
        runs_api, n = dag_run_api.DagRunApi(api), 0
        for dag in dags:
            runs = runs_api.get_dag_runs(
                dag.dag_id, limit=1, order_by=["-run_after"], state=["success", "failed"]
            ).dag_runs
            n += 1 if runs else 0
    times.append(time.perf_counter() - started)
    dags_seen.append(n)
print(json.dumps({"times": times, "dags": dags_seen}))
"""


def _airflow_dagtop(url: str, token: str) -> tuple[float, int, int]:
    """The DAG list, then every DAG's latest finished run: (seconds, DAGs with one, requests)."""
    import anyio

    from tui.backends.airflow import AirflowBackend
    from tui.backends.auth import BearerAuth
    from tui.backends.http import HttpSettings
    from tui.services.snapshots import graph_statuses

    sent: list[Any] = []

    async def work() -> int:
        backend = AirflowBackend.connect(
            url, BearerAuth(token), settings=HttpSettings(rate=None), on_request=sent.append
        )
        try:
            roots = [t.key for t in await backend.list_tasks()]
            statuses = await graph_statuses(backend, roots, with_current=False)
        finally:
            await backend.aclose()
        return sum(1 for s in statuses.values() if s.last is not None)

    started = time.perf_counter()
    covered = anyio.run(work)
    return time.perf_counter() - started, covered, len(sent)


def bench_parse(count: int) -> Result:
    """Validating ``count`` Snowflake tasks as the wire gives them: one ``TypeAdapter`` over the list
    (what the adapter does) versus ``model_validate`` per item."""
    from pydantic import TypeAdapter

    from tui.backends.snowflake import models
    from tui.sandbox import SandboxConfig, create_app

    engine = create_app(SandboxConfig(seed=7, tasks=count, token=TOKEN)).state.sandbox
    payload = json.loads(json.dumps([t for d, s in engine.scopes() for t in engine.list_tasks(d, s)]))
    adapter = TypeAdapter(list[models.Task])

    def best(work: Any) -> float:
        times = []
        for _ in range(5):
            started = time.perf_counter()
            work()
            times.append(time.perf_counter() - started)
        return min(times)

    whole = best(lambda: adapter.validate_python(payload))
    each = best(lambda: [models.Task.model_validate(item) for item in payload])
    raw = json.dumps(payload).encode()
    from_bytes = best(lambda: adapter.validate_json(raw))
    return Result(
        f"validate {len(payload):,} tasks: TypeAdapter over the list vs model_validate per item",
        whole,
        each,
        0.0,  # informational: which way to parse, not a target of the issue
        True,
        f"validate_json from bytes (parse included): {from_bytes * 1000:.0f} ms; best of 5 each",
    )


def report(results: list[Result], judge_speed: bool) -> bool:
    print(f"{'measure':<92} {'value':>9} {'baseline':>9} {'ratio':>7} {'target':>7}  result")
    every = True
    for r in results:
        passed = r.passed(judge_speed)
        every &= passed
        verdict = "pass" if passed else "FAIL"
        if not judge_speed and r.ok:
            verdict += " (smoke: speed not judged)"
        print(
            f"{r.name:<92} {r.value * 1000:7.0f}ms {r.baseline * 1000:7.0f}ms "
            f"{r.ratio:6.2f}x {r.target:6.1f}x  {verdict if r.target else 'info'}"
        )
        print(f"    {r.note}")
    return every


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help="a small schema, once; speed not judged")
    parser.add_argument("--airflow", action="store_true", help="also the real Airflow 3 measurement")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--latency", type=float, default=LATENCY, help=f"seconds per answer, both sides (default {LATENCY})"
    )
    args = parser.parse_args(argv)
    graphs, repeat = (250, 1) if args.smoke else (GRAPHS, args.repeat)
    latency = SMOKE_LATENCY if args.smoke else args.latency
    results = [bench_snowflake(graphs, repeat, latency), bench_parse(2_000 if args.smoke else 50_000)]
    if args.airflow and not args.smoke:
        results.append(bench_airflow(repeat))
    return 0 if report(results, judge_speed=not args.smoke) else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
