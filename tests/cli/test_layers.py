"""The import-linter contracts in pyproject catch what they promise.

Each case runs ``lint-imports`` on a temporary copy of the package with one import that breaks the
layering added, and expects the contract that names the rule to break. The real tree must keep them all.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint(tree: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(tree)}  # the copy, not the installed package
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=tree, env=env, capture_output=True, text=True, timeout=120
    )


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "tui", tmp_path / "tui", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_tree_keeps_every_contract(tree: Path) -> None:
    result = lint(tree)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "broken"),
    [
        # the circle of issue 10: the app must not reach back up to the entry point that starts it
        ("app.py", "import tui.console", "tui.app -> tui.console"),
        # a service reaching a widget (the layers contract) and, through it, Textual (the forbidden one)
        ("services/task_query.py", "import tui.widgets.keyed_table", "tui.services -> tui.widgets"),
        ("services/task_query.py", "import tui.widgets.keyed_table", "tui.services -> textual"),
        ("backends/base.py", "import tui.services.journal", "tui.backends -> tui.services"),
        ("errors.py", "import tui.domain", "tui.errors -> tui.domain"),
        ("widgets/header.py", "import tui.screens.tasks", "tui.widgets -> tui.screens"),
        ("sandbox/engine.py", "import tui.backends.http", "tui.sandbox -> tui.backends"),
        ("services/journal.py", "import tui.sandbox.engine", "tui.services -> tui.sandbox"),
        ("new_module.py", None, "tui.new_module"),  # exhaustive: a module outside every layer is refused
        # the config package: one job per module, the readers beside each other, the model at the bottom
        (
            "config/secrets.py",
            "import tui.config.snowflake_cli",
            "tui.config.secrets -> tui.config.snowflake_cli",
        ),
        ("config/model.py", "import tui.config.resolve", "tui.config.model -> tui.config.resolve"),
        ("config/new_module.py", None, "tui.config.new_module"),
    ],
)
def test_an_upward_import_breaks_the_contract(tree: Path, module: str, line: str | None, broken: str) -> None:
    path = tree / "tui" / module
    if line is None:
        path.write_text('"""Placed in no layer."""\n')
    else:
        path.write_text(path.read_text() + f"\n{line}  # noqa\n")
    source, target = broken.split(" -> ") if " -> " in broken else (None, None)
    result = lint(tree)
    assert result.returncode != 0, result.stdout
    expected = f"{source} is not allowed to import {target}" if source else broken
    assert expected in result.stdout, result.stdout + result.stderr
