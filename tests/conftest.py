"""Shared test configuration.

Async tests use anyio's pytest plugin (``@pytest.mark.anyio``) on asyncio, the loop Textual runs on.
"""

import pytest


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under xdist, every test of the real Airflow servers runs on one worker: they start once."""
    for item in items:
        if "airflow_servers" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.xdist_group("airflow"))
