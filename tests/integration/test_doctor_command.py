"""``scrapy doctor`` as a user runs it, against the sandbox: one line per check, failures named, exit status."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from harvester.open1688.oauth import TokenFile, Tokens
from harvester.sandbox.process import SandboxProcess
from tests.support.crawls import PATIENCE

from .commands import closed_port, environment, scrapy

pytestmark = pytest.mark.e2e


def doctor(
    sandbox: SandboxProcess | None, home: Path, *arguments: str, **variables: str | None
) -> tuple[int, dict[str, str]]:
    """Exit status and each check's line (``STATUS  check: message``) keyed by check name."""
    base: dict[str, str | None] = {}
    if sandbox is not None:
        assert sandbox.credentials is not None
        base = {
            "OPEN1688_GATEWAY": sandbox.base_url,
            "OPEN1688_APP_KEY": sandbox.credentials.app_key,
            "OPEN1688_APP_SECRET": sandbox.credentials.app_secret,
            "OPEN1688_ACCESS_TOKEN": sandbox.credentials.access_token,
        }
    merged = {k: v for k, v in {**base, **variables}.items() if v is not None}
    done = scrapy("doctor", "-s", f"HARVEST_DATA_DIR={home / 'data'}", *arguments, env=environment(home, **merged))
    assert done.stderr == "", done.stderr
    checks = {}
    for line in done.stdout.splitlines()[:-1]:
        status, rest = line.split(None, 1)
        checks[rest.split(":", 1)[0]] = f"{status} {rest.split(': ', 1)[1]}"
    return done.returncode, checks


def test_a_good_configuration_passes_every_check(sandbox, tmp_path):
    status, checks = doctor(sandbox, tmp_path)
    assert status == 0, checks
    assert list(checks) == ["settings", "credentials", "gateway", "signature", "clock", "token", "redis", "data dir"]
    assert checks["signature"] == "OK accepted (system.currentTime)"
    assert checks["token"].startswith("OK accepted by com.alibaba.fenxiao.crossborder:product.search.keywordQuery-1")
    assert checks["redis"].startswith("SKIP not configured")
    assert checks["data dir"] == f"OK {tmp_path / 'data'} is writable"
    assert not any((tmp_path / "data").iterdir()), "the probe file is removed"


def test_without_an_app_key_it_checks_the_built_in_sandbox(tmp_path):
    status, checks = doctor(None, tmp_path)
    assert status == 0, checks
    assert (
        "a crawl would use the built-in sandbox (seed 1688); checking one started for this at http://127.0.0.1:"
        in checks["credentials"]
    )
    assert checks["token"].startswith("OK accepted by")


def test_a_wrong_secret_is_a_rejected_signature(sandbox, tmp_path):
    status, checks = doctor(sandbox, tmp_path, OPEN1688_APP_SECRET="sandbox-not-the-secret")
    assert status == 1
    assert checks["gateway"].startswith("OK")
    assert checks["signature"].startswith("FAIL signature rejected: check OPEN1688_APP_SECRET")
    assert checks["token"].startswith("SKIP")


def test_an_unknown_app_key_is_named(sandbox, tmp_path):
    status, checks = doctor(sandbox, tmp_path, OPEN1688_APP_KEY="7777777")
    assert status == 1
    assert checks["signature"] == (
        "FAIL the gateway does not know app key 7777777 (gw.AppKeyNotExist): check OPEN1688_APP_KEY"
    )


def test_missing_credentials_are_named_and_the_rest_skipped(sandbox, tmp_path):
    status, checks = doctor(sandbox, tmp_path, OPEN1688_APP_KEY=None, OPEN1688_ACCESS_TOKEN=None)
    assert status == 1
    assert checks["credentials"] == (
        "FAIL OPEN1688_APP_KEY not set: export it from the 1688 open platform console; no access token (none in "
        f"OPEN1688_ACCESS_TOKEN or {tmp_path}/.config/harvester/token.json): run `scrapy auth`"
    )
    assert all(checks[name].startswith("SKIP") for name in ("gateway", "signature", "clock", "token"))


def test_an_unreachable_gateway(sandbox, tmp_path):
    with closed_port() as port:
        status, checks = doctor(sandbox, tmp_path, OPEN1688_GATEWAY=f"http://127.0.0.1:{port}")
    assert status == 1
    assert checks["gateway"] == (
        f"FAIL cannot reach http://127.0.0.1:{port} (ConnectionError); check OPEN1688_GATEWAY and the network"
    )


def test_an_expired_token_is_reported_not_refreshed(sandbox, tmp_path):
    sandbox.admin.expire_tokens()
    status, checks = doctor(sandbox, tmp_path)
    assert status == 1
    assert checks["token"] == (
        "FAIL the access token was rejected (expired or revoked): run `scrapy auth --refresh`, "
        "or `scrapy auth` if that fails"
    )
    assert "getToken" not in sandbox.admin.stats()["calls_by_api"], "the doctor does not refresh"


def test_an_api_not_granted_is_named_and_the_token_checked_with_the_next(sandbox, tmp_path):
    sandbox.admin.config(acl_deny=["product.search.keywordQuery"])
    status, checks = doctor(sandbox, tmp_path)
    assert status == 0, checks
    assert checks["token"].startswith(  # the next API probed: the search navigation a split may need
        "OK accepted by com.alibaba.fenxiao.crossborder:product.search.keywordSNQuery-1"
    )
    assert checks["APIs"] == (
        "WARN not granted to this app: com.alibaba.fenxiao.crossborder:"
        "product.search.keywordQuery-1; request them in the 1688 console "
        "(`scrapy auth` lists every API)"
    )


def test_a_token_file_with_an_expiry_and_a_loose_mode(sandbox, tmp_path):
    assert sandbox.credentials is not None
    token_file = TokenFile(tmp_path / "token.json")
    token_file.save(
        Tokens(
            sandbox.credentials.access_token,
            sandbox.credentials.refresh_token,
            access_expires_at=datetime(2099, 1, 1, tzinfo=UTC),
        )
    )
    os.chmod(token_file.path, 0o644)
    status, checks = doctor(
        sandbox, tmp_path, "-s", f"OPEN1688_TOKEN_FILE={token_file.path}", OPEN1688_ACCESS_TOKEN=None
    )
    assert status == 0, checks
    assert checks["credentials"] == f"OK app key, secret and tokens present (tokens from {token_file.path})"
    assert checks["token file"] == f"WARN {token_file.path} has mode 644: run `chmod 600 {token_file.path}`"
    assert "expires 2099-01-01 00:00 UTC" in checks["token"]


def test_an_unwritable_data_dir(sandbox, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    status, checks = doctor(sandbox, tmp_path, "-s", f"HARVEST_DATA_DIR={blocker}/data")
    assert status == 1
    assert checks["data dir"] == (
        f"FAIL HARVEST_DATA_DIR={blocker}/data is not writable (Not a directory): "
        "choose a folder you can write to (-s HARVEST_DATA_DIR=PATH)"
    )


def test_an_unreachable_redis(sandbox, tmp_path):
    with closed_port() as port:
        status, checks = doctor(
            sandbox, tmp_path, "-s", f"REDIS_URL=redis://:sandbox-redis-password@127.0.0.1:{port}/0"
        )
    assert status == 1
    assert checks["redis"].startswith(f"FAIL cannot reach redis://:***@127.0.0.1:{port}/0 (ConnectionError: ")
    assert checks["redis"].endswith("start Redis or fix REDIS_URL")


@pytest.fixture
def redis_socket(tmp_path: Path) -> Iterator[Path]:
    """A private redis-server on a Unix socket: no port to race for, nothing kept on disk."""
    server = shutil.which("redis-server")
    assert server, "redis-server must be on PATH (see README: what the test machine needs)"
    socket_path = tmp_path / "redis.sock"
    process = subprocess.Popen(
        [
            server,
            "--port",
            "0",
            "--unixsocket",
            str(socket_path),
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    for line in process.stdout:
        if "ready to accept connections" in line.lower():
            break
    assert socket_path.exists(), "redis-server stopped before it was ready"
    try:
        yield socket_path
    finally:
        process.terminate()
        process.wait(timeout=PATIENCE)
        process.stdout.close()


@pytest.mark.redis
def test_a_reachable_redis(sandbox, tmp_path, redis_socket):
    status, checks = doctor(sandbox, tmp_path, REDIS_URL=f"unix://{redis_socket}")
    assert status == 0, checks
    assert checks["redis"] == f"OK unix://{redis_socket} answers PING"
