"""Connection profiles and settings: dagtop's TOML, the Snowflake CLI's connections, env and flags.

dagtop's own file lives at ``<XDG config>/dagtop/config.toml`` (``$DAGTOP_CONFIG`` or ``--config``
override the path)::

    default_profile = "prod"          # used when no -c/--connection and no $DAGTOP_PROFILE

    [settings]
    timezone = "local"                # "local" or "UTC": how times are shown
    theme = "textual-dark"
    keymap = { quit = "ctrl+q" }      # binding id -> key

    [settings.notify]                 # how a change to something watched (w) is told; a toast always
    bell = true                       # ring the terminal's bell (the default)
    desktop = "osc9"                  # "osc9", "osc777" (desktop notification by escape sequence) or "off"
    command = ["/path/to/hook", "--flag"]   # argv, no shell: the notification as JSON on stdin
    command_timeout = 10              # seconds
    min_interval = 10                 # seconds between notifications at least (a burst is told as one)

    [profiles.prod]
    backend = "snowflake"             # or "airflow", "taipy" (see their profiles below)
    url = "https://myorg-acct.snowflakecomputing.com"   # or: account = "myorg-acct" (url derived)
    database = "ANALYTICS"
    schema = "PUBLIC"
    schemas = ["ANALYTICS.STAGING"]   # more schemas the inbox (i) watches; ["all"]: every one the role sees
    token_file = "~/.config/dagtop/prod.token"          # or: token_env = "MY_TOKEN"
    token_type = "PROGRAMMATIC_ACCESS_TOKEN"            # or "OAUTH"
    # key-pair JWT instead of a token:
    # user = "ME"; private_key_file = "~/.ssh/rsa_key.p8"; private_key_passphrase_env = "KEY_PASS"
    role = "OPS"
    warehouse = "OPS_WH"
    poll_interval = 5.0               # seconds
    read_only = false                 # no actions at all
    production = true                 # warning colour; actions need the task name typed
    verify_tls = true
    ca_bundle = "/etc/ssl/corp.pem"
    timeout = 30                      # seconds per request

    [profiles.airflow]
    backend = "airflow"               # Airflow 3 (/api/v2) or Airflow 2 (/api/v1): probed
    url = "http://127.0.0.1:8080"     # the API server / webserver base URL
    username = "admin"                # Airflow 3: JWT login (POST /auth/token); Airflow 2: basic auth
    password_env = "AIRFLOW_PASSWORD" # or: password_file = "~/.config/dagtop/airflow.password"
    # or a bearer token: token_env / token_file, or token_command = "vault read -field=token ..."

    [profiles.taipy]
    backend = "taipy"                 # Taipy REST (taipy-rest 4.x); no auth of its own
    url = "http://127.0.0.1:5000"     # the server's base URL (without /api/v1)
    # token_env / token_file: a bearer token, only for a proxy in front of it

Secrets never live in dagtop's file: tokens come from ``token_file``, ``token_env``, ``$DAGTOP_TOKEN``,
``--token-file`` or the Snowflake CLI's files, and are held as ``SecretStr``.

The Snowflake CLI/connector files are read too, so ``dagtop -c NAME`` works with existing connection
names: the directory is ``$SNOWFLAKE_HOME`` (default ``~/.snowflake``) if it exists, else the platform
config dir for "snowflake"; ``connections.toml`` (top-level ``[name]`` tables) replaces the
``[connections]`` of ``config.toml`` wholesale; ``$SNOWFLAKE_CONNECTIONS`` (a TOML string) replaces
both. Password authentication is refused: the REST API takes tokens or key-pair JWTs only.

Precedence, highest first:

1. command-line flags (``--url``, ``--database``, ``--schema``, ``--backend``, ``--read-only``,
   ``--token-file``);
2. environment: ``$DAGTOP_TOKEN`` (the token), ``$DAGTOP_PROFILE`` (the profile name);
3. dagtop's ``[profiles.NAME]``;
4. the Snowflake connection ``NAME``.

The name is ``-c NAME``, else ``$DAGTOP_PROFILE``, else dagtop's ``default_profile``, else the Snowflake
default connection (``$SNOWFLAKE_DEFAULT_CONNECTION_NAME``, then ``default_connection_name``, then a
connection called "default" if there is one). ``--url``/``--backend`` without a name make an ad hoc
profile that borrows nothing from any file. With no name and nothing configured, ``resolve_profile``
returns ``None``: the console then starts the sandbox.

Every problem is a ``ConfigError`` whose message names the file and the key.
"""

from tui.config.arguments import add_connection_arguments
from tui.config.model import Profile, Settings
from tui.config.resolve import load_settings, profile_names, resolve_profile, sandbox_profile

__all__ = [
    "Profile",
    "Settings",
    "add_connection_arguments",
    "load_settings",
    "profile_names",
    "resolve_profile",
    "sandbox_profile",
]
