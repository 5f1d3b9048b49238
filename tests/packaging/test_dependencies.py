"""What pyproject.toml promises about dependencies, checked against the code and the test venv.

A package the product imports but does not declare works only while some other dependency happens to pull
it in; a range without an upper bound lets the next major release break an installed dagtop; snapshots are
only comparable on the exact Textual they were taken with (pinned for tests, not for users).
"""

from __future__ import annotations

import ast
import importlib.metadata
import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
RUNTIME = [Requirement(line) for line in PROJECT["dependencies"]]
TEST_CONSTRAINTS = ROOT / "constraints" / "test.txt"


def imported_distributions() -> dict[str, set[str]]:
    """Distribution name -> the modules of ``tui`` that import it (top-level imports, stdlib left out)."""
    owners = importlib.metadata.packages_distributions()
    found: dict[str, set[str]] = {}
    for path in (ROOT / "tui").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                tops = [alias.name.split(".")[0] for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                tops = [node.module.split(".")[0]]
            else:
                continue
            for top in tops:
                if top == "tui" or top in sys.stdlib_module_names or top == "__future__":
                    continue
                for dist in owners.get(top, [f"<no distribution installs {top!r}>"]):
                    found.setdefault(canonicalize_name(dist), set()).add(str(path.relative_to(ROOT)))
    return found


def test_every_package_the_product_imports_is_a_declared_runtime_dependency():
    declared = {canonicalize_name(r.name) for r in RUNTIME}
    imported = imported_distributions()
    assert {dist: sorted(imported[dist]) for dist in imported if dist not in declared} == {}


def test_every_runtime_dependency_has_a_tested_floor_and_a_next_major_ceiling():
    """``>= X.Y, < next breaking release`` (the next major; for 0.x the next minor, as semver has it),
    and the version the tests run on inside that range."""
    wrong = {}
    for req in RUNTIME:
        floors = [Version(s.version) for s in req.specifier if s.operator == ">="]
        ceilings = [Version(s.version) for s in req.specifier if s.operator == "<"]
        installed = Version(importlib.metadata.version(req.name))
        if len(floors) != 1 or len(ceilings) != 1 or len(req.specifier) != 2:
            wrong[req.name] = f"{req.specifier}: want exactly one >= and one <"
            continue
        floor, ceiling = floors[0], ceilings[0]
        breaking = Version(f"0.{floor.minor + 1}") if floor.major == 0 else Version(f"{floor.major + 1}")
        if ceiling != breaking:
            wrong[req.name] = f"{req.specifier}: the ceiling should be <{breaking}"
        elif installed not in req.specifier:
            wrong[req.name] = f"{req.specifier}: the tests run on {installed}"
    assert wrong == {}


def test_snapshot_renderers_are_pinned_for_the_tests_only():
    """Users get a compatible Textual; the test venv gets exactly the one the snapshots were taken with."""
    pins = {}
    for line in TEST_CONSTRAINTS.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            req = Requirement(line)
            (spec,) = req.specifier
            assert spec.operator == "==", line
            pins[canonicalize_name(req.name)] = spec.version
    assert {"textual", "rich", "pytest-textual-snapshot"} <= set(pins)
    for name, version in pins.items():
        assert importlib.metadata.version(name) == version, f"the test venv runs {name} off its pin"
    textual = next(r for r in RUNTIME if canonicalize_name(r.name) == "textual")
    assert not any(s.operator == "==" for s in textual.specifier), "users should not be pinned exactly"
