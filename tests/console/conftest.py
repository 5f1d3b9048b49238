"""Console tests drive the real app against an in-process sandbox over HTTP (ASGI transport)."""

from __future__ import annotations

import pytest

from tui import harness


@pytest.fixture
def journal_path(tmp_path):
    return tmp_path / "actions.jsonl"


@pytest.fixture
def console(journal_path):
    return harness.build(journal_path=journal_path)


@pytest.fixture(autouse=True)
def state_home(tmp_path_factory, monkeypatch):
    """Nothing a console test saves (a log's `S`) reaches the real home: XDG state is a temp dir."""
    path = tmp_path_factory.mktemp("state")
    monkeypatch.setenv("XDG_STATE_HOME", str(path))
    return path
