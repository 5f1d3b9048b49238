"""Record and replay: a session on the in-process sandbox recorded through the one HTTP policy, then the
console replayed on the file shows the same screens; no secret in the file; the time control's keys; a
damaged file is a clear message.
"""

from __future__ import annotations

import gzip
import json
from datetime import UTC
from pathlib import Path

import pytest

from tests.reliability.support import screen_lines
from tests.support import harness
from tests.support.harness import select_task, settle
from tui.backends.factory import recording_facts
from tui.config import sandbox_profile
from tui.replay import build_replay
from tui.sandbox import ManualClock
from tui.services.recording import KEPT_HEADERS, Recorder, RecordingError, load_recording

SIZE = (120, 40)


def _body(app) -> list[str]:
    """The screen without its header (live says "updated", a replay its time control) and its footer
    (a replay offers no actions: it is read-only)."""
    return screen_lines(app)[1:-1]


async def _tour(pilot, root: str, seen: dict[str, list[str]], before=None) -> None:
    """Tasks, a failed graph, its completed runs (errors only), a failed run's detail and its log."""

    async def step(name: str, *keys: str) -> None:
        if before is not None:
            await before(pilot)
        if keys:
            await pilot.press(*keys)
        await settle(pilot)
        seen[name] = _body(pilot.app)

    await step("tasks")
    await select_task(pilot, root)
    await step("graph", "t")
    await pilot.press("escape")
    await settle(pilot)
    await select_task(pilot, root)
    await step("completed", "4")
    await step("failed-only", "f")
    await step("run-detail", "enter")
    await step("run-log", "l")


def _record(path: Path) -> tuple[dict[str, list[str]], str]:
    """A session recorded to ``path``: the screens it showed, and the failed graph it toured."""
    clock = ManualClock(harness.FROZEN_AT)
    recorder = Recorder(path, wall=lambda: clock.now().timestamp(), clock=clock.now)
    h = harness.build(clock=clock, client_options={"recorder": recorder})
    h.app.recorder = recorder
    database, schema = h.sandbox.state.sandbox.scopes()[0]
    profile = sandbox_profile("http://sandbox", harness.TOKEN, database, schema)
    recorder.header(recording_facts(profile, h.backend))
    seen: dict[str, list[str]] = {}
    root: list[str] = []

    async def run() -> None:
        async with h.app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            root.append(next(r.task.name for r in pilot.app.screen.rows if r.task.is_root and r.graph_failed))
            await _tour(pilot, root[0], seen)

    import asyncio

    asyncio.run(run())
    recorder.close()
    return seen, root[0]


@pytest.fixture(scope="module")
def recorded(tmp_path_factory) -> tuple[Path, dict[str, list[str]], str]:
    path = tmp_path_factory.mktemp("rec") / "session.dagtop.gz"
    seen, root = _record(path)
    return path, seen, root


def test_the_file_is_gzipped_json_lines_without_secrets(recorded):
    path, _seen, _root = recorded
    raw = path.read_bytes()
    assert raw[:2] == b"\x1f\x8b"
    text = gzip.decompress(raw)
    assert harness.TOKEN.encode() not in text and b"Bearer" not in text
    records = [json.loads(line) for line in text.splitlines()]
    assert records[0]["k"] == "header" and records[0]["facts"]["backend"] == "snowflake"
    exchanges = [r for r in records if r["k"] == "x"]
    assert exchanges and all(set(r["headers"]) <= set(KEPT_HEADERS) for r in exchanges)
    assert {r["k"] for r in records} >= {"poll", "failure"}


def test_a_secret_in_a_body_or_url_is_masked(tmp_path):
    import httpx

    path = tmp_path / "r.gz"
    recorder = Recorder(path)
    recorder.header({"backend": "airflow", "url": "http://u:s3cret-pass@host"}, secrets=["s3cret-pass"])
    url = httpx.URL("http://host/api?q=s3cret-pass")
    headers = [("Set-Cookie", "session=abc"), ("Authorization", "x"), ("X-Auth-Token", "t"), ("Date", "d")]
    recorder.exchange("GET", url, None, 200, headers, b'{"echo": "s3cret-pass"}', ["s3cret-pass"])
    recorder.close()
    assert path.stat().st_mode & 0o777 == 0o600  # what the servers said is the owner's only
    text = gzip.decompress(path.read_bytes())
    assert b"s3cret-pass" not in text and b"session=abc" not in text
    assert json.loads(text.splitlines()[1])["headers"] == {"date": "d"}


@pytest.mark.anyio
async def test_replay_shows_the_same_screens(recorded):
    path, seen, root = recorded
    app, transport = build_replay(str(path), tz=UTC, auto_poll=False)
    replayed: dict[str, list[str]] = {}

    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "REPLAY" in screen_lines(app)[0]
        # To the end of the recording: every screen's answers are in by then.
        await pilot.press(*["full_stop"] * (len(app.cursor.steps) - 1))
        await settle(pilot)
        await _tour(pilot, root, replayed)
    assert transport.misses == []
    assert replayed == seen


@pytest.mark.anyio
async def test_time_control_keys(recorded):
    path, _seen, root = recorded
    app, transport = build_replay(str(path), tz=UTC, auto_poll=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        header = screen_lines(app)[0]
        assert "REPLAY" in header and f"poll 1/{len(app.cursor.steps)}" in header
        # The graph was first opened at a later poll: at the first, it is not in the recording yet.
        await select_task(pilot, root)
        await pilot.press("t")
        await settle(pilot)
        assert transport.misses and "not in the recording yet" in app.screen.freshness.last_error
        await pilot.press("escape", "exclamation_mark")
        await settle(pilot)
        failure_poll = app.cursor.index
        index, what = app.cursor.first_failure()
        assert failure_poll == index and what.startswith("failed: ")
        await pilot.press("full_stop")
        assert app.cursor.index == failure_poll + 1
        await pilot.press("comma", "comma")
        assert app.cursor.index == max(0, failure_poll - 1)
        await pilot.press("greater_than_sign")
        assert app.speed == 1 and "▶ 1x" in app.replay_words()
        await pilot.press("greater_than_sign")
        assert app.speed == 4
        before = app.cursor.index
        app._tick()  # what the play timer does: one poll on, and the next armed
        assert app.cursor.index == before + 1 and app.speed == 4
        await pilot.press("p")
        assert app.speed is None and "paused" in app.replay_words()
        # Read-only: no action key does anything.
        assert app.connection.read_only and app.check_action("act", ("execute",)) is False


def test_truncated_and_corrupt_files_say_so(recorded, tmp_path):
    path, _seen, _root = recorded
    raw = path.read_bytes()
    cut = tmp_path / "cut.gz"
    cut.write_bytes(raw[: len(raw) * 2 // 3])
    recording = load_recording(cut)
    assert recording.truncated and recording.exchanges > 0
    junk = tmp_path / "junk.gz"
    junk.write_bytes(b"this is not a recording")
    with pytest.raises(RecordingError, match="not a dagtop recording"):
        load_recording(junk)
    plain = tmp_path / "plain.gz"
    plain.write_bytes(gzip.compress(b'{"k": "x"}\n'))
    with pytest.raises(RecordingError, match="no dagtop header"):
        load_recording(plain)
    bad = tmp_path / "bad.gz"
    lines = gzip.decompress(raw).splitlines()
    bad.write_bytes(gzip.compress(b"\n".join([lines[0], b"{broken", *lines[1:3]]) + b"\n"))
    with pytest.raises(RecordingError, match="line 2 is damaged"):
        load_recording(bad)
    with pytest.raises(RecordingError, match="no such file"):
        load_recording(tmp_path / "missing.gz")


@pytest.mark.parametrize("size", [(120, 40), (80, 24)], ids=["wide", "small"])
def test_replay_snapshot(snap_compare, recorded, size):
    """The replay console at its first failure: REPLAY, the recording's time and the step in the header."""
    path, _seen, _root = recorded
    app, _transport = build_replay(str(path), tz=UTC, auto_poll=False)

    async def to_first_failure(pilot) -> None:
        await settle(pilot)
        await pilot.press("exclamation_mark")
        await settle(pilot)

    assert snap_compare(app, terminal_size=size, run_before=to_first_failure)


def test_the_cli_says_what_is_wrong_with_a_recording(tmp_path, capsys):
    from tui.cli import main

    junk = tmp_path / "junk.gz"
    junk.write_bytes(b"not gzip")
    assert main(["replay", str(junk)]) == 2
    assert "not a dagtop recording" in capsys.readouterr().err
    assert "--record FILE" in main_help(capsys)
    assert main(["--record", str(tmp_path / "r.gz"), "get", "tasks"]) == 2
    assert "--record records the console" in capsys.readouterr().err
    assert not (tmp_path / "r.gz").exists()


def main_help(capsys) -> str:
    from tui.cli import main

    with pytest.raises(SystemExit):
        main(["--help"])
    return capsys.readouterr().out


def test_the_recording_bench_smoke_mode_runs_and_prints_its_table(capsys):
    from devtools import bench_record

    assert bench_record.main(["--smoke"]) == 0
    out = capsys.readouterr().out
    assert "queue one answer (event loop)" in out and "x on disk" in out


@pytest.mark.anyio
async def test_a_qlik_session_replays_on_a_qlik_backend(tmp_path):
    """The header's facts build the backend the recording was made on (here Qlik, with its API key)."""
    from tests.support import harness_qlik

    path = tmp_path / "qlik.gz"
    app, rig = harness_qlik.build(check=False, tasks=40)  # the Qlik contract is checked elsewhere
    recorder = Recorder(path, wall=lambda: rig.clock.now().timestamp(), clock=rig.clock.now)
    rig.backend.http.recorder = recorder  # as `--record` passes it to the HTTP client
    app.recorder = recorder
    recorder.header({"backend": "qlik", "url": harness_qlik.URL, "profile": "qlik-sandbox", "sandbox": True})
    seen: dict[str, list[str]] = {}
    async with app.run_test(size=SIZE) as pilot:
        await harness_qlik.TOUR_QLIK["graph"](pilot)
        seen["graph"] = _body(pilot.app)
    recorder.close()
    assert harness_qlik.KEY.encode() not in gzip.decompress(path.read_bytes())

    replay, transport = build_replay(str(path), tz=UTC, auto_poll=False)
    assert type(replay.backend) is type(rig.backend)
    async with replay.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press(*["full_stop"] * (len(replay.cursor.steps) - 1))
        await harness_qlik.TOUR_QLIK["graph"](pilot)
        assert _body(pilot.app) == seen["graph"]
    assert transport.misses == []
