"""One rule for every credential: given on purpose, else the environment, else the project's default."""

from __future__ import annotations

import pytest
from scrapy.settings import Settings

from harvester import settings as project_settings
from harvester.open1688.credentials import credential


def project(**given: str) -> Settings:
    settings = Settings()
    settings.setmodule(project_settings, priority="project")
    for name, value in given.items():
        settings.set(name, value, priority="cmdline")
    return settings


def test_the_environment_beats_the_projects_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPEN1688_TOKEN_FILE", "/env/token.json")
    assert credential(project(), "OPEN1688_TOKEN_FILE") == "/env/token.json"
    assert credential(None, "OPEN1688_TOKEN_FILE") == "/env/token.json"
    assert credential({}, "OPEN1688_TOKEN_FILE") == "/env/token.json"


def test_a_value_given_on_purpose_beats_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPEN1688_APP_KEY", "from-env")
    assert credential(project(OPEN1688_APP_KEY="from-cmdline"), "OPEN1688_APP_KEY") == "from-cmdline"
    assert credential({"OPEN1688_APP_KEY": "from-script"}, "OPEN1688_APP_KEY") == "from-script"


def test_without_either_the_projects_default_holds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPEN1688_TOKEN_FILE", raising=False)
    assert credential(project(), "OPEN1688_TOKEN_FILE") == project_settings.OPEN1688_TOKEN_FILE
    assert credential(None, "OPEN1688_TOKEN_FILE") == project_settings.OPEN1688_TOKEN_FILE
    monkeypatch.delenv("OPEN1688_APP_SECRET", raising=False)
    assert credential(project(), "OPEN1688_APP_SECRET") == ""
