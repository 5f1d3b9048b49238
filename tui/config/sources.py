"""Where a value came from: reading a TOML file, and naming the file and key in every message."""

from __future__ import annotations

import difflib
import json
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from tui.errors import ConfigError
from tui.locations import display_path


@dataclass
class Origin:
    """Where a profile's keys came from, to name them in messages."""

    file: str  # display path, "$SNOWFLAKE_CONNECTIONS" or "command line"
    prefix: str  # table path, e.g. "profiles.prod"
    keys: dict[str, str] = field(default_factory=dict)  # field name -> key as written in the source

    def where(self, fld: str | None = None) -> str:
        key = self.keys.get(fld, fld) if fld else None
        dotted = ".".join(p for p in (self.prefix, key) if p)
        return f"{self.file}: {dotted}" if dotted else self.file

    def error(self, fld: str | None, problem: str) -> ConfigError:
        return ConfigError(f"{self.where(fld)}: {problem}")


_EXPECTED = {
    "float_parsing": "expected a number",
    "float_type": "expected a number",
    "int_parsing": "expected an integer",
    "int_type": "expected an integer",
    "int_from_float": "expected an integer",
    "bool_type": "expected true or false",
    "bool_parsing": "expected true or false",
    "string_type": "expected a string",
    "path_type": "expected a path (a string)",
    "dict_type": "expected a table",
    "model_type": "expected a table",
}
_SECRET_FIELDS = frozenset({"token", "private_key_passphrase", "private_key_pem"})


def show_value(value: Any) -> str:
    """A value as TOML would spell it, short."""
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "an array"
    text = json.dumps(value, default=str, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


def describe_problem(err: Mapping[str, Any], allowed: list[str]) -> str:
    kind = err["type"]
    loc = [str(p) for p in err["loc"]]
    if kind == "extra_forbidden":
        near = difflib.get_close_matches(loc[-1] if loc else "", allowed, n=1)
        return "unknown key" + (f' (did you mean "{near[0]}"?)' if near else "")
    if kind == "missing":
        return "required"
    if kind == "literal_error":
        text = f"expected {err['ctx']['expected']}"
    elif kind in ("greater_than", "greater_than_equal"):
        bound = err["ctx"].get("gt", err["ctx"].get("ge"))
        text = f"expected a number greater than {bound:g}"
    elif kind in _EXPECTED:
        text = _EXPECTED[kind]
    else:
        text = str(err["msg"]).removeprefix("Value error, ")
        return text
    if loc and loc[0] in _SECRET_FIELDS:
        return text
    return f"{text}, got {show_value(err.get('input'))}"


def raise_validation(exc: ValidationError, origin: Origin, allowed: list[str]) -> None:
    """Every problem, one line each: fixing one only to meet the next wastes a round trip."""
    lines = []
    for error in exc.errors():
        loc = [str(p) for p in error["loc"]]
        where = origin.where(loc[0] if loc else None)
        if len(loc) > 1:
            where += "." + ".".join(loc[1:])
        lines.append(f"{where}: {describe_problem(error, allowed)}")
    raise ConfigError("\n".join(dict.fromkeys(lines))) from None


# ---------------------------------------------------------------------------------------------------
# Files


def read_toml(path: Path, *, required: bool) -> dict[str, Any] | None:
    label = display_path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        if required:
            raise ConfigError(f"{label}: no such file") from None
        return None
    except OSError as exc:
        raise ConfigError(f"{label}: cannot read: {exc.strerror or exc}") from None
    try:
        return tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"{label}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{label}: invalid TOML: {exc}") from None
