"""Secrets: tokens, passwords and private keys, from flags, env and files, held as ``SecretStr``."""

from __future__ import annotations

import argparse
import os
import stat
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import SecretStr

from tui.config.model import Profile
from tui.config.sources import Origin
from tui.errors import ConfigError
from tui.locations import display_path


def permission_warning(path: Path) -> str | None:
    """The connector's rule: a file holding a secret should be private to its owner."""
    if os.name != "posix":
        return None
    try:
        st = path.stat()
    except OSError:
        return None
    label = display_path(path)
    if st.st_mode & 0o077:
        mode = stat.S_IMODE(st.st_mode)
        return f"{label} holds a secret but is readable by others (mode {mode:04o}); run: chmod 0600 {label}"
    if st.st_uid != os.getuid():
        return f"{label} holds a secret but is not owned by you"
    return None


def read_secret_file(path: Path, where: str, warnings: list[str]) -> SecretStr:
    path = path.expanduser()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{where}: cannot read {display_path(path)}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{where}: {display_path(path)} is not UTF-8 text") from None
    lines = text.strip().splitlines()
    if not lines or not lines[0].strip():
        raise ConfigError(f"{where}: {display_path(path)} is empty")
    if warning := permission_warning(path):
        warnings.append(warning)
    return SecretStr(lines[0].strip())


def _load_private_key(path: Path, passphrase: SecretStr | None, origin: Origin) -> SecretStr:
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives import serialization

    path = path.expanduser()
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise origin.error(
            "private_key_file", f"cannot read {display_path(path)}: {exc.strerror or exc}"
        ) from None
    password = passphrase.get_secret_value().encode() if passphrase else None
    try:
        if b"-----BEGIN" in data:
            key = serialization.load_pem_private_key(data, password=password)
        else:
            key = serialization.load_der_private_key(data, password=password)
    except TypeError:
        # cryptography: "Password was not given but private key is encrypted" or the reverse.
        need = "is encrypted: set private_key_passphrase_env" if password is None else "is not encrypted"
        raise origin.error("private_key_file", f"{display_path(path)} {need}") from None
    except (ValueError, UnsupportedAlgorithm):
        raise origin.error(
            "private_key_file",
            f"cannot load {display_path(path)}: wrong passphrase or not a private key",
        ) from None
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return SecretStr(pem.decode("ascii"))


def attach_secrets(
    profile: Profile,
    origin: Origin,
    args: argparse.Namespace,
    env: Mapping[str, str],
    warnings: list[str],
) -> Profile:
    token: SecretStr | None = None
    flag_file = getattr(args, "token_file", None)
    if flag_file:
        token = read_secret_file(Path(flag_file), "--token-file", warnings)
    elif env.get("DAGTOP_TOKEN", "").strip():
        token = SecretStr(env["DAGTOP_TOKEN"].strip())
    elif profile.token_env:
        value = env.get(profile.token_env, "").strip()
        if not value:
            raise origin.error("token_env", f"environment variable {profile.token_env} is not set or empty")
        token = SecretStr(value)
    elif profile.token_file:
        token = read_secret_file(profile.token_file, origin.where("token_file"), warnings)
    elif profile.token is not None:
        token = profile.token

    if token is not None:
        # A token from a higher-precedence source replaces key-pair auth.
        return profile.model_copy(update={"token": token, "private_key_pem": None})
    if profile.backend == "airflow":
        return _attach_airflow_login(profile, origin, env, warnings)
    if profile.backend == "taipy":  # Taipy community REST has no auth: a token is only for a proxy
        return profile
    if profile.backend == "qlik":
        return _attach_qlik_command(profile, origin)
    if profile.private_key_file:
        passphrase = profile.private_key_passphrase
        if profile.private_key_passphrase_env:
            value = env.get(profile.private_key_passphrase_env)
            if not value:
                raise origin.error(
                    "private_key_passphrase_env",
                    f"environment variable {profile.private_key_passphrase_env} is not set or empty",
                )
            passphrase = SecretStr(value)
        if not profile.user:
            raise origin.error("user", "required for key-pair authentication")
        account = profile.account or _account_from_url(profile.url or "")
        if not account:
            raise origin.error("account", "required for key-pair authentication (the JWT names it)")
        if warning := permission_warning(profile.private_key_file.expanduser()):
            warnings.append(warning)
        pem = _load_private_key(profile.private_key_file, passphrase, origin)
        return profile.model_copy(update={"private_key_pem": pem, "account": account})
    if origin.file == "command line":
        raise ConfigError(
            "no token: export DAGTOP_TOKEN or pass --token-file FILE (never on the command line)"
        )
    raise origin.error(
        None,
        "no credentials: set token_file or token_env, or user and private_key_file (or export DAGTOP_TOKEN)",
    )


def _attach_airflow_login(
    profile: Profile, origin: Origin, env: Mapping[str, str], warnings: list[str]
) -> Profile:
    """Airflow without a token: a token command, or a username with its password from env or file."""
    if profile.token_command:
        return profile
    if profile.password_env or profile.password_file:
        if not profile.username:
            raise origin.error("username", "required with password_env or password_file")
        if profile.password_env:
            value = env.get(profile.password_env, "")
            if not value:
                raise origin.error(
                    "password_env", f"environment variable {profile.password_env} is not set or empty"
                )
            password = SecretStr(value)
        else:
            assert profile.password_file is not None
            password = read_secret_file(profile.password_file, origin.where("password_file"), warnings)
        return profile.model_copy(update={"password": password})
    if profile.password is not None and profile.username:
        return profile
    if origin.file == "command line":
        raise ConfigError(
            "no token: export DAGTOP_TOKEN or pass --token-file FILE (never on the command line)"
        )
    raise origin.error(
        None,
        "no credentials: set username with password_env or password_file, or token_env, token_file or "
        "token_command (or export DAGTOP_TOKEN)",
    )


def _attach_qlik_command(profile: Profile, origin: Origin) -> Profile:
    """Qlik without a token: the API key comes from token_command (run when first needed), or nowhere."""
    if profile.token_command:
        return profile
    if origin.file == "command line":
        raise ConfigError(
            "no API key: export DAGTOP_TOKEN or pass --token-file FILE (never on the command line)"
        )
    raise origin.error(
        None, "no API key: set token_env, token_file or token_command (or export DAGTOP_TOKEN)"
    )


def _account_from_url(url: str) -> str | None:
    host = urlsplit(url).hostname or ""
    suffix = ".snowflakecomputing.com"
    return host[: -len(suffix)] if host.endswith(suffix) else None
