"""The Snowflake CLI/connector files: directory rule, replacement rule, default connection, key mapping."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tui.config import resolve_profile
from tui.errors import ConfigError

CONN = 'account = "{acct}"\ndatabase = "DB"\nschema = "SCH"\ntoken = "tok-{acct}"\n'


@pytest.fixture
def sf(home):
    return home / ".snowflake"


def test_connections_toml_by_name(sf, env, parse, write):
    write(sf / "connections.toml", "[prod]\n" + CONN.format(acct="myorg-prod") + 'role = "OPS"\n')
    profile, warnings = resolve_profile(parse("-c", "prod"), env)
    assert profile.url == "https://myorg-prod.snowflakecomputing.com"
    assert (profile.database, profile.schema_name, profile.role) == ("DB", "SCH", "OPS")
    assert profile.token.get_secret_value() == "tok-myorg-prod"
    assert profile.token_type == "PROGRAMMATIC_ACCESS_TOKEN"
    assert profile.source == "~/.snowflake/connections.toml: prod"
    assert warnings == []


def test_config_toml_connections(sf, env, parse, write):
    write(sf / "config.toml", "[connections.dev]\n" + CONN.format(acct="a-dev"))
    assert resolve_profile(parse("-c", "dev"), env)[0].source == "~/.snowflake/config.toml: connections.dev"


def test_connections_toml_replaces_config_toml_connections_wholesale(sf, env, parse, write):
    write(sf / "config.toml", "[connections.only_in_config]\n" + CONN.format(acct="x"))
    write(sf / "connections.toml", "[other]\n" + CONN.format(acct="y"))
    with pytest.raises(ConfigError, match="no profile or connection named 'only_in_config'"):
        resolve_profile(parse("-c", "only_in_config"), env)
    assert resolve_profile(parse("-c", "other"), env)[0].name == "other"


def test_snowflake_connections_env_overrides_files(sf, env, parse, write):
    write(sf / "connections.toml", "[prod]\n" + CONN.format(acct="from-file"))
    env["SNOWFLAKE_CONNECTIONS"] = "[prod]\n" + CONN.format(acct="from-env")
    profile, _ = resolve_profile(parse("-c", "prod"), env)
    assert profile.url == "https://from-env.snowflakecomputing.com"
    assert profile.source == "$SNOWFLAKE_CONNECTIONS: prod"


def test_snowflake_home_is_used_only_if_it_exists(home, env, parse, write):
    write(home / ".config" / "snowflake" / "connections.toml", "[x]\n" + CONN.format(acct="xdg"))
    env["SNOWFLAKE_HOME"] = str(home / "missing")
    assert resolve_profile(parse("-c", "x"), env)[0].url == "https://xdg.snowflakecomputing.com"
    write(home / "sfhome" / "connections.toml", "[x]\n" + CONN.format(acct="sfhome"))
    env["SNOWFLAKE_HOME"] = str(home / "sfhome")
    assert resolve_profile(parse("-c", "x"), env)[0].url == "https://sfhome.snowflakecomputing.com"


@pytest.fixture
def three(sf, write):
    write(sf / "config.toml", 'default_connection_name = "b"\n')
    body = "".join(f"[{n}]\n" + CONN.format(acct=n) for n in ("a", "b", "default"))
    write(sf / "connections.toml", body)


def test_default_connection_env_beats_file_setting(three, env, parse):
    env["SNOWFLAKE_DEFAULT_CONNECTION_NAME"] = "a"
    assert resolve_profile(parse(), env)[0].name == "a"


def test_default_connection_name_from_config_toml(three, env, parse):
    assert resolve_profile(parse(), env)[0].name == "b"


def test_connection_called_default_is_the_last_resort(sf, env, parse, write):
    write(
        sf / "connections.toml", "[default]\n" + CONN.format(acct="d") + "[other]\n" + CONN.format(acct="o")
    )
    assert resolve_profile(parse(), env)[0].name == "default"


def test_no_default_connection_means_sandbox(sf, env, parse, write):
    write(sf / "connections.toml", "[other]\n" + CONN.format(acct="o"))
    assert resolve_profile(parse(), env) == (None, [])


def test_named_default_connection_that_does_not_exist(sf, env, parse, write):
    write(sf / "connections.toml", "[other]\n" + CONN.format(acct="o"))
    env["SNOWFLAKE_DEFAULT_CONNECTION_NAME"] = "gone"
    with pytest.raises(ConfigError, match=r"\$SNOWFLAKE_DEFAULT_CONNECTION_NAME: no connection named 'gone'"):
        resolve_profile(parse(), env)


def test_dagtop_default_profile_may_name_a_snowflake_connection(home, sf, env, parse, write):
    write(home / ".config" / "dagtop" / "config.toml", 'default_profile = "prod"\n')
    write(sf / "connections.toml", "[prod]\n" + CONN.format(acct="p"))
    assert resolve_profile(parse(), env)[0].name == "prod"


def test_host_port_protocol_and_region(sf, env, parse, write):
    write(
        sf / "connections.toml",
        '[h]\nhost = "127.0.0.1"\nport = 8080\nprotocol = "http"\ndatabase = "D"\nschema = "S"\n'
        'token = "t"\n'
        '[r]\naccount = "xy12345"\nregion = "eu-west-1"\ndatabase = "D"\nschema = "S"\ntoken = "t"\n',
    )
    assert resolve_profile(parse("-c", "h"), env)[0].url == "http://127.0.0.1:8080"
    assert resolve_profile(parse("-c", "r"), env)[0].url == "https://xy12345.eu-west-1.snowflakecomputing.com"


def test_oauth_and_pat_in_password_and_token_file_path(home, sf, env, parse, write):
    write(home / "t.txt", "file-token\n")
    write(
        sf / "connections.toml",
        '[o]\naccount = "a"\ndatabase = "D"\nschema = "S"\nauthenticator = "oauth"\ntoken = "oauth-tok"\n'
        '[p]\naccount = "a"\ndatabase = "D"\nschema = "S"\nauthenticator = "PROGRAMMATIC_ACCESS_TOKEN"\n'
        'password = "pat-as-password"\n'
        f'[f]\naccount = "a"\ndatabase = "D"\nschema = "S"\ntoken_file_path = "{home}/t.txt"\n',
    )
    oauth = resolve_profile(parse("-c", "o"), env)[0]
    assert (oauth.token_type, oauth.token.get_secret_value()) == ("OAUTH", "oauth-tok")
    assert resolve_profile(parse("-c", "p"), env)[0].token.get_secret_value() == "pat-as-password"
    assert resolve_profile(parse("-c", "f"), env)[0].token.get_secret_value() == "file-token"


def test_password_authentication_is_refused_clearly(sf, env, parse, write):
    write(sf / "connections.toml", '[pw]\naccount = "a"\nuser = "me"\npassword = "hunter2-secret"\n')
    with pytest.raises(ConfigError) as info:
        resolve_profile(parse("-c", "pw"), env)
    text = str(info.value)
    assert text.startswith("~/.snowflake/connections.toml: pw.password: password authentication is not")
    assert "hunter2-secret" not in text


def test_unsupported_authenticator(sf, env, parse, write):
    write(sf / "connections.toml", '[b]\naccount = "a"\nauthenticator = "externalbrowser"\n')
    with pytest.raises(ConfigError, match=r"b\.authenticator: externalbrowser is not supported by the REST"):
        resolve_profile(parse("-c", "b"), env)


def test_secret_of_the_wrong_type_is_not_echoed(sf, env, parse, write):
    write(sf / "connections.toml", '[x]\naccount = "a"\ntoken = ["leaky-secret"]\n')
    with pytest.raises(ConfigError) as info:
        resolve_profile(parse("-c", "x"), env)
    assert str(info.value) == "~/.snowflake/connections.toml: x.token: expected a string"


def test_connections_file_with_secret_readable_by_others_warns(sf, env, parse, write):
    write(sf / "connections.toml", "[prod]\n" + CONN.format(acct="p"), mode=0o644)
    _, warnings = resolve_profile(parse("-c", "prod"), env)
    assert warnings == [
        "~/.snowflake/connections.toml holds a secret but is readable by others (mode 0644); "
        "run: chmod 0600 ~/.snowflake/connections.toml"
    ]


# Key-pair JWT -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def rsa_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def key_file(home, rsa_key, write):
    pem = rsa_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"right-pass"),
    )
    path = home / "keys" / "rsa_key.p8"
    path.parent.mkdir()
    path.write_bytes(pem)
    path.chmod(0o600)
    return path


def _jwt_conn(key_file, pwd="right-pass"):  # noqa: S107 (a test key)
    return (
        '[jwt]\naccount = "myorg-acct"\nuser = "me"\ndatabase = "D"\nschema = "S"\n'
        f'authenticator = "SNOWFLAKE_JWT"\nprivate_key_path = "{key_file}"\nprivate_key_file_pwd = "{pwd}"\n'
    )


def test_key_pair_connection_loads_and_decrypts_the_key(sf, env, parse, write, key_file, rsa_key):
    write(sf / "connections.toml", _jwt_conn(key_file))
    profile, _ = resolve_profile(parse("-c", "jwt"), env)
    assert profile.auth == "keypair" and profile.user == "me" and profile.account == "myorg-acct"
    loaded = serialization.load_pem_private_key(profile.private_key_pem.get_secret_value().encode(), None)
    assert loaded.private_numbers() == rsa_key.private_numbers()
    assert "BEGIN" not in repr(profile) and "right-pass" not in repr(profile)


def test_wrong_passphrase(sf, env, parse, write, key_file):
    write(sf / "connections.toml", _jwt_conn(key_file, pwd="wrong-pass"))
    with pytest.raises(ConfigError) as info:
        resolve_profile(parse("-c", "jwt"), env)
    assert str(info.value) == (
        "~/.snowflake/connections.toml: jwt.private_key_path: cannot load ~/keys/rsa_key.p8: "
        "wrong passphrase or not a private key"
    )
    assert "wrong-pass" not in str(info.value)


def test_unreadable_key_file(sf, env, parse, write, home):
    write(sf / "connections.toml", _jwt_conn(home / "nope.p8"))
    with pytest.raises(ConfigError, match=r"jwt\.private_key_path: cannot read ~/nope\.p8: No such file"):
        resolve_profile(parse("-c", "jwt"), env)


def test_dagtop_key_pair_profile_with_passphrase_env(home, env, parse, write, key_file):
    write(
        home / ".config" / "dagtop" / "config.toml",
        '[profiles.k]\nurl = "https://myorg-acct.snowflakecomputing.com"\ndatabase = "D"\nschema = "S"\n'
        f'user = "me"\nprivate_key_file = "{key_file}"\nprivate_key_passphrase_env = "KEY_PASS"\n',
    )
    with pytest.raises(ConfigError, match=r"profiles\.k\.private_key_passphrase_env: environment variable"):
        resolve_profile(parse("-c", "k"), env)
    env["KEY_PASS"] = "right-pass"
    profile, _ = resolve_profile(parse("-c", "k"), env)
    # The JWT issuer needs the account: derived from the URL when not given.
    assert (profile.auth, profile.account) == ("keypair", "myorg-acct")
