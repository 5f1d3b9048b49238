"""Shared test configuration.

Async tests use anyio's pytest plugin (``@pytest.mark.anyio``) on asyncio, the loop Textual runs on.

No test reaches the real home: every test (and, before any session fixture, the session) runs with HOME,
the XDG directories and the action journal in temporary directories, and without any DAGTOP_*/SNOWFLAKE_*
variable of the developer's shell (a profile, a token, a journal) leaking in.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import textual._wait

from tests.airflow import servers
from tests.taipy.fixtures import taipy_server  # noqa: F401 - the session's real Taipy server, shared
from tui.services.journal import default_journal_path


def file_state(path: Path) -> tuple[int, int] | None:
    """(mtime, size) of a file, None when absent: enough to tell whether anything wrote to it."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return stat.st_mtime_ns, stat.st_size


def finer_idle_waits(step: float = 1 / 200) -> None:
    """Textual's ``pilot.pause()`` (every ``settle()``, every snapshot) waits until the process is idle: it
    sleeps 20 ms steps until one passes with under 5% CPU. Most waits are a step or two, so console tests
    slept ~40% of their time with the core idle. The same test in 5 ms steps (idle: under 5% CPU in a
    step) waits as long as there is work, and no longer. Textual's pin (constraints/test.txt) keeps these
    names; a Textual without them fails here, not by waiting differently."""
    assert textual._wait.wait_for_idle.__defaults__ == (textual._wait.SLEEP_GRANULARITY, 1)
    textual._wait.SLEEP_GRANULARITY = step
    textual._wait.SLEEP_IDLE = step / 20.0
    textual._wait.wait_for_idle.__defaults__ = (step, 1)


finer_idle_waits()
# Resolved from the real HOME before anything is isolated: the installed Airflow servers live there.
AIRFLOW_CACHE = servers.cache_dir()
REAL_HOME = Path.home()
# The developer's own action journal, as it was before any test ran (tests/cli/test_isolation.py).
REAL_JOURNAL = default_journal_path()
REAL_JOURNAL_STATE = file_state(REAL_JOURNAL)
# Test-infrastructure variables that say where things are, not how dagtop behaves: kept.
_KEPT = {"DAGTOP_SNOWFLAKE_SPECS", "DAGTOP_CHROMIUM"}
_LEAKY = ("DAGTOP_", "SNOWFLAKE_")


def isolate(monkeypatch: pytest.MonkeyPatch, root: Path) -> Path:
    """Point HOME, the XDG directories and the journal under ``root``; drop leaky variables."""
    home = root / "home"
    home.mkdir(parents=True, exist_ok=True)
    for name in list(os.environ):
        if name.startswith(_LEAKY) and name not in _KEPT:
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / ".local" / "state"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("DAGTOP_JOURNAL", str(home / ".local" / "state" / "dagtop" / "actions.jsonl"))
    monkeypatch.setenv("DAGTOP_AIRFLOW_CACHE", str(AIRFLOW_CACHE))
    return home


@pytest.fixture(scope="session", autouse=True)
def _isolated_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Session fixtures (sandboxes, Airflow servers) start after this one, in a home of their own."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        yield isolate(monkeypatch, tmp_path_factory.mktemp("session-home"))


@pytest.fixture(autouse=True)
def isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh temporary HOME (XDG dirs, journal) for each test."""
    return isolate(monkeypatch, tmp_path_factory.mktemp("home"))


@pytest.fixture
def real_journal() -> tuple[Path, tuple[int, int] | None]:
    """The real journal's path and its state when the session began."""
    return REAL_JOURNAL, REAL_JOURNAL_STATE


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.hookimpl(tryfirst=True)  # before xdist names the groups
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under xdist, the tests of one real Airflow version run on one worker (its server starts once, the
    two versions side by side), and every test of the real Taipy server on one worker too."""
    for item in items:
        names = getattr(item, "fixturenames", ())
        if "airflow_servers" in names:
            params = getattr(getattr(item, "callspec", None), "params", {})
            version = params.get("live") or params.get("live_v3") or "any"
            item.add_marker(pytest.mark.xdist_group(f"airflow-{version}"))
        elif "taipy_server" in names:
            item.add_marker(pytest.mark.xdist_group("taipy"))
