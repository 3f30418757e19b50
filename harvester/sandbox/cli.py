"""Running a sandbox from a command line: ``python -m harvester.sandbox`` and ``scrapy sandbox``.

Both read the same flags over a base configuration (defaults, or the
project's ``OPEN1688_SANDBOX_*`` settings for the Scrapy command), print the
base URL and demo credentials (one JSON line with ``--json``, for test
fixtures and benchmarks to read) and serve until killed.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from collections.abc import Sequence
from typing import Any, TextIO

from ..crawl import steady_gc
from .config import ConfigError, SandboxConfig
from .server import RunningSandbox, start_sandbox

#: Flag -> SandboxConfig field.
_FLAGS = {
    "seed": int,
    "offers": int,
    "qps": float,
    "budget": int,
    "search_cap": int,
    "epoch": int,
    "drift_share": float,
    "detail_batch_max": int,
    "image_host": str,
    "video_host": str,
    "app_key": str,
    "app_secret": str,
    "access_token": str,
    "refresh_token": str,
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", type=int, default=8688, help="TCP port (0 = any free port; default 8688)")
    parser.add_argument("--interface", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    for name, kind in _FLAGS.items():
        parser.add_argument(f"--{name.replace('_', '-')}", dest=name, type=kind, default=None)
    parser.add_argument("--faults", default=None, help='fault injection as JSON, e.g. {"server_error":0.05,"seed":7}')
    parser.add_argument("--config", default=None, help="any SandboxConfig fields as a JSON object")
    parser.add_argument("--json", action="store_true", help="print one JSON line (base URL, credentials) and serve")


def config_from_arguments(arguments: argparse.Namespace, base: SandboxConfig | None = None) -> SandboxConfig:
    values: dict[str, Any] = {**(base or SandboxConfig()).to_dict(), **(base or SandboxConfig()).credentials()}
    if arguments.config:
        values.update(json.loads(arguments.config))
    values.update({name: getattr(arguments, name) for name in _FLAGS if getattr(arguments, name) is not None})
    if arguments.faults:
        values["faults"] = json.loads(arguments.faults)
    return SandboxConfig.from_dict(values)


def announce(sandbox: RunningSandbox, reactor_name: str, as_json: bool, out: TextIO) -> None:
    config = sandbox.gateway.config
    if as_json:
        line = {
            "base_url": sandbox.base_url,
            "port": sandbox.port,
            "seed": config.seed,
            "offers": config.offers,
            "reactor": reactor_name,
            **dataclasses.asdict(sandbox.credentials),
        }
        out.write(json.dumps(line) + "\n")
    else:
        c = sandbox.credentials
        out.write(
            f"harvester sandbox gateway: {sandbox.base_url}  (seed {config.seed}, {config.offers:,} offers,"
            f" {reactor_name})\n"
            f"  OPEN1688_GATEWAY={sandbox.base_url}\n"
            f"  OPEN1688_APP_KEY={c.app_key}\n"
            f"  OPEN1688_APP_SECRET={c.app_secret}\n"
            f"  OPEN1688_ACCESS_TOKEN={c.access_token}\n"
            f"  OPEN1688_REFRESH_TOKEN={c.refresh_token}\n"
            f"  admin: {sandbox.base_url}/_sandbox/stats   (Ctrl-C to stop)\n"
        )
    out.flush()


def serve(config: SandboxConfig, port: int, interface: str, as_json: bool, out: TextIO = sys.stdout) -> None:
    """Start in the installed reactor (installing the default one if none is) and run until stopped."""
    from twisted.internet import reactor

    sandbox = start_sandbox(config, port=port, interface=interface, reactor=reactor)
    kind = type(reactor)
    announce(sandbox, f"{kind.__module__}.{kind.__qualname__}", as_json, out)
    # A gateway that pauses for a full collection bunches the calls that arrive meanwhile and counts them
    # in one second: the sandbox must not throttle a client for its own pauses.
    steady_gc.settle()
    reactor.run()  # type: ignore[attr-defined]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m harvester.sandbox", description="Run the local 1688 gateway sandbox."
    )
    add_arguments(parser)
    arguments = parser.parse_args(argv)
    try:
        config = config_from_arguments(arguments)
    except (ConfigError, ValueError) as error:
        parser.error(str(error))
    serve(config, arguments.port, arguments.interface, arguments.json)
    return 0
