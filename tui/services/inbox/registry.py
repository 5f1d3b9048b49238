"""Every profile the console can show, each opened once: the inbox polls them all and switching to one
reuses its connection (its budget, its server clock, its token) rather than opening a second."""

from __future__ import annotations

from dataclasses import dataclass, field

from tui.backends.base import Backend
from tui.services.profiles import ProfileSource


@dataclass
class Opened:
    """One profile, opened: its backend, what the header says about it, the schemas the inbox covers."""

    name: str
    backend: Backend
    connection: object  # tui.widgets.header.ConnectionInfo (a widget module: not imported here)
    schemas: tuple[str, ...] = ()  # more DB.SCHEMA scopes to cover; ("all",): every one listed
    warnings: list[str] = field(default_factory=list)


class ProfileRegistry:
    """The current profile (always present) and the configured ones, opened on first use."""

    def __init__(self, first: Opened, source: ProfileSource | None, describe) -> None:
        self._opened: dict[str, Opened] = {first.name: first}
        self._first = first.name
        self.source = source
        self._describe = describe  # (profile, backend) -> ConnectionInfo

    def names(self) -> list[str]:
        """The configured profiles in file order, and the current one if it is not among them (the
        sandbox, an ad hoc profile). A config that cannot be read leaves the ones already open."""
        try:
            configured = self.source.names() if self.source is not None else []
        except Exception:
            configured = [name for name in self._opened if name != self._first]
        return configured if self._first in configured else [self._first, *configured]

    def get(self, name: str) -> Opened | None:
        return self._opened.get(name)

    def open(self, name: str) -> Opened:
        """The profile ``name``, opened now if it was not yet (ConfigError, BackendError, LookupError)."""
        if name in self._opened:
            return self._opened[name]
        if self.source is None:
            raise LookupError(name)
        opened = self.source.open(name)
        schemas = tuple(getattr(opened.profile, "schemas", ()) or ())
        entry = Opened(
            name, opened.backend, self._describe(opened.profile, opened.backend), schemas, opened.warnings
        )
        self._opened[name] = entry
        return entry

    async def aclose(self) -> None:
        for opened in self._opened.values():
            await opened.backend.aclose()
