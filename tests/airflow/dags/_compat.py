"""Import the DAG authoring API from wherever this Airflow keeps it (3.x: airflow.sdk, 2.x: decorators)."""

try:
    from airflow.sdk import dag, task
except ImportError:  # Airflow 2
    from airflow.decorators import dag, task

__all__ = ["dag", "task"]
