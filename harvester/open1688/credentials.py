"""One rule for where a credential comes from, for crawls, commands and the synchronous client alike.

A value given on purpose wins (``-s NAME=...`` on the command line, or any
plain mapping a script passes); else the environment variable of the same
name, where secrets belong so they never sit in a settings file; else the
project's default from ``harvester/settings.py``. Before this rule existed
once, the client let ``settings.py`` defaults beat the environment while
crawls did the opposite, so a notebook and a crawl could use different
apps.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from .. import settings as defaults

#: Scrapy's priority of a project's settings.py: Scrapy settings above it were given on purpose.
_PROJECT_PRIORITY = 20


def credential(settings: Mapping[str, Any] | None, name: str) -> str:
    """``name`` by the rule above, as text ("" when it is set nowhere)."""
    settings = settings or {}
    value = settings.get(name)
    getpriority = getattr(settings, "getpriority", None)
    explicit = (getpriority(name) or 0) > _PROJECT_PRIORITY if getpriority is not None else name in settings
    if explicit and value not in (None, ""):
        return str(value)
    if os.environ.get(name):
        return os.environ[name]
    if value in (None, "") and getpriority is None:
        value = getattr(defaults, name, None)
    return "" if value is None else str(value)
