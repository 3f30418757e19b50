"""scrapy-redis's start key: work pushed by hand, the way scrapy-redis users feed their spiders.

scrapy-redis spiders read their start data from ``REDIS_START_URLS_KEY``
(``%(name)s:start_urls`` by default, ``%(name)s`` being the spider's name),
a list users ``LPUSH``/``RPUSH`` onto (or a set, or a sorted set). A worker
of a distributed crawl drains that key as well as the crawl's own units list
(``scrapy enqueue``'s), with the same setting name and the same formatting,
so people who know scrapy-redis can feed the harvester as they always have.
What a payload there means is :func:`harvester.distributed.units.hand_pushed_unit`'s
business; moving one off the key is a lease taken in the same Lua step
(:data:`harvester.distributed.queue.TAKE_UNITS`), and a lease that expires
puts the payload back on the key as it was.

The key is not under ``HARVEST_REDIS_PREFIX`` or the crawl id (scrapy-redis's
is not): every crawl of the spider on the same Redis drains it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import redis
from scrapy_redis import defaults

from ..exceptions import ConfigurationError
from . import connection

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

#: What a start key may hold: the kinds scrapy-redis reads (and "none" for a key nobody pushed to yet).
KINDS = ("none", "list", "set", "zset")


def start_key(settings: BaseSettings, spider: str) -> str:
    """``REDIS_START_URLS_KEY`` for ``spider``, formatted as scrapy-redis formats it (and with its default)."""
    template = str(settings.get("REDIS_START_URLS_KEY", defaults.START_URLS_KEY))
    try:
        key = template % {"name": spider}
    except (KeyError, ValueError, TypeError) as error:
        raise ConfigurationError(
            f"REDIS_START_URLS_KEY={template!r} cannot be formatted ({type(error).__name__}: {error}): "
            "%(name)s is the only field it may use, e.g. %(name)s:start_urls"
        ) from None
    if not key.strip():
        raise ConfigurationError("REDIS_START_URLS_KEY is empty: give a key, e.g. %(name)s:start_urls")
    return key


def check(settings: BaseSettings, spider: str) -> None:
    """Refuse a start key that is not a list, a set or a sorted set, before the worker starts."""
    key = start_key(settings, spider)
    client = connection.sync_client(settings)
    try:
        kind = client.type(key)
    except redis.RedisError as error:
        raise connection.RedisUnavailable.of(settings["REDIS_URL"], error) from None
    finally:
        client.close()
    kind = kind.decode() if isinstance(kind, bytes) else str(kind)
    if kind not in KINDS:
        raise ConfigurationError(
            f"the start key {key} (REDIS_START_URLS_KEY) holds a {kind}: push units onto a list (LPUSH/RPUSH), "
            "a set (SADD) or a sorted set (ZADD), or name another key"
        )
