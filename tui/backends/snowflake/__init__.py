"""Snowflake Tasks REST v2: wire models, low-level client, auth and the Backend adapter."""

from tui.backends.snowflake.adapter import SnowflakeBackend
from tui.backends.snowflake.auth import KeyPairJwtAuth, load_private_key_pem, token_auth
from tui.backends.snowflake.client import SnowflakeClient

__all__ = [
    "KeyPairJwtAuth",
    "SnowflakeBackend",
    "SnowflakeClient",
    "load_private_key_pem",
    "token_auth",
]
