"""``scrapy doctor``: check a configuration end to end, one line per check, before a crawl finds out.

Exit status 1 when any check failed (warnings do not count). With no app key
a crawl runs on the built-in sandbox, so the doctor starts one and checks
that instead, saying so.
"""

from __future__ import annotations

import argparse
import os
from datetime import UTC, datetime

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError
from scrapy.settings import SETTINGS_PRIORITIES

from ..checks import doctor
from ..checks.doctor import Result, Status
from ..crawl import exitcodes
from ..exceptions import ConfigurationError
from ..gateway.redaction import redact
from ..open1688.credentials import credential
from ..open1688.oauth import Tokens
from ..sandbox.process import SandboxProcess
from ._app import App


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False

    def syntax(self) -> str:
        return ""

    def short_desc(self) -> str:
        return "Check credentials, gateway, signature, token, clock, Redis and the data folder"

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if args:
            raise UsageError(f"unexpected arguments: {' '.join(args)}", print_help=False)
        assert self.settings is not None
        results = doctor.settings(self.settings)
        if any(result.status is Status.FAIL for result in results):
            # A wrong guard setting may be the gateway itself: no call until the settings are right.
            results += [
                Result(Status.SKIP, name, "not checked: fix the settings above first")
                for name in ("credentials", "gateway", "signature", "clock", "token", "redis", "data dir")
            ]
        else:
            results += self._check_configured()
        for result in results:
            print(redact(result.line()))
        failed = [result.check for result in results if result.status is Status.FAIL]
        names = ", ".join(dict.fromkeys(failed))
        print(f"{len(failed)} check(s) failed: {names}" if failed else "All checks passed.")
        self.exitcode = exitcodes.ERROR if failed else exitcodes.OK

    def _check_configured(self) -> list[Result]:
        assert self.settings is not None
        app = App.from_settings(self.settings)
        results = self._check_sandbox() if app.on_sandbox else self._check_app(app)
        return results + [
            doctor.redis_server(self._redis_url()),
            doctor.data_dir(self.settings.get("HARVEST_DATA_DIR"), self.settings),
        ]

    def _check_app(self, app: App) -> list[Result]:
        try:
            tokens, source = app.tokens()
        except ConfigurationError as error:
            return [
                Result(Status.FAIL, "credentials", str(error)),
                *[
                    Result(Status.SKIP, name, "not checked: no usable token file")
                    for name in ("gateway", "signature", "clock", "token")
                ],
            ]
        results = [doctor.credentials(app.missing_credentials(), tokens is not None, source)]
        if tokens is not None and source == str(app.token_file.path):
            results += filter(None, [doctor.token_file_mode(app.token_file)])
        if app.missing_credentials():
            return results + [
                Result(Status.SKIP, name, "not checked: no credentials")
                for name in ("gateway", "signature", "clock", "token")
            ]
        return results + self._check_remote(app, tokens, source)

    def _check_sandbox(self) -> list[Result]:
        """What a crawl without an app key would use: a sandbox of the configured seed, started for the check."""
        assert self.settings is not None
        seed, offers = self.settings.getint("OPEN1688_SANDBOX_SEED"), self.settings.getint("OPEN1688_SANDBOX_OFFERS")
        with SandboxProcess(arguments=("--seed", str(seed), "--offers", str(offers))) as sandbox:
            demo = sandbox.credentials
            assert demo is not None
            app = App(
                gateway=sandbox.base_url,
                app_key=demo.app_key,
                app_secret=demo.app_secret,
                token_file=App.from_settings(self.settings).token_file,
                given_tokens=None,
            )
            first = Result(
                Status.OK,
                "credentials",
                f"none set (OPEN1688_APP_KEY unset): a crawl would use the built-in sandbox (seed {seed}); "
                f"checking one started for this at {sandbox.base_url}",
            )
            tokens = Tokens(demo.access_token, demo.refresh_token)
            return [first, *self._check_remote(app, tokens, "the sandbox")]

    def _check_remote(self, app: App, tokens: Tokens | None, source: str) -> list[Result]:
        """Gateway, signature and clock from one currentTime call; then the token, with one business call."""
        assert self.settings is not None
        client = app.client(doctor.without_refresh(tokens) if tokens else None, retries=0)
        reached = doctor.gateway(client, max_skew=self.settings.getfloat("OPEN1688_MAX_CLOCK_SKEW"))
        if tokens is None:
            return [*reached.results, Result(Status.SKIP, "token", "not checked: no token (run `scrapy auth`)")]
        if not reached.accepted:
            return [
                *reached.results,
                Result(Status.SKIP, "token", "not checked: the gateway did not accept the app (see above)"),
            ]
        return [*reached.results, *doctor.token(client, tokens, source, datetime.now(UTC))]

    def _redis_url(self) -> str | None:
        """The Redis a crawl would use: when distributed mode is on, or ``REDIS_URL`` was given on purpose.

        ``REDIS_URL`` has a default (for ``--distributed``); only one given with ``-s`` or in the
        environment (where a URL holding a password belongs) counts as configuring Redis by itself.
        """
        assert self.settings is not None
        given = (self.settings.getpriority("REDIS_URL") or 0) > SETTINGS_PRIORITIES["project"]
        if given or os.environ.get("REDIS_URL") or self.settings.getbool("HARVEST_DISTRIBUTED"):
            return credential(self.settings, "REDIS_URL")
        return None
