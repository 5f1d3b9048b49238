"""airflow DAG file that does not import: the server lists an import error for it."""

import this_module_does_not_exist  # noqa: F401
