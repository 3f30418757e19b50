"""start_sandbox inside an asyncio reactor, as a crawl embeds it (run in a child: a reactor is per process)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.e2e
def test_embedded_in_the_asyncio_reactor_without_blocking_it():
    child = subprocess.run([sys.executable, "-m", "tests.integration.embedded_sandbox_child"], cwd=ROOT,
                           capture_output=True, text=True, timeout=120)
    assert child.returncode == 0, child.stderr
    outcome = json.loads(child.stdout.strip().splitlines()[-1])
    assert "error" not in outcome, outcome.get("error")
    assert outcome["reactor"] == "AsyncioSelectorReactor"
    assert outcome["statuses"] == [200, 200, 200]
    assert outcome["totals"][2] == 7, "茶具 in a 20,000-offer catalogue"
    assert all(seconds >= 0.3 for seconds in outcome["each"]), "every answer was delayed 0.3 s"
    assert outcome["together"] < 0.9, "three delayed answers overlap: delays never block the reactor"
    assert outcome["refused_after_stop"]
