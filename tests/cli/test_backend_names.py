"""Screens, widgets and services ask a backend what it can do and how it words things, never its name.

Adding a backend (Taipy, Qlik) must not add a branch to a screen or to a service: only the backends
themselves, the configuration that picks one, and the entry points may compare against a backend's name.
"""

from __future__ import annotations

import ast
from pathlib import Path

TUI = Path(__file__).resolve().parents[2] / "tui"
NAMES = {"snowflake", "airflow", "taipy", "qlik"}
# Where naming a backend is the job: the adapters, the configuration that chooses one, the entry point.
ALLOWED = ("backends/", "config", "cli.py", "sandbox/")


def _names_in(node: ast.AST | None) -> set[str]:
    """The backend names a comparison operand spells: a literal, or a literal inside a tuple/list/set."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value.lower()} & NAMES
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return set().union(*(_names_in(e) for e in node.elts)) if node.elts else set()
    return set()


def name_branches(source: str) -> list[tuple[int, str]]:
    """(line, name) of each place that decides on a backend's name: ==/!=/in comparisons, match
    cases, and dict lookups keyed by names."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        spelled: set[str] = set()
        if isinstance(node, ast.Compare):
            for operand in (node.left, *node.comparators):
                spelled |= _names_in(operand)
        elif isinstance(node, ast.MatchValue):
            spelled = _names_in(node.value)
        elif isinstance(node, ast.Dict):
            for key in node.keys:
                spelled |= _names_in(key)
        found += [(node.lineno, name) for name in sorted(spelled)] if hasattr(node, "lineno") else []
    return found


def test_the_checker_sees_each_way_of_branching_on_a_name() -> None:
    source = (
        'if connection.backend == "airflow": pass\n'
        'if "Snowflake" != kind: pass\n'
        'if backend in ("qlik", "other"): pass\n'
        'match backend:\n    case "taipy": pass\n'
        'label = {"airflow": "DAG"}[backend]\n'
        'if backend == "postgres" or title == "Airflow DAGs run": pass\n'
    )
    assert [line for line, _ in name_branches(source)] == [1, 2, 3, 5, 6]


def test_no_screen_widget_or_service_branches_on_a_backend_name() -> None:
    offenders = []
    for path in sorted(TUI.rglob("*.py")):
        where = path.relative_to(TUI).as_posix()
        if where.startswith(ALLOWED):
            continue
        offenders += [
            f"{where}:{line} compares against {name!r}" for line, name in name_branches(path.read_text())
        ]
    assert offenders == [], "ask the backend (capabilities, wording) instead:\n" + "\n".join(offenders)
