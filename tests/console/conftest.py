"""Console tests drive the real app against an in-process sandbox over HTTP (ASGI transport)."""

from __future__ import annotations

import pytest

from tests.support import harness


@pytest.fixture
def journal_path(tmp_path):
    return tmp_path / "actions.jsonl"


@pytest.fixture
def console(journal_path):
    return harness.build(journal_path=journal_path)


@pytest.fixture
def state_home(isolated_home):
    """The XDG state directory of the test's temporary home (tests/conftest.py): where a log's `S` saves."""
    return isolated_home / ".local" / "state"
