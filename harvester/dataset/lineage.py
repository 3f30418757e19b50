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
from pathlib import Path

import pyarrow.parquet as pq

from .files import PART_PREFIX, PART_SUFFIX, part_name

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
    def of(cls, path: Path) -> Source:
        stat = path.stat()
        return cls(path.name, stat.st_size, stat.st_mtime_ns)

    def still_in(self, folder: Path) -> bool:
        """This very file is still in ``folder`` (not another one given its name since)."""
        try:
            return Source.of(folder / self.name) == self
        except FileNotFoundError:
            return False


def digest(sources: Iterable[Source]) -> str:
    text = json.dumps(sorted([s.name, s.size, s.mtime_ns] for s in sources))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def output_name(crawl_id: str, sources: Iterable[Source], index: int) -> str:
    return part_name(crawl_id, f"{COMPACTED}{digest(sources)}", index)


def footer(sources: Iterable[Source], files: int) -> dict[bytes, bytes]:
    """The key-value metadata every output of a compaction carries."""
    return {SOURCES_KEY: json.dumps([[s.name, s.size, s.mtime_ns] for s in sources]).encode(),
            FILES_KEY: str(files).encode()}


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
    outputs: list[Path] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return len(self.outputs) == self.files

    def present_sources(self, folder: Path) -> list[Path]:
        return [folder / s.name for s in self.sources if s.still_in(folder)]


def compactions(parts: Iterable[Path]) -> dict[str, Compaction]:
    """The compactions whose outputs are among ``parts`` (footers read, not data)."""
    found: dict[str, Compaction] = {}
    outputs: defaultdict[str, list[Path]] = defaultdict(list)
    for path in parts:
        key = compaction_of(path.name)
        if key is None:
            continue
        outputs[key].append(path)
        if key not in found:
            metadata = pq.read_metadata(path).metadata or {}
            sources = [Source(name, size, mtime) for name, size, mtime in json.loads(metadata[SOURCES_KEY])]
            found[key] = Compaction(key, sources, int(metadata[FILES_KEY]))
    for key, paths in outputs.items():
        found[key].outputs = sorted(paths)
    return found


def part_files(folder: Path) -> list[Path]:
    """Every complete part file in a partition folder (temporaries are hidden and skipped)."""
    return sorted(folder.glob(f"{PART_PREFIX}*{PART_SUFFIX}"))


def visible_parts(folder: Path) -> list[Path]:
    """The part files a reader should read: without the sources of complete compactions, nor the outputs of
    incomplete ones, so every row is read once, whatever instant of a compaction (or of its crash) it is."""
    parts = part_files(folder)
    hidden: set[Path] = set()
    for compaction in compactions(parts).values():
        hidden.update(compaction.present_sources(folder) if compaction.complete else compaction.outputs)
    return [path for path in parts if path not in hidden]
