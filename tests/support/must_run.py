"""The suite's guard: a skipped redis, s3 or e2e test fails the session (hooks ``tests/conftest.py`` installs).

Redis, S3 and end-to-end tests prove the product works; a run that skipped
them proves nothing. ``HARVEST_ALLOW_SKIP=1`` allows it while working locally.
"""

from __future__ import annotations

import os

import pytest

_MUST_RUN = ("redis", "s3", "e2e")
_skipped_must_run: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Reports reach this hook in the process that ends the session, pytest-xdist's controller included (a hook on
    the items would run in the workers only, and the check below would pass a run that skipped them); a report's
    keywords name its markers."""
    if report.skipped and any(name in report.keywords for name in _MUST_RUN):
        _skipped_must_run.append(report.nodeid)


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
