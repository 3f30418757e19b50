"""The suite's guard: a skipped redis, s3 or e2e test fails the run, with pytest-xdist's workers too."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
CONFTEST = "from tests.support.must_run import pytest_runtest_logreport, pytest_sessionfinish  # noqa: F401\n"

SKIPPING = """
import pytest

@pytest.mark.e2e
def test_needs_the_sandbox():
    pytest.skip("no sandbox here")

def test_plain():
    pass
"""


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["one process", "xdist"])
@pytest.mark.parametrize("allowed", [False, True], ids=["refused", "allowed"])
def test_a_skipped_e2e_test_fails_the_run(tmp_path: Path, workers: list[str], allowed: bool) -> None:
    (tmp_path / "conftest.py").write_text(CONFTEST)
    (tmp_path / "test_skipping.py").write_text(SKIPPING)
    (tmp_path / "pytest.ini").write_text("[pytest]\nmarkers =\n    e2e: end to end\n    redis: redis\n    s3: s3\n")
    env = {k: v for k, v in os.environ.items() if k != "HARVEST_ALLOW_SKIP"}
    env["PYTHONPATH"] = str(ROOT)
    if allowed:
        env["HARVEST_ALLOW_SKIP"] = "1"
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *workers],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if allowed:
        assert done.returncode == 0, done.stdout
    else:
        assert done.returncode == 1, done.stdout
        assert "FAILED: 1 redis/s3/e2e test(s) were skipped" in done.stdout
        assert "skipped: test_skipping.py::test_needs_the_sandbox" in done.stdout
