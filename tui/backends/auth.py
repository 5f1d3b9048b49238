"""Generic httpx auth pieces: a bearer token that never shows itself.

Backend-specific schemes (Snowflake key-pair JWT, ...) live beside their backend and follow the same rules:
secrets are ``SecretStr``, ``secret_values()`` tells the HTTP layer what to redact, ``repr`` shows none.
"""

from __future__ import annotations

from collections.abc import Generator, Mapping

import httpx
from pydantic import SecretStr


class RedactingAuth(httpx.Auth):
    """An httpx.Auth that can name the secret strings it puts on the wire, so they can be redacted."""

    def secret_values(self) -> list[str]:
        return []

    def __repr__(self) -> str:
        return f"{type(self).__name__}(<redacted>)"


def _secret(value: SecretStr | str) -> SecretStr:
    return value if isinstance(value, SecretStr) else SecretStr(value)


class BearerAuth(RedactingAuth):
    """``Authorization: Bearer <token>`` plus fixed extra headers (token type, role, ...)."""

    def __init__(self, token: SecretStr | str, extra_headers: Mapping[str, str] | None = None) -> None:
        self._token = _secret(token)
        self._extra = {k: v for k, v in (extra_headers or {}).items() if v}

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self._token.get_secret_value()}"
        for name, value in self._extra.items():
            request.headers[name] = value
        yield request

    def secret_values(self) -> list[str]:
        return [self._token.get_secret_value()]

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={v!r}" for k, v in self._extra.items())
        return f"{type(self).__name__}(token=**********{', ' + shown if shown else ''})"
