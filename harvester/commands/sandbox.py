"""``scrapy sandbox``: the local gateway sandbox, configured by the project's ``OPEN1688_SANDBOX_*`` settings.

The same flags as ``python -m harvester.sandbox`` override the settings. The
sandbox runs in the reactor the project configures (``TWISTED_REACTOR``,
the asyncio one by default), the same kind a crawl embeds it in.
"""

from __future__ import annotations

import argparse

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError
from scrapy.utils.reactor import install_reactor

from harvester.sandbox import cli
from harvester.sandbox.config import ConfigError, SandboxConfig


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False

    def syntax(self) -> str:
        return "[--port N] [--json] [--seed N] [--offers N] [--qps N] [--budget N] [--faults JSON] ..."

    def short_desc(self) -> str:
        return "Run the local 1688 gateway sandbox until stopped"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        cli.add_arguments(parser)

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if args:
            raise UsageError(f"unexpected arguments: {' '.join(args)}")
        assert self.settings is not None
        try:
            config = cli.config_from_arguments(opts, SandboxConfig.from_settings(self.settings))
        except (ConfigError, ValueError) as error:
            raise UsageError(str(error), print_help=False) from None
        if self.settings.get("TWISTED_REACTOR"):
            install_reactor(self.settings["TWISTED_REACTOR"])
        cli.serve(config, opts.port, opts.interface, opts.json)
