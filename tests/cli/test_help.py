"""What `--help` says: a description (not a raw docstring), the environment variables dagtop reads, exit
codes and examples at the top level, no action flags on reads, defaults on `sandbox`."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tui.cli import build_parser

ROOT = Path(__file__).resolve().parents[2]


def help_of(*argv: str, capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as info:
        build_parser().parse_args([*argv, "--help"])
    assert info.value.code == 0
    return capsys.readouterr().out


def test_top_level_help_lists_every_environment_variable_exit_codes_and_examples(capsys):
    text = help_of(capsys=capsys)
    # Every DAGTOP_ variable the code reads is named in the help.
    read = set()
    for path in (ROOT / "tui").rglob("*.py"):
        read |= set(re.findall(r"\bDAGTOP_[A-Z_]+\b", path.read_text()))
    assert read and not {v for v in read if v not in text}, read
    assert "NO_COLOR" in text and "SNOWFLAKE_HOME" in text
    exits = text[text.index("exit codes:") :]
    for code in ("0 ", "1 ", "2 ", "3 "):
        assert f"\n  {code}" in exits, code
    assert text.count("\n  dagtop ") >= 2  # two examples


def test_get_help_starts_with_a_description_and_offers_no_action_flags(capsys):
    text = help_of("get", capsys=capsys)
    description = text.split("\n\n")[1]
    assert "`" not in text and description.startswith("Print ")
    assert "--read-only" not in text
    for leaf in ("tasks", "task", "runs"):
        assert "--read-only" not in help_of("get", leaf, capsys=capsys)
    assert "--read-only" in help_of("exec", capsys=capsys)


def test_sandbox_help_shows_defaults(capsys):
    text = " ".join(help_of("sandbox", capsys=capsys).split())
    for default in ("127.0.0.1", "default: a free one", "default: 200", "default: 7", "default: 60"):
        assert default in text, default


def test_sandbox_help_names_both_dialects(capsys):
    top = " ".join(help_of(capsys=capsys).split())
    assert "sandbox task-graph service (Snowflake or Qlik dialect)" in top
    text = " ".join(help_of("sandbox", capsys=capsys).split())
    assert "Snowflake Tasks REST API v2 or, with --dialect qlik, of Qlik Cloud's Tasks API" in text
