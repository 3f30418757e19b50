"""Keep secrets out of logs, tracebacks included.

A secret can reach a log line through a repr, an exception message or a
traceback of a failed call. Filtering at the handler catches all of them at
the one place every record passes, without trusting each call site.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

MASK = "***"


class RedactingFilter(logging.Filter):
    def __init__(self, secrets: Iterable[str] = ()):
        super().__init__()
        self._secrets: set[str] = set()
        self.add(secrets)

    def add(self, secrets: Iterable[str]) -> None:
        # Very short values would mask innocent text and protect nothing.
        self._secrets.update(s for s in secrets if s and len(s) >= 6)

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, MASK)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._secrets:
            return True
        message = record.getMessage()
        if record.exc_info:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        record.msg, record.args = self.redact(message), ()
        return True


_filter = RedactingFilter()


def protect(secrets: Iterable[str]) -> RedactingFilter:
    """Register secrets and make sure every root handler (Scrapy's included) redacts them."""
    _filter.add(secrets)
    for handler in logging.getLogger().handlers:
        if _filter not in handler.filters:
            handler.addFilter(_filter)
    return _filter


def redact(text: str) -> str:
    return _filter.redact(text)
