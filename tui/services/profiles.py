"""Switching profiles inside the console: list the names, open one as a backend.

The console (``tui.console``) builds one from the command line's arguments; tests may pass their own.
"""

from __future__ import annotations

import argparse
import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tui.backends.base import Backend


@dataclass
class OpenedProfile:
    backend: Backend
    profile: Any  # tui.config.Profile
    warnings: list[str]


@dataclass
class ProfileSource:
    """Names to offer, and how to open one. Errors are ConfigError/BackendError for the UI to show."""

    names: Callable[[], list[str]]
    open: Callable[[str], OpenedProfile]


def from_arguments(args: argparse.Namespace) -> ProfileSource:
    from tui.backends.factory import open_backend
    from tui.config import profile_names, resolve_profile

    def names() -> list[str]:
        return profile_names(args)

    def open_named(name: str) -> OpenedProfile:
        chosen = copy.copy(args)
        chosen.connection = name
        for flag in ("url", "backend", "database", "schema"):  # flags were for the first profile
            setattr(chosen, flag, None)
        profile, warnings = resolve_profile(chosen)
        if profile is None:
            raise LookupError(name)
        return OpenedProfile(open_backend(profile), profile, warnings)

    return ProfileSource(names, open_named)
