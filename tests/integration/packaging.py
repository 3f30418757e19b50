"""The harvester as users get it: its source tree copied out of the repository, built, installed, deployed.

Builds run on a copy (builds write ``build/`` and ``*.egg-info`` next to the
sources, and scrapyd-deploy a ``setup.py`` when there is none) and offline:
setuptools from the test's own environment (``--no-build-isolation``), the
dependencies already installed there (``--no-deps``), nothing downloaded.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from pathlib import Path

from tests.support.crawls import PATIENCE

from .commands import ROOT, environment

#: What a build of the project reads: the metadata, the package, and scrapy.cfg for scrapyd-deploy.
BUILD_INPUTS = ("pyproject.toml", "setup.py", "scrapy.cfg", "README.md", "harvester")
PACKAGE = ROOT / "harvester"


def copy_source(destination: Path) -> Path:
    destination.mkdir(parents=True)
    for name in BUILD_INPUTS:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, destination / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, destination / name)
    return destination


def package_files() -> set[str]:
    """Every file of the package in the repository (``harvester/...``), modules or not."""
    return {
        path.relative_to(ROOT).as_posix()
        for path in PACKAGE.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }


def clean_environment(home: Path, **variables: str) -> dict[str, str]:
    """A user's shell with nothing pointing at the repository or a settings module."""
    env = environment(home, **variables)
    env.pop("PYTHONPATH", None)
    env.pop("XDG_CONFIG_HOME", None)
    return env


def run(
    command: list[str], cwd: Path, env: dict[str, str], timeout: float = PATIENCE
) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False)
    assert done.returncode == 0, (
        f"{' '.join(command)} exited {done.returncode}:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
    )
    return done


def build_sdist(source: Path, out: Path, env: dict[str, str]) -> Path:
    """The sdist, through setuptools' PEP 517 hook (what ``python -m build --sdist`` calls)."""
    out.mkdir(parents=True, exist_ok=True)
    run([sys.executable, "-c", f"from setuptools import build_meta; build_meta.build_sdist({str(out)!r})"], source, env)
    (sdist,) = out.glob("*.tar.gz")
    return sdist


def build_wheel(source: Path, out: Path, env: dict[str, str]) -> Path:
    """A wheel of ``source`` (a folder or an sdist), as ``pip install`` builds it, offline."""
    run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "-q",
            "-w",
            str(out),
            str(source),
        ],
        out.parent,
        env,
    )
    (wheel,) = out.glob("*.whl")
    return wheel


def sdist_names(sdist: Path) -> set[str]:
    with tarfile.open(sdist) as archive:
        return {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}


def wheel_names(wheel: Path) -> set[str]:
    with zipfile.ZipFile(wheel) as archive:
        return set(archive.namelist())


def venv_with(wheel: Path, folder: Path, env: dict[str, str]) -> Path:
    """A new virtual environment with ``wheel`` installed; its dependencies are the test environment's (a
    ``.pth`` file adds its site-packages after the venv's own), so nothing is downloaded. Returns its bin."""
    run([sys.executable, "-m", "venv", "--without-pip", str(folder)], folder.parent, env)
    python = folder / "bin" / "python"
    site = run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], folder, env)
    ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (Path(site.stdout.strip()) / "test-environment.pth").write_text("\n".join(sorted(ours)) + "\n")
    run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index", "-q", str(wheel)],
        folder.parent,
        env,
    )
    return folder / "bin"
