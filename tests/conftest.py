"""Shared test configuration.

Async tests use anyio's pytest plugin (``@pytest.mark.anyio``) on asyncio, the loop Textual runs on.
"""

import pytest


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
