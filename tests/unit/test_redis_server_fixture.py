"""The private Redis of the test session answers, and a test's prefix is its own."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.redis


def test_private_server_answers_on_loopback(redis_server, redis_prefix):
    client = redis_server.client()
    assert redis_server.url.startswith("redis://127.0.0.1:")
    assert redis_server.port != 6379
    client.set(f"{redis_prefix}:probe", b"1")
    assert client.get(f"{redis_prefix}:probe") == b"1"
