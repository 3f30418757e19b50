"""pyproject.toml's dependencies and requirements.txt's pins cannot drift apart: the ranges a ``pip install .``
accepts must hold the versions the suite runs on, and name every runtime requirement."""

from __future__ import annotations

import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]


def pinned_sections() -> dict[str, dict[str, str]]:
    """requirements.txt's ``name==version`` lines, by the heading (``# ...``) above them."""
    sections: dict[str, dict[str, str]] = {}
    heading = ""
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        if line.startswith("#"):
            heading = line.lstrip("# ").split(" ")[0].rstrip(":")
        elif line.strip():
            name, version = line.split("==")
            sections.setdefault(heading, {})[canonicalize_name(name)] = version
    return sections


def test_every_runtime_pin_is_a_dependency_and_within_its_range() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    dependencies = {canonicalize_name(req.name): req for req in map(Requirement, project["dependencies"])}
    runtime = pinned_sections()["Runtime"]
    assert set(dependencies) == set(runtime), "pyproject's dependencies are requirements.txt's runtime section"
    for name, version in runtime.items():
        assert dependencies[name].specifier.contains(version), f"{name}=={version} outside {dependencies[name]}"
