"""The doctor's checks that need no gateway: clock skew arithmetic, credentials wording, Redis URLs, folders."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from harvester.checks import doctor
from harvester.checks.doctor import Status

GATEWAY_TIME = datetime(2026, 1, 1, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    "local_offset,status,words",
    [
        (0.7, Status.OK, "within 0.5 s"),
        (0.2, Status.OK, "within 0.5 s"),
        (45.5, Status.OK, "within 45.0 s"),
        (90.5, Status.WARN, "the local clock is 90 s ahead of the gateway's"),
        (-120, Status.WARN, "the local clock is 120 s behind the gateway's"),
    ],
)
def test_clock_skew_allows_for_the_gateways_whole_seconds(local_offset, status, words):
    result = doctor.clock_skew(GATEWAY_TIME + timedelta(seconds=local_offset), GATEWAY_TIME, max_skew=60)
    assert result.status is status and words in result.message
    if status is Status.WARN:
        assert "OPEN1688_MAX_CLOCK_SKEW=60" in result.message and "NTP" in result.message


def test_credentials_name_each_missing_piece():
    result = doctor.credentials(["OPEN1688_APP_KEY", "OPEN1688_APP_SECRET"], False, "/t.json")
    assert result.status is Status.FAIL
    assert result.line() == (
        "FAIL  credentials: OPEN1688_APP_KEY and OPEN1688_APP_SECRET not set: export them from "
        "the 1688 open platform console; no access token (none in OPEN1688_ACCESS_TOKEN or "
        "/t.json): run `scrapy auth`"
    )
    assert doctor.credentials([], True, "/t.json").status is Status.OK


def test_redis_urls():
    assert doctor.redis_server(None).status is Status.SKIP
    bad = doctor.redis_server("http://127.0.0.1:6379")
    assert bad.status is Status.FAIL and "is not a Redis URL" in bad.message


@pytest.mark.redis
def test_a_redis_that_refuses_ping_is_said_to_refuse_not_to_be_unreachable(redis_server, redis_prefix):
    admin = redis_server.client()
    user = f"{redis_prefix}-doctor"
    admin.acl_setuser(user, enabled=True, passwords=["+pw"], commands=["-@all", "+auth", "+hello"])
    try:
        result = doctor.redis_server(redis_server.url.replace("redis://", f"redis://{user}:pw@"))
    finally:
        admin.acl_deluser(user)
        admin.close()
    assert result.status is Status.FAIL
    assert result.message.startswith(f"Redis at REDIS_URL=redis://{user}:***@"), result.message
    assert "refused a command (NoPermissionError: " in result.message and "cannot reach" not in result.message


def test_data_dir_is_created_and_left_empty(tmp_path):
    result = doctor.data_dir(str(tmp_path / "new" / "data"))
    assert result.status is Status.OK
    assert list((tmp_path / "new" / "data").iterdir()) == []
