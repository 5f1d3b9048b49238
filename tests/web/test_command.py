"""What ``dagtop serve`` decides before serving: each console's command line, the host, the sandbox clock."""

from __future__ import annotations

import shlex
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import tui.cli
import tui.console
import tui.web.serve
from tests.web.test_serve import foreign_urls
from tui.cli import build_parser
from tui.web.command import SharedSandbox, console_argv, console_command, sandbox_clock_spec
from tui.web.serve import is_loopback


def parse(*argv: str):
    return build_parser().parse_args(list(argv))


def test_each_console_gets_the_profile_flags_and_read_only(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    args = parse("serve", "-c", "prod", "--config", "dagtop.toml", "--token-file", "tok", "--schema", "S")
    argv = console_argv(args, read_only=True)
    assert argv[:3] == [sys.executable, "-m", "tui"]
    assert argv[3:] == [
        "-c", "prod", "--config", str(tmp_path / "dagtop.toml"), "--schema", "S",
        "--token-file", str(tmp_path / "tok"), "--read-only",
    ]  # fmt: skip
    assert "--read-only" not in console_argv(args, read_only=False)


def test_the_shell_command_keeps_odd_arguments_whole():
    argv = [sys.executable, "-m", "tui", "-c", "it's; rm -rf ~", "--read-only"]
    assert shlex.split(console_command(argv)) == argv


def test_on_the_shared_sandbox_only_the_config_file_is_carried(tmp_path):
    args = parse("--utc", "serve", "--config", str(tmp_path / "c.toml"))
    sandbox = SharedSandbox("http://127.0.0.1:9", "DB", "SC", tmp_path / "token", "1,2,60")
    argv = console_argv(args, read_only=True, sandbox=sandbox)
    assert argv[3:] == [
        "--config", str(tmp_path / "c.toml"), "--url", "http://127.0.0.1:9", "--database", "DB",
        "--schema", "SC", "--token-file", str(tmp_path / "token"), "--served-sandbox", "1,2,60",
        "--read-only", "--utc",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("localhost", True), ("::1", True), ("[::1]", True), ("127.0.0.2", True),
     ("0.0.0.0", False), ("::", False), ("192.168.1.5", False), ("wiki.example", False)],  # noqa: S104
)  # fmt: skip
def test_loopback_hosts(host, loopback):
    assert is_loopback(host) is loopback


def _served_with(monkeypatch, *argv: str) -> tuple[int, dict]:
    """Run ``dagtop serve ARGV`` up to the point it would listen; what it would serve."""
    seen: dict = {}

    def fake_serve(command, host, port, loopback, read_only, sandbox):
        seen.update(command=command, host=host, loopback=loopback, read_only=read_only, sandbox=sandbox)
        return 0

    monkeypatch.setattr(tui.web.serve, "_serve", fake_serve)
    return tui.cli.main(["serve", *argv]), seen


def test_another_host_is_served_only_when_asked_and_with_a_warning(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("DAGTOP_TOKEN", "t0k3n-never-on-argv")
    url = ["--url", "http://127.0.0.1:9", "--database", "D", "--schema", "S"]
    code, seen = _served_with(monkeypatch, *url)
    assert code == 0 and seen["host"] == "127.0.0.1" and seen["loopback"] and seen["read_only"]
    assert "anyone" not in capsys.readouterr().err
    assert "t0k3n" not in seen["command"] and not seen["sandbox"]

    code, seen = _served_with(monkeypatch, "--host", "0.0.0.0", "--allow-actions", *url)  # noqa: S104
    err = capsys.readouterr().err
    assert code == 0 and not seen["loopback"] and not seen["read_only"]
    assert "serving on 0.0.0.0: anyone who can reach this address gets the console" in err
    assert "can run actions" in err and "--read-only" not in seen["command"]


def test_a_broken_profile_is_reported_once_before_serving(monkeypatch, capsys, tmp_path):
    code, seen = _served_with(monkeypatch, "-c", "nope")
    assert code == 2 and seen == {}
    assert "no profile or connection named 'nope'" in capsys.readouterr().err


def test_a_console_on_the_shared_sandbox_says_sandbox_and_reads_its_clock(monkeypatch, tmp_path):
    token = tmp_path / "token"
    token.write_text("sandbox-token")
    start = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
    spec = sandbox_clock_spec(start, 60.0, wall_now=1_000.0)
    launched: dict = {}
    monkeypatch.setattr(tui.console, "launch", lambda profile, settings, **kw: launched.update(kw, p=profile))
    argv = ["--url", "http://127.0.0.1:9", "--database", "D", "--schema", "S", "--token-file", str(token)]
    tui.cli.main([*argv, "--served-sandbox", spec, "--read-only"])
    profile = launched["p"]
    assert profile.sandbox and profile.name == "sandbox" and profile.read_only
    assert launched["args"].token_file is None and launched["args"].read_only  # for profiles switched to
    monkeypatch.setattr("time.time", lambda: 1_002.0)  # two real seconds later: two simulated minutes
    assert launched["clock"]() == start + timedelta(minutes=2)


def test_the_check_for_foreign_urls_sees_textual_serves_own_web_font():
    import textual_serve

    page = (Path(textual_serve.__file__).parent / "templates" / "app_index.html").read_text()
    assert any("fonts.googleapis.com" in url for url in foreign_urls(page, "127.0.0.1:8000"))
    ours = (Path(tui.web.serve.__file__).parent / "templates" / "app_index.html").read_text()
    assert foreign_urls(ours, "127.0.0.1:8000") == []
