"""A private HOME for every config test: no real user file can leak in or be touched."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from tui.config import add_connection_arguments


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    for var in (
        "SNOWFLAKE_HOME",
        "SNOWFLAKE_CONNECTIONS",
        "SNOWFLAKE_DEFAULT_CONNECTION_NAME",
        "DAGTOP_CONFIG",
        "DAGTOP_TOKEN",
        "DAGTOP_PROFILE",
    ):
        monkeypatch.delenv(var, raising=False)
    return home


@pytest.fixture
def env(home: Path) -> dict[str, str]:
    """The environment resolve_profile sees (a copy: tests add to it freely)."""
    return dict(os.environ)


@pytest.fixture
def parse() -> Callable[..., argparse.Namespace]:
    parser = argparse.ArgumentParser(prog="dagtop")
    add_connection_arguments(parser)
    return lambda *argv: parser.parse_args(list(argv))


@pytest.fixture
def write() -> Callable[..., Path]:
    """Write a file (private by default, as a careful user would)."""

    def _write(path: Path, text: str, mode: int = 0o600) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        path.chmod(mode)
        return path

    return _write
