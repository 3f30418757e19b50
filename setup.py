"""Everything is in pyproject.toml; this file is here because scrapyd-deploy builds its egg with
``python setup.py bdist_egg`` (and writes a setup.py of its own into the project when there is none)."""

from setuptools import setup

setup()
