"""start_sandbox inside an asyncio reactor, as a crawl embeds it (run in a child: a reactor is per process)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.crawls import PATIENCE

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.e2e
def test_embedded_in_the_asyncio_reactor_without_blocking_it():
    child = subprocess.run(
        [sys.executable, "-m", "tests.integration.embedded_sandbox_child"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=PATIENCE,
    )
    assert child.returncode == 0, child.stderr
    outcome = json.loads(child.stdout.strip().splitlines()[-1])
    assert "error" not in outcome, outcome.get("error")
    assert outcome["reactor"] == "AsyncioSelectorReactor"
    assert outcome["statuses"] == [200, 200, 200]
    assert outcome["totals"][2] == 7, "茶具 in a 20,000-offer catalogue"
    assert all(seconds >= outcome["delay"] for seconds in outcome["each"]), "every answer was delayed"
    assert outcome["handled"] == [3, 3, 3], (
        "all three calls were handled before any delayed answer went out: delays never block the reactor"
    )
    assert outcome["refused_after_stop"]
