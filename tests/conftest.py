"""Suite-wide rules.

Redis, S3 and end-to-end tests prove the product works; a run that skipped
them proves nothing, so any skip of a test marked ``redis``, ``s3`` or ``e2e``
fails the session (set HARVEST_ALLOW_SKIP=1 to allow it while working locally).
"""

from __future__ import annotations

from tests.support.must_run import pytest_runtest_logreport, pytest_sessionfinish  # noqa: F401 (hooks)

from .redis_server import redis_prefix, redis_server  # noqa: F401 (fixtures of every Redis test)
from .s3_server import s3_bucket, s3_server  # noqa: F401 (fixtures of every S3 test)
