"""The Snowflake Task fields only the server sets: the client leaves them out of what it sends, and the
sandbox, like the real server, ignores them in what it receives. One list, so the two cannot drift."""

from __future__ import annotations

READ_ONLY_TASK_FIELDS = frozenset(
    {
        "created_on",
        "id",
        "owner",
        "owner_role_type",
        "state",
        "last_committed_on",
        "last_suspended_on",
        "database_name",
        "schema_name",
        "task_relations",
    }
)
