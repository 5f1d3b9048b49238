"""The bytes a real `dagtop` writes to its terminal when a watched graph fails: the bell and an OSC 9 or
OSC 777 desktop notification, captured from a pseudo-terminal.

The console runs as the user runs it (a subprocess, a config file with ``[settings.notify]``) against a
sandbox served here over TCP; the failure is a real run the sandbox records (its test hook), seen by
the console's own poll.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import select
import struct
import subprocess
import sys
import termios
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tui.sandbox import SandboxConfig, SandboxServer
from tui.sandbox.clock import ManualClock

TOKEN = "pty-sandbox-token-0123456789"
# Far more than a run needs (about 4 s from launch to the notification on an idle machine): the
# deadline only stops a broken run from hanging, it measures nothing.
DEADLINE = 60.0
pytestmark = pytest.mark.timeout(150)


class Terminal:
    """``dagtop`` on a pseudo-terminal: keys in, every byte it writes kept."""

    def __init__(self, argv: list[str], env: dict[str, str], size: tuple[int, int] = (100, 30)) -> None:
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", size[1], size[0], 0, 0))
        self.master = master
        self.output = b""
        self.process = subprocess.Popen(
            argv, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True, close_fds=True
        )
        os.close(slave)

    def read_until(self, wanted: bytes, since: int = 0) -> int:
        """Read until ``wanted`` appears after offset ``since``; where it starts."""
        end = time.monotonic() + DEADLINE
        while (found := self.output.find(wanted, since)) < 0:
            left = end - time.monotonic()
            assert left > 0 and self.process.poll() is None, (wanted, self.output[-3000:])
            ready, _, _ = select.select([self.master], [], [], min(left, 0.5))
            if ready:
                with contextlib.suppress(OSError):  # EIO: the console is gone (said next turn)
                    self.output += os.read(self.master, 65536)
        return found

    def press(self, keys: str) -> None:
        os.write(self.master, keys.encode())

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=10)
        os.close(self.master)


@pytest.mark.parametrize("desktop", ["osc9", "osc777"])
def test_a_watched_graph_failing_rings_the_bell_and_raises_a_desktop_notification(desktop, isolated_home):
    config = SandboxConfig(seed=3, tasks=3, graphs=1, scopes=1, token=TOKEN)
    with SandboxServer(config, clock=ManualClock(datetime.now(UTC))) as server:
        engine = server.app.state.sandbox
        database, schema = engine.scopes()[0]
        config_file = Path(isolated_home) / "dagtop.toml"
        config_file.write_text(
            f'[settings.notify]\nbell = true\ndesktop = "{desktop}"\nmin_interval = 0\n\n'
            f'[profiles.sb]\nurl = "{server.url}"\ndatabase = "{database}"\nschema = "{schema}"\n'
            'token_env = "SB_TOKEN"\npoll_interval = 0.5\n'
        )
        env = {**os.environ, "DAGTOP_CONFIG": str(config_file), "SB_TOKEN": TOKEN, "TERM": "xterm-256color"}
        env.pop("TMUX", None)  # a terminal of its own, not the tmux the tests may run in
        terminal = Terminal([sys.executable, "-m", "tui", "-c", "sb"], env)
        try:
            terminal.read_until(b"checked within")  # every graph's status is in: the watch starts from it
            terminal.press("w")  # on the row under the cursor: its graph
            watching = terminal.read_until(b"Watching ")
            terminal.read_until(b"\x1b", watching)
            root = re.match(rb"Watching (\w+)", terminal.output[watching:]).group(1).decode()
            engine.record_failed_run(database, schema, root, message="boom\x07\x1b]52;c;x")
            opener = b"\x1b]9;" if desktop == "osc9" else b"\x1b]777;notify;"
            start = terminal.read_until(opener, watching)
            end = terminal.output.index(b"\x07", start)
            sequence = terminal.output[start : end + 1]
            terminal.read_until(b"\x07", end + 1)
            bell = terminal.output[end + 1 : end + 2]
        finally:
            terminal.close()
    assert f"{root} failed".encode() in sequence, sequence
    assert b"\x1b" not in sequence[1:] and sequence.count(b";") == (1 if desktop == "osc9" else 3)
    assert bell == b"\x07"  # the bell right after the notification
