"""Snowflake pieces that need no server: identifiers, auth, wire models, mapping to the domain."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import SecretStr

from tui import domain
from tui.backends.snowflake import mapping, models
from tui.backends.snowflake.auth import KeyPairJwtAuth, account_identifier, token_auth
from tui.backends.snowflake.client import SnowflakeClient
from tui.backends.snowflake.identifiers import (
    as_identifier,
    path_segment,
    quote_ident,
    raw_name,
    resolve,
    split_ident,
)
from tui.errors import ConfigError, ProtocolError

# ------------------------------------------------------------------------------------------ identifiers


@pytest.mark.parametrize(
    ("name", "quoted"),
    [
        ("T1", "T1"),
        ("_A$B9", "_A$B9"),
        ("abc", '"abc"'),
        ("my task", '"my task"'),
        ('a"b', '"a""b"'),
        ("", '""'),
    ],
)
def test_quote_ident(name: str, quoted: str) -> None:
    assert quote_ident(name) == quoted


@pytest.mark.parametrize(
    ("text", "sent"),
    [("my_task", "my_task"), ('"My Task"', '"My Task"'), ("my task", '"my task"'), ('a"b', '"a""b"')],
)
def test_as_identifier_sends_identifiers_as_is_and_quotes_the_rest(text: str, sent: str) -> None:
    assert as_identifier(text) == sent


@given(st.lists(st.text(max_size=12), min_size=1, max_size=3))
def test_split_ident_inverts_quoting(parts: list[str]) -> None:
    assert split_ident(".".join(quote_ident(p) for p in parts)) == parts


def test_unquoted_parts_are_upper_cased_and_raw_name_is_lenient() -> None:
    assert split_ident('db.Sch."Mixed Case"') == ["DB", "SCH", "Mixed Case"]
    assert raw_name('"my task"') == "my task"
    assert raw_name("my task") == "my task"  # not an identifier: taken as the raw name


@pytest.mark.parametrize("bad", ['"open', "a..b", "a.", 'a"b', '"x"y', "my task"])
def test_split_ident_rejects_malformed(bad: str) -> None:
    with pytest.raises(ValueError):
        split_ident(bad)


def test_resolve_defaults_to_the_scope() -> None:
    assert resolve("T", "DB", "S") == ("DB", "S", "T")
    assert resolve("S2.T", "DB", "S") == ("DB", "S2", "T")
    assert resolve('"d b"."s"."t.x"', "DB", "S") == ("d b", "s", "t.x")
    assert resolve("other.t", "DB", "S") == ("DB", "OTHER", "T")


@pytest.mark.parametrize("name", ["my task/../x?y", "a#b", "50%", "t:execute", "x/dependents", "é ü"])
def test_path_segment_cannot_escape(name: str) -> None:
    segment = path_segment(name)
    assert not set(segment) & set('/?#: "')
    http = SnowflakeClient.__new__(SnowflakeClient)
    http.database, http.schema = "DB", "S"
    url = httpx.URL("https://h" + http.task_path(name, ":execute"))
    raw = url.raw_path.decode()
    assert raw.endswith(":execute")
    assert raw.count("/") == 8  # /api/v2/databases/DB/schemas/S/tasks/<one segment>
    assert url.query == b""


# ------------------------------------------------------------------------------------------ auth


def test_token_auth_headers_and_repr() -> None:
    auth = token_auth(SecretStr("pat-xyz-secret"), "OAUTH", role="ANALYST", warehouse="WH")
    request = next(auth.auth_flow(httpx.Request("GET", "https://h/")))
    assert request.headers["Authorization"] == "Bearer pat-xyz-secret"
    assert request.headers["X-Snowflake-Authorization-Token-Type"] == "OAUTH"
    assert request.headers["X-Snowflake-Role"] == "ANALYST"
    assert request.headers["X-Snowflake-Warehouse"] == "WH"
    assert "pat-xyz-secret" not in repr(auth)


def test_token_auth_rejects_unknown_token_type() -> None:
    with pytest.raises(ConfigError):
        token_auth("t", "PASSWORD")


@pytest.mark.parametrize(
    ("account", "expected"),
    [("xy12345.us-east-1", "XY12345"), ("myorg-acct", "MYORG-ACCT"), ("xy12345.eu-west-1.aws", "XY12345")],
)
def test_account_identifier(account: str, expected: str) -> None:
    assert account_identifier(account) == expected


@pytest.fixture(scope="module")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def test_jwt_claims_verify_with_the_public_key(rsa_key: rsa.RSAPrivateKey) -> None:
    now = [1_800_000_000.0]
    auth = KeyPairJwtAuth("xy12345.us-east-1", "jsmith", rsa_key, role="R", clock=lambda: now[0])
    request = next(auth.auth_flow(httpx.Request("GET", "https://h/")))
    assert request.headers["X-Snowflake-Authorization-Token-Type"] == "KEYPAIR_JWT"
    assert request.headers["X-Snowflake-Role"] == "R"
    token = request.headers["Authorization"].removeprefix("Bearer ")
    claims = jwt.decode(
        token, rsa_key.public_key(), algorithms=["RS256"], options={"verify_exp": False, "verify_iat": False}
    )
    der = rsa_key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    fingerprint = "SHA256:" + base64.b64encode(hashlib.sha256(der).digest()).decode()
    assert claims == {
        "iss": f"XY12345.JSMITH.{fingerprint}",
        "sub": "XY12345.JSMITH",
        "iat": 1_800_000_000,
        "exp": 1_800_000_000 + 59 * 60,
    }
    assert token not in repr(auth)
    assert auth.secret_values() == [token]


def test_jwt_is_reused_then_renewed_a_minute_before_expiry(rsa_key: rsa.RSAPrivateKey) -> None:
    now = [1_800_000_000.0]
    auth = KeyPairJwtAuth("acct", "u", rsa_key, clock=lambda: now[0])
    first = auth.token().get_secret_value()
    now[0] += 57 * 60
    assert auth.token().get_secret_value() == first
    now[0] += 60 + 1
    second = auth.token().get_secret_value()
    assert second != first
    assert jwt.decode(second, options={"verify_signature": False})["iat"] == int(now[0])


# ------------------------------------------------------------------------------------------ models


def test_task_parses_the_spec_example_and_keeps_unknowns() -> None:
    payload = {
        "name": "name_example",
        "schedule": {"schedule_type": "MINUTES_TYPE", "minutes": 10},
        "predecessors": ["task1"],
        "state": "started",
        "created_on": "2024-06-18T01:01:01.111111",
        "last_committed_on": "2024-06-18T01:01:01.111111+02:00",
        "future_field": {"x": 1},
    }
    task = models.Task.model_validate(payload)
    assert task.created_on == datetime(2024, 6, 18, 1, 1, 1, 111111, tzinfo=UTC)
    assert task.last_committed_on is not None and task.last_committed_on.utcoffset() is not None
    assert task.model_extra == {"future_field": {"x": 1}}
    assert isinstance(task.schedule, models.MinutesSchedule)


def test_unknown_schedule_and_states_are_kept_verbatim() -> None:
    [task] = mapping.parse_task_list(
        [{"name": "T", "schedule": {"schedule_type": "HOURS_TYPE", "hours": 2}, "state": "paused_by_admin"}],
        "DB",
        "S",
    )
    assert task.schedule == domain.Schedule(kind="text", text="HOURS_TYPE hours=2")
    assert task.state is domain.TaskState.UNKNOWN and task.raw_state == "paused_by_admin"
    [run] = mapping.parse_run_list(
        [
            {
                "root_task_name": "T",
                "state": "FAILED_AND_AUTO_SUSPENDED",
                "run_id": 5,
                "first_error_code": 91421,
            }
        ],
        "DB.S.T",
    )
    assert run.state is domain.RunState.UNKNOWN and run.raw_state == "FAILED_AND_AUTO_SUSPENDED"
    assert run.run_id == "5" and run.first_error_code == "91421"


@pytest.mark.parametrize(
    ("raw", "state"),
    [
        ("CANCELED", domain.RunState.CANCELLED),
        ("CANCELLED", domain.RunState.CANCELLED),
        ("SKIPPED", domain.RunState.SKIPPED),
    ],
)
def test_run_states(raw: str, state: domain.RunState) -> None:
    assert mapping.run_state(raw) is state


def test_graph_mapping_normalises_predecessors_and_finds_roots() -> None:
    payload = [
        {
            "name": "ROOT",
            "schedule": {"schedule_type": "CRON_TYPE", "cron_expr": "0 * * * *", "timezone": "UTC"},
        },
        {"name": "A", "predecessors": ["DB.S.ROOT"]},
        {"name": "B", "predecessors": ['"DB"."S"."A"', "root"]},  # quoted and case-folded forms
        {"name": "my task", "predecessors": ["B"]},
        {"name": "FIN", "finalize": "ROOT"},
        {"name": "ORPHAN", "predecessors": ["OTHER.SCH.UP"]},
    ]
    tasks = {t.name: t for t in mapping.parse_task_list(payload, "DB", "S")}
    assert tasks["B"].predecessors == ("DB.S.A", "DB.S.ROOT")
    assert tasks["my task"].key == 'DB.S."my task"'
    assert {t.root for n, t in tasks.items() if n != "ORPHAN"} == {"DB.S.ROOT"}
    assert tasks["FIN"].finalizer_of == "DB.S.ROOT"
    assert tasks["ORPHAN"].root == "OTHER.SCH.UP"
    assert tasks["ROOT"].schedule.describe() == "cron 0 * * * * UTC"


def test_a_predecessor_cycle_does_not_hang() -> None:
    payload = [{"name": "A", "predecessors": ["B"]}, {"name": "B", "predecessors": ["A"]}]
    roots = {t.name: t.root for t in mapping.parse_task_list(payload, "DB", "S")}
    assert set(roots) == {"A", "B"}


# ------------------------------------------------------------------------------------------ fuzzing

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)
_scalar = (
    st.none() | st.booleans() | st.integers(min_value=-(10**20), max_value=10**20) | st.text(max_size=30)
)
_timestamp = _scalar | st.sampled_from(
    ["2024-06-18T01:01:01.111111", "2024-06-18T01:01:01+05:30", "0000-00-00"]
)
_task = st.fixed_dictionaries(
    {"name": st.text(max_size=15) | _scalar},
    optional={
        "predecessors": st.lists(st.text(max_size=15) | _scalar, max_size=3) | _json,
        "schedule": st.fixed_dictionaries(
            {"schedule_type": st.sampled_from(["MINUTES_TYPE", "CRON_TYPE", "X"]) | _scalar},
            optional={"minutes": _scalar, "cron_expr": _scalar, "timezone": _scalar},
        )
        | _json,
        "state": _scalar,
        "finalize": _scalar,
        "created_on": _timestamp,
        "config": _json,
        "database_name": _scalar,
        "schema_name": _scalar,
        "user_task_timeout_ms": _scalar,
        "extra": _json,
    },
)
_run = st.fixed_dictionaries(
    {"root_task_name": _scalar, "state": _scalar, "run_id": _scalar},
    optional={
        "scheduled_time": _timestamp,
        "query_start_time": _timestamp,
        "completed_time": _timestamp,
        "first_error_code": _scalar,
        "graph_version": _scalar,
        "other": _json,
    },
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_task, max_size=6) | _json)
def test_task_parsing_never_raises_anything_but_protocol_error(payload: object) -> None:
    try:
        tasks = mapping.parse_task_list(payload, "DB", "S")
    except ProtocolError:
        return
    assert all(isinstance(t, domain.Task) for t in tasks)


@settings(max_examples=300, deadline=None)
@given(st.lists(_run, max_size=6) | _json)
def test_run_parsing_never_raises_anything_but_protocol_error(payload: object) -> None:
    try:
        runs = mapping.parse_run_list(payload, "DB.S.R")
    except ProtocolError:
        return
    assert all(isinstance(r, domain.GraphRun) for r in runs)
