"""A sandbox gateway in a subprocess for every end-to-end test of the session.

``sandbox_process`` starts ``python -m harvester.sandbox --port 0 --json``
once, reads the JSON line it prints (base URL and credentials), and kills it
at the end; ``sandbox`` hands the same process to a test after restoring its
start-up configuration and resetting its counters, so tests that switch on
faults or quotas cannot leak them into the next test. ``tape`` and
``recording_sandbox`` (betamax cassettes) live in ``cassettes.py``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from harvester.sandbox.process import SandboxProcess

from .cassettes import recording_sandbox, tape  # noqa: F401 (fixtures of the cassette tests)


@pytest.fixture(scope="session")
def sandbox_process() -> Iterator[SandboxProcess]:
    with SandboxProcess() as process:
        yield process


@pytest.fixture
def sandbox(sandbox_process: SandboxProcess) -> Iterator[SandboxProcess]:
    sandbox_process.restore()
    yield sandbox_process
    sandbox_process.restore()
