"""The Qlik schemas: derived from Qlik's own TypeScript types, and strict where the types are.

No sandbox here: these prove the derivation is current and that the schemas refuse what the types
refuse (missing required fields, unknown enum values, undeclared fields), using Qlik's own examples.
"""

from __future__ import annotations

import copy

import pytest

from devtools.qlik_schemas import APIS, derive, render
from tests.sandbox.qlik_contract import SCHEMAS, QlikContractViolation, find_operation, validate_named

# The Task example of scheduling/tasks.d.ts (its @example on `export type Task`), verbatim.
SCHEDULING_TASK_EXAMPLE = {
    "description": "this is an example of task response",
    "enabled": True,
    "events": [
        {
            "correlation": [
                {
                    "contextAttributeName": "appId",
                    "contextAttributeValue": "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx",
                }
            ],
            "name": "event1",
            "source": "dataset.updated",
            "type": "com.qlik/active-analytics-orch",
        }
    ],
    "id": "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx",
    "keepActive": False,
    "metadata": {
        "createdAt": "2025-08-31T23:22:27.929Z",
        "orchestration": {
            "attrs": {
                "last_run_endedAt": "2025-08-31T23:28:06Z",
                "last_run_startedAt": "2025-08-31T23:28:04Z",
                "last_run_status": "SUCCEEDED",
                "last_run_worker_type": "reloads",
            },
            "id": "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx",
            "type": 3,
        },
        "spaceId": "",
        "tenantId": "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        "trigger": {"id": "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", "type": 4},
        "updatedAt": "2025-08-31T23:27:51.207Z",
        "usage": "ANALYTICS",
    },
    "name": "TaskExample",
    "resourceId": "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx",
    "specVersion": "1.16.0",
    "states": [
        {
            "end": True,
            "exclusive": False,
            "name": "Reload",
            "onEvents": [
                {
                    "actions": [
                        {
                            "functionRef": {
                                "arguments": {
                                    "appId": "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx",
                                    "partial": False,
                                },
                                "refName": "app.reload",
                            },
                            "name": "app.reload",
                        }
                    ],
                    "eventRefs": ["app1-dataset-updated"],
                }
            ],
        }
    ],
    "version": "1.0.0",
}
RUN = {
    "id": "r1", "taskId": "t1", "taskName": "Reload sales", "status": "FAILED", "actionId": "a1",
    "resourceId": "app1", "taskMeta": {}, "triggeredBy": "manual", "workerId": "w1", "workerType": "reloads",
}  # fmt: skip


@pytest.mark.parametrize("api", list(APIS))
def test_committed_schemas_are_what_the_script_derives_from_the_types(api: str) -> None:
    committed = (SCHEMAS / f"{api}.schema.json").read_text(encoding="utf-8")
    assert committed == render(derive(api)), "run `python -m devtools.qlik_schemas` and commit the result"


def test_qliks_own_example_task_validates_against_the_scheduling_types() -> None:
    validate_named("scheduling-tasks", "Task", SCHEDULING_TASK_EXAMPLE)


@pytest.mark.parametrize(
    ("api", "name", "instance", "mutate"),
    [
        ("scheduling-tasks", "Task", SCHEDULING_TASK_EXAMPLE, lambda t: t.pop("specVersion")),
        ("scheduling-tasks", "Task", SCHEDULING_TASK_EXAMPLE, lambda t: t.pop("name")),
        ("scheduling-tasks", "Task", SCHEDULING_TASK_EXAMPLE, lambda t: t.update(colour="red")),
        ("scheduling-tasks", "Task", SCHEDULING_TASK_EXAMPLE, lambda t: t["metadata"].update(usage="GAMES")),
        ("scheduling-tasks", "Task", SCHEDULING_TASK_EXAMPLE,
         lambda t: t["metadata"]["trigger"].update(type=5)),
        ("scheduling-tasks", "Task", SCHEDULING_TASK_EXAMPLE,
         lambda t: t["states"][0]["onEvents"][0].pop("eventRefs")),
        ("scheduling-tasks", "Task", SCHEDULING_TASK_EXAMPLE, lambda t: t["events"][0].update(type="other")),
        ("tasks-v1", "OrchRun", RUN, lambda r: r.update(status="QUEUED")),
        ("tasks-v1", "OrchRun", RUN, lambda r: r.update(status="CANCELLED")),
        ("tasks-v1", "OrchRun", RUN, lambda r: r.pop("workerId")),
        ("tasks-v1", "OrchRun", RUN, lambda r: r.pop("taskMeta")),
        ("tasks-v1", "OrchRun", RUN, lambda r: r["taskMeta"].update(disabledCode="BORED")),
        # SCHEDULE-EXPIRED is in the scheduling types only: the v1 types refuse it.
        ("tasks-v1", "OrchRun", RUN, lambda r: r["taskMeta"].update(disabledCode="SCHEDULE-EXPIRED")),
        ("tasks-v1", "ErrorResponse", {"errors": [{"code": 404, "title": "x"}]},
         lambda e: e["errors"][0].update(code="CHO-001")),
    ],
)  # fmt: skip
def test_a_mutated_instance_is_refused(api: str, name: str, instance: dict, mutate) -> None:
    good = copy.deepcopy(instance)
    validate_named(api, name, good)  # the unmutated instance is valid...
    mutate(good)
    with pytest.raises(QlikContractViolation):  # ...and the mutation is caught
        validate_named(api, name, good)


def test_v1_types_refuse_the_scheduling_only_correlation_attributes() -> None:
    task = {
        "name": "t",
        "specVersion": "1.16.0",
        "events": [{"correlation": [{"contextAttributeName": "appId"}]}],
    }
    validate_named("scheduling-tasks", "Task", task)
    with pytest.raises(QlikContractViolation):
        validate_named("tasks-v1", "Task", task)


@pytest.mark.parametrize(
    ("method", "path", "name"),
    [
        ("GET", "/api/v1/tasks", "getTasks"),
        ("GET", "/api/v1/tasks/abc", "getTask"),
        ("PUT", "/api/v1/tasks/abc", "updateTask"),
        ("GET", "/api/v1/tasks/abc/runs/last", "getLastTaskRun"),
        ("GET", "/api/v1/tasks/abc/runs/r1/log", "getTaskRunLog"),
        ("GET", "/api/v1/tasks/resources/app1/runs", "getTasksResourceRuns"),
        ("POST", "/api/v1/tasks/abc/actions/start", "startTask"),
        ("GET", "/api/scheduling/tasks/abc/graphs/descendants", "getTaskGraphDescendants"),
    ],
)
def test_paths_find_their_operation(method: str, path: str, name: str) -> None:
    op = find_operation(method, path)
    assert op is not None and op.name == name
