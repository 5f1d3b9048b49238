"""Snowflake REST authentication: bearer tokens (PAT, OAuth) and key-pair JWT.

Both send ``X-Snowflake-Authorization-Token-Type`` and, when set, ``X-Snowflake-Role`` /
``X-Snowflake-Warehouse`` (not in the OpenAPI file, but documented: they override the user's defaults).
"""

from __future__ import annotations

import base64
import hashlib
import threading
import time
from collections import deque
from collections.abc import Callable, Generator

import httpx
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pydantic import SecretStr

from tui.backends.auth import BearerAuth, RedactingAuth
from tui.errors import ConfigError

TOKEN_TYPE_HEADER = "X-Snowflake-Authorization-Token-Type"  # noqa: S105 - a header name
TOKEN_TYPES = ("PROGRAMMATIC_ACCESS_TOKEN", "OAUTH", "KEYPAIR_JWT")


def _context_headers(role: str | None, warehouse: str | None) -> dict[str, str]:
    headers = {}
    if role:
        headers["X-Snowflake-Role"] = role
    if warehouse:
        headers["X-Snowflake-Warehouse"] = warehouse
    return headers


def token_auth(
    token: SecretStr | str,
    token_type: str = "PROGRAMMATIC_ACCESS_TOKEN",  # noqa: S107 - a token kind, not a token
    *,
    role: str | None = None,
    warehouse: str | None = None,
) -> BearerAuth:
    """Bearer auth for a programmatic access token or an OAuth access token."""
    if token_type not in TOKEN_TYPES:
        raise ConfigError(f"unknown Snowflake token type {token_type!r}; expected one of {TOKEN_TYPES}")
    return BearerAuth(token, {TOKEN_TYPE_HEADER: token_type, **_context_headers(role, warehouse)})


def account_identifier(account: str) -> str:
    """The account part of JWT claims: upper-cased; a locator's region/cloud suffix stripped.

    "xy12345.us-east-1" -> "XY12345"; "myorg-acct" stays "MYORG-ACCT" (org-account names have no dot).
    A full host ("xy12345.us-east-1.snowflakecomputing.com") is reduced the same way.
    """
    account = account.strip()
    # Global URLs look like account-<hash>.global: keep the part before the dash.
    global_url = ".global" in account.lower()
    return (account.split("-", 1)[0] if global_url else account.split(".", 1)[0]).upper()


def public_key_fingerprint(private_key: rsa.RSAPrivateKey) -> str:
    """``SHA256:<base64 of sha256(DER SubjectPublicKeyInfo)>``, as Snowflake stores RSA_PUBLIC_KEY_FP."""
    der = private_key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return "SHA256:" + base64.b64encode(hashlib.sha256(der).digest()).decode("ascii")


def load_private_key_pem(
    data: bytes | str, passphrase: SecretStr | str | None = None, *, source: str = "private key"
) -> rsa.RSAPrivateKey:
    """Load PEM bytes; failures are ConfigErrors naming ``source``, never the passphrase or key."""
    if isinstance(data, str):
        data = data.encode()
    secret = passphrase.get_secret_value() if isinstance(passphrase, SecretStr) else passphrase
    try:
        key = serialization.load_pem_private_key(data, password=secret.encode() if secret else None)
    except TypeError:
        # cryptography: "Password was not given but private key is encrypted" (or the reverse).
        hint = (
            "is encrypted: a passphrase is needed" if not secret else "is not encrypted: drop the passphrase"
        )
        raise ConfigError(f"{source} {hint}") from None
    except Exception:
        raise ConfigError(f"cannot load {source}: wrong passphrase, or not a PEM private key") from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ConfigError(f"{source} is not an RSA key (Snowflake key-pair auth needs RSA)")
    return key


class KeyPairJwtAuth(RedactingAuth):
    """Key-pair JWT auth: an RS256 JWT, regenerated a minute before it expires."""

    lifetime = 59 * 60
    renew_margin = 60

    def __init__(
        self,
        account: str,
        user: str,
        private_key: rsa.RSAPrivateKey,
        *,
        role: str | None = None,
        warehouse: str | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.account = account_identifier(account)
        self.user = user.strip().upper()
        self._key = private_key
        self._fingerprint = public_key_fingerprint(private_key)
        self._headers = {TOKEN_TYPE_HEADER: "KEYPAIR_JWT", **_context_headers(role, warehouse)}
        self._clock = clock
        self._token: SecretStr | None = None
        self._expires = 0.0
        self._issued: deque[str] = deque(maxlen=4)  # recent tokens, for redaction of late messages
        self._lock = threading.Lock()

    @property
    def qualified_user(self) -> str:
        return f"{self.account}.{self.user}"

    def token(self) -> SecretStr:
        """The current JWT, minted anew when it is within ``renew_margin`` of expiry."""
        with self._lock:
            now = self._clock()
            if self._token is None or now >= self._expires - self.renew_margin:
                iat = int(now)
                claims = {
                    "iss": f"{self.qualified_user}.{self._fingerprint}",
                    "sub": self.qualified_user,
                    "iat": iat,
                    "exp": iat + self.lifetime,
                }
                value = jwt.encode(claims, self._key, algorithm="RS256")
                self._token = SecretStr(value)
                self._expires = iat + self.lifetime
                self._issued.append(value)
            return self._token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self.token().get_secret_value()}"
        request.headers.update(self._headers)
        yield request

    def secret_values(self) -> list[str]:
        return list(self._issued)

    def __repr__(self) -> str:
        return f"KeyPairJwtAuth(user={self.qualified_user!r}, key={self._fingerprint!r}, token=**********)"
