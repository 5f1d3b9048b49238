"""dagtop's own TOML file: ``default_profile``, ``[settings]`` and ``[profiles.NAME]`` tables."""

from __future__ import annotations

import argparse
import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tui.config.sources import Origin, read_toml, show_value
from tui.locations import config_file, display_path


@dataclass
class DagtopFile:
    path: Path
    default_profile: str | None = None
    profiles: dict[str, Any] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return display_path(self.path)


def _config_path(args: argparse.Namespace, env: Mapping[str, str]) -> tuple[Path, bool]:
    """The dagtop config path, and whether it must exist (it must when named explicitly)."""
    explicit = getattr(args, "config", None)
    if explicit:
        return Path(explicit).expanduser(), True
    return config_file(env), bool(env.get("DAGTOP_CONFIG"))


def load_dagtop(args: argparse.Namespace, env: Mapping[str, str]) -> DagtopFile:
    path, required = _config_path(args, env)
    raw = read_toml(path, required=required)
    out = DagtopFile(path)
    if raw is None:
        return out
    origin = Origin(out.label, "")
    for key in raw:
        if key not in ("default_profile", "settings", "profiles"):
            near = difflib.get_close_matches(key, ["default_profile", "settings", "profiles"], n=1)
            hint = f' (did you mean "{near[0]}"?)' if near else ""
            raise origin.error(key, f"unknown key{hint}")
    default = raw.get("default_profile")
    if default is not None and not isinstance(default, str):
        raise origin.error("default_profile", f"expected a string, got {show_value(default)}")
    for key in ("settings", "profiles"):
        if not isinstance(raw.get(key, {}), dict):
            raise origin.error(key, f"expected a table, got {show_value(raw[key])}")
    for name, table in raw.get("profiles", {}).items():
        if not isinstance(table, dict):
            raise Origin(out.label, "profiles").error(name, f"expected a table, got {show_value(table)}")
    out.default_profile = default
    out.profiles = raw.get("profiles", {})
    out.settings = raw.get("settings", {})
    return out
