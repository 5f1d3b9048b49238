"""Task records, identifiers and the Task wire shape."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tui.sandbox.clock import iso
from tui.sandbox.errors import bad_request
from tui.sandbox.schedule import validate_schedule
from tui.snowflake_task_fields import READ_ONLY_TASK_FIELDS

_UNQUOTED = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*")
_PLAIN_UPPER = re.compile(r"[A-Z_][A-Z0-9_$]*")


def parse_identifier(text: str) -> str | None:
    """The stored (case-exact) name for an identifier, or None if it is not one.

    Unquoted identifiers are case-insensitive (stored upper-cased); quoted ones keep case, ``""`` is a quote.
    """
    if len(text) >= 3 and text[0] == '"' and text[-1] == '"':
        inner = text[1:-1]
        if '"' in inner.replace('""', ""):
            return None
        return inner.replace('""', '"')
    if _UNQUOTED.fullmatch(text):
        return text.upper()
    return None


def quote(name: str) -> str:
    """The identifier as SQL (and the API) spells it: bare when it can be, else double-quoted."""
    if _PLAIN_UPPER.fullmatch(name):
        return name
    return '"' + name.replace('"', '""') + '"'


def split_qualified(text: str) -> list[str]:
    """Split ``a.b."c.d"`` into its identifier parts, respecting quotes."""
    parts, buf, quoted, i = [], [], False, 0
    while i < len(text):
        ch = text[i]
        if ch == '"':
            if quoted and i + 1 < len(text) and text[i + 1] == '"':
                buf.append('""')
                i += 2
                continue
            quoted = not quoted
            buf.append(ch)
        elif ch == "." and not quoted:
            parts.append("".join(buf))
            buf = []
        else:
            buf.append(ch)
        i += 1
    parts.append("".join(buf))
    return parts


# Writable Task properties with their JSON types (bool is checked apart from int).
PROPERTIES: dict[str, type | tuple[type, ...]] = {
    "warehouse": str,
    "schedule": dict,
    "comment": str,
    "finalize": str,
    "task_auto_retry_attempts": int,
    "config": dict,
    "session_parameters": dict,
    "definition": str,
    "predecessors": list,
    "user_task_managed_initial_warehouse_size": str,
    "target_completion_interval": dict,
    "serverless_task_min_statement_size": str,
    "serverless_task_max_statement_size": str,
    "user_task_timeout_ms": int,
    "suspend_task_after_num_failures": int,
    "condition": str,
    "allow_overlapping_execution": bool,
    "error_integration": str,
    "success_integration": str,
    "overlap_policy": str,
    "execute_as_user": str,
}
OVERLAP_POLICIES = {"NO_OVERLAP", "ALLOW_CHILD_OVERLAP", "ALLOW_ALL_OVERLAP"}


def validate_body(body: Any) -> tuple[str, dict[str, Any], list[str]]:
    """Check a Task body: return (stored name, writable props, raw predecessor strings) or raise a 400."""
    if not isinstance(body, dict):
        raise bad_request("The request body must be a JSON object describing a Task.")
    raw_name = body.get("name")
    if not isinstance(raw_name, str) or not raw_name:
        raise bad_request("Missing required property 'name'.")
    name = parse_identifier(raw_name)
    if name is None:
        raise bad_request(f"Invalid identifier '{raw_name}'.")
    if not isinstance(body.get("definition"), str) or not body["definition"].strip():
        raise bad_request("Missing required property 'definition'.")
    props: dict[str, Any] = {}
    for key, value in body.items():
        if key == "name" or key in READ_ONLY_TASK_FIELDS or value is None:
            continue
        kind = PROPERTIES.get(key)
        if kind is None:
            raise bad_request(f"Unknown property '{key}' for Task.")
        bad_type = not isinstance(value, kind) or (kind is int and isinstance(value, bool))
        if bad_type:
            raise bad_request(f"Property '{key}' has the wrong type.")
        props[key] = value
    if "schedule" in props:
        props["schedule"] = validate_schedule(props["schedule"])
    preds = props.pop("predecessors", [])
    if not all(isinstance(p, str) and p for p in preds):
        raise bad_request("predecessors must be a list of task names")
    retries = props.get("task_auto_retry_attempts")
    if retries is not None and not 0 <= retries <= 30:
        raise bad_request("task_auto_retry_attempts must be between 0 and 30")
    if props.get("overlap_policy", "NO_OVERLAP") not in OVERLAP_POLICIES:
        raise bad_request("overlap_policy must be NO_OVERLAP, ALLOW_CHILD_OVERLAP or ALLOW_ALL_OVERLAP")
    for key in ("user_task_timeout_ms", "suspend_task_after_num_failures"):
        if props.get(key) is not None and props[key] < 0:
            raise bad_request(f"{key} must not be negative")
    return name, props, list(preds)


@dataclass(slots=True)
class TaskRecord:
    name: str  # stored, case-exact
    database: str
    schema: str
    props: dict[str, Any]
    predecessors: tuple[str, ...]
    id: str
    created_on: datetime
    last_committed_on: datetime
    owner: str = "SYSADMIN"
    state: str = "suspended"
    last_suspended_on: datetime | None = None
    # Simulation knobs, never on the wire: typical duration and failure chance per run.
    base_seconds: float = 20.0
    fail_probability: float = 0.0
    relations: dict[str, Any] = field(default_factory=dict)
    finalizes: str | None = None  # stored name of the root this task is the finalizer of

    @property
    def fqn(self) -> str:
        return f"{quote(self.database)}.{quote(self.schema)}.{quote(self.name)}"

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": quote(self.name)}
        out.update(self.props)
        out["predecessors"] = [quote(p) for p in self.predecessors]
        if self.relations:
            out["task_relations"] = json.dumps(self.relations, separators=(",", ":"))
        out["created_on"] = iso(self.created_on)
        out["id"] = self.id
        out["owner"] = self.owner
        out["owner_role_type"] = "ROLE"
        out["state"] = self.state
        out["last_committed_on"] = iso(self.last_committed_on)
        if self.last_suspended_on is not None:
            out["last_suspended_on"] = iso(self.last_suspended_on)
        out["database_name"] = quote(self.database)
        out["schema_name"] = quote(self.schema)
        return out
