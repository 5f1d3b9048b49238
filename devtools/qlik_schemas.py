"""Derive JSON Schemas for Qlik Cloud's Tasks APIs from Qlik's own generated TypeScript (npm @qlik/api).

No official OpenAPI document for ``/api/v1/tasks`` is reachable, but Qlik ships the types it generates
from its spec (``tasks.d.ts``, ``scheduling/tasks.d.ts``) and the call table (``tasks.js``: method and
path template per function). This script reads both and writes one JSON Schema (2020-12) per API:

* every ``export type NAME = ...`` becomes ``$defs/NAME``;
* ``name: T`` is required, ``name?: T`` optional; ``readonly`` is dropped (it is about requests);
* a union of string or number literals is an ``enum`` (so an unknown status or disabledCode fails);
* ``T & unknown`` is ``T`` (TypeScript's own rule); ``A & B`` of object types is one merged object;
* a union that contains ``unknown`` accepts anything (``PatchValue``);
* object types are closed (``additionalProperties: false``): TypeScript types are structural, but a
  sandbox that grew fields Qlik never declared would teach the client a dialect no tenant speaks;
  ``unknown`` and ``Record<string, T>`` stay open;
* ``operations`` maps each function of the call table to its method, path template, the schema of
  the ``data`` of each success status (``void`` = no body) and the error statuses (``ErrorResponse``).

Run ``python -m devtools.qlik_schemas`` after updating the copied types in tests/sandbox/specs/qlik/;
tests/sandbox/test_qlik_schemas.py fails when the committed schemas differ from this output.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SPECS = REPO / "tests" / "sandbox" / "specs" / "qlik"
OUT = REPO / "tests" / "sandbox" / "qlik_schemas"
APIS = {
    # output name: (types, call table)
    "tasks-v1": ("tasks.d.ts", "tasks.js"),
    "scheduling-tasks": ("scheduling/tasks.d.ts", "scheduling/tasks.js"),
}
_TOKEN = re.compile(
    r'\s*(?:(?P<str>"(?:[^"\\]|\\.)*")|(?P<num>-?\d+(?:\.\d+)?)|(?P<id>[A-Za-z_$][\w$]*)'
    r"|(?P<arrow>=>)|(?P<punct>[{}()\[\]<>|&;:?,=.]))"
)


# --------------------------------------------------------------------------------------------------
# A parser for the TypeScript type syntax these generated files use
# --------------------------------------------------------------------------------------------------


def strip_comments(text: str) -> str:
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.DOTALL)
    return re.sub(r"^\s*//.*$", "", text, flags=re.MULTILINE)


def tokenize(text: str) -> list[str]:
    tokens, pos = [], 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = _TOKEN.match(text, pos)
        if match is None:
            raise SyntaxError(f"cannot read the type at {text[pos : pos + 40]!r}")
        tokens.append(match.group().strip())
        pos = match.end()
    return tokens


@dataclass
class Parser:
    tokens: list[str]
    pos: int = 0

    def peek(self, ahead: int = 0) -> str:
        i = self.pos + ahead
        return self.tokens[i] if i < len(self.tokens) else ""

    def take(self, expected: str | None = None) -> str:
        token = self.peek()
        if expected is not None and token != expected:
            near = " ".join(self.tokens[self.pos : self.pos + 8])
            raise SyntaxError(f"expected {expected!r}, found {token!r} near {near}")
        self.pos += 1
        return token

    def type(self) -> tuple:
        if self.peek() == "|":  # a leading bar is allowed
            self.take()
        options = [self.intersection()]
        while self.peek() == "|":
            self.take()
            options.append(self.intersection())
        return options[0] if len(options) == 1 else ("union", options)

    def intersection(self) -> tuple:
        parts = [self.postfix()]
        while self.peek() == "&":
            self.take()
            parts.append(self.postfix())
        return parts[0] if len(parts) == 1 else ("intersection", parts)

    def postfix(self) -> tuple:
        node = self.primary()
        while self.peek() == "[" and self.peek(1) == "]":
            self.take()
            self.take()
            node = ("array", node)
        return node

    def primary(self) -> tuple:
        # "tok" not "token": the S105 lint reads comparisons of a variable named token as passwords.
        tok = self.take()
        if tok.startswith('"'):
            return ("literal", json.loads(tok))
        if re.fullmatch(r"-?\d+(?:\.\d+)?", tok):
            return ("literal", json.loads(tok))
        if tok == "{":
            return self.members()
        if tok == "(":
            return self.parenthesised()
        if tok in ("true", "false"):
            return ("literal", tok == "true")
        if re.fullmatch(r"[A-Za-z_$][\w$]*", tok):
            args = []
            if self.peek() == "<":
                self.take()
                args.append(self.type())
                while self.peek() == ",":
                    self.take()
                    args.append(self.type())
                self.take(">")
            return ("name", tok, args)
        raise SyntaxError(f"unexpected {tok!r}")

    def parenthesised(self) -> tuple:
        """``( T )`` or a function type ``(params) => T`` (kept only as a marker)."""
        depth, i = 1, self.pos
        while depth:
            depth += {"(": 1, ")": -1}.get(self.tokens[i], 0)
            i += 1
        if i < len(self.tokens) and self.tokens[i] == "=>":
            self.pos = i + 1
            return ("function", self.type())
        inner = self.type()
        self.take(")")
        return inner

    def members(self) -> tuple:
        props: dict[str, tuple[tuple, bool]] = {}
        while self.peek() != "}":
            if self.peek() == "readonly" and self.peek(1) not in (":", "?"):
                self.take()
            name = self.take()
            if name.startswith('"'):
                name = json.loads(name)
            optional = self.peek() == "?"
            if optional:
                self.take()
            self.take(":")
            props[name] = (self.type(), not optional)
            if self.peek() in (";", ","):
                self.take()
        self.take("}")
        return ("object", props)


def type_aliases(source: str) -> dict[str, tuple]:
    """Every ``export type NAME = TYPE;`` of a .d.ts file, parsed."""
    text = strip_comments(source)
    aliases = {}
    for match in re.finditer(r"^export type (\w+) = ", text, flags=re.MULTILINE):
        if match.group(1) == "TasksAPI":  # the function table (``typeof fn`` members), no data shape
            continue
        parser = Parser(tokenize(text[match.end() : _statement_end(text, match.end())]))
        aliases[match.group(1)] = parser.type()
    return aliases


def _statement_end(text: str, start: int) -> int:
    """Where the type that begins at ``start`` ends: the first ``;`` outside brackets and strings."""
    depth, i, quoted = 0, start, False
    while i < len(text):
        ch = text[i]
        if quoted:
            quoted = ch != '"' or text[i - 1] == "\\"
        elif ch == '"':
            quoted = True
        elif ch in "{([<":
            depth += 1
        elif ch in "})]>" and text[i - 1] != "=":  # the '>' of '=>' closes nothing
            depth -= 1
        elif ch == ";" and depth == 0:
            return i
        i += 1
    raise SyntaxError("unterminated type")


# --------------------------------------------------------------------------------------------------
# From parsed types to JSON Schema
# --------------------------------------------------------------------------------------------------


@dataclass
class Converter:
    aliases: dict[str, tuple]

    def schema(self, node: tuple) -> dict[str, Any]:
        kind = node[0]
        if kind == "literal":
            return {"const": node[1]}
        if kind == "array":
            return {"type": "array", "items": self.schema(node[1])}
        if kind == "object":
            return self.object(node[1])
        if kind == "union":
            return self.union(node[1])
        if kind == "intersection":
            return self.intersection(node[1])
        if kind == "name":
            return self.named(node[1], node[2])
        raise ValueError(f"no JSON Schema for {kind}")

    def named(self, name: str, args: list[tuple]) -> dict[str, Any]:
        builtin = {"string": "string", "number": "number", "boolean": "boolean"}
        if name in builtin:
            return {"type": builtin[name]}
        if name == "unknown":
            return {}
        if name == "Record":
            return {"type": "object", "additionalProperties": self.schema(args[1])}
        if name in self.aliases:
            return {"$ref": f"#/$defs/{name}"}
        raise ValueError(f"unknown type {name}")

    def object(self, props: dict[str, tuple[tuple, bool]]) -> dict[str, Any]:
        out: dict[str, Any] = {
            "type": "object",
            "properties": {k: self.schema(t) for k, (t, _) in props.items()},
            "additionalProperties": False,
        }
        required = [k for k, (_, req) in props.items() if req]
        if required:
            out["required"] = required
        return out

    def union(self, options: list[tuple]) -> dict[str, Any]:
        if any(o == ("name", "unknown", []) for o in options):
            return {}
        literals = [o[1] for o in options if o[0] == "literal"]
        if len(literals) == len(options):
            values = list(dict.fromkeys(literals))
            kinds = {type(v) for v in values}
            base = (
                {str: "string", int: "integer", bool: "boolean"}.get(kinds.pop()) if len(kinds) == 1 else None
            )
            return {"type": base, "enum": values} if base else {"enum": values}
        unique = list(dict.fromkeys(json.dumps(self.schema(o), sort_keys=True) for o in options))
        return {"anyOf": [json.loads(s) for s in unique]}

    def intersection(self, parts: list[tuple]) -> dict[str, Any]:
        parts = [p for p in parts if p != ("name", "unknown", [])]  # T & unknown is T
        if len(parts) == 1:
            return self.schema(parts[0])
        merged: dict[str, tuple[tuple, bool]] = {}
        for part in parts:
            merged.update(self.members_of(part))
        return self.object(merged)

    def members_of(self, node: tuple) -> dict[str, tuple[tuple, bool]]:
        """The members of an object type, following aliases (for ``A & B``)."""
        if node[0] == "object":
            return node[1]
        if node[0] == "name" and node[1] in self.aliases:
            return self.members_of(self.aliases[node[1]])
        if node[0] == "intersection":
            out: dict[str, tuple[tuple, bool]] = {}
            for part in node[1]:
                if part != ("name", "unknown", []):
                    out.update(self.members_of(part))
            return out
        raise ValueError(f"cannot merge {node[0]} into an object")


# --------------------------------------------------------------------------------------------------
# Operations: the call table (tasks.js) joined with the response types (tasks.d.ts)
# --------------------------------------------------------------------------------------------------

_CALL = re.compile(
    r'async function (?P<fn>\w+)\([^)]*\) \{\s*return invokeFetch\("[^"]+", \{\s*method: "(?P<method>\w+)",'
    r'\s*pathTemplate: "(?P<path>[^"]+)"'
)
_DECLARE = re.compile(r"export declare function (?P<fn>\w+)\(.*?\): Promise<(?P<response>\w+)>;", re.DOTALL)


def operations(js: str, dts: str, conv: Converter) -> dict[str, Any]:
    responses = {m["fn"]: m["response"] for m in _DECLARE.finditer(strip_comments(dts))}
    out = {}
    for call in _CALL.finditer(js):
        fn = call["fn"]
        ok = _by_status(conv, responses[fn])
        errors = _by_status(conv, responses[fn].replace("HttpResponse", "HttpError"))
        out[fn] = {
            "method": call["method"].upper(),
            "path": call["path"],
            "responses": {str(status): schema for status, schema in ok.items()},
            "errorStatuses": sorted(errors),
            "error": {"$ref": "#/$defs/ErrorResponse"},
        }
    if not out:
        raise SyntaxError("no operation found in the call table")
    return out


def _by_status(conv: Converter, alias: str) -> dict[int, Any]:
    """``{status: schema of data}`` of a response alias (a union of responses is followed); ``None``
    for ``data: void`` (no body)."""
    node = conv.aliases[alias]
    nodes = node[1] if node[0] == "union" else [node]
    out: dict[int, Any] = {}
    for item in nodes:
        members = conv.members_of(item)
        data = members["data"][0]
        status = members["status"][0]
        statuses = [o[1] for o in status[1]] if status[0] == "union" else [status[1]]
        schema = None if data == ("name", "void", []) else conv.schema(data)
        for code in statuses:
            out[code] = schema
    return out


def derive(api: str, specs: Path = SPECS) -> dict[str, Any]:
    dts_name, js_name = APIS[api]
    dts = (specs / dts_name).read_text(encoding="utf-8")
    js = (specs / js_name).read_text(encoding="utf-8")
    aliases = type_aliases(dts)
    conv = Converter(aliases)
    defs = {}
    for name, node in aliases.items():
        if name.endswith(("HttpResponse", "HttpError")) or name == "TasksAPI" or node[0] == "function":
            continue
        defs[name] = conv.schema(node)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$comment": (
            f"Generated by devtools/qlik_schemas.py from @qlik/api 2.19.0 {dts_name} and {js_name} "
            "(tests/sandbox/specs/qlik, ISC). Do not edit: change the script and run it again."
        ),
        "source": {
            dts_name: hashlib.sha256(dts.encode()).hexdigest(),
            js_name: hashlib.sha256(js.encode()).hexdigest(),
        },
        "$defs": defs,
        "operations": operations(js, dts, conv),
    }


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=1, sort_keys=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--specs", type=Path, default=SPECS, help="the copied @qlik/api files")
    parser.add_argument("--out", type=Path, default=OUT, help="where the schemas go")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for api in APIS:
        path = args.out / f"{api}.schema.json"
        path.write_text(render(derive(api, args.specs)), encoding="utf-8")
        print(f"wrote {path.relative_to(REPO) if path.is_relative_to(REPO) else path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
