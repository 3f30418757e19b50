"""The layout's rules, checked by reading the code: no import cycles, and who may import whom.

Every import counts, those under ``TYPE_CHECKING`` and inside functions too:
a cycle held together by a late import is still a cycle to the next reader.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import harvester

PACKAGE = Path(harvester.__file__).resolve().parent


def _module(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module(path): path for path in PACKAGE.rglob("*.py")}


def _imports(name: str) -> set[str]:
    """The harvester modules ``name`` imports, anywhere in its code."""
    path = MODULES[name]
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            targets = [
                f"{module}.{alias.name}" if f"{module}.{alias.name}" in MODULES else module for alias in node.names
            ]
        else:
            continue
        found.update(target for target in targets if target in MODULES and target != name)
    return found


GRAPH = {name: _imports(name) for name in MODULES}


def _cycles() -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in GRAPH[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(GRAPH):
        if node not in index:
            visit(node)
    return components


def _importers(prefix: str) -> dict[str, set[str]]:
    users: dict[str, set[str]] = defaultdict(set)
    for name, targets in GRAPH.items():
        for target in targets:
            if target == prefix or target.startswith(prefix + "."):
                users[name].add(target)
    return users


def test_no_import_cycles() -> None:
    assert _cycles() == []


def test_the_protocol_package_imports_nothing_from_scrapy() -> None:
    for name, path in MODULES.items():
        if name.startswith("harvester.open1688"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
            imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
            assert not {m for m in imported if m.split(".")[0] in ("scrapy", "twisted")}, name


def test_only_the_distributed_package_knows_redis() -> None:
    outside = {name for name in _importers("harvester.distributed") if not name.startswith("harvester.distributed")}
    # The crawl command checks Redis answers before a distributed crawl starts, and the doctor in its words; the
    # quota middleware builds the shared pacer, which lives beside the local one (quota.shared). Spiders and
    # stages never do.
    assert outside <= {
        "harvester.checks.doctor",
        "harvester.commands.crawl",
        "harvester.commands.enqueue",
        "harvester.commands.compact",
        "harvester.middlewares.quota",
        "harvester.quota.shared",
    }, outside


def test_stages_do_not_import_spiders() -> None:
    assert not {name for name in _importers("harvester.spiders") if name.startswith("harvester.stages")}


def test_test_helpers_are_not_shipped() -> None:
    assert not [name for name in MODULES if name.endswith(".testing")]
