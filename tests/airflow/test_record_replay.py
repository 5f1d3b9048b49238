"""Record on real Airflow 3 (JWT login, batch POST reads, a real task log), replay from the file: the same
screens, and neither the password nor a token in the file."""

from __future__ import annotations

import gzip
from datetime import UTC

import pytest

from tests.airflow import servers as srv
from tests.airflow.conftest import Live
from tests.airflow.test_console import open_log
from tests.airflow.test_live import backend
from tests.reliability.support import screen_lines
from tests.support.harness import select_task, settle
from tui.app import make_app
from tui.domain import RunState
from tui.replay import build_replay
from tui.screens.graph import GraphTree
from tui.services.recording import Recorder
from tui.widgets.header import ConnectionInfo

pytestmark = [pytest.mark.anyio, pytest.mark.tcp, pytest.mark.timeout(300)]


async def _tour(pilot, seen: dict[str, list[str]]) -> None:
    """tui_fail's failed runs, the first one's detail and its failed task's log; absolute times."""

    async def shot(name: str) -> None:
        await settle(pilot)
        seen[name] = screen_lines(pilot.app)[1:-1]

    await settle(pilot)
    await pilot.press("A")
    await select_task(pilot, "tui_fail")
    await pilot.press("4", "f")
    await settle(pilot)
    await pilot.press("enter")
    await shot("run-detail")
    detail = pilot.app.screen
    failed = next(tr for tr in detail.snapshot.task_runs if tr.state is RunState.FAILED)
    node = next(n for n in detail._tree_nodes.values() if n.data.key == failed.task)
    detail.query_one(GraphTree).move_cursor(node)
    await pilot.pause()
    await open_log(pilot)
    await shot("task-log")


async def test_a_session_on_airflow_replays_the_same(live_v3: Live, tmp_path):
    path = tmp_path / "airflow.dagtop.gz"
    recorder = Recorder(path)
    api = backend(live_v3, recorder=recorder)
    recorder.header(
        {"backend": "airflow", "url": live_v3.server.url, "profile": "af", "location": api.location}
    )
    info = ConnectionInfo(profile="af", backend="airflow", location=api.location, poll_interval=5.0)
    app = make_app(api, info, auto_poll=False, tz=UTC, recorder=recorder)
    seen: dict[str, list[str]] = {}
    async with app.run_test(size=(120, 40)) as pilot:
        await _tour(pilot, seen)
        secrets = api.http.secrets()  # the password and the JWT it was given
    recorder.close()
    raw = gzip.decompress(path.read_bytes())
    assert len(secrets) == 3 and srv.ADMIN[1] in secrets  # password, basic credentials, JWT
    assert not [s for s in secrets if s.encode() in raw]
    assert b'"method":"POST"' in raw  # the batch reads, keyed by their bodies

    replay, transport = build_replay(str(path), tz=UTC, auto_poll=False)
    replayed: dict[str, list[str]] = {}
    async with replay.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press(*["full_stop"] * (len(replay.cursor.steps) - 1))
        await _tour(pilot, replayed)
    assert transport.misses == []
    assert replayed == seen
