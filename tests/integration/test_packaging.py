"""``pip install`` of the harvester: an sdist and a wheel built from a copy of the sources, installed into a new
virtual environment, run from a folder outside the repository (no scrapy.cfg anywhere above it)."""

from __future__ import annotations

import functools
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from harvester.sandbox.catalogue import Catalogue
from tests.support.crawls import CrawlRun

from .commands import ROOT
from .packaging import (
    build_sdist,
    build_wheel,
    clean_environment,
    copy_source,
    package_files,
    run,
    sdist_names,
    venv_with,
    wheel_names,
)

pytestmark = pytest.mark.e2e

SPIDERS = ["categories", "image", "keyword", "monitor", "offers", "seller"]


@dataclass
class Built:
    sdist: Path
    wheel: Path


@dataclass
class Installed:
    bin: Path
    #: A folder outside the repository, where the user types commands.
    elsewhere: Path
    env: dict[str, str]


@functools.cache
def expected(keyword: str) -> set[int]:
    return {int(i) for i in Catalogue(seed=1688, size=1_000_000).search(keyword=keyword)}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """The sdist from a copy of the sources, and the wheel built from that sdist (so the sdist is complete)."""
    tmp = tmp_path_factory.mktemp("build")
    env = clean_environment(tmp / "home")
    sdist = build_sdist(copy_source(tmp / "src"), tmp / "dist", env)
    return Built(sdist, build_wheel(sdist, tmp / "wheels", env))


@pytest.fixture(scope="module")
def installed(built: Built, tmp_path_factory: pytest.TempPathFactory) -> Installed:
    tmp = tmp_path_factory.mktemp("installed")
    env = clean_environment(tmp / "home")
    elsewhere = tmp / "elsewhere"
    elsewhere.mkdir()
    assert ROOT not in elsewhere.parents
    return Installed(venv_with(built.wheel, tmp / "venv", env), elsewhere, env)


def settings_for(tmp: Path) -> list[str]:
    """A crawl on the built-in sandbox that writes only under ``tmp``."""
    values = {
        "HARVEST_DATA_DIR": tmp / "data",
        "OPEN1688_STATE_DIR": tmp / "state",
        "OPEN1688_TOKEN_FILE": tmp / "token.json",
        "OPEN1688_QPS": 0,
        "HARVEST_PROGRESS_INTERVAL": 0,
    }
    return [option for name, value in values.items() for option in ("-s", f"{name}={value}")]


def test_the_sdist_and_the_wheel_hold_every_file_of_the_package_and_nothing_else(built: Built) -> None:
    files = package_files()
    assert "harvester/settings.py" in files and "harvester/sandbox/catalogue.py" in files
    in_sdist = sdist_names(built.sdist)
    assert files <= in_sdist, f"missing from the sdist: {sorted(files - in_sdist)}"
    assert {"pyproject.toml", "setup.py", "README.md"} <= in_sdist
    in_wheel = wheel_names(built.wheel)
    assert files <= in_wheel, f"missing from the wheel: {sorted(files - in_wheel)}"
    assert not [name for name in in_wheel if "__pycache__" in name or name.endswith(".pyc")]
    assert {name.split("/")[0] for name in in_wheel} == {"harvester", f"{built.wheel.name.split('-py3')[0]}.dist-info"}
    (entry_points,) = [name for name in in_wheel if name.endswith(".dist-info/entry_points.txt")]
    with zipfile.ZipFile(built.wheel) as wheel:
        declared = wheel.read(entry_points).decode()
    assert "[console_scripts]\nharvester = harvester.__main__:main\n" in declared
    assert "[scrapy]\nsettings = harvester.settings\n" in declared, "where scrapyd finds the settings module"


def test_installed_it_runs_from_any_folder(installed: Installed, tmp_path: Path) -> None:
    where = run(
        [str(installed.bin / "python"), "-c", "import harvester; print(harvester.__file__)"],
        installed.elsewhere,
        installed.env,
    )
    assert Path(where.stdout.strip()).is_relative_to(installed.bin.parent), "the installed package, not the repo's"

    # The console script names the settings module itself.
    assert run([str(installed.bin / "harvester"), "list"], installed.elsewhere, installed.env).stdout.split() == SPIDERS
    commands = run([str(installed.bin / "harvester")], installed.elsewhere, installed.env).stdout
    assert "active project: harvester" in commands
    for command in ("sandbox", "auth", "doctor", "enqueue", "compact"):
        assert f"\n  {command} " in commands, f"`harvester {command}` is there"
    # `scrapy` finds it through SCRAPY_SETTINGS_MODULE, as the README says.
    scrapy = [str(installed.bin / "python"), "-m", "scrapy"]
    env = {**installed.env, "SCRAPY_SETTINGS_MODULE": "harvester.settings"}
    assert run([*scrapy, "list"], installed.elsewhere, env).stdout.split() == SPIDERS

    run(
        [
            *scrapy,
            "crawl",
            "keyword",
            "-a",
            "keywords=算盘",
            "-s",
            "HARVEST_CRAWL_ID=20261128T190000Z-pip",
            *settings_for(tmp_path),
        ],
        installed.elsewhere,
        env,
    )
    crawled = CrawlRun(0, "", "", tmp_path / "data", "20261128T190000Z-pip")
    offers = [row["offer_id"] for row in crawled.rows("products")]
    assert sorted(offers) == sorted(expected("算盘")), "every offer, once"
    assert crawled.report["stats"]["finish_reason"] == "finished"
    assert not list(installed.elsewhere.iterdir()), "nothing written where the command was typed"

    ids = sorted(expected("风筝"))[:3]
    run(
        [
            str(installed.bin / "harvester"),
            "crawl",
            "offers",
            "-a",
            f"ids={','.join(map(str, ids))}",
            "-s",
            "HARVEST_CRAWL_ID=20261128T190000Z-script",
            *settings_for(tmp_path / "script"),
        ],
        installed.elsewhere,
        installed.env,
    )
    rows = CrawlRun(0, "", "", tmp_path / "script" / "data", "20261128T190000Z-script").rows("products")
    assert sorted(row["offer_id"] for row in rows) == ids
