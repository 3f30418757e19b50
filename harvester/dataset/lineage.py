"""Which part files a compaction replaced, recorded in the compacted files themselves, and what readers skip.

``scrapy compact`` replaces the part files of one crawl in one partition
(its *sources*) by fewer, larger files (its *outputs*). Files cannot be
swapped for other files in one atomic step, so each output carries, in its
Parquet footer, the list of its sources (name, size and modification time,
so that a later file given a source's name is never mistaken for it) and
how many outputs the compaction made. Outputs are named
``part-{crawl_id}-compacted_{digest}-{index:05d}.parquet``, the digest
being that of the source list: their crawl id reads as any part's, and the
outputs of one compaction are recognisable by name.

From a directory listing alone, then, the state of every compaction is
known: *complete* when all its outputs are in place (its sources, where
still present, are superseded), *incomplete* otherwise (it died while
renaming its outputs in; its sources are all still there and hold the
rows). :func:`visible_parts` gives a reader exactly one copy of every row
at any instant, and ``scrapy compact`` repairs what a crash left by the
same rule.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pyarrow.fs as pafs

from .files import PART_PREFIX, PART_SUFFIX, part_name

if TYPE_CHECKING:
    from .storage import Storage

#: Worker id prefix of compacted files.
COMPACTED = "compacted_"
SOURCES_KEY = b"harvester_compacted_sources"
FILES_KEY = b"harvester_compacted_files"


@dataclass(frozen=True)
class Source:
    """A part file as it was when compacted."""

    name: str
    size: int
    mtime_ns: int

    @classmethod
    def of(cls, info: pafs.FileInfo) -> Source:
        """From a listing entry (see ``Storage.listing`` for the modification times of object stores)."""
        return cls(info.base_name, info.size, info.mtime_ns)

    def still_in(self, listing: dict[str, pafs.FileInfo]) -> bool:
        """This very file is still in the folder ``listing`` shows (not another one given its name since)."""
        info = listing.get(self.name)
        return info is not None and Source.of(info) == self


def digest(sources: Iterable[Source]) -> str:
    text = json.dumps(sorted([s.name, s.size, s.mtime_ns] for s in sources))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def output_name(crawl_id: str, sources: Iterable[Source], index: int) -> str:
    return part_name(crawl_id, f"{COMPACTED}{digest(sources)}", index)


def footer(sources: Iterable[Source], files: int) -> dict[bytes, bytes]:
    """The key-value metadata every output of a compaction carries."""
    return {
        SOURCES_KEY: json.dumps([[s.name, s.size, s.mtime_ns] for s in sources]).encode(),
        FILES_KEY: str(files).encode(),
    }


def compaction_of(name: str) -> str | None:
    """The digest of the compaction that wrote part file ``name``; None for a crawl's own part file."""
    if not (name.startswith(PART_PREFIX) and name.endswith(PART_SUFFIX)):
        return None
    pieces = name[len(PART_PREFIX) : -len(PART_SUFFIX)].rsplit("-", 2)
    if len(pieces) == 3 and pieces[1].startswith(COMPACTED):
        return pieces[1][len(COMPACTED) :]
    return None


@dataclass
class Compaction:
    """One compaction as the folder shows it."""

    digest: str
    sources: list[Source]
    files: int
    outputs: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return len(self.outputs) == self.files

    def present_sources(self, listing: dict[str, pafs.FileInfo]) -> list[str]:
        """Paths of the sources still in the folder ``listing`` shows."""
        return [listing[s.name].path for s in self.sources if s.still_in(listing)]


def compactions(storage: Storage, parts: Iterable[pafs.FileInfo]) -> dict[str, Compaction]:
    """The compactions whose outputs are among ``parts`` (footers read, not data)."""
    found: dict[str, Compaction] = {}
    outputs: defaultdict[str, list[str]] = defaultdict(list)
    for info in parts:
        key = compaction_of(info.base_name)
        if key is None:
            continue
        outputs[key].append(info.path)
        if key not in found:
            metadata = storage.read_metadata(info.path).metadata or {}
            sources = [Source(name, size, mtime) for name, size, mtime in json.loads(metadata[SOURCES_KEY])]
            found[key] = Compaction(key, sources, int(metadata[FILES_KEY]))
    for key, paths in outputs.items():
        found[key].outputs = sorted(paths)
    return found


def part_files(storage: Storage, folder: str) -> list[pafs.FileInfo]:
    """Every complete part file in a partition folder (temporaries are hidden and skipped), by name."""
    return [
        info
        for info in storage.listing(folder)
        if info.type == pafs.FileType.File
        and info.base_name.startswith(PART_PREFIX)
        and info.base_name.endswith(PART_SUFFIX)
    ]


def visible_parts(storage: Storage, folder: str) -> list[pafs.FileInfo]:
    """The part files a reader should read: without the sources of complete compactions, nor the outputs of
    incomplete ones, so every row is read once, whatever instant of a compaction (or of its crash) it is."""
    parts = part_files(storage, folder)
    listing = {info.base_name: info for info in parts}
    hidden: set[str] = set()
    for compaction in compactions(storage, parts).values():
        hidden.update(compaction.present_sources(listing) if compaction.complete else compaction.outputs)
    return [info for info in parts if info.path not in hidden]
