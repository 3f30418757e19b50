"""Redis connections of a distributed crawl, key names, and the one error a user sees when Redis is away.

Every key the harvester keeps starts with ``HARVEST_REDIS_PREFIX``, so
several crawls (or test runs) can share a server. A Redis that cannot be
reached is a configuration problem, not a crawl failure: it surfaces as
:class:`RedisUnavailable`, whose message is one line naming ``REDIS_URL``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

import redis
import redis.asyncio

from ..exceptions import ConfigurationError

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

#: Seconds to connect or to wait for an answer: a Redis slower than this is as good as down.
TIMEOUT = 5.0


class RedisUnavailable(ConfigurationError):
    """Redis at ``REDIS_URL`` cannot be reached (or the URL is not a Redis URL), or it refused a command."""

    @classmethod
    def of(cls, url: str, error: Exception) -> RedisUnavailable:
        if isinstance(error, redis.ResponseError):  # it answered: starting it or another URL would not help
            return cls(
                f"Redis at REDIS_URL={masked(url)} refused a command ({type(error).__name__}: {error}): fix that "
                "server (its memory, a read-only replica, a key another program changed) or name another"
            )
        return cls(
            f"cannot reach Redis at REDIS_URL={masked(url)} ({type(error).__name__}: {error}): "
            "start Redis or fix REDIS_URL"
        )


def masked(url: str) -> str:
    """``url`` with its password hidden, for messages."""
    parts = urlsplit(url)
    if parts.password:
        return urlunsplit(parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@")))
    return url


def key(settings: BaseSettings, *parts: str) -> str:
    """``{HARVEST_REDIS_PREFIX}:{part}:{part}...``."""
    return ":".join((settings["HARVEST_REDIS_PREFIX"], *parts))


def sync_client(settings: BaseSettings) -> redis.Redis:
    """A blocking client on ``REDIS_URL``, checked with a PING so that a wrong URL fails at start-up."""
    url = settings["REDIS_URL"]
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=TIMEOUT, socket_timeout=TIMEOUT)
        client.ping()
    except (ValueError, redis.RedisError) as error:
        raise RedisUnavailable.of(url, error) from None
    return client


def async_client(settings: BaseSettings) -> redis.asyncio.Redis:
    """An asyncio client on ``REDIS_URL`` (connects on first use; see :func:`check`)."""
    url = settings["REDIS_URL"]
    try:
        return redis.asyncio.Redis.from_url(url, socket_connect_timeout=TIMEOUT, socket_timeout=TIMEOUT)
    except ValueError as error:
        raise RedisUnavailable.of(url, error) from None


def check(settings: BaseSettings) -> None:
    """Raise :class:`RedisUnavailable` unless ``REDIS_URL`` answers PING (before a distributed crawl starts)."""
    sync_client(settings).close()
