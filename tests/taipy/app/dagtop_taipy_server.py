"""The test Taipy REST server: ``python dagtop_taipy_server.py PORT STORAGE [--bare-errors]``.

Runs in the Taipy venv (never the project's), started with setsid by tests/taipy/servers.py and stopped by
killing its process group (standalone workers and the resource tracker included). The configuration:

- ``pipeline`` (daily cycle): generate -> raw -> double (slow) -> doubled -> total -> result, with the
  sequence ``head`` = generate, double;
- ``failing``: generate -> raw -> boom (raises) -> broken -> after -> counted; ``after`` is ABANDONED;
- ``actions``: prep -> a -> slow (slow) -> b -> last -> c, with the sequence ``start`` = prep: task configs
  of its own, for the tests that submit and cancel (their jobs never mix with the other scenarios');
- ``hostile``: generate -> raw -> evil, which raises an exception full of markup and terminal escapes.

``--bare-errors`` leaves Flask's PROPAGATE_EXCEPTIONS off, as Taipy ships: every error is then a bare 500
``{"message": "Internal Server Error"}`` (REAL_SERVERS.md gotcha 1).
"""

from __future__ import annotations

import sys


def configure(storage: str) -> None:
    import dagtop_taipy_funcs as f
    from taipy.common.config import Config, Frequency, Scope

    Config.configure_core(
        root_folder=storage, storage_folder=f"{storage}/user_data", taipy_storage_folder=f"{storage}/.taipy"
    )
    Config.configure_job_executions(mode="standalone", max_nb_of_workers=2)
    raw, doubled, result, broken, counted, a, b, c, spoilt = (
        Config.configure_pickle_data_node(name, scope=Scope.SCENARIO)
        for name in ("raw", "doubled", "result", "broken", "counted", "a", "b", "c", "spoilt")
    )
    generate = Config.configure_task("generate", f.generate, [], raw)
    double = Config.configure_task("double", f.double, raw, doubled)
    total = Config.configure_task("total", f.total, doubled, result)
    boom = Config.configure_task("boom", f.boom, raw, broken)
    after = Config.configure_task("after", f.after, broken, counted)
    Config.configure_scenario(
        "pipeline",
        task_configs=[generate, double, total],
        frequency=Frequency.DAILY,
        sequences={"head": [generate, double]},
    )
    Config.configure_scenario("failing", task_configs=[generate, boom, after])
    prep = Config.configure_task("prep", f.generate, [], a)
    slow = Config.configure_task("slow", f.double, a, b)
    last = Config.configure_task("last", f.total, b, c)
    Config.configure_scenario("actions", task_configs=[prep, slow, last], sequences={"start": [prep]})
    hostile = Config.configure_task("evil", f.evil, raw, spoilt)
    Config.configure_scenario("hostile", task_configs=[generate, hostile])


def main(argv: list[str]) -> None:
    port, storage = int(argv[0]), argv[1]
    bare = "--bare-errors" in argv
    sys.argv = sys.argv[:1]  # Taipy parses the command line itself
    configure(storage)
    from taipy.core import Orchestrator
    from taipy.rest import Rest

    rest = Rest()
    rest._app.config["PROPAGATE_EXCEPTIONS"] = not bare  # errors as 400/404 with Taipy's message
    Orchestrator().run()  # the job dispatcher: without it submissions never run
    rest.run(host="127.0.0.1", port=port, debug=False, use_reloader=False, threaded=True)


# The guard is required: standalone workers re-import this script (REAL_SERVERS.md gotcha 10).
if __name__ == "__main__":
    main(sys.argv[1:])
