"""Self-tests of the spec validator: it accepts the spec's own examples and rejects wrong responses.

No sandbox here: these prove the validator cannot silently accept everything.
"""

from __future__ import annotations

import copy
import uuid
from typing import Any

import httpx
import pytest

from tests.sandbox.spec import (
    BASE_URI,
    CONTRACT,
    ContractChecker,
    ContractViolation,
    parse_link_header,
    validate_response,
    validate_schema,
)

TASKS = "/api/v2/databases/TESTDB/schemas/TESTSCHEMA/tasks"


def schemas(doc: str = "task.yaml") -> dict[str, Any]:
    return CONTRACT().documents[BASE_URI + doc]["components"]["schemas"]


def task_example() -> dict[str, Any]:
    return copy.deepcopy(schemas()["Task"]["example"])


def run_example() -> dict[str, Any]:
    return copy.deepcopy(schemas()["TaskRun"]["example"])


# The literal examples of seed 001 (the documentation's response bodies).
SEED_TASK = {
    "name": "name_example",
    "warehouse": "test_wh",
    "schedule": {"schedule_type": "MINUTES_TYPE", "minutes": 10},
    "comment": "test_comment",
    "config": {"output_dir": "/temp/test_directory/", "learning_rate": "0.1"},
    "definition": "this task does...",
    "predecessors": ["task1", "task2", "task3"],
    "user_task_managed_initial_warehouse_size": "XSMALL",
    "user_task_timeout_ms": 10,
    "suspend_task_after_num_failures": 3,
    "condition": "select 1",
    "allow_overlapping_execution": False,
    "error_integration": "my_notification_int",
    "created_on": "2024-06-18T01:01:01.111111",
    "id": "task_id",
    "owner": "TASK_ADMIN",
    "owner_role_type": "ADMIN",
    "state": "started",
    "last_committed_on": "2024-06-18T01:01:01.111111",
    "last_suspended_on": "2024-06-18T01:01:01.111111",
    "database_name": "TESTDB",
    "schema_name": "TESTSCHEMA",
}
ACCEPTED_202 = {
    "code": "392604",
    "message": "Request execution in progress. Use the provided location header or result handler ID "
    "to perform query monitoring and management.",
}


def respond(
    method: str,
    path: str,
    status: int,
    body: Any = None,
    *,
    headers: dict[str, str] | None = None,
    request_id: str | None = "auto",
) -> httpx.Response:
    all_headers = dict(headers or {})
    if request_id == "auto":
        all_headers["X-Snowflake-Request-ID"] = str(uuid.uuid4())
    elif request_id is not None:
        all_headers["X-Snowflake-Request-ID"] = request_id
    kwargs: dict[str, Any] = {"json": body} if body is not None else {}
    return httpx.Response(
        status, headers=all_headers, request=httpx.Request(method, f"http://sandbox{path}"), **kwargs
    )


def check(method: str, path: str, status: int, body: Any = None, **kw: Any) -> None:
    validate_response(method, path, respond(method, path, status, body, **kw))


# -- operation lookup ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "operation_id"),
    [
        ("GET", TASKS, "listTasks"),
        ("POST", TASKS, "createTask"),
        ("GET", f"{TASKS}/T1", "fetchTask"),
        ("PUT", f"{TASKS}/T1", "createOrAlterTask"),
        ("DELETE", f"{TASKS}/T1", "deleteTask"),
        ("POST", f"{TASKS}/T1:execute", "executeTask"),
        ("POST", f"{TASKS}/T1:resume", "resumeTask"),
        ("POST", f"{TASKS}/T1:suspend", "suspendTask"),
        ("GET", f"{TASKS}/T1/dependents", "fetchTaskDependents"),
        ("GET", f"{TASKS}/T1/current-graphs", "getCurrentGraphs"),
        ("GET", f"{TASKS}/T1/current_graphs", "getCurrentGraphsDeprecated"),
        ("GET", f"{TASKS}/T1/complete-graphs", "getCompleteGraphs"),
        ("GET", f"{TASKS}/T1/complete_graphs", "getCompleteGraphsDeprecated"),
        ("GET", "/api/v2/results/01b6-abc", "fetchResult"),
        ("GET", "/api/v2/databases", "listDatabases"),
        ("GET", "/api/v2/databases/TESTDB/schemas", "listSchemas"),
    ],
)
def test_operation_lookup_matches_templates_including_colon_actions(
    method: str, path: str, operation_id: str
) -> None:
    op, _ = CONTRACT().find_operation(method, path)
    assert op.operation_id == operation_id


def test_underscore_aliases_are_the_deprecated_operations() -> None:
    assert CONTRACT().find_operation("GET", f"{TASKS}/T/current_graphs")[0].deprecated
    assert not CONTRACT().find_operation("GET", f"{TASKS}/T/current-graphs")[0].deprecated


def test_unknown_path_and_undeclared_method_are_violations() -> None:
    with pytest.raises(ContractViolation, match="matches no template"):
        check("GET", "/api/v2/nonsense", 200, [])
    with pytest.raises(ContractViolation, match="declares no PATCH"):
        check("PATCH", f"{TASKS}/T1", 200, {"status": "ok"})


def test_unknown_endpoint_404_must_still_be_a_proper_error() -> None:
    check("GET", "/api/v2/nonsense", 404, {"code": "390404", "message": "no such endpoint"})
    with pytest.raises(ContractViolation, match="content-type"):
        validate_response(
            "GET",
            "/api/v2/nonsense",
            httpx.Response(
                404,
                text="Not Found",
                headers={"X-Snowflake-Request-ID": str(uuid.uuid4())},
                request=httpx.Request("GET", "http://sandbox/api/v2/nonsense"),
            ),
        )


# -- bodies: the spec's examples pass ------------------------------------------------------------


def test_spec_examples_validate() -> None:
    check("GET", TASKS, 200, [task_example(), SEED_TASK])
    check("GET", f"{TASKS}/T1", 200, SEED_TASK)
    check("GET", f"{TASKS}/T1/dependents", 200, [SEED_TASK])
    for suffix in ("current-graphs", "current_graphs", "complete-graphs", "complete_graphs"):
        check("GET", f"{TASKS}/T1/{suffix}", 200, [run_example()])
    check("POST", TASKS, 200, {"status": "Request successfully completed"})
    check("POST", f"{TASKS}/T1:execute", 202, ACCEPTED_202, headers={"Location": "/api/v2/results/h1"})
    error = copy.deepcopy(CONTRACT().documents[BASE_URI + "common.yaml"]["components"]["schemas"])
    check("DELETE", f"{TASKS}/T1", 404, error["ErrorResponse"]["example"])
    cron = {"schedule_type": "CRON_TYPE", "cron_expr": "* * * * ? *", "timezone": "america/los_angeles"}
    check("GET", f"{TASKS}/T1", 200, {**SEED_TASK, "schedule": cron})


def test_hand_written_database_and_schema_examples_validate() -> None:
    hand = CONTRACT().documents[BASE_URI + "hand-database-schema.yaml"]["components"]["schemas"]
    check("GET", "/api/v2/databases", 200, [hand["Database"]["example"]])
    check("GET", "/api/v2/databases/TEST_DB/schemas", 200, [hand["Schema"]["example"]])
    with pytest.raises(ContractViolation, match="'name' is a required property"):
        check("GET", "/api/v2/databases", 200, [{"created_on": "2024-06-18T01:01:01.111111"}])
    with pytest.raises(ContractViolation, match="is_default"):
        check("GET", "/api/v2/databases/TEST_DB/schemas", 200, [{"name": "S", "is_default": "yes"}])


# -- bodies: wrong ones fail ------------------------------------------------------------------------

WRONG_TASKS = {
    "missing definition": ({"name": "T"}, "'definition' is a required property"),
    "uppercase state": ({**SEED_TASK, "state": "STARTED"}, "'STARTED' is not one of"),
    "null comment": ({**SEED_TASK, "comment": None}, "None is not of type 'string'"),
    "extra field": ({**SEED_TASK, "last_run": "x"}, "'last_run' was unexpected"),
    "bad name": ({**SEED_TASK, "name": "bad name!"}, "does not match"),
    "hours schedule": (
        {**SEED_TASK, "schedule": {"schedule_type": "HOURS_TYPE", "hours": 1}},
        "'HOURS_TYPE' is not one of",
    ),
    "schedule without type": ({**SEED_TASK, "schedule": {"minutes": 10}}, "'schedule_type' is a required"),
    "cron without timezone": (
        {**SEED_TASK, "schedule": {"schedule_type": "CRON_TYPE", "cron_expr": "* * * * *"}},
        "not valid under any",
    ),
    "minutes as string": (
        {**SEED_TASK, "schedule": {"schedule_type": "MINUTES_TYPE", "minutes": "10"}},
        "not valid under any",
    ),
    "cron fields on a minutes schedule": (
        {**SEED_TASK, "schedule": {"schedule_type": "MINUTES_TYPE", "minutes": 5, "cron_expr": "* * * * *"}},
        "not valid under any",
    ),
    "date-time garbage": ({**SEED_TASK, "created_on": "yesterday"}, "is not a 'date-time'"),
    "date with space": ({**SEED_TASK, "created_on": "2024-06-18 01:01:01"}, "is not a 'date-time'"),
    "impossible date": ({**SEED_TASK, "created_on": "2024-02-31T01:01:01"}, "is not a 'date-time'"),
    "predecessors as string": ({**SEED_TASK, "predecessors": "A,B"}, "is not of type 'array'"),
    "retry attempts out of range": ({**SEED_TASK, "task_auto_retry_attempts": 31}, "31 is greater than"),
}


@pytest.mark.parametrize("case", list(WRONG_TASKS))
def test_wrong_task_bodies_fail(case: str) -> None:
    body, message = WRONG_TASKS[case]
    with pytest.raises(ContractViolation, match=message):
        check("GET", f"{TASKS}/T1", 200, body)
    with pytest.raises(ContractViolation, match=message):
        check("GET", TASKS, 200, [SEED_TASK, body])


WRONG_RUNS = {
    "lowercase state": ({"state": "succeeded"}, "is not one of"),
    "unknown state": ({"state": "RUNNING"}, "is not one of"),
    "run_id as string": ({"run_id": "7"}, "is not of type 'integer'"),
    "root_task_id as int": ({"root_task_id": 7}, "is not of type 'string'"),
    "graph_version missing": ({"graph_version": ...}, "'graph_version' is a required"),
    "next_scheduled_time missing": ({"next_scheduled_time": ...}, "'next_scheduled_time' is a required"),
    "error code as string": ({"first_error_code": "100"}, "is not of type 'integer'"),
    "null completed_time": ({"completed_time": None}, "None is not of type 'string'"),
}


@pytest.mark.parametrize("case", list(WRONG_RUNS))
def test_wrong_run_bodies_fail(case: str) -> None:
    change, message = WRONG_RUNS[case]
    run = run_example()
    for key, value in change.items():
        if value is ...:
            del run[key]
        else:
            run[key] = value
    with pytest.raises(ContractViolation, match=message):
        check("GET", f"{TASKS}/T1/complete-graphs", 200, [run])


def test_wrong_success_and_error_bodies_fail() -> None:
    with pytest.raises(ContractViolation, match="is not of type 'object'"):
        check("POST", TASKS, 200, "ok")
    with pytest.raises(ContractViolation, match="was unexpected"):
        check("POST", TASKS, 200, {"status": "ok", "task": SEED_TASK})
    with pytest.raises(ContractViolation, match="is not of type 'string'"):
        check("GET", f"{TASKS}/T1", 404, {"code": 2003, "message": "nope"})
    with pytest.raises(ContractViolation, match="is not of type 'array'"):
        check("GET", TASKS, 200, {"tasks": [SEED_TASK]})
    with pytest.raises(ContractViolation, match="'result_handler' was unexpected"):
        check(
            "GET",
            TASKS,
            202,
            {**ACCEPTED_202, "result_handler": "h"},
            headers={"Location": "/api/v2/results/h"},
        )


# -- status codes and headers -----------------------------------------------------------------------


def test_undeclared_status_fails() -> None:
    with pytest.raises(ContractViolation, match="status 201 is not declared"):
        check("POST", TASKS, 201, {"status": "created"})
    with pytest.raises(ContractViolation, match="status 422 is not declared"):
        check("GET", TASKS, 422, {"code": "1", "message": "x"})
    # 408 is declared for listTasks and createTask, not for fetchTask.
    check("GET", TASKS, 408, {"code": "1", "message": "timeout"})
    with pytest.raises(ContractViolation, match="status 408 is not declared by fetchTask"):
        check("GET", f"{TASKS}/T1", 408, {"code": "1", "message": "timeout"})


def test_request_id_header_is_required_and_a_uuid() -> None:
    with pytest.raises(ContractViolation, match="missing X-Snowflake-Request-ID"):
        check("GET", TASKS, 200, [], request_id=None)
    with pytest.raises(ContractViolation, match="not a UUID"):
        check("GET", TASKS, 200, [], request_id="req-1")
    with pytest.raises(ContractViolation, match="missing X-Snowflake-Request-ID"):
        check("GET", "/api/v2/nonsense", 404, {"code": "1", "message": "x"}, request_id=None)


def test_202_needs_a_host_relative_result_location() -> None:
    with pytest.raises(ContractViolation, match="Location header"):
        check("POST", f"{TASKS}/T1:execute", 202, ACCEPTED_202)
    with pytest.raises(ContractViolation, match="is not /api/v2/results"):
        check(
            "POST",
            f"{TASKS}/T1:execute",
            202,
            ACCEPTED_202,
            headers={"Location": "http://evil/api/v2/results/h"},
        )
    with pytest.raises(ContractViolation, match="is not /api/v2/results"):
        check("POST", f"{TASKS}/T1:execute", 202, ACCEPTED_202, headers={"Location": "/elsewhere/h"})


def test_link_header_shape() -> None:
    good = (
        '</api/v2/results/h?page=0>; rel="first", </api/v2/results/h?page=1>; rel="next", '
        '</api/v2/results/h?page=3>; rel="last"'
    )
    assert parse_link_header(good) == {
        "first": "/api/v2/results/h?page=0",
        "next": "/api/v2/results/h?page=1",
        "last": "/api/v2/results/h?page=3",
    }
    check("GET", TASKS, 200, [SEED_TASK], headers={"Link": good})
    for bad in (
        '</api/v2/results/h?page=1>; rel="following"',
        "</api/v2/results/h?page=1>",
        '<http://other/api/v2/results/h?page=1>; rel="next"',
        '</api/v2/results/h>; rel="next"',
        '</api/v2/results/h?page=1>; rel="next", </api/v2/results/h?page=2>; rel="next"',
    ):
        with pytest.raises(ContractViolation):
            check("GET", TASKS, 200, [SEED_TASK], headers={"Link": bad})


def test_body_where_none_is_declared_fails_and_bad_json_fails() -> None:
    response = httpx.Response(
        200,
        content=b"[{",
        headers={"content-type": "application/json", "X-Snowflake-Request-ID": str(uuid.uuid4())},
        request=httpx.Request("GET", f"http://sandbox{TASKS}"),
    )
    with pytest.raises(ContractViolation, match="not JSON"):
        validate_response("GET", TASKS, response)


def test_result_pages_are_validated_against_the_origin_operation() -> None:
    checker = ContractChecker()
    list_req = httpx.Request("GET", f"http://sandbox{TASKS}")
    accepted = httpx.Response(
        202,
        json=ACCEPTED_202,
        headers={"Location": "/api/v2/results/H1", "X-Snowflake-Request-ID": str(uuid.uuid4())},
        request=list_req,
    )
    checker.check(accepted)
    result_req = httpx.Request("GET", "http://sandbox/api/v2/results/H1")
    ok = httpx.Response(
        200, json=[SEED_TASK], headers={"X-Snowflake-Request-ID": str(uuid.uuid4())}, request=result_req
    )
    checker.check(ok)
    wrong = httpx.Response(
        200, json=[run_example()], headers={"X-Snowflake-Request-ID": str(uuid.uuid4())}, request=result_req
    )
    with pytest.raises(ContractViolation, match="result of GET"):
        checker.check(wrong)


def test_checker_rejects_a_reused_request_id() -> None:
    checker = ContractChecker()
    rid = str(uuid.uuid4())
    request = httpx.Request("GET", f"http://sandbox{TASKS}")
    checker.check(httpx.Response(200, json=[], headers={"X-Snowflake-Request-ID": rid}, request=request))
    with pytest.raises(ContractViolation, match="already used"):
        checker.check(httpx.Response(200, json=[], headers={"X-Snowflake-Request-ID": rid}, request=request))


def test_named_schema_validation_helper() -> None:
    validate_schema("Task", task_example())
    validate_schema("TaskRun", run_example())
    with pytest.raises(ContractViolation):
        validate_schema("TaskRun", {**run_example(), "state": "QUEUED"})
