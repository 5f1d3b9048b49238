"""A deterministic console on Airflow: responses recorded from real servers, replayed, a frozen clock.

``tests/airflow/record.py`` drives the adapter and the console's TOUR against real Airflow 3.3.2 and
2.11.2 through :class:`RecordingTransport` and saves every exchange under
``tests/airflow/recorded/<version>/``; :class:`ReplayTransport` answers the same requests (keyed by
method + path + query) from those files, and :func:`build_airflow` puts the console on it with the clock
frozen at the moment of recording. Used by the Airflow snapshot tests and the parser unit tests.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import httpx

from tests.support.harness import TOUR
from tui.app import DagtopApp, make_app
from tui.backends.airflow import AirflowBackend
from tui.backends.http import HttpSettings
from tui.sandbox import ManualClock
from tui.widgets.header import ConnectionInfo

RECORDED = Path(__file__).resolve().parent.parent / "airflow" / "recorded"
RECORDINGS = ("v2-3.3.2", "v1-2.11.2")  # Airflow 3 (/api/v2) and Airflow 2 (/api/v1)
REPLAY_URL = "http://airflow.recorded:8080"


async def _tour_task_log(pilot: Any) -> None:
    """The log of the failed task instance of the failed run (the DAG node itself has no log)."""
    from tests.support.harness import settle
    from tui.screens.graph import GraphTree

    await TOUR["run-detail"](pilot)
    detail = pilot.app.screen
    failed = next(tr.task for tr in detail.snapshot.task_runs if tr.state.value == "FAILED")
    node = next(n for n in detail._tree_nodes.values() if n.data.key == failed)
    detail.query_one(GraphTree).move_cursor(node)
    await pilot.pause()
    await pilot.press("l")
    await settle(pilot)


async def _tour_mapped_run(pilot: Any) -> None:
    """The failed run of the DAG with a mapped task (one index fails), its indexes unfolded."""
    from tests.support.harness import select_task, settle

    await settle(pilot)
    await select_task(pilot, "tui_mapped")
    await pilot.press("4", "f")
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)
    for node in pilot.app.screen._tree_nodes.values():
        if node.data.indexes:
            node.expand()
    await settle(pilot)


async def _tour_mapped_retry(pilot: Any) -> None:
    """Retrying that run: the preview names the failed index, not the whole mapped task."""
    from tests.support.harness import settle

    await _tour_mapped_run(pilot)
    await pilot.press("X")
    await settle(pilot)


async def tour_grid(pilot: Any) -> None:
    """The grid (5) of the DAG with a mapped task, the cursor on the mapped task in its failed run."""
    from tests.support.harness import select_task, settle

    await settle(pilot)
    await select_task(pilot, "tui_mapped")
    await pilot.press("5")
    await settle(pilot)
    await pilot.press("j")
    await settle(pilot)


async def _tour_mark_dialog(pilot: Any) -> None:
    """Mark success (S) on the grid's failed index of the mapped task: the dialog names the run and the
    task instance (process[4]) and what the server's dry run says would change."""
    from tests.support.harness import settle

    await tour_grid(pilot)
    await pilot.press("S")
    await settle(pilot)


async def _tour_delete_dialog(pilot: Any) -> None:
    """Delete run (D) on the grid's run row of the mapped DAG's failed run: the dialog names the run."""
    from tests.support.harness import settle

    await tour_grid(pilot)
    await pilot.press("k", "D")
    await settle(pilot)


async def _tour_retried_log(pilot: Any) -> None:
    """retry_twice's flaky task (failed twice, then succeeded): its log, the tries strip above it, on
    its second try (``[`` from the latest)."""
    from tests.support.harness import select_task, settle
    from tui.screens.graph import GraphTree

    await settle(pilot)
    await select_task(pilot, "retry_twice")
    await pilot.press("4")
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)
    detail = pilot.app.screen
    node = next(n for n in detail._tree_nodes.values() if n.data.key == "retry_twice/flaky")
    detail.query_one(GraphTree).move_cursor(node)
    await pilot.pause()
    await pilot.press("l")
    await settle(pilot)
    await pilot.press("left_square_bracket")
    await settle(pilot)


async def _tour_import_errors(pilot: Any) -> None:
    """The DAG files that do not import (I): the newest first, its stack trace under the list."""
    from tests.support.harness import settle

    await settle(pilot)
    await pilot.press("I")
    await settle(pilot)


async def _tour_dag_docs(pilot: Any) -> None:
    """A DAG's detail with its doc_md: markdown, markup, links and an escape sequence, all inert."""
    from tests.support.harness import select_task, settle

    await settle(pilot)
    await select_task(pilot, "docs_dag")
    await pilot.press("enter")
    await settle(pilot)


async def _tour_wide_graph(pilot: Any) -> None:
    """A 152-part fan-in's graph (its `end` once, with its upstream count) after `/part_77`."""
    from tests.support.harness import select_task, settle

    await settle(pilot)
    await select_task(pilot, "tui_fanin_wide")
    await pilot.press("t")
    await settle(pilot)
    await pilot.press("slash", *"part_77", "enter")
    await settle(pilot)


async def _tour_tasks_by_tag(pilot: Any) -> None:
    """The DAG list filtered by a tag (``tag:chain``): DAG rows say active/paused, TAGS is a column."""
    from tests.support.harness import settle

    await settle(pilot)
    await pilot.press("slash", *"tag:chain")
    await settle(pilot)


async def _tour_dag_task_detail(pilot: Any) -> None:
    """A task of a DAG (the graph, then enter on tui_mixed's flaky): Airflow's operator, retries, pool,
    trigger rule and owner; no state of its own, none of Snowflake's fields."""
    from tests.support.harness import select_task, settle
    from tui.screens.graph import GraphTree

    await settle(pilot)
    await select_task(pilot, "tui_mixed")
    await pilot.press("t")
    await settle(pilot)
    graph = pilot.app.screen
    node = next(n for n in graph._tree_nodes.values() if n.data.key == "tui_mixed/flaky")
    graph.query_one(GraphTree).move_cursor(node)
    await pilot.pause()
    await pilot.press("enter")
    await settle(pilot)


# Screens the console has on Airflow (no scope picker: Airflow has no database/schema scopes); the run's
# log is a summary of its task instances, the task log is the failed task's real log.
# compare reads runs the recorder does not tour (a live test covers it: test_compare_live).
TOUR_AIRFLOW = {name: step for name, step in TOUR.items() if name not in ("scope-picker", "compare")}
TOUR_AIRFLOW["task-log"] = _tour_task_log
TOUR_AIRFLOW["mapped-run"] = _tour_mapped_run
TOUR_AIRFLOW["mapped-retry"] = _tour_mapped_retry
TOUR_AIRFLOW["retried-log"] = _tour_retried_log
TOUR_AIRFLOW["import-errors"] = _tour_import_errors
TOUR_AIRFLOW["dag-docs"] = _tour_dag_docs
TOUR_AIRFLOW["wide-graph"] = _tour_wide_graph
TOUR_AIRFLOW["tasks-by-tag"] = _tour_tasks_by_tag
TOUR_AIRFLOW["dag-task-detail"] = _tour_dag_task_detail
# A clear's dialog is not toured: its dry runs differ only in their body, which a replay does not key on
# (tests/airflow/test_run_actions.py checks its words on the live servers).
TOUR_AIRFLOW["mark-dialog"] = _tour_mark_dialog
TOUR_AIRFLOW["delete-dialog"] = _tour_delete_dialog
_KEPT_HEADERS = ("content-type", "airflow-continuation-token", "link")


def request_key(method: str, path: str, query: str | bytes) -> str:
    """``METHOD /path?sorted-query``: the path as sent (percent-encoded), the query in a stable order."""
    if isinstance(query, bytes):
        query = query.decode("ascii")
    pairs = sorted(parse_qsl(query, keep_blank_values=True))
    return f"{method.upper()} {path}" + (f"?{urlencode(pairs)}" if pairs else "")


def _key_of(request: httpx.Request) -> str:
    return request_key(request.method, request.url.raw_path.split(b"?", 1)[0].decode(), request.url.query)


def _decode(content: bytes, content_type: str) -> Any:
    text = content.decode("utf-8", errors="replace")
    if "json" in content_type and text:
        try:
            return json.loads(text)
        except ValueError:
            return text
    return text


@dataclass
class Exchange:
    key: str
    request_body: Any
    status: int
    headers: dict[str, str]
    body: Any  # decoded JSON, or text when the server did not send JSON

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "request_body": self.request_body,
            "status": self.status,
            "headers": self.headers,
            "body": self.body,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Exchange:
        headers = data.get("headers", {})
        return cls(data["key"], data.get("request_body"), data["status"], headers, data["body"])

    def response(self, request: httpx.Request) -> httpx.Response:
        content_type = self.headers.get("content-type", "application/json")
        if isinstance(self.body, str) and "json" not in content_type:
            content = self.body.encode()
        else:
            content = json.dumps(self.body).encode()
        return httpx.Response(self.status, headers=self.headers, content=content, request=request)


class RecordingTransport(httpx.AsyncBaseTransport):
    """Passes every request on to ``inner`` and keeps the first answer to each key (the login excluded:
    ``/auth/*`` carries credentials and tokens, never recorded)."""

    def __init__(self, inner: httpx.AsyncBaseTransport | None = None) -> None:
        self.inner = inner or httpx.AsyncHTTPTransport()
        self.exchanges: dict[str, Exchange] = {}
        # Answer GETs already recorded from the recording (as fast as a replay): a console driven again
        # this way makes the requests it will make on replay, which a slower live pass may not.
        self.replay_known = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        known = self.exchanges.get(_key_of(request))
        if self.replay_known and known is not None and request.method == "GET":
            return known.response(request)
        response = await self.inner.handle_async_request(request)
        content = await response.aread()
        await response.aclose()
        headers = {k: v for k, v in response.headers.items() if k.lower() in _KEPT_HEADERS}
        key = _key_of(request)
        if key not in self.exchanges and not request.url.path.startswith("/auth/"):
            body = request.content
            self.exchanges[key] = Exchange(
                key,
                json.loads(body) if body else None,
                response.status_code,
                headers,
                _decode(content, headers.get("content-type", "")),
            )
        return httpx.Response(response.status_code, headers=headers, content=content, request=request)

    async def aclose(self) -> None:
        await self.inner.aclose()

    def save(self, out: Path, meta: dict[str, Any]) -> None:
        """One JSON file per exchange (named after its path) plus ``meta.json``."""
        out.mkdir(parents=True, exist_ok=True)
        for old in out.glob("*.json"):
            old.unlink()
        for n, exchange in enumerate(sorted(self.exchanges.values(), key=lambda e: e.key)):
            method, _, target = exchange.key.partition(" ")
            slug = re.sub(r"[^A-Za-z0-9_.-]+", "_", target.split("?", 1)[0].removeprefix("/api/"))[:90]
            (out / f"{n:03d}-{method}-{slug.strip('_')}.json").write_text(
                json.dumps(exchange.to_json(), indent=1, sort_keys=True) + "\n"
            )
        (out / "meta.json").write_text(json.dumps(meta, indent=1, sort_keys=True) + "\n")


@dataclass
class Recording:
    """The exchanges recorded from one server, and what the recorder noted about them (run ids, time)."""

    name: str
    exchanges: dict[str, Exchange]
    meta: dict[str, Any]

    @property
    def recorded_at(self) -> datetime:
        return datetime.fromisoformat(self.meta["recorded_at"]).astimezone(UTC)

    @property
    def api(self) -> str:
        return self.name.split("-", 1)[0]

    def body(self, method: str, path: str, query: str = "") -> Any:
        """The recorded body answering ``method path?query`` (KeyError when never recorded)."""
        return self.exchanges[request_key(method, path, query)].body

    def find(self, method: str, pattern: str) -> list[Exchange]:
        """Recorded exchanges whose key matches the regular expression ``pattern`` (after the method)."""
        rx = re.compile(pattern)
        return [e for k, e in sorted(self.exchanges.items()) if k.startswith(method + " ") and rx.search(k)]


def load(name: str = RECORDINGS[0], root: Path = RECORDED) -> Recording:
    folder = root / name
    if not (folder / "meta.json").exists():
        raise FileNotFoundError(f"no recording {name!r} in {root}: run `python -m tests.airflow.record`")
    exchanges = {}
    for path in sorted(folder.glob("[0-9]*.json")):
        exchange = Exchange.from_json(json.loads(path.read_text()))
        exchanges[exchange.key] = exchange
    return Recording(name, exchanges, json.loads((folder / "meta.json").read_text()))


@dataclass
class ReplayTransport(httpx.AsyncBaseTransport):
    """Answers from a recording; a request never recorded gets a 501 naming it, and is listed in
    ``misses`` so tests can insist on none."""

    recording: Recording
    misses: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        key = _key_of(request)
        self.requests.append(key)
        exchange = self.recording.exchanges.get(key)
        if exchange is None:
            self.misses.append(key)
            return httpx.Response(501, json={"detail": f"not recorded: {key}"}, request=request)
        return exchange.response(request)


@dataclass
class AirflowHarness:
    app: DagtopApp
    backend: AirflowBackend
    transport: ReplayTransport
    clock: ManualClock


def build_airflow(name: str = RECORDINGS[0], *, root: Path = RECORDED) -> AirflowHarness:
    """The console on a replayed Airflow, its clock frozen a minute after the recording was made."""
    recording = load(name, root)
    transport = ReplayTransport(recording)
    clock = ManualClock(recording.recorded_at.replace(microsecond=0))
    clock.advance(60)
    # The recordings hold the per-DAG reads (a replay keys on method and URL, not a POST's body): the
    # batch reads are tested against the real servers (tests/airflow/test_batch.py).
    backend = AirflowBackend.connect(
        REPLAY_URL, settings=HttpSettings(rate=None), transport=transport, batch=False
    )
    connection = ConnectionInfo(profile="airflow", backend="airflow", location=REPLAY_URL, poll_interval=5.0)
    app = make_app(backend, connection, clock=clock.now, tz=UTC, auto_poll=False)
    return AirflowHarness(app, backend, transport, clock)
