"""``HARVEST_MEDIA_STORE``: downloaded media, each content stored once under the name of its SHA-256.

Path from the content, not the URL: the same picture reached by many
offers, SKUs and URLs (a seller uploads its banner twice; every size of
one colour shows the same swatch) is one file, whatever links to it. The
store is a local folder or object storage, through the dataset's own
:class:`~harvester.dataset.storage.Storage` (the same URIs and AWS
settings as ``HARVEST_DATA_DIR``); a file appears whole or not at all
(temporary and rename locally, one PUT on object storage), so a crash never
leaves a half file that a later crawl would take for stored. Its default is
``media_files`` beside the tables under ``HARVEST_DATA_DIR``: not inside
the ``media`` table's folder, which readers scan for Parquet files only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pyarrow.fs as pafs

from ..checks import guards
from ..dataset.storage import Storage, StorageError, resolve

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

#: Folder under HARVEST_DATA_DIR of the default store.
DEFAULT_FOLDER = "media_files"


def relative_path(checksum: str, extension: str) -> str:
    """``ab/cd/abcd….jpg``: two levels of 256 folders keep any folder small at millions of files."""
    return f"{checksum[:2]}/{checksum[2:4]}/{checksum}{extension}"


class MediaStore:
    def __init__(self, storage: Storage) -> None:
        self.storage = storage

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> MediaStore:
        """The store ``HARVEST_MEDIA_STORE`` names (empty: ``media_files`` under ``HARVEST_DATA_DIR``);
        StorageError saying what to fix, before any call, when it cannot work."""
        given = guards.value(settings, "HARVEST_MEDIA_STORE")
        if given:
            try:
                return cls(resolve(given, settings))
            except StorageError as error:
                raise StorageError(str(error).replace("HARVEST_DATA_DIR", "HARVEST_MEDIA_STORE")) from None
        data = resolve(guards.value(settings, "HARVEST_DATA_DIR"), settings)
        return cls(
            Storage(f"{data.uri.rstrip('/')}/{DEFAULT_FOLDER}", data.filesystem, data.path(DEFAULT_FOLDER), data.spool)
        )

    def show(self, path: str | None = None) -> str:
        return self.storage.show(None if path is None else self.storage.path(path))

    def has(self, path: str) -> bool:
        """Blocking (a HEAD on object storage): call it from a thread."""
        return self.modified(path) is not None

    def modified(self, path: str) -> float | None:
        """When the file was written (seconds since the epoch), None when it is not there. Blocking."""
        info = self.storage.info(self.storage.path(path))
        if info.type == pafs.FileType.NotFound:
            return None
        return info.mtime.timestamp() if info.mtime is not None else 0.0

    def put(self, path: str, data: bytes) -> None:
        """Blocking: call it from a thread."""
        self.storage.write_whole(self.storage.path(path), data)
