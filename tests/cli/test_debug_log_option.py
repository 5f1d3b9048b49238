"""Where the debug log goes: off by default, a file from --log or DAGTOP_LOG, or the state directory."""

from __future__ import annotations

import logging

from tui import cli
from tui.services.debug_log import log_path


def test_off_unless_asked_for(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    assert log_path(None, {}) is None
    assert log_path(None, {"DAGTOP_LOG": "0"}) is None
    assert log_path(None, {"DAGTOP_LOG": "1"}) == tmp_path / "dagtop" / "dagtop.log"
    assert log_path(None, {"DAGTOP_LOG": str(tmp_path / "x.log")}) == tmp_path / "x.log"
    assert log_path(str(tmp_path / "flag.log"), {"DAGTOP_LOG": "1"}) == tmp_path / "flag.log"


def test_the_log_flag_writes_the_file_private(tmp_path, monkeypatch):
    path = tmp_path / "logs" / "dagtop.log"
    monkeypatch.delenv("DAGTOP_LOG", raising=False)
    for name in ("HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME", "SNOWFLAKE_HOME"):
        monkeypatch.setenv(name, str(tmp_path / name.lower()))
    monkeypatch.setenv("DAGTOP_CONFIG", str(tmp_path / "none.toml"))
    logger = logging.getLogger("dagtop")
    before = list(logger.handlers)
    try:
        # a profile that does not exist: a configuration error (exit 2), after the log was enabled
        assert cli.main(["--log", str(path), "get", "tasks", "-c", "nosuch"]) == 2
        logging.getLogger("dagtop.test").error("written")
    finally:
        for handler in [h for h in logger.handlers if h not in before]:
            logger.removeHandler(handler)
            handler.close()
        logger.setLevel(logging.NOTSET)
    assert "written" in path.read_text()
    assert path.stat().st_mode & 0o077 == 0
