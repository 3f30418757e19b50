"""Suite-wide rules.

Redis, S3 and end-to-end tests prove the product works; a run that skipped
them proves nothing, so any skip of a test marked ``redis``, ``s3`` or ``e2e``
fails the session (set HARVEST_ALLOW_SKIP=1 to allow it while working locally).
"""

from __future__ import annotations

import os

import pytest

from .redis_server import redis_prefix, redis_server  # noqa: F401 (fixtures of every Redis test)
from .s3_server import s3_bucket, s3_server  # noqa: F401 (fixtures of every S3 test)

_MUST_RUN = ("redis", "s3", "e2e")
_skipped_must_run: list[str] = []


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> object:
    outcome = yield
    report = outcome.get_result()
    if report.skipped and any(item.get_closest_marker(name) for name in _MUST_RUN):
        _skipped_must_run.append(item.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _skipped_must_run and os.environ.get("HARVEST_ALLOW_SKIP") != "1":
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.ensure_newline()
            reporter.write_line(
                f"FAILED: {len(_skipped_must_run)} redis/s3/e2e test(s) were skipped; "
                "they must run (see README: what the test machine needs):",
                red=True,
            )
            for nodeid in _skipped_must_run:
                reporter.write_line(f"  skipped: {nodeid}", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
