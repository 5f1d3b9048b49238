"""A response validator for the Qlik dialect, built on the schemas derived from Qlik's TypeScript types.

``tests/sandbox/qlik_schemas/*.schema.json`` are written by ``devtools/qlik_schemas.py`` from the
copied ``@qlik/api`` 2.19.0 types. :class:`QlikChecker` is an httpx response hook: every response a
Qlik sandbox test sees is matched to its operation (method + path template), its status must be one the
types declare (429 too: Qlik's rate-limit page documents it, with ``Retry-After``), and its body must
validate against the declared ``data`` type (errors against ``ErrorResponse``). A path no operation
matches may only answer an ``ErrorResponse`` 404 (that is how a client learns an API is absent).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import jsonschema

SCHEMAS = Path(__file__).resolve().parent / "qlik_schemas"
APIS = ("tasks-v1", "scheduling-tasks")


class QlikContractViolation(AssertionError):
    """A response does not conform to Qlik's published types."""


@dataclass(frozen=True)
class Operation:
    api: str
    name: str
    method: str
    template: str
    regex: re.Pattern[str]
    responses: dict[str, Any]
    errors: tuple[int, ...]


@cache
def document(api: str) -> dict[str, Any]:
    return json.loads((SCHEMAS / f"{api}.schema.json").read_text(encoding="utf-8"))


def _regex(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[^}]+\})", template)
    body = "".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts)
    return re.compile(f"^{body}/?$")


@cache
def operations() -> tuple[Operation, ...]:
    out = []
    for api in APIS:
        for name, op in document(api)["operations"].items():
            out.append(
                Operation(
                    api, name, op["method"], op["path"], _regex(op["path"]), op["responses"],
                    tuple(op["errorStatuses"]),
                )
            )  # fmt: skip
    # The most literal template wins (``/runs/last`` over ``/runs/{runId}``).
    return tuple(sorted(out, key=lambda o: -len(re.sub(r"\{[^}]+\}", "", o.template))))


def find_operation(method: str, path: str) -> Operation | None:
    for op in operations():
        if op.method == method and op.regex.match(path):
            return op
    return None


def schema_errors(api: str, schema: dict[str, Any] | None, instance: Any) -> list[str]:
    """Every way ``instance`` breaks ``schema`` (a fragment of ``api``'s document)."""
    full = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$defs": document(api)["$defs"]}
    full.update(schema or {})
    validator = jsonschema.Draft202012Validator(full)
    return [
        f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}"
        for e in validator.iter_errors(instance)
    ]


def validate_named(api: str, name: str, instance: Any) -> None:
    problems = schema_errors(api, {"$ref": f"#/$defs/{name}"}, instance)
    if problems:
        raise QlikContractViolation(f"not a valid {name}: " + "; ".join(problems[:5]))


def validate_response(
    method: str, path: str, status: int, headers: httpx.Headers, body: bytes, list_sample: int | None = None
) -> None:
    """``list_sample``: validate only the first N items of a page's ``data`` (and its last): every item
    of a page has the same type, and the console tests read thousands of them (the contract tests
    under tests/sandbox validate every item)."""
    op = find_operation(method, path)
    where = f"{method} {path} -> {status}"
    ctype = headers.get("content-type", "")
    if status >= 400:
        if op is None and status not in (401, 404, 405, 429):
            raise QlikContractViolation(f"{where}: no operation answers {status}")
        if op is not None and status not in (*op.errors, 429):
            raise QlikContractViolation(f"{where}: the types declare errors {op.errors}")
        if status == 429 and "retry-after" not in headers:
            raise QlikContractViolation(f"{where}: a 429 must say Retry-After")
        _json_against(op.api if op else "tasks-v1", {"$ref": "#/$defs/ErrorResponse"}, body, ctype, where)
        return
    if op is None:
        raise QlikContractViolation(f"{where}: no operation of Qlik's types matches")
    if str(status) not in op.responses:
        raise QlikContractViolation(f"{where}: {op.name} declares {sorted(op.responses)}")
    schema = op.responses[str(status)]
    if schema is None:
        if body:
            raise QlikContractViolation(f"{where}: {op.name} answers no body, got {body[:80]!r}")
        return
    if op.name in ("getTaskRunLog",) and ctype.startswith("text/plain"):
        body.decode("utf-8")  # the raw log (Accept: text/plain); it must at least be text
        return
    _json_against(op.api, schema, body, ctype, where, list_sample)


def _json_against(
    api: str, schema: dict[str, Any], body: bytes, ctype: str, where: str, list_sample: int | None = None
) -> None:
    if not ctype.startswith("application/json"):
        raise QlikContractViolation(f"{where}: content-type {ctype!r}, not JSON")
    try:
        instance = json.loads(body)
    except ValueError as exc:
        raise QlikContractViolation(f"{where}: body is not JSON: {exc}") from None
    data = instance.get("data") if isinstance(instance, dict) else None
    if list_sample is not None and isinstance(data, list) and len(data) > list_sample + 1:
        instance = {**instance, "data": [*data[:list_sample], data[-1]]}
    problems = schema_errors(api, schema, instance)
    if problems:
        raise QlikContractViolation(f"{where}: " + "; ".join(problems[:5]))


@dataclass
class QlikChecker:
    """An httpx response hook; ``seen`` counts what it validated, ``errors`` what failed."""

    seen: int = 0
    errors: list[str] = field(default_factory=list)
    list_sample: int | None = None  # see validate_response

    def check(self, response: httpx.Response) -> None:
        request = response.request
        try:
            validate_response(request.method, request.url.path, response.status_code, response.headers,
                              response.content, self.list_sample)  # fmt: skip
        except QlikContractViolation as exc:
            self.errors.append(str(exc))
            raise
        self.seen += 1

    async def async_hook(self, response: httpx.Response) -> None:
        await response.aread()
        self.check(response)

    def hook(self, response: httpx.Response) -> None:
        response.read()
        self.check(response)
