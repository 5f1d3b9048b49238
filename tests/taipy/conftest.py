"""tests/taipy: ``live`` is the session's real Taipy server (tests/taipy/fixtures.py)."""

from __future__ import annotations

import pytest

from tests.taipy.fixtures import Live


@pytest.fixture
def live(taipy_server: Live) -> Live:
    return taipy_server
