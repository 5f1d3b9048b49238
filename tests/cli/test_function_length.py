"""No function in the product grows past a screenful: long ones hide several jobs and their bugs.

The limit counts every line of a function (decorators left out), nested functions included in their
parent; each nested function is measured on its own as well.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "tui"
LIMIT = 80

# Known offenders, each with the reason it may stay for now. An entry that no longer exceeds the limit
# fails the test too, so the list can only shrink.
EXEMPT: set[str] = set()


def function_lengths() -> dict[str, int]:
    """``module::Class.function`` -> lines, for every function in the package."""
    lengths: dict[str, int] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        _measure(tree, f"{path.relative_to(PACKAGE).as_posix()}::", lengths)
    return lengths


def _measure(node: ast.AST, prefix: str, lengths: dict[str, int]) -> None:
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
            assert child.end_lineno is not None
            lengths[f"{prefix}{child.name}"] = child.end_lineno - child.lineno + 1
            _measure(child, f"{prefix}{child.name}.", lengths)
        elif isinstance(child, ast.ClassDef):
            _measure(child, f"{prefix}{child.name}.", lengths)
        else:
            _measure(child, prefix, lengths)


def test_no_function_is_longer_than_the_limit() -> None:
    lengths = function_lengths()
    assert len(lengths) > 500, "the walk found too few functions: is PACKAGE right?"
    too_long = {name: n for name, n in lengths.items() if n > LIMIT and name not in EXEMPT}
    assert not too_long, f"functions over {LIMIT} lines (split them into named steps): {too_long}"


def test_every_exemption_is_still_needed() -> None:
    lengths = function_lengths()
    stale = sorted(name for name in EXEMPT if lengths.get(name, 0) <= LIMIT)
    assert not stale, f"no longer over {LIMIT} lines (or gone): remove from EXEMPT: {stale}"
