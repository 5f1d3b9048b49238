"""A response validator built from the official Snowflake Tasks REST API v2 OpenAPI documents.

The sandbox must speak the contract exactly, so every response the sandbox tests see goes through
:func:`validate_response`. It

* finds the operation by matching the concrete path against the spec's path templates (the most
  specific template wins, so ``/tasks/X:execute`` is ``executeTask``, not ``fetchTask`` of ``X:execute``),
* checks the status code is one the operation declares,
* checks ``X-Snowflake-Request-ID`` (a UUID) on every response and ``Location`` (host-relative
  ``/api/v2/results/...``) on every 202, and the shape of any ``Link`` header,
* validates the JSON body against the declared schema (errors against ``ErrorResponse``).

The OpenAPI 3.0 documents are converted to JSON Schema 2020-12 on load:

* ``nullable: true`` becomes a ``"null"`` type (the task documents use none, so ``null`` is *not* allowed
  for any Task / TaskRun field);
* boolean ``exclusiveMinimum``/``exclusiveMaximum`` become the numeric form;
* a ``discriminator`` with a ``mapping`` (``TaskSchedule`` -> ``CronSchedule`` / ``MinutesSchedule``) becomes
  a dispatcher: the discriminator property is required and must be one of the mapped values, and the
  instance must then match the mapped schema. The mapped schemas inherit (``allOf``) from a
  ``<Name>__base`` copy of the original so the dispatch cannot recurse;
* strictness: named object schemas reject properties the spec does not declare
  (``unevaluatedProperties: false``), so the sandbox cannot grow a dialect of extra fields.

``date-time`` accepts ISO 8601 with a ``T`` separator and an optional offset (the spec's own examples,
``2024-06-18T01:01:01.111111``, carry none); ``uuid`` is checked for the request-ID header.
"""

from __future__ import annotations

import copy
import itertools
import json
import os
import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urldefrag, urljoin, urlsplit

import httpx
import jsonschema
import yaml
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

BASE_URI = "https://spec.invalid/snowflake/"
SPEC_FILES = ("task.yaml", "common.yaml", "result.yaml")
REQUEST_ID_HEADER = "X-Snowflake-Request-ID"
METHODS = ("get", "put", "post", "delete", "patch", "head", "options")


class ContractViolation(AssertionError):
    """A response does not conform to the Snowflake contract."""


# --------------------------------------------------------------------------------------------------
# Locating the spec
# --------------------------------------------------------------------------------------------------


def find_spec_dir() -> Path:
    """The directory holding task.yaml, common.yaml and result.yaml.

    ``DAGTOP_SNOWFLAKE_SPECS`` wins; otherwise the shared specs next to the repository. A missing spec is
    an error, never a skip: the conformance suite must not pass by validating nothing.
    """
    repo = Path(__file__).resolve().parents[2]
    candidates = []
    if env := os.environ.get("DAGTOP_SNOWFLAKE_SPECS"):
        candidates.append(Path(env))
    candidates += [
        repo / "tests" / "sandbox" / "specs" / "snowflake",
        repo / "tui" / "sandbox" / "specs" / "snowflake",
        repo.parent / "shared" / "specs" / "snowflake",
    ]
    for candidate in candidates:
        if all((candidate / name).is_file() for name in SPEC_FILES):
            return candidate
    raise FileNotFoundError(
        "Snowflake OpenAPI specs not found; set DAGTOP_SNOWFLAKE_SPECS. Looked in: "
        + ", ".join(str(c) for c in candidates)
    )


# --------------------------------------------------------------------------------------------------
# The Database / Schema list endpoints: NOT in task.yaml/common.yaml/result.yaml.
# HAND-WRITTEN here, transcribed from snowflakedb/snowflake-rest-api-specs @42671a90
# (specifications/database.yaml `listDatabases` + `Database`, specifications/schema.yaml `listSchemas` +
# `Schema`). Only the two list operations the sandbox serves.
# --------------------------------------------------------------------------------------------------

_ERRORS = {
    code: {"$ref": f"common.yaml#/components/responses/{name}"}
    for code, name in {
        "400": "400BadRequest",
        "401": "401Unauthorized",
        "403": "403Forbidden",
        "404": "404NotFound",
        "405": "405MethodNotAllowed",
        "408": "408RequestTimeout",
        "409": "409Conflict",
        "410": "410Gone",
        "429": "429LimitExceeded",
        "500": "500InternalServerError",
        "503": "503ServiceUnavailable",
        "504": "504GatewayTimeout",
    }.items()
}


def _list_op(operation_id: str, item: str) -> dict[str, Any]:
    return {
        "operationId": operation_id,
        "responses": {
            "200": {
                "description": "Successful request.",
                "headers": {
                    REQUEST_ID_HEADER: {"$ref": "common.yaml#/components/headers/X-Snowflake-Request-ID"},
                    "Link": {"$ref": "common.yaml#/components/headers/Link"},
                },
                "content": {
                    "application/json": {
                        "schema": {"type": "array", "items": {"$ref": f"#/components/schemas/{item}"}}
                    }
                },
            },
            "202": {"$ref": "common.yaml#/components/responses/202SuccessAcceptedResponse"},
            **_ERRORS,
        },
    }


_SHARED_DB_SCHEMA_PROPS: dict[str, Any] = {
    "created_on": {"type": "string", "format": "date-time", "readOnly": True},
    "name": {"$ref": "./common.yaml#/components/schemas/Identifier"},
    "kind": {"type": "string", "enum": ["PERMANENT", "TRANSIENT"]},
    "is_default": {"type": "boolean", "readOnly": True},
    "is_current": {"type": "boolean", "readOnly": True},
    "owner": {"type": "string", "readOnly": True},
    "comment": {"type": "string"},
    "options": {"type": "string", "readOnly": True},
    "retention_time": {"type": "integer", "readOnly": True},
    "dropped_on": {"type": "string", "format": "date-time", "readOnly": True, "nullable": True},
    "budget": {"type": "string", "readOnly": True},
    "owner_role_type": {"type": "string", "readOnly": True},
    "data_retention_time_in_days": {"type": "integer"},
    "default_ddl_collation": {"type": "string"},
    "log_level": {"type": "string"},
    "max_data_extension_time_in_days": {"type": "integer"},
    "suspend_task_after_num_failures": {"type": "integer"},
    "trace_level": {"type": "string"},
    "user_task_managed_initial_warehouse_size": {"type": "string"},
    "user_task_timeout_ms": {"type": "integer"},
    "serverless_task_min_statement_size": {"type": "string"},
    "serverless_task_max_statement_size": {"type": "string"},
}

HAND_SPEC: dict[str, Any] = {
    "openapi": "3.0.0",
    "info": {"title": "HAND-WRITTEN subset of Snowflake Database/Schema APIs (list operations)"},
    "paths": {
        "/api/v2/databases": {"get": _list_op("listDatabases", "Database")},
        "/api/v2/databases/{database}/schemas": {"get": _list_op("listSchemas", "Schema")},
    },
    "components": {
        "schemas": {
            "Database": {
                "type": "object",
                "properties": {**_SHARED_DB_SCHEMA_PROPS, "origin": {"type": "string", "readOnly": True}},
                "required": ["name"],
                "example": {
                    "name": "TEST_DB",
                    "created_on": "2024-06-18T01:01:01.111111",
                    "kind": "PERMANENT",
                    "owner": "ACCOUNTADMIN",
                    "comment": "a database",
                },
            },
            "Schema": {
                "type": "object",
                "properties": {
                    **_SHARED_DB_SCHEMA_PROPS,
                    "database_name": {"type": "string", "readOnly": True},
                    "managed_access": {"type": "boolean"},
                    "pipe_execution_paused": {"type": "boolean"},
                },
                "required": ["name"],
                "example": {
                    "name": "TEST_SCHEMA",
                    "database_name": "TEST_DB",
                    "created_on": "2024-06-18T01:01:01.111111",
                    "kind": "PERMANENT",
                },
            },
        }
    },
}


# --------------------------------------------------------------------------------------------------
# OpenAPI 3.0 -> JSON Schema 2020-12
# --------------------------------------------------------------------------------------------------


def _nullable(node: dict[str, Any]) -> dict[str, Any]:
    node = dict(node)
    del node["nullable"]
    if "type" in node:
        types = node["type"] if isinstance(node["type"], list) else [node["type"]]
        node["type"] = [*types, "null"]
        if "enum" in node and None not in node["enum"]:
            node["enum"] = [*node["enum"], None]
        return node
    return {"anyOf": [node, {"type": "null"}]}


def _convert(node: Any) -> Any:
    """Recursively rewrite OpenAPI 3.0 schema quirks (nullable, boolean exclusive bounds)."""
    if isinstance(node, list):
        return [_convert(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _convert(value) for key, value in node.items()}
    for bound, exclusive in (("minimum", "exclusiveMinimum"), ("maximum", "exclusiveMaximum")):
        if isinstance(out.get(exclusive), bool) and out.pop(exclusive) and bound in out:
            out[exclusive] = out.pop(bound)
    if out.get("nullable") is True:
        out = _nullable(out)
    else:
        out.pop("nullable", None)
    return out


def _allof_bases(schemas: Mapping[str, Any]) -> set[str]:
    """Names of component schemas used as allOf bases (those cannot be strict on their own)."""
    bases = set()
    for body in schemas.values():
        for part in body.get("allOf", []) if isinstance(body, dict) else []:
            ref = part.get("$ref", "") if isinstance(part, dict) else ""
            if ref.startswith("#/components/schemas/"):
                bases.add(ref.rsplit("/", 1)[1])
    return bases


def _convert_document(doc: dict[str, Any], *, strict: bool) -> dict[str, Any]:
    doc = _convert(copy.deepcopy(doc))
    schemas: dict[str, Any] = doc.get("components", {}).get("schemas", {})
    bases = _allof_bases(schemas)
    for name in list(schemas):
        body = schemas[name]
        disc = body.get("discriminator") if isinstance(body, dict) else None
        if not disc or not disc.get("mapping"):
            continue
        prop = disc["propertyName"]
        mapping = {
            value: (target if "/" in target else f"#/components/schemas/{target}")
            for value, target in disc["mapping"].items()
        }
        base_name = f"{name}__base"
        base = {k: v for k, v in body.items() if k != "discriminator"}
        schemas[base_name] = base
        for target in mapping.values():
            target_name = target.rsplit("/", 1)[1]
            target_body = schemas.get(target_name, {})
            for part in target_body.get("allOf", []):
                if part.get("$ref") == f"#/components/schemas/{name}":
                    part["$ref"] = f"#/components/schemas/{base_name}"
        schemas[name] = {
            "allOf": [{"$ref": f"#/components/schemas/{base_name}"}],
            "type": "object",
            "required": [prop],
            "properties": {prop: {"enum": list(mapping)}},
            "oneOf": [
                {"properties": {prop: {"const": value}}, "$ref": target} for value, target in mapping.items()
            ],
        }
        bases.add(base_name)
    if strict:
        for name, body in schemas.items():
            if (
                isinstance(body, dict)
                and name not in bases
                and "discriminator" not in body
                and "oneOf" not in body
                and ("properties" in body or "allOf" in body)
                and "additionalProperties" not in body
            ):
                body["unevaluatedProperties"] = False
    return doc


# --------------------------------------------------------------------------------------------------
# Formats
# --------------------------------------------------------------------------------------------------

FORMAT_CHECKER = jsonschema.FormatChecker(formats=())
_DATE_TIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})?$", re.IGNORECASE
)


@FORMAT_CHECKER.checks("date-time", raises=ValueError)
def _is_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not _DATE_TIME.match(value):
        return False
    # Python < 3.11 cannot parse nanoseconds; trim to microseconds for the calendar check.
    trimmed = re.sub(r"(\.\d{6})\d+", r"\1", value)
    datetime.fromisoformat(trimmed.replace("z", "Z"))
    return True


@FORMAT_CHECKER.checks("uuid", raises=ValueError)
def _is_uuid(value: object) -> bool:
    if not isinstance(value, str):
        return True
    return str(uuid.UUID(value)) == value.lower()


# --------------------------------------------------------------------------------------------------
# The contract
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Operation:
    method: str
    template: str
    operation_id: str
    doc_uri: str
    pointer: str  # JSON pointer of the operation object inside doc_uri
    deprecated: bool
    regex: re.Pattern[str] = field(compare=False, repr=False)

    @property
    def declared_statuses(self) -> set[int]:
        return {int(code) for code in CONTRACT().node(self.doc_uri, self.pointer)["responses"]}


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _template_regex(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[^}]+\})", template)
    pattern = "".join(
        f"(?P<{part[1:-1]}>[^/]+)" if part.startswith("{") else re.escape(part) for part in parts
    )
    return re.compile(f"^{pattern}$")


def _literal_length(template: str) -> int:
    return len(re.sub(r"\{[^}]+\}", "", template))


LINK_ENTRY = re.compile(r'^\s*<(?P<url>[^>]*)>\s*;\s*rel="?(?P<rel>[a-z]+)"?\s*$')
RESULT_PATH = re.compile(r"^/api/v2/results/(?P<handle>[^/?#]+)$")


def parse_link_header(value: str) -> dict[str, str]:
    """``{rel: url}`` from a Link header; raises ContractViolation on anything malformed."""
    links: dict[str, str] = {}
    for entry in value.split(","):
        if not entry.strip():
            continue
        match = LINK_ENTRY.match(entry)
        if not match:
            raise ContractViolation(f"malformed Link entry {entry!r} in {value!r}")
        rel, url = match["rel"], match["url"]
        if rel not in {"first", "next", "prev", "last"}:
            raise ContractViolation(f"unknown Link rel {rel!r} in {value!r}")
        if rel in links:
            raise ContractViolation(f"duplicate Link rel {rel!r} in {value!r}")
        split = urlsplit(url)
        if split.scheme or split.netloc or not RESULT_PATH.match(split.path):
            raise ContractViolation(f"Link target {url!r} is not a host-relative /api/v2/results/<id> path")
        if not re.fullmatch(r"page=\d+", split.query):
            raise ContractViolation(f"Link target {url!r} must carry ?page=N")
        links[rel] = url
    if not links:
        raise ContractViolation(f"empty Link header {value!r}")
    return links


class Contract:
    """The loaded, converted spec documents and the operations they declare."""

    def __init__(self, spec_dir: Path | None = None, *, strict: bool = True) -> None:
        self.spec_dir = spec_dir or find_spec_dir()
        self.documents: dict[str, dict[str, Any]] = {}
        for name in SPEC_FILES:
            raw = yaml.safe_load((self.spec_dir / name).read_text(encoding="utf-8"))
            self.documents[BASE_URI + name] = _convert_document(raw, strict=strict)
        self.documents[BASE_URI + "hand-database-schema.yaml"] = _convert_document(
            copy.deepcopy(HAND_SPEC), strict=strict
        )
        self.registry: Registry = Registry().with_resources(
            (uri, Resource.from_contents(doc, default_specification=DRAFT202012))
            for uri, doc in self.documents.items()
        )
        self.operations: list[Operation] = []
        for uri, doc in self.documents.items():
            for template, item in doc.get("paths", {}).items():
                for method, op in item.items():
                    if method not in METHODS:
                        continue
                    self.operations.append(
                        Operation(
                            method=method.upper(),
                            template=template,
                            operation_id=op.get("operationId", f"{method} {template}"),
                            doc_uri=uri,
                            pointer=f"/paths/{_escape(template)}/{method}",
                            deprecated=bool(op.get("deprecated")),
                            regex=_template_regex(template),
                        )
                    )
        self.operations.sort(key=lambda op: -_literal_length(op.template))
        self._validators: dict[tuple[str, str], jsonschema.protocols.Validator] = {}

    # -- navigation -------------------------------------------------------------------------------

    def node(self, uri: str, pointer: str) -> Any:
        node: Any = self.documents[uri]
        for token in pointer.split("/")[1:]:
            token = unquote(token).replace("~1", "/").replace("~0", "~")
            node = node[int(token)] if isinstance(node, list) else node[token]
        return node

    def deref(self, uri: str, pointer: str) -> tuple[Any, str, str]:
        """Follow OpenAPI-level ``$ref`` chains (responses, headers); returns (node, uri, pointer)."""
        node = self.node(uri, pointer)
        seen = set()
        while isinstance(node, dict) and "$ref" in node and set(node) <= {"$ref", "description", "summary"}:
            target, fragment = urldefrag(urljoin(uri, node["$ref"]))
            if (target, fragment) in seen:
                raise ContractViolation(f"$ref cycle at {target}#{fragment}")
            seen.add((target, fragment))
            uri, pointer = target, fragment
            node = self.node(uri, pointer)
        return node, uri, pointer

    def validator(self, uri: str, pointer: str) -> jsonschema.protocols.Validator:
        key = (uri, pointer)
        if key not in self._validators:
            self._validators[key] = jsonschema.Draft202012Validator(
                {"$ref": f"{uri}#{pointer}"}, registry=self.registry, format_checker=FORMAT_CHECKER
            )
        return self._validators[key]

    def schema_validator(self, name: str) -> jsonschema.protocols.Validator:
        """Validator for a named component schema (``Task``, ``TaskRun``, ``ErrorResponse``...)."""
        for uri, doc in self.documents.items():
            if name in doc.get("components", {}).get("schemas", {}):
                return self.validator(uri, f"/components/schemas/{_escape(name)}")
        raise KeyError(name)

    def find_operation(self, method: str, path: str) -> tuple[Operation, dict[str, str]]:
        method = method.upper()
        matched_path = False
        for op in self.operations:
            match = op.regex.match(path)
            if match:
                matched_path = True
                if op.method == method:
                    return op, match.groupdict()
        if matched_path:
            raise ContractViolation(f"{method} {path}: the spec declares no {method} for this path")
        raise ContractViolation(f"{method} {path}: path matches no template of the spec")

    # -- validation -------------------------------------------------------------------------------

    def check_schema(self, uri: str, pointer: str, instance: Any, what: str) -> None:
        errors = sorted(self.validator(uri, pointer).iter_errors(instance), key=lambda e: list(e.path))
        if errors:
            lines = [
                f"  at {'/'.join(str(p) for p in e.absolute_path) or '<root>'}: {e.message}"
                for e in errors[:10]
            ]
            raise ContractViolation(f"{what} violates the spec schema:\n" + "\n".join(lines))

    def validate_response(
        self,
        method: str,
        path: str,
        response: httpx.Response,
        *,
        origin: tuple[str, str] | None = None,
    ) -> Operation | None:
        """Validate one response; ``origin`` is the (method, path) a result handle belongs to.

        Returns the matched operation (None for a generic 404/405 on a path the spec does not know).
        """
        what = f"{method.upper()} {path} -> {response.status_code}"
        status = response.status_code
        self._check_request_id(response, what)
        try:
            op, _ = self.find_operation(method, path)
        except ContractViolation:
            if status in (404, 405):  # an unknown endpoint / method: must still be a proper error
                uri = BASE_URI + "common.yaml"
                self._check_json_body(response, uri, "/components/schemas/ErrorResponse", what)
                return None
            raise
        responses = self.node(op.doc_uri, op.pointer)["responses"]
        if str(status) not in responses:
            raise ContractViolation(
                f"{what}: status {status} is not declared by {op.operation_id} "
                f"(declared: {', '.join(sorted(responses))})"
            )
        resp, resp_uri, resp_pointer = self.deref(op.doc_uri, f"{op.pointer}/responses/{status}")
        headers = resp.get("headers", {})
        if status == 202:
            location = response.headers.get("Location")
            if not location:
                raise ContractViolation(f"{what}: a 202 must carry a Location header")
            split = urlsplit(location)
            if split.scheme or split.netloc or not RESULT_PATH.match(split.path):
                raise ContractViolation(f"{what}: Location {location!r} is not /api/v2/results/<handle>")
        for name in headers:
            if name.lower() == "link" and "Link" in response.headers:
                parse_link_header(response.headers["Link"])
        content = resp.get("content", {})
        if "application/json" in content:
            media = content["application/json"]
            base = f"{resp_pointer}/content/application~1json"
            if "schema" in media:
                self._check_json_body(response, resp_uri, f"{base}/schema", what)
            else:  # result.yaml: any JSON; the origin operation says what it must be
                body = self._json(response, what)
                if origin is not None and status == 200:
                    origin_op, _ = self.find_operation(*origin)
                    origin_resp, o_uri, o_ptr = self.deref(
                        origin_op.doc_uri, f"{origin_op.pointer}/responses/200"
                    )
                    if "schema" in origin_resp.get("content", {}).get("application/json", {}):
                        self.check_schema(
                            o_uri,
                            f"{o_ptr}/content/application~1json/schema",
                            body,
                            f"{what} (result of {origin[0]} {origin[1]})",
                        )
        elif response.content:
            raise ContractViolation(f"{what}: the spec declares no body, got {response.content[:200]!r}")
        return op

    @staticmethod
    def _check_request_id(response: httpx.Response, what: str) -> None:
        value = response.headers.get(REQUEST_ID_HEADER)
        if not value:
            raise ContractViolation(f"{what}: missing {REQUEST_ID_HEADER} header")
        try:
            ok = _is_uuid(value)
        except ValueError:
            ok = False
        if not ok:
            raise ContractViolation(f"{what}: {REQUEST_ID_HEADER} {value!r} is not a UUID (format: uuid)")

    @staticmethod
    def _json(response: httpx.Response, what: str) -> Any:
        ctype = response.headers.get("content-type", "")
        if not ctype.startswith("application/json"):
            raise ContractViolation(f"{what}: content-type {ctype!r}, expected application/json")
        try:
            return json.loads(response.content)
        except ValueError as exc:
            raise ContractViolation(f"{what}: body is not JSON: {response.content[:200]!r}") from exc

    def _check_json_body(self, response: httpx.Response, uri: str, pointer: str, what: str) -> None:
        self.check_schema(uri, pointer, self._json(response, what), f"{what} body")


@cache
def CONTRACT() -> Contract:
    return Contract()


def validate_response(
    method: str, path: str, response: httpx.Response, *, origin: tuple[str, str] | None = None
) -> Operation | None:
    """Validate ``response`` to ``method path`` against the official spec (see module docstring)."""
    return CONTRACT().validate_response(method, path, response, origin=origin)


def validate_schema(name: str, instance: Any) -> None:
    """Validate ``instance`` against a named component schema; raises ContractViolation."""
    errors = list(CONTRACT().schema_validator(name).iter_errors(instance))
    if errors:
        raise ContractViolation(f"{name}: " + "; ".join(e.message for e in errors[:5]))


class ContractChecker:
    """Validates every response of an httpx client, tracking result handles back to their origin.

    Installed as a response event hook by the test fixtures, so no test can forget to validate.
    Also checks that request IDs are unique across everything the client saw.
    """

    def __init__(self) -> None:
        self.origins: dict[str, tuple[str, str]] = {}
        self.request_ids: set[str] = set()
        self.validated: list[tuple[str, str, int, str | None]] = []

    def check(self, response: httpx.Response) -> None:
        request = response.request
        # The raw (still percent-encoded) path: a name may hold an encoded "/" or ":".
        method, path = request.method, request.url.raw_path.decode("ascii").split("?", 1)[0]
        handle = RESULT_PATH.match(path)
        origin = self.origins.get(handle["handle"]) if handle else None
        op = validate_response(method, path, response, origin=origin)
        rid = response.headers[REQUEST_ID_HEADER]
        if rid in self.request_ids:
            raise ContractViolation(f"{method} {path}: {REQUEST_ID_HEADER} {rid} was already used")
        self.request_ids.add(rid)
        target = origin or (method, path)
        for url in self._handles(response):
            self.origins[url] = target
        self.validated.append((method, str(request.url), response.status_code, op and op.operation_id))

    @staticmethod
    def _handles(response: httpx.Response) -> Iterable[str]:
        urls = []
        if response.status_code == 202 and "Location" in response.headers:
            urls.append(response.headers["Location"])
        if "Link" in response.headers:
            urls.extend(parse_link_header(response.headers["Link"]).values())
        for url in urls:
            match = RESULT_PATH.match(urlsplit(url).path)
            if match:
                yield match["handle"]

    async def async_hook(self, response: httpx.Response) -> None:
        await response.aread()
        self.check(response)

    def sync_hook(self, response: httpx.Response) -> None:
        response.read()
        self.check(response)


def assert_error(
    response: httpx.Response,
    status: int | set[int],
    *,
    code: str | None = None,
    contains: Iterable[str] = (),
) -> dict[str, Any]:
    """An error the way the issue fixes it: ``{code, message, error_code, request_id}``.

    ``error_code`` duplicates ``code`` (common.yaml), ``request_id`` is the request's
    ``X-Snowflake-Request-ID``, ``message`` is not empty and mentions every string in ``contains``.
    """
    statuses = {status} if isinstance(status, int) else status
    assert response.status_code in statuses, (
        f"{response.request.method} {response.request.url}: expected {sorted(statuses)}, "
        f"got {response.status_code} {response.text[:300]}"
    )
    body = response.json()
    for key in ("code", "message", "error_code", "request_id"):
        assert isinstance(body.get(key), str) and body[key], f"error body lacks {key!r}: {body}"
    assert body["error_code"] == body["code"], body
    assert body["request_id"] == response.headers[REQUEST_ID_HEADER], body
    if code is not None:
        assert body["code"] == code, f"expected error code {code}, got {body}"
    for text in contains:
        assert text.lower() in body["message"].lower(), f"{text!r} not in message {body['message']!r}"
    return body


# --------------------------------------------------------------------------------------------------
# Client helpers for the sandbox tests (URL building, a small graph builder)
# --------------------------------------------------------------------------------------------------

TOKEN = "secret-token"
START = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
BASE_URL = "http://sandbox"


def make_config(**overrides: Any) -> Any:
    from tui.sandbox import FaultConfig, SandboxConfig

    settings: dict[str, Any] = {
        "seed": 7,
        "tasks": 200,
        "graphs": None,
        "speed": 60.0,
        "token": TOKEN,
        "page_size": 1000,
        "async_probability": 0.0,
        "async_polls": 1,
        "faults": FaultConfig(),
    }
    settings.update(overrides)
    return SandboxConfig(**settings)


def asgi_client(app: Any, checker: ContractChecker, token: str | None = TOKEN) -> httpx.AsyncClient:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url=BASE_URL,
        headers=headers,
        event_hooks={"response": [checker.async_hook]},
    )


_names = itertools.count(1)


def unique(prefix: str = "ZQ") -> str:
    """A task name no generator would produce (unquoted identifiers are upper-case)."""
    return f"{prefix}_{next(_names):04d}"


def task_body(name: str, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"name": name, "definition": "select 1", "warehouse": "TEST_WH"}
    body.update(fields)
    return {k: v for k, v in body.items() if v is not None}


class Api:
    """Thin URL helpers over the Snowflake task endpoints of one scope."""

    def __init__(self, client: httpx.AsyncClient, database: str, schema: str) -> None:
        self.client = client
        self.database = database
        self.schema = schema

    @property
    def tasks(self) -> str:
        db, schema = quote(self.database, safe=""), quote(self.schema, safe="")
        return f"/api/v2/databases/{db}/schemas/{schema}/tasks"

    def task(self, name: str, suffix: str = "") -> str:
        return f"{self.tasks}/{quote(name, safe='')}{suffix}"

    async def list(self, **params: Any) -> httpx.Response:
        return await self.client.get(self.tasks, params=_params(params))

    async def names(self, **params: Any) -> list[str]:
        response = await self.list(**params)
        assert response.status_code == 200, response.text
        return [t["name"] for t in response.json()]

    async def create(self, body: dict[str, Any], mode: str | None = None) -> httpx.Response:
        params = {"createMode": mode} if mode else {}
        return await self.client.post(self.tasks, params=params, json=body)

    async def create_ok(self, name: str, **fields: Any) -> None:
        response = await self.create(task_body(name, **fields))
        assert response.status_code == 200, response.text

    async def fetch(self, name: str) -> httpx.Response:
        return await self.client.get(self.task(name))

    async def get(self, name: str) -> dict[str, Any]:
        response = await self.fetch(name)
        assert response.status_code == 200, response.text
        return response.json()

    async def put(self, name: str, body: dict[str, Any]) -> httpx.Response:
        return await self.client.put(self.task(name), json=body)

    async def delete(self, name: str, **params: Any) -> httpx.Response:
        return await self.client.delete(self.task(name), params=_params(params))

    async def execute(self, name: str, **params: Any) -> httpx.Response:
        return await self.client.post(self.task(name, ":execute"), params=_params(params))

    async def resume(self, name: str) -> httpx.Response:
        return await self.client.post(self.task(name, ":resume"))

    async def suspend(self, name: str) -> httpx.Response:
        return await self.client.post(self.task(name, ":suspend"))

    async def dependents(self, name: str, **params: Any) -> httpx.Response:
        return await self.client.get(self.task(name, "/dependents"), params=_params(params))

    async def current(self, name: str, alias: bool = False, **params: Any) -> httpx.Response:
        suffix = "/current_graphs" if alias else "/current-graphs"
        return await self.client.get(self.task(name, suffix), params=_params(params))

    async def complete(self, name: str, alias: bool = False, **params: Any) -> httpx.Response:
        suffix = "/complete_graphs" if alias else "/complete-graphs"
        return await self.client.get(self.task(name, suffix), params=_params(params))

    async def ok(self, response_or_coro: Any) -> httpx.Response:
        response = await response_or_coro
        assert response.status_code == 200, f"{response.request.url}: {response.status_code} {response.text}"
        return response

    async def diamond(self, prefix: str | None = None, *, resume: bool = True, **root_fields: Any) -> Graph:
        """ROOT -> A, ROOT -> B, A + B -> C; children resumed first, then (optionally) the root."""
        p = prefix or unique("DG")
        graph = Graph(root=f"{p}_ROOT", a=f"{p}_A", b=f"{p}_B", c=f"{p}_C")
        root_fields.setdefault("schedule", {"schedule_type": "MINUTES_TYPE", "minutes": 60})
        await self.create_ok(graph.root, **root_fields)
        await self.create_ok(graph.a, predecessors=[graph.root])
        await self.create_ok(graph.b, predecessors=[graph.root])
        await self.create_ok(graph.c, predecessors=[graph.a, graph.b])
        for name in (graph.c, graph.b, graph.a):
            await self.ok(self.resume(name))
        if resume:
            await self.ok(self.resume(graph.root))
        return graph


class Graph:
    def __init__(self, root: str, a: str, b: str, c: str) -> None:
        self.root, self.a, self.b, self.c = root, a, b, c

    @property
    def names(self) -> list[str]:
        return [self.root, self.a, self.b, self.c]


def _params(params: dict[str, Any]) -> dict[str, str]:
    return {
        k: (str(v).lower() if isinstance(v, bool) else str(v)) for k, v in params.items() if v is not None
    }
