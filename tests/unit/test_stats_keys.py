"""Every stat that the summary line, the crawl report or the exit status reads is counted by some component.

A key renamed on one side only would leave a reader showing zero for ever;
keys are defined once in ``harvester.crawl.stats`` and used as ``keys.NAME``,
so a reader's name without a producer is found by reading the code.
"""

from __future__ import annotations

import ast
from pathlib import Path

from harvester.crawl import stats as keys

PACKAGE = Path(keys.__file__).resolve().parents[1]
#: What reads the stats to tell the user how the crawl went.
READERS = ("report", "extensions/progress.py", "crawl/exitcodes.py", "commands/crawl.py")


def _names_used(path: Path) -> set[str]:
    """``NAME`` of every ``keys.NAME`` in a module (the stats module is imported as ``keys`` everywhere)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        node.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "keys"
    }


def _modules(under: str) -> list[Path]:
    target = PACKAGE / under
    return [target] if target.suffix == ".py" else sorted(target.rglob("*.py"))


def test_every_key_read_is_produced() -> None:
    readers = {path for under in READERS for path in _modules(under)}
    read: set[str] = set()
    for path in readers:
        read |= _names_used(path)
    if "GAPS" in read:  # readers go through every gap
        read |= {
            name
            for name, value in vars(keys).items()
            if isinstance(value, str) and any(gap.key == value for gap in keys.GAPS)
        }
    read = {name for name in read if isinstance(getattr(keys, name, None), str)}
    produced: set[str] = set()
    for path in sorted(PACKAGE.rglob("*.py")):
        if path not in readers and path.name != "stats.py":
            produced |= _names_used(path)
    # A key counted under a base another component extends (Scrapy's get_retry_request counts
    # ``{base}/count`` and ``{base}/reason_count/...`` under the base it is given) is produced too.
    bases = {getattr(keys, name) for name in produced if isinstance(getattr(keys, name, None), str)}
    unproduced = {
        name for name in read - produced if not any(getattr(keys, name).startswith(base + "/") for base in bases)
    }
    assert read, "the readers read no key: the test lost track of them"
    assert unproduced == set(), "read by the report, the summary or the exit status, produced nowhere"


def test_every_gap_key_is_defined_once() -> None:
    values = [value for name, value in vars(keys).items() if name.isupper() and isinstance(value, str)]
    assert len(values) == len(set(values)), "two names for one key"
    assert all(gap.key in values for gap in keys.GAPS)
