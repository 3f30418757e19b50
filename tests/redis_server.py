"""The test session's private redis-server (``tests.support.redis_server.RedisServer``) as pytest fixtures.

Each test gets its own key prefix (``redis_prefix``) and its keys are
deleted afterwards, so tests sharing the server cannot see each other's
queues, quotas or seen-sets. Without redis-server the fixture skips, and
conftest fails the session for that skip.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from tests.support.redis_server import RedisServer, RedisServerMissing


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer()
    try:
        server.start()
    except RedisServerMissing as missing:
        server.close()
        pytest.skip(str(missing))
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def redis_prefix(redis_server: RedisServer) -> Iterator[str]:
    """A key prefix of this test's own; every key under it is deleted afterwards."""
    prefix = f"test-{uuid.uuid4().hex[:12]}"
    yield prefix
    client = redis_server.client()
    keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
    if keys:
        client.delete(*keys)
    client.close()
