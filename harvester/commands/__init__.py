"""Extra `scrapy` commands (sandbox, auth, doctor, enqueue, compact) and our versions of crawl and list."""

from __future__ import annotations

import sys

from ..gateway.redaction import redact


def fail(message: str) -> None:
    """One line on stderr, secrets masked: the way every command reports a user's mistake."""
    print(f"harvester: {redact(message)}", file=sys.stderr)
