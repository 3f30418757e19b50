"""Media in bulk: a keyword crawl with ``-a media=main,sku``, pictures referenced against pictures stored.

One crawl on a sandbox that serves its own pictures (``image_host=sandbox``):

- references (rows of ``media``) against distinct URLs downloaded and distinct
  contents stored: what content addressing and the per-crawl URL cache save;
- bytes downloaded and stored;
- downloads per second over the crawl's whole wall time (API calls included),
  at the default ``HARVEST_MEDIA_CONCURRENCY`` and no ``HARVEST_MEDIA_RATE``;
- gateway calls: the same as without media (media are no API calls).

    python -m benchmarks.media_bulk [--keyword 发夹] [--pages 4]   (from the repository root)

``python -m benchmarks --only media`` runs it as part of the suite.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from harvester.sandbox.process import SandboxProcess

from . import runs
from .report import Row, render_table

SECTION = "media"
ROLES = "main,sku"


def measure(work: Path, keyword: str, pages: int) -> list[Row]:
    with SandboxProcess() as sandbox:
        sandbox.admin.config(image_host="sandbox", video_host="sandbox")
        result = runs.crawl(
            "keyword",
            work / "data",
            sandbox,
            args={"keywords": keyword, "max_pages": str(pages), "media": ROLES},
            settings={"OPEN1688_QPS": 0},
        )
    stats = result.stats
    references = stats.get("harvester/media/references", 0)
    urls = stats.get("harvester/media/urls", 0)
    downloaded = stats.get("harvester/media/downloaded", 0)
    stored = stats.get("harvester/media/stored", 0)
    seconds = result.usage.wall
    scope = f"{keyword}, {pages} page(s), {result.offers:,} offers, -a media={ROLES}"
    served = result.served.get("images_served", 0) + result.served.get("videos_served", 0)
    return [
        Row("media: pictures referenced", references, "references", f"rows of media; {scope}", SECTION),
        Row(
            "media: distinct URLs downloaded",
            urls,
            "URLs",
            f"the media hosts served {served:,} (each URL once)",
            SECTION,
        ),
        Row(
            "media: pictures stored",
            stored,
            "files",
            f"distinct contents; {references / max(stored, 1):.2f} references per stored file",
            SECTION,
        ),
        Row(
            "media: bytes downloaded",
            stats.get("harvester/media/downloaded_bytes", 0) / 2**20,
            "MiB",
            f"{stats.get('harvester/media/stored_bytes', 0) / 2**20:,.1f} MiB stored",
            SECTION,
        ),
        Row(
            "media: downloads/s",
            downloaded / seconds if seconds else None,
            "downloads/s",
            f"{downloaded:,} downloads in {seconds:.1f} s of crawl (API calls and start-up included)",
            SECTION,
        ),
        Row(
            "media: gateway calls",
            stats.get("harvester/quota/calls", 0),
            "calls",
            f"{stats.get('harvester/search/pages', 0)} search pages + {result.offers:,} details: media cost none",
            SECTION,
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keyword", default="发夹")
    parser.add_argument("--pages", type=int, default=4, help="search pages of 50 offers")
    options = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-media-"))
    print(render_table(measure(work, options.keyword, options.pages)))


if __name__ == "__main__":
    main()
