"""``scrapy auth`` as a user runs it, against the sandbox's OAuth: the flow, the token file, the probes, mistakes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from harvester.open1688.client import Client
from harvester.open1688.oauth import TokenFile
from harvester.sandbox.process import SandboxProcess
from tests.support.crawls import PATIENCE

from .commands import ROOT, environment, last_line, scrapy

pytestmark = pytest.mark.e2e
REDIRECT_URI = "http://127.0.0.1:8765/callback"


@pytest.fixture
def token_path(tmp_path: Path) -> Path:
    return tmp_path / "config" / "token.json"


def env_for(sandbox: SandboxProcess, home: Path, **changes: str) -> dict[str, str]:
    assert sandbox.credentials is not None
    variables = {
        "OPEN1688_GATEWAY": sandbox.base_url,
        "OPEN1688_APP_KEY": sandbox.credentials.app_key,
        "OPEN1688_APP_SECRET": sandbox.credentials.app_secret,
        **changes,
    }
    return environment(home, **{k: v for k, v in variables.items() if v is not None})


def approve(sandbox: SandboxProcess, redirect_uri: str = REDIRECT_URI, state: str = "s") -> str:
    """The browser step: the sandbox approves at once; the address it redirects to holds the code."""
    assert sandbox.credentials is not None
    answer = requests.get(
        f"{sandbox.base_url}/oauth/authorize",
        allow_redirects=False,
        timeout=30,
        params={"client_id": sandbox.credentials.app_key, "site": "1688", "redirect_uri": redirect_uri, "state": state},
    )
    assert answer.status_code == 302
    return answer.headers["Location"]


def auth(
    env: dict[str, str], token_path: Path, *arguments: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return scrapy("auth", "-s", f"OPEN1688_TOKEN_FILE={token_path}", *arguments, env=env, stdin=stdin)


def test_interactive_auth_saves_the_tokens_0600_and_probes_every_api(sandbox, tmp_path, token_path):
    process = subprocess.Popen(
        [sys.executable, "-m", "scrapy", "auth", "-s", f"OPEN1688_TOKEN_FILE={token_path}"],
        cwd=ROOT,
        env=env_for(sandbox, tmp_path),
        text=True,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None and process.stdin is not None
    url = ""
    for line in process.stdout:
        if "/oauth/authorize?" in line:
            url = line.strip()
        if line.startswith("Then paste"):
            break
    assert url.startswith(f"{sandbox.base_url}/oauth/authorize?")
    assert "redirect_uri=http%3A%2F%2F127.0.0.1%3A8765" in url
    browser = requests.get(url, allow_redirects=False, timeout=30)
    out, err = process.communicate(browser.headers["Location"] + "\n", timeout=PATIENCE)
    assert process.returncode == 0, err
    assert os.stat(token_path).st_mode & 0o777 == 0o600
    assert f"Authorised: tokens saved to {token_path}" in out
    assert out.count("\n  ok      ") == 6 and "DENIED" not in out
    tokens = TokenFile(token_path).load()
    assert tokens is not None and tokens.refresh_token and tokens.access_expires_at is not None
    assert tokens.access_token not in out + err and tokens.refresh_token not in out + err
    assert sandbox.credentials is not None
    client = Client(sandbox.base_url, sandbox.credentials.app_key, sandbox.credentials.app_secret, tokens=tokens)
    assert client.keyword_search("毛笔", page_size=1)["totalRecords"] == 450


def test_an_api_the_app_may_not_call_is_named(sandbox, tmp_path, token_path):
    sandbox.admin.config(acl_deny=["product.search.keywordSNQuery", "product.image.upload"])
    done = auth(env_for(sandbox, tmp_path), token_path, "--code", approve(sandbox))
    assert done.returncode == 0, done.stderr
    assert (
        "  DENIED  com.alibaba.fenxiao.crossborder:product.search.keywordSNQuery-1  (gw.APIACLDecline)" in done.stdout
    )
    assert "  DENIED  com.alibaba.fenxiao.crossborder:product.image.upload-1  (gw.APIACLDecline)" in done.stdout
    assert "  ok      com.alibaba.fenxiao.crossborder:product.search.imageQuery-1" in done.stdout
    assert (
        "Not granted: com.alibaba.fenxiao.crossborder:product.search.keywordSNQuery-1, "
        "com.alibaba.fenxiao.crossborder:product.image.upload-1. Request them for app key"
    ) in done.stdout


def test_a_code_works_once(sandbox, tmp_path, token_path):
    env = env_for(sandbox, tmp_path)
    redirected = approve(sandbox)
    first = auth(env, token_path, "--code", redirected, "--no-probe")
    assert first.returncode == 0 and "Product APIs" not in first.stdout
    again = auth(env, token_path, "--code", redirected, "--no-probe")
    assert again.returncode == 1
    assert again.stderr == (
        "harvester: the gateway refused the authorisation code (invalid_grant: authorization code "
        "is invalid or was already used): a code works once and for about 2 minutes; run "
        "`scrapy auth` again and paste the new one\n"
    )


def test_a_wrong_secret_is_named(sandbox, tmp_path, token_path):
    done = auth(
        env_for(sandbox, tmp_path, OPEN1688_APP_SECRET="sandbox-not-the-secret"), token_path, "--code", approve(sandbox)
    )
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1 and "sandbox-not-the-secret" not in done.stderr
    assert last_line(done.stderr).endswith("check OPEN1688_APP_KEY and OPEN1688_APP_SECRET")
    assert not token_path.exists()


def test_an_unknown_app_key_is_named(sandbox, tmp_path, token_path):
    done = auth(env_for(sandbox, tmp_path, OPEN1688_APP_KEY="7777777"), token_path, "--code", "some-code")
    assert done.returncode == 1
    assert done.stderr == (
        "harvester: gw.AppKeyNotExist: the gateway does not accept this app key; check OPEN1688_APP_KEY\n"
    )


@pytest.mark.parametrize(
    "missing,message",
    [
        (("OPEN1688_APP_KEY",), "OPEN1688_APP_KEY is not set"),
        (("OPEN1688_APP_SECRET",), "OPEN1688_APP_SECRET is not set"),
        (("OPEN1688_APP_KEY", "OPEN1688_APP_SECRET"), "OPEN1688_APP_KEY and OPEN1688_APP_SECRET are not set"),
    ],
)
def test_missing_credentials_are_named(sandbox, tmp_path, token_path, missing, message):
    env = env_for(sandbox, tmp_path)
    for name in missing:
        del env[name]
    done = auth(env, token_path, "--code", "some-code")
    assert done.returncode == 2
    assert (
        done.stderr.startswith(f"harvester: {message}: export the app's credentials") and done.stderr.count("\n") == 1
    )


def test_no_code_on_standard_input(sandbox, tmp_path, token_path):
    done = auth(env_for(sandbox, tmp_path), token_path, stdin="")
    assert done.returncode == 2
    assert last_line(done.stderr) == (
        "harvester: no code given: paste the code, or the whole URL the browser was sent to"
    )


def test_a_pasted_address_from_another_session_is_refused(sandbox, tmp_path, token_path):
    done = auth(env_for(sandbox, tmp_path), token_path, stdin=approve(sandbox, state="elsewhere") + "\n")
    assert done.returncode == 2
    assert last_line(done.stderr).endswith("does not match this session; start `scrapy auth` again")


def test_refresh_replaces_the_access_token(sandbox, tmp_path, token_path):
    env = env_for(sandbox, tmp_path)
    missing = auth(env, token_path, "--refresh")
    assert missing.returncode == 2
    assert missing.stderr == f"harvester: no tokens in {token_path}: run `scrapy auth` first\n"
    assert auth(env, token_path, "--code", approve(sandbox), "--no-probe").returncode == 0
    before = json.loads(token_path.read_text())
    done = auth(env, token_path, "--refresh")
    assert done.returncode == 0 and done.stdout.startswith("Refreshed: tokens saved")
    after = json.loads(token_path.read_text())
    assert after["access_token"] != before["access_token"] and after["refresh_token"] == before["refresh_token"]
    assert os.stat(token_path).st_mode & 0o777 == 0o600


def test_postpone_waits_for_the_last_30_days_then_extends(sandbox, tmp_path, token_path):
    env = env_for(sandbox, tmp_path)
    assert auth(env, token_path, "--code", approve(sandbox), "--no-probe").returncode == 0
    early = auth(env, token_path, "--postpone")
    assert early.returncode == 0 and early.stdout.startswith("Nothing to do yet: the refresh token lasts until")

    sandbox.admin.config(refresh_token_lifetime=10 * 86_400)
    assert auth(env, token_path, "--code", approve(sandbox), "--no-probe").returncode == 0
    before = json.loads(token_path.read_text())
    sandbox.admin.config(refresh_token_lifetime=180 * 86_400)  # what a postponed token gets
    done = auth(env, token_path, "--postpone")
    assert done.returncode == 0 and done.stdout.startswith("Postponed: tokens saved"), done.stderr
    after = json.loads(token_path.read_text())
    assert after["refresh_token"] != before["refresh_token"]
    assert after["refresh_expires_at"] > before["refresh_expires_at"]


def test_refresh_and_postpone_together_is_a_usage_error(sandbox, tmp_path, token_path):
    done = auth(env_for(sandbox, tmp_path), token_path, "--refresh", "--postpone")
    assert done.returncode == 2 and "give --refresh or --postpone, not both" in done.stderr


def test_the_token_file_may_be_named_in_the_environment(sandbox, tmp_path, token_path):
    """As in a crawl: OPEN1688_TOKEN_FILE exported (not given with -s) is where auth keeps the tokens."""
    env = env_for(sandbox, tmp_path, OPEN1688_TOKEN_FILE=str(token_path))
    done = scrapy("auth", "--code", approve(sandbox), "--no-probe", env=env)
    assert done.returncode == 0, done.stderr
    assert json.loads(token_path.read_text())["access_token"]
    assert os.stat(token_path).st_mode & 0o777 == 0o600
