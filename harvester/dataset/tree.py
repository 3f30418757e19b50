"""The category tree as the latest ``scrapy crawl categories`` wrote it: each category's children, for splitting.

A query filtered to a category that has children is the union of the same
query filtered to each child, and the children share no offer: a partition
the search pager can cut a capped query along (``harvester.stages.splits``)
without sampling. Only the ids are read (two columns of one crawl).
"""

from __future__ import annotations

from collections import defaultdict

from .snapshot import DataDir, latest_crawl_id, read_crawl
from .storage import resolve


def category_children(data_dir: DataDir) -> dict[int, tuple[int, ...]]:
    """Parent id -> its children's ids (sorted), from the dataset's latest ``categories`` crawl; empty when the
    dataset has none (``scrapy crawl categories`` was never run)."""
    storage = resolve(data_dir)
    crawl_id = latest_crawl_id(storage, "categories")
    if crawl_id is None:
        return {}
    table = read_crawl(storage, "categories", crawl_id, ["category_id", "parent_id"])
    children: dict[int, set[int]] = defaultdict(set)
    for category, parent in zip(table.column("category_id").to_pylist(), table.column("parent_id").to_pylist()):
        if parent is not None and category is not None:
            children[parent].add(category)
    return {parent: tuple(sorted(ids)) for parent, ids in children.items()}
