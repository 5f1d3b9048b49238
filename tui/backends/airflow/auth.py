"""Airflow credentials on the wire.

- Airflow 3 (``/api/v2``): a JWT from ``POST /auth/token`` with a username and password, renewed shortly
  before it expires (its ``exp`` claim) and once on a 401 (e.g. "Token Expired"); or a static bearer
  token; or a command that prints one (run again on a 401).
- Airflow 2 (``/api/v1``): HTTP basic auth.

One ``LoginAuth`` covers a username + password profile on both versions: the adapter sets its ``mode``
("jwt" or "basic") once it has probed which API the server speaks. Secrets never show in ``repr`` and are
named to the HTTP layer for redaction.
"""

from __future__ import annotations

import base64
import binascii
import json
import shlex
import subprocess
import time
from collections.abc import Callable, Generator
from typing import Literal

import httpx
from pydantic import SecretStr

from tui.backends.auth import RedactingAuth, _secret
from tui.backends.http import error_from_response
from tui.errors import AuthError, ConfigError

RENEW_MARGIN = 60.0  # renew a JWT this many seconds before it expires


def jwt_expiry(token: str) -> float | None:
    """The ``exp`` claim of a JWT (unverified: only to know when to renew), or None."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None
    exp = claims.get("exp") if isinstance(claims, dict) else None
    return float(exp) if isinstance(exp, int | float) and not isinstance(exp, bool) else None


class LoginAuth(RedactingAuth):
    """Username + password: a JWT login on Airflow 3, basic auth on Airflow 2."""

    requires_response_body = True

    def __init__(
        self,
        username: str,
        password: SecretStr | str,
        token_url: str,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.username = username
        self._password = _secret(password)
        self.token_url = token_url
        self.mode: Literal["jwt", "basic"] | None = None  # None: not probed yet, send nothing
        self._clock = clock
        self._token: str | None = None
        self._expires: float | None = None
        self.logins = 0  # how many tokens were fetched (tests and the status bar)

    # ----------------------------------------------------------------------------- token handling

    def set_token(self, token: str) -> None:
        self._token = token
        self._expires = jwt_expiry(token)

    def _fresh(self) -> bool:
        if not self._token:
            return False
        return self._expires is None or self._clock() < self._expires - RENEW_MARGIN

    def _login_request(self) -> httpx.Request:
        body = {"username": self.username, "password": self._password.get_secret_value()}
        return httpx.Request("POST", self.token_url, json=body, headers={"Accept": "application/json"})

    def _take_login(self, response: httpx.Response) -> None:
        if response.status_code not in (200, 201):
            err = error_from_response(response, self.secret_values())
            raise AuthError(
                f"login to {self.token_url} as {self.username!r} refused: {err.message}",
                status=response.status_code,
            )
        try:
            token = response.json().get("access_token")
        except (ValueError, AttributeError):
            token = None
        if not isinstance(token, str) or not token:
            raise AuthError(f"login to {self.token_url} answered without an access_token")
        self.logins += 1
        self.set_token(token)

    # ----------------------------------------------------------------------------- httpx

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if self.mode == "basic":
            request.headers["Authorization"] = self._basic()
            yield request
            return
        if self.mode != "jwt":
            yield request
            return
        if not self._fresh():
            self._take_login((yield self._login_request()))
        request.headers["Authorization"] = f"Bearer {self._token}"
        response = yield request
        if response.status_code == 401:  # expired or revoked early: one new login, one resend
            self._take_login((yield self._login_request()))
            request.headers["Authorization"] = f"Bearer {self._token}"
            yield request

    def _basic(self) -> str:
        raw = f"{self.username}:{self._password.get_secret_value()}".encode()
        return "Basic " + base64.b64encode(raw).decode("ascii")

    def secret_values(self) -> list[str]:
        values = [self._password.get_secret_value(), self._basic().split(" ", 1)[1]]
        if self._token:
            values.append(self._token)
        return values

    def __repr__(self) -> str:
        return f"LoginAuth(username={self.username!r}, password=**********, mode={self.mode!r})"


class CommandTokenAuth(RedactingAuth):
    """A bearer token printed by a command (e.g. a secrets manager CLI), fetched on first use and again
    after a 401. The command runs without a shell; its stdout, stripped, is the token."""

    def __init__(self, command: str, *, timeout: float = 30.0) -> None:
        self.command = command
        self.timeout = timeout
        self._token: str | None = None
        self.runs = 0

    def _fetch(self) -> str:
        try:
            argv = shlex.split(self.command)
            done = subprocess.run(argv, capture_output=True, text=True, timeout=self.timeout, check=False)
        except (OSError, ValueError, subprocess.TimeoutExpired) as exc:
            raise ConfigError(f"token_command failed: {type(exc).__name__}: {exc}") from None
        self.runs += 1
        token = done.stdout.strip()
        if done.returncode != 0 or not token:
            raise ConfigError(
                f"token_command exited with {done.returncode} and "
                f"{'no token' if not token else 'output'}; stderr: {done.stderr.strip()[:200]}"
            )
        return token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if self._token is None:
            self._token = self._fetch()
        request.headers["Authorization"] = f"Bearer {self._token}"
        response = yield request
        if response.status_code == 401:
            self._token = self._fetch()
            request.headers["Authorization"] = f"Bearer {self._token}"
            yield request

    def secret_values(self) -> list[str]:
        return [self._token] if self._token else []

    def __repr__(self) -> str:
        return f"CommandTokenAuth(command={self.command.split(' ', 1)[0]!r}, token=**********)"
