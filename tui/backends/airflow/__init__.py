"""Apache Airflow REST (Airflow 3 `/api/v2`, Airflow 2 `/api/v1`): wire models, client, auth, adapter."""

from tui.backends.airflow.adapter import AirflowBackend
from tui.backends.airflow.auth import CommandTokenAuth, LoginAuth
from tui.backends.airflow.client import AirflowClient

__all__ = ["AirflowBackend", "AirflowClient", "CommandTokenAuth", "LoginAuth"]
