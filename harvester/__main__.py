"""``harvester ...`` (or ``python -m harvester ...``): Scrapy's command line with the harvester's settings.

``scrapy`` finds a project's settings module through ``scrapy.cfg`` in the
folder or one of its parents, or through ``SCRAPY_SETTINGS_MODULE``. An
installed harvester has no ``scrapy.cfg`` next to the user, so this command
names ``harvester.settings`` unless ``SCRAPY_SETTINGS_MODULE`` names another
(a module of the user's that starts with ``from harvester.settings import *``):
``harvester crawl keyword -a keywords=保温杯`` then works from any folder.
"""

from __future__ import annotations

import os


def main() -> None:
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "harvester.settings")
    from scrapy.cmdline import execute

    execute()


if __name__ == "__main__":
    main()
