"""``scrapy auth``: authorise the app for a 1688 account, keep the tokens, and show which APIs it may call.

The user's first contact with real credentials: every way it can go wrong
(a missing secret, a code pasted twice or too late, an API not granted)
ends in one line that says what to do, and the probe at the end turns the
console's ACL settings into a list of names to request, before any crawl.

    scrapy auth                       # prints the authorisation URL, reads the code (or the redirected URL)
    scrapy auth --code CODE_OR_URL    # non-interactive
    scrapy auth --refresh             # a new access token now
    scrapy auth --postpone            # extend the refresh token in its last 30 days
"""

from __future__ import annotations

import argparse
import secrets
import sys
from datetime import UTC, datetime

import requests
from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from ..crawl import exitcodes
from ..exceptions import ConfigurationError
from ..gateway.redaction import protect
from ..open1688 import oauth
from ..open1688.outcomes import Action, GatewayError, Outcome
from ..open1688.probes import probe
from . import fail
from ._app import FROM_ENVIRONMENT, App

#: Probe outcomes that mean the app or token is wrong, not just an API missing from the grant.
_BROKEN = (Action.FATAL, Action.REFRESH_TOKEN, Action.STOP)


def when(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if moment else "at an unknown time"


def explain(outcome: Outcome, *, granting: str) -> str:
    """An OAuth refusal in words: ``granting`` is what was being exchanged (code or refresh token)."""
    document = outcome.document if isinstance(outcome.document, dict) else {}
    detail = (
        f"{outcome.code}: {document.get('error_description')}" if document.get("error_description") else outcome.code
    )
    if outcome.code == "invalid_client":
        return f"the gateway refused the app key and secret ({detail}): check OPEN1688_APP_KEY and OPEN1688_APP_SECRET"
    if outcome.code == "invalid_grant" and granting == "code":
        return (
            f"the gateway refused the authorisation code ({detail}): a code works once and for about "
            "2 minutes; run `scrapy auth` again and paste the new one"
        )
    if outcome.code == "invalid_grant":
        return f"the gateway refused the refresh token ({detail}): run `scrapy auth` to authorise again"
    return outcome.message


class Command(ScrapyCommand):
    requires_project = True
    requires_crawler_process = False

    def syntax(self) -> str:
        return "[--code CODE_OR_URL] [--redirect-uri URI] [--no-probe] | --refresh | --postpone"

    def short_desc(self) -> str:
        return "Authorise the app (OAuth), store the tokens, and list the APIs it may call"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        super().add_options(parser)
        parser.add_argument(
            "--code",
            help="the authorisation code, or the whole URL the browser was sent to "
            "(default: read it from standard input)",
        )
        parser.add_argument(
            "--redirect-uri",
            help="callback registered for the app in the 1688 console (default: OPEN1688_REDIRECT_URI)",
        )
        parser.add_argument("--no-probe", action="store_true", help="do not try each product API afterwards")
        parser.add_argument("--refresh", action="store_true", help="refresh the access token now")
        parser.add_argument(
            "--postpone", action="store_true", help="extend the refresh token (accepted in its last 30 days)"
        )

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if args:
            raise UsageError(f"unexpected arguments: {' '.join(args)}", print_help=False)
        if opts.refresh and opts.postpone:
            raise UsageError("give --refresh or --postpone, not both", print_help=False)
        if (opts.refresh or opts.postpone) and opts.code:
            raise UsageError("--code authorises anew; it does not go with --refresh or --postpone", print_help=False)
        assert self.settings is not None
        app = App.from_settings(self.settings)
        try:
            app.require_credentials()
            if opts.refresh:
                self.exitcode = self._refresh(app)
            elif opts.postpone:
                self.exitcode = self._postpone(app)
            else:
                redirect_uri = opts.redirect_uri or self.settings.get("OPEN1688_REDIRECT_URI")
                self.exitcode = self._authorise(app, redirect_uri, opts.code, probe_apis=not opts.no_probe)
        except ConfigurationError as error:
            fail(str(error))
            self.exitcode = exitcodes.USAGE
        except requests.RequestException as error:
            fail(f"cannot reach {app.gateway} ({type(error).__name__}): check OPEN1688_GATEWAY and the network")
            self.exitcode = exitcodes.ERROR

    # --- the three jobs -----------------------------------------------------------

    def _authorise(self, app: App, redirect_uri: str, given: str | None, *, probe_apis: bool) -> int:
        if given is None:
            state = secrets.token_urlsafe(12)
            url = oauth.authorize_url(app.app_key, redirect_uri, state, base=oauth.authorize_base_for(app.gateway))
            print("Open this address in a browser, sign in with the 1688 account to harvest for, and approve:")
            print(f"    {url}")
            print("Then paste the code, or the whole address the browser was sent to, and press Enter:", flush=True)
            given = sys.stdin.readline()
        else:
            state = None
        try:
            code = oauth.code_from_input(given, expected_state=state)
        except ValueError as error:
            raise ConfigurationError(str(error)) from None
        try:
            tokens = self._oauth(app).exchange_code(code, redirect_uri)
        except GatewayError as error:
            fail(explain(error.outcome, granting="code"))
            return exitcodes.ERROR
        self._save(app, tokens, "Authorised")
        return self._probe(app, tokens) if probe_apis else exitcodes.OK

    def _refresh(self, app: App) -> int:
        tokens = self._stored(app)
        try:
            fresh = self._oauth(app).refresh(tokens)
        except GatewayError as error:
            fail(explain(error.outcome, granting="refresh token"))
            return exitcodes.ERROR
        except ValueError as error:  # no refresh token to refresh with
            raise ConfigurationError(str(error)) from None
        self._save(app, fresh, "Refreshed")
        return exitcodes.OK

    def _postpone(self, app: App) -> int:
        tokens = self._stored(app)
        if not tokens.refresh_token:
            raise ConfigurationError("there is no refresh token to postpone: run `scrapy auth`")
        if tokens.refresh_expires_at is not None and not tokens.can_postpone():
            opens = tokens.refresh_expires_at - oauth.POSTPONE_WINDOW
            print(
                f"Nothing to do yet: the refresh token lasts until {when(tokens.refresh_expires_at)}, "
                f"and the gateway postpones it only in its last 30 days (from {when(opens)})."
            )
            return exitcodes.OK
        try:
            postponed = self._oauth(app).postpone(tokens)
        except GatewayError as error:
            fail(explain(error.outcome, granting="refresh token"))
            return exitcodes.ERROR
        self._save(app, postponed, "Postponed")
        return exitcodes.OK

    # --- parts --------------------------------------------------------------------

    @staticmethod
    def _oauth(app: App) -> oauth.OAuthClient:
        return oauth.OAuthClient(app.gateway, app.app_key, app.app_secret)

    @staticmethod
    def _stored(app: App) -> oauth.Tokens:
        tokens, source = app.tokens()
        if tokens is None:
            raise ConfigurationError(f"no tokens in {source}: run `scrapy auth` first")
        return tokens

    @staticmethod
    def _save(app: App, tokens: oauth.Tokens, done: str) -> None:
        protect([tokens.access_token, tokens.refresh_token or ""])
        app.token_file.save(tokens)
        print(f"{done}: tokens saved to {app.token_file.path} (readable only by you).")
        print(
            f"  access token expires {when(tokens.access_expires_at)}; "
            f"refresh token expires {when(tokens.refresh_expires_at)}"
        )
        if app.given_tokens is not None:
            print(
                f"  note: {FROM_ENVIRONMENT}/OPEN1688_REFRESH_TOKEN are set and win over the token file; "
                "unset them to use these tokens"
            )

    @staticmethod
    def _probe(app: App, tokens: oauth.Tokens) -> int:
        """One cheap call to each product API; ACL refusals are reported, not failed on."""
        print("Product APIs this app may call (one call each):")
        client = app.client(tokens, retries=1, token_file=app.token_file)
        denied, broken = [], []
        for result in probe(client):
            name = result.endpoint.qualified_name
            if result.allowed:
                print(f"  ok      {name}")
            elif result.denied:
                denied.append(name)
                print(f"  DENIED  {name}  (gw.APIACLDecline)")
            else:
                print(f"  ?       {name}  ({result.outcome.message})")
                if result.outcome.action in _BROKEN:
                    broken.append(result.outcome.message)
        if denied:
            print(
                f"Not granted: {', '.join(denied)}. Request them for app key {app.app_key} in the 1688 open "
                "platform console (API permissions); until then crawls that need them stop with gw.APIACLDecline."
            )
        if broken:
            fail(broken[0])
            return exitcodes.ERROR
        return exitcodes.OK
