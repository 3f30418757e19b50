"""The client example of the README runs as written against ``scrapy sandbox`` and prints what it shows.

The one change: the sandbox listens on a free port instead of 8688, and the
example's URL is rewritten to it.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator

import pytest

from tests.support.crawls import PATIENCE

from .commands import ROOT, environment

pytestmark = pytest.mark.e2e
DOC = ROOT / "README.md"
EXAMPLE = re.compile(
    r"<!-- example:client -->\n```python\n(.*?)```\n.*?```text\n(.*?)```\n<!-- /example:client -->", re.DOTALL
)


@pytest.fixture
def scrapy_sandbox(tmp_path) -> Iterator[str]:
    """``scrapy sandbox`` as the document starts it, on a free port; its base URL."""
    process = subprocess.Popen(
        [sys.executable, "-m", "scrapy", "sandbox", "--port", "0", "--json"],
        cwd=ROOT,
        env=environment(tmp_path),
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    try:
        yield json.loads(process.stdout.readline())["base_url"]
    finally:
        process.terminate()
        process.wait(timeout=PATIENCE)
        process.stdout.close()


def test_the_client_example_prints_what_the_document_shows(scrapy_sandbox, tmp_path):
    match = EXAMPLE.search(DOC.read_text(encoding="utf-8"))
    assert match, "the README lost its marked client example"
    code, shown = match.groups()
    assert code.count("http://127.0.0.1:8688") == 1
    done = subprocess.run(
        [sys.executable, "-c", code.replace("http://127.0.0.1:8688", scrapy_sandbox)],
        cwd=ROOT,
        env=environment(tmp_path),
        capture_output=True,
        text=True,
        timeout=PATIENCE,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == shown
