"""Starting the console: pick the profile (or start the sandbox), open the backend, run the app."""

from __future__ import annotations

import contextlib
import secrets
import sys
from datetime import UTC
from typing import Any


def launch(profile: Any, settings: Any, *, utc: bool = False, args: Any = None, clock: Any = None) -> int:
    """Run the console until the user quits. With no profile, on a sandbox started here; ``clock``: the
    data's clock when it is not the wall clock (a sandbox `dagtop serve` started)."""
    from tui.app import make_app, system_clock
    from tui.backends.factory import open_backend, recording_facts
    from tui.errors import BackendError, ConfigError, describe_error
    from tui.widgets.header import connection_info

    options: dict[str, Any] = {}
    with contextlib.ExitStack() as stack:
        if profile is None:
            profile, simulated = stack.enter_context(_sandbox_profile())
            # The sandbox runs on a fast simulated clock: the console must read time from it, or the
            # runs it simulates would look like they happen in the future.
            options["clock"] = simulated.now
            options["wall_clock"] = system_clock
        elif clock is not None:
            options["clock"] = clock
            options["wall_clock"] = system_clock
        recorder = _recorder(getattr(args, "record", None), options.get("clock"))
        if recorder is False:
            return 2
        try:
            backend = open_backend(profile, **({"recorder": recorder} if recorder else {}))
        except (ConfigError, BackendError) as exc:
            print(f"dagtop: {describe_error(exc)}", file=sys.stderr)
            return 2
        if recorder:
            stack.callback(_close_recorder, recorder)
            recorder.header(recording_facts(profile, backend), secrets=_profile_secrets(profile))
            options["recorder"] = recorder

        from tui.locations import inbox_acks_file
        from tui.services.inbox.acks import AckStore
        from tui.services.journal import ActionJournal, default_journal_path
        from tui.services.profiles import from_arguments

        tz = UTC if utc or getattr(settings, "timezone", "local") == "UTC" else None
        keymap = dict(getattr(settings, "keymap", {}) or {})
        profiles = from_arguments(args) if args is not None else None
        app = make_app(
            backend,
            connection_info(profile, backend),
            tz=tz,
            journal=ActionJournal(default_journal_path()),
            keymap=keymap,
            profiles=profiles,
            acks=AckStore(inbox_acks_file()),
            home="inbox" if _several(profiles) else "tasks",  # "what is broken anywhere?" first
            notify_settings=getattr(settings, "notify", None),
            **options,
        )
        theme = getattr(settings, "theme", None)
        if theme and theme in app.available_themes:
            app.theme = theme
        elif theme:
            print(f"dagtop: warning: unknown theme {theme!r}; using the default", file=sys.stderr)
        app.run()
    return 0


def _several(profiles: Any) -> bool:
    """More than one profile configured: the inbox is the home screen."""
    try:
        return profiles is not None and len(profiles.names()) > 1
    except Exception:  # a config that cannot be listed: the task list, which says why on P
        return False


@contextlib.contextmanager
def _sandbox_profile():
    """A sandbox on a free loopback port for as long as the console runs."""
    from tui.config import sandbox_profile
    from tui.sandbox import FaultConfig, SandboxConfig, SandboxServer, ScaledClock

    token = secrets.token_urlsafe(24)
    print("dagtop: no profile configured; starting the sandbox (a local simulation of the Snowflake API)…")
    config = SandboxConfig(token=token, faults=FaultConfig.from_env())
    clock = ScaledClock(speed=config.speed)
    with SandboxServer(config, host="127.0.0.1", port=0, clock=clock) as server:
        database, schema = server.app.state.sandbox.scopes()[0]
        yield sandbox_profile(server.url, token, database, schema), clock


def _recorder(path: str | None, clock: Any) -> Any:
    """A Recorder on ``path`` (`--record FILE`), None without it, False when the file cannot be written."""
    if not path:
        return None
    from tui.services.recording import Recorder

    try:
        recorder = Recorder(path, clock=clock)
    except OSError as exc:
        print(f"dagtop: cannot record to {path}: {exc.strerror or exc}", file=sys.stderr)
        return False
    print(f"dagtop: recording every answer to {path}", file=sys.stderr)
    return recorder


def _close_recorder(recorder: Any) -> None:
    recorder.close()
    if recorder.error:
        print(f"dagtop: warning: {recorder.error}", file=sys.stderr)
    else:
        print(
            f"dagtop: recorded to {recorder.path} (replay it: dagtop replay {recorder.path})", file=sys.stderr
        )


def _profile_secrets(profile: Any) -> list[str]:
    """The profile's credentials, masked in the header's facts too (a URL may carry one)."""
    values = []
    for name in ("token", "password", "private_key_pem"):
        secret = getattr(profile, name, None)
        if secret is not None and hasattr(secret, "get_secret_value"):
            values.append(secret.get_secret_value())
    return values
