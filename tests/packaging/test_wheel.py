"""The wheel a user installs: built from this tree, installed with only its declared runtime dependencies in
a clean venv, every module of ``tui`` imports and the command runs.

What this catches: a product module importing test support or a developer tool (``tests``, ``devtools``,
an extra such as ``pytest`` or ``airflow_client``), a runtime dependency used but not declared, a module
the wheel leaves out. uv (the one tests/airflow/servers.py installs) builds the wheel and makes the venv;
its cache sits next to the Airflow servers' (``~/.cache/dagtop/uv-cache``), so after the first run this
costs a few seconds and no download.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.airflow import servers

ROOT = Path(__file__).resolve().parents[2]

# Runs in the clean venv, in isolated mode (-I: neither the working directory nor PYTHON* variables on
# sys.path), so only the installed wheel can answer `import tui`.
IMPORT_ALL = r"""
import importlib, json, pkgutil, tui
names, failed = [], {}
for info in pkgutil.walk_packages(tui.__path__, "tui.", onerror=lambda name: failed.setdefault(name, "walk")):
    # `python -m tui`'s entry module runs the console when imported; dagtop --help below runs it instead.
    if info.name == "tui.__main__":
        continue
    names.append(info.name)
    try:
        importlib.import_module(info.name)
    except BaseException as exc:
        failed[info.name] = f"{type(exc).__name__}: {exc}"
print(json.dumps({"file": tui.__file__, "modules": names, "failed": failed}))
"""


def source_modules() -> set[str]:
    """Every module of the ``tui`` source tree, as a dotted name (the entry module left out as above)."""
    names = set()
    for path in (ROOT / "tui").rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        if name != "tui" and name != "tui.__main__":
            names.add(name)
    return names


def run(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "UV_CACHE_DIR": str(servers.cache_dir() / "uv-cache"), "UV_NO_PROGRESS": "1"}
    for leaky in ("PYTHONPATH", "VIRTUAL_ENV"):
        env.pop(leaky, None)
    done = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True)
    assert done.returncode == 0, f"{args[:3]} failed:\n{done.stdout}\n{done.stderr}"
    return done


@pytest.mark.packaging
def test_every_module_of_the_installed_wheel_imports_with_only_its_runtime_dependencies(tmp_path: Path):
    uv = servers._uv()
    run(uv, "build", "--wheel", "-q", "-o", tmp_path / "dist", ROOT, cwd=tmp_path)
    (wheel,) = (tmp_path / "dist").glob("dagtop-*.whl")
    venv = tmp_path / "venv"
    run(uv, "venv", "-q", "-p", sys.executable, venv, cwd=tmp_path)
    run(uv, "pip", "install", "-q", "--python", venv / "bin" / "python", wheel, cwd=tmp_path)

    out = json.loads(run(venv / "bin" / "python", "-I", "-c", IMPORT_ALL, cwd=tmp_path).stdout)

    assert Path(out["file"]).is_relative_to(venv), "imported tui from the tree, not from the wheel"
    assert out["failed"] == {}
    assert set(out["modules"]) == source_modules(), "the wheel does not ship exactly the tui package"
    site = Path(out["file"]).parent.parent
    assert not {"tests", "devtools"} & {p.name for p in site.iterdir()}, (
        "the wheel ships test support or tools"
    )
    help_text = run(venv / "bin" / "dagtop", "--help", cwd=tmp_path).stdout
    assert "dagtop" in help_text
    # Data files too: `dagtop serve`'s page (without it every browser would get a 500).
    assert (site / "tui" / "web" / "templates" / "app_index.html").is_file()
