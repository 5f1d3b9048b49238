"""The errors the sandbox answers with, shaped like Snowflake's ErrorResponse.

Codes: SQL-ish ones where Snowflake has a known one (002002 exists, 002003 does not exist, 091421 graph
not suspended), otherwise a fixed code per kind so clients can tell them apart.
"""

from __future__ import annotations


class SandboxError(Exception):
    def __init__(self, status: int, message: str, code: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code


BAD_REQUEST = "390189"
UNAUTHORIZED = "390303"
NOT_FOUND_ENDPOINT = "390404"
METHOD_NOT_ALLOWED = "390405"
ALREADY_EXISTS = "002002"
DOES_NOT_EXIST = "002003"
GRAPH_NOT_SUSPENDED = "091421"
NOT_A_ROOT = "091422"
RETRY_NOT_ALLOWED = "091423"
LIMIT_EXCEEDED = "091424"


def bad_request(message: str) -> SandboxError:
    return SandboxError(400, message, BAD_REQUEST)


def not_found(kind: str, fqn: str) -> SandboxError:
    return SandboxError(404, f"{kind} '{fqn}' does not exist or not authorized.", DOES_NOT_EXIST)


def graph_not_suspended(root_fqn: str) -> SandboxError:
    # 400, not 409: the spec declares 409 only for createTask, and this refusal also answers PUT,
    # DELETE, :resume and :suspend. The code 091421 tells a client it is the graph-state rule.
    return SandboxError(
        400,
        f"Unable to update graph with root task {root_fqn} since that root task is not suspended.",
        GRAPH_NOT_SUSPENDED,
    )
