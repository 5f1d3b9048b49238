"""The debug log: a programming error leaves its traceback there, with the secrets redacted."""

from __future__ import annotations

import pytest

from tests.support.harness import TOKEN, settle
from tui.services import debug_log

pytestmark = pytest.mark.anyio
SIZE = (120, 40)


@pytest.fixture
def log_file(tmp_path):
    path = tmp_path / "debug.log"
    handler = debug_log.enable(path)
    yield path
    debug_log.disable(handler)


async def test_a_programming_error_in_a_poll_leaves_a_redacted_traceback(console, log_file, monkeypatch):
    async def buggy(*_args, **_kwargs):
        # A bug whose message happens to carry the token (e.g. a request object formatted into it).
        raise TypeError(f"cannot compare {TOKEN!r} with None")

    async with console.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        monkeypatch.setattr(console.app.backend, "current_runs", buggy)
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert console.app.screen.freshness.stale  # the screen says the data is stale ...
        log = log_file.read_text()
    assert "Traceback (most recent call last)" in log  # ... and the log says why, down to the line
    assert "TypeError: cannot compare" in log
    assert "in buggy" in log
    assert TOKEN not in log


async def test_a_backend_error_is_no_bug_and_leaves_no_traceback(console, log_file, monkeypatch):
    from tui.errors import TransportError

    async def down(*_args, **_kwargs):
        raise TransportError("Service Unavailable", status=503)

    async with console.app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        monkeypatch.setattr(console.app.backend, "current_runs", down)
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert console.app.screen.freshness.last_error == "HTTP 503: Service Unavailable"
    assert "Traceback" not in log_file.read_text()
