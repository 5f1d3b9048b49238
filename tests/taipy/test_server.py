"""The real Taipy test server itself: the shared state the other tests read, the out-of-the-box bare 500
(shown with the server's words), and a stop that leaves no process of its group behind."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.taipy import servers as srv
from tests.taipy.fixtures import Live
from tui.backends.http import HttpClient
from tui.errors import BackendError, NotFoundError

pytestmark = pytest.mark.anyio


def _config(job_id: str) -> str:
    return job_id.split("_", 2)[1]


def test_the_session_server_ran_both_scenarios(live: Live) -> None:
    """Pipeline: generate, double, total COMPLETED; failing: boom FAILED with its stack trace, after
    ABANDONED (downstream of the failure), generate COMPLETED."""
    by_config: dict[str, list[str]] = {}
    for job in live.jobs:
        by_config.setdefault(_config(str(job["id"])), []).append(str(job["status"]))
    assert by_config == {
        "generate": ["Status.COMPLETED", "Status.COMPLETED"],
        "double": ["Status.COMPLETED"],
        "total": ["Status.COMPLETED"],
        "boom": ["Status.FAILED"],
        "after": ["Status.ABANDONED"],
    }
    boom = next(j for j in live.jobs if _config(str(j["id"])) == "boom")
    assert boom["stacktrace"] == ["RuntimeError: intentional failure for dagtop tests\n"]


async def test_errors_carry_taipy_words_with_propagate_exceptions(live: Live) -> None:
    async with HttpClient(live.url) as http:
        with pytest.raises(NotFoundError) as caught:
            await http.get_json("/api/v1/jobs/JOB_nope/")
    assert caught.value.status == 404
    assert caught.value.message == "Job: JOB_nope does not exist."


async def test_out_of_the_box_every_error_is_a_bare_500_shown_as_the_server_said(tmp_path: Path) -> None:
    """As Taipy ships (PROPAGATE_EXCEPTIONS off) a missing job is a 500 {"message": "Internal Server
    Error"}: dagtop says exactly that, with the status, and does not crash. Then the stop kills the whole
    process group (the orchestrator's workers and resource tracker too)."""
    if not srv.is_installed():
        pytest.fail("Taipy not installed: run `make taipy-server`", pytrace=False)
    server = srv.start(tmp_path / "bare", bare_errors=True)
    try:
        assert server.proc is not None
        group = server.proc.pid
        async with HttpClient(server.url) as http:
            with pytest.raises(BackendError) as caught:
                await http.get_json("/api/v1/jobs/JOB_nope/")
        assert caught.value.status == 500
        assert caught.value.describe() == "HTTP 500: Internal Server Error"
    finally:
        server.stop()
    assert srv.live_members(group) == []
