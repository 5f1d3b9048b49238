"""Where dagtop (and the Snowflake tools it borrows connections from) keep their files.

Pure path logic: nothing here reads a file. Each function takes the environment as a mapping so
tests and the CLI can pass their own.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import platformdirs

APP_NAME = "dagtop"


def config_file(env: Mapping[str, str] = os.environ) -> Path:
    """dagtop's own TOML: ``$DAGTOP_CONFIG``, else ``<XDG config>/dagtop/config.toml``."""
    override = env.get("DAGTOP_CONFIG")
    if override:
        return Path(override).expanduser()
    return platformdirs.user_config_path(APP_NAME) / "config.toml"


def state_dir() -> Path:
    """Per-user state (the action journal lives here)."""
    return platformdirs.user_state_path(APP_NAME)


def saved_logs_dir() -> Path:
    """Where `S` in a log view saves: ``<XDG state>/dagtop/logs`` (``$XDG_STATE_HOME``, by default
    ``~/.local/state``). Never the current directory: a save must not drop files into a checkout."""
    return state_dir() / "logs"


def snowflake_dir(env: Mapping[str, str] = os.environ) -> Path:
    """The Snowflake CLI/connector directory, by the connector's own rule (sf_dirs.py).

    ``$SNOWFLAKE_HOME`` (default ``~/.snowflake``) if that directory exists, otherwise the platform's
    user config dir for "snowflake" (``$XDG_CONFIG_HOME/snowflake`` on Linux).
    """
    home = Path(env.get("SNOWFLAKE_HOME") or "~/.snowflake").expanduser()
    if home.is_dir():
        return home
    return platformdirs.user_config_path("snowflake")


def display_path(path: Path) -> str:
    """A path as a user would type it: ``~/...`` under the home directory."""
    path = Path(path)
    try:
        return "~/" + str(path.relative_to(Path.home()))
    except (ValueError, RuntimeError):
        return str(path)


def inbox_acks_file() -> Path:
    """The inbox's acknowledged problems: ``<XDG state>/dagtop/inbox-acks.json``."""
    return state_dir() / "inbox-acks.json"


def handoff_dir() -> Path:
    """Where `y` keeps each hand-off summary: ``<XDG state>/dagtop/handoff``."""
    return state_dir() / "handoff"
