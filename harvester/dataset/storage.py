"""Where the dataset lives: ``HARVEST_DATA_DIR`` resolved once to a filesystem and a root on it.

A local folder keeps the local-disk way of :mod:`.files` (hidden temporary,
fsync, rename, ``flock`` sweep). Anything else (``s3://bucket/prefix``, or a
URI of another filesystem pyarrow resolves: ``gs://``, ``abfs://``, ...) is
an *object store*: it has no rename and no lock, so a part file is written
to a local *spool* file (``HARVEST_SPOOL_DIR``), uploaded whole (one PUT, or
a multipart upload completed only at the end: an object appears whole or
not at all), checked, and the spool file removed. A process killed while
uploading leaves an unfinished multipart upload, which readers never see,
and a spool file, which the next writer on that machine sweeps.

Everything that reads the dataset (snapshots, the monitor's previous crawl,
resume after a kill, reconciliation, compaction, the crawl report) goes
through the same :class:`Storage`, so it works wherever the writer wrote.

Credentials and the endpoint of S3 come from the standard AWS variables
(environment, or settings of the same names), never from the URI: a URI with
credentials in it is refused, as is a scheme nobody knows, before any call.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import uuid
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from ..exceptions import ConfigurationError
from ..gateway.redaction import protect
from ..open1688.credentials import credential
from .files import TEMP_PREFIX, PartFile, SpooledFile, free_part_name, part_name, sweep_spool, sweep_temporaries

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings

#: The AWS variables an S3 dataset is configured with (settings of the same names win over the environment).
AWS_VARIABLES = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_REGION", "AWS_ENDPOINT_URL")
#: Query parameters that carry credentials in the URIs pyarrow accepts (``?secret_key=``, ``?access_key=``...).
_SECRET_QUERY = re.compile(r"key|secret|token|password|credential|sig", re.IGNORECASE)
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
#: ``s3:/bucket`` or ``s3:bucket``: a URI with a slash missing, which would otherwise become a local folder ``s3:``.
_ALMOST_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+:(?!//)")
#: Seconds an S3 connection may take to open, and a request to answer: a dead endpoint fails a check promptly.
S3_CONNECT_TIMEOUT = 10.0
S3_REQUEST_TIMEOUT = 60.0
#: How long pyarrow's Google Cloud Storage client retries (its default is 15 minutes: a missing credential would
#: hold ``scrapy doctor`` and the crawl's start that long before saying so).
GCS_RETRY_SECONDS = 10.0
PROBE_PREFIX = "_doctor-"


class StorageError(ConfigurationError):
    """``HARVEST_DATA_DIR`` (or the AWS settings) cannot work: the message says what to fix."""


def _value(settings: BaseSettings | Mapping[str, Any] | None, name: str) -> str:
    """An AWS credential, by the one rule every credential follows (``harvester.open1688.credentials``)."""
    return credential(settings, name)


def is_uri(value: str) -> bool:
    """``scheme://...``; a plain path (even one with a colon in it) is a local folder."""
    return _SCHEME.match(value) is not None


#: Why a URI with credentials in it is refused (its value is never quoted: it holds a secret).
CREDENTIALS_IN_URI = (
    "HARVEST_DATA_DIR carries credentials in its URI: remove them and set AWS_ACCESS_KEY_ID / "
    "AWS_SECRET_ACCESS_KEY (environment or -s) instead"
)


def has_credentials(uri: str) -> bool:
    parts = urlsplit(uri)
    in_userinfo = parts.password is not None or (parts.scheme.lower() in ("s3", "s3a") and parts.username is not None)
    return in_userinfo or any(_SECRET_QUERY.search(name) for name, _ in parse_qsl(parts.query, keep_blank_values=True))


def uri_problem(text: str) -> str | None:
    """What is wrong with ``HARVEST_DATA_DIR`` as written (but credentials in it: :func:`has_credentials`),
    judged without settings or a connection; None when it may work. :func:`resolve` checks the rest before any
    call."""
    if _ALMOST_URI.match(text):
        return (
            f"is neither a URI nor a plain folder: write {text.split(':', 1)[0]}://bucket/prefix "
            f"(or ./{text} for a local folder of that name)"
        )
    if not is_uri(text):
        return None
    parts = urlsplit(text)
    if parts.scheme.lower() in ("s3", "s3a"):
        if not parts.netloc:
            return "names no bucket: give s3://bucket/prefix"
        if parts.query:
            return (
                "has ?options: give s3://bucket/prefix; the region and endpoint come from AWS_REGION and "
                "AWS_ENDPOINT_URL"
            )
    return None


def protect_secrets(settings: BaseSettings | Mapping[str, Any] | None) -> None:
    """Mask the AWS secret and session token in every log line, whatever the dataset is (a crawl logs the
    settings given with ``-s`` before anything resolves its storage)."""
    protect([_value(settings, "AWS_SECRET_ACCESS_KEY"), _value(settings, "AWS_SESSION_TOKEN")])


def _s3(uri: str, settings: BaseSettings | Mapping[str, Any] | None) -> tuple[pafs.FileSystem, str]:
    parts = urlsplit(uri)
    bucket, prefix = parts.netloc, parts.path.strip("/")  # a bucket is there: uri_problem checked
    values = {name: _value(settings, name) for name in AWS_VARIABLES}
    key, secret = values["AWS_ACCESS_KEY_ID"], values["AWS_SECRET_ACCESS_KEY"]
    if bool(key) != bool(secret):
        missing = "AWS_SECRET_ACCESS_KEY" if key else "AWS_ACCESS_KEY_ID"
        raise StorageError(
            f"{missing} is not set while its pair is: set both, or neither to use the AWS profile or instance role"
        )
    protect_secrets(settings)
    options: dict[str, Any] = {
        "connect_timeout": S3_CONNECT_TIMEOUT,
        "request_timeout": S3_REQUEST_TIMEOUT,
        # Parts go up in the background, and a failed part fails the close instead of
        # completing the upload without it.
        "background_writes": True,
    }
    if key:
        options.update(access_key=key, secret_key=secret, session_token=values["AWS_SESSION_TOKEN"] or None)
    region = values["AWS_REGION"] or os.environ.get("AWS_DEFAULT_REGION", "")
    if region:
        options["region"] = region
    endpoint = values["AWS_ENDPOINT_URL"]
    if endpoint:
        # pyarrow does not read AWS_ENDPOINT_URL itself: it takes the host and the scheme apart.
        where = urlsplit(endpoint if "://" in endpoint else f"https://{endpoint}")
        if where.scheme not in ("http", "https") or not where.netloc or where.password is not None:
            raise StorageError(f"AWS_ENDPOINT_URL={endpoint} is not an endpoint: give e.g. http://127.0.0.1:9000")
        options.update(endpoint_override=where.netloc + where.path.rstrip("/"), scheme=where.scheme)
        options.setdefault("region", "us-east-1")
    return pafs.S3FileSystem(**options), f"{bucket}/{prefix}".rstrip("/")


def _other(uri: str) -> tuple[pafs.FileSystem, str]:
    """A URI of another filesystem: pyarrow's own, else fsspec's (when installed)."""
    scheme = urlsplit(uri).scheme.lower()
    if scheme in ("gs", "gcs"):
        parts = urlsplit(uri)
        gcs = pafs.GcsFileSystem(retry_time_limit=timedelta(seconds=GCS_RETRY_SECONDS))
        return gcs, f"{parts.netloc}/{parts.path.strip('/')}".rstrip("/")
    try:
        filesystem, root = pafs.FileSystem.from_uri(uri)
        return filesystem, root.rstrip("/")
    except pa.ArrowInvalid as error:
        if "Unrecognized filesystem type" not in str(error):
            raise StorageError(f"HARVEST_DATA_DIR={uri} is not a usable URI ({error})") from None
    except (OSError, pa.ArrowException) as error:
        raise StorageError(
            f"HARVEST_DATA_DIR={uri}: pyarrow cannot open {scheme}:// here ({str(error).splitlines()[0][:200]})"
        ) from None
    try:
        import fsspec  # noqa: PLC0415 (optional: only for schemes pyarrow lacks)
    except ImportError:
        fsspec = None
    if fsspec is not None and scheme in fsspec.available_protocols():
        filesystem, root = fsspec.core.url_to_fs(uri)
        return pafs.PyFileSystem(pafs.FSSpecHandler(filesystem)), root.rstrip("/")
    raise StorageError(
        f"HARVEST_DATA_DIR={uri}: unknown scheme {scheme}://; give a local folder, "
        "s3://bucket/prefix, or a URI pyarrow or fsspec knows (gs://, abfs://, ...)"
    )


def default_spool_dir() -> Path:
    return Path(tempfile.gettempdir()) / "harvester-spool"


@dataclass(frozen=True)
class Storage:
    """The dataset root on its filesystem. Paths are ``/``-separated strings on ``filesystem``."""

    #: What the user gave (for messages).
    uri: str
    filesystem: pafs.FileSystem = field(repr=False)
    root: str
    #: Where part files are built before their upload; None for a local dataset (built in place).
    spool: Path | None = None

    @property
    def local(self) -> bool:
        return self.spool is None

    def path(self, *parts: str) -> str:
        return "/".join((self.root, *parts)) if self.root else "/".join(parts)

    def show(self, path: str | None = None) -> str:
        """A path as the user would write it: a local path, or the URI of an object."""
        path = self.root if path is None else path
        if self.local:
            return path
        scheme = urlsplit(self.uri).scheme
        return f"{scheme}://{path}"

    # --- reading -------------------------------------------------------------

    def listing(self, folder: str) -> list[pafs.FileInfo]:
        """What is directly in ``folder`` (nothing when it does not exist), sorted by path.

        Object stores give modification times to the second in some answers and to the millisecond in others:
        they are cut to whole seconds, so that every listing of an object tells the same time (compaction's
        lineage tells a file from a later one of the same name by size and time).
        """
        infos = self.filesystem.get_file_info(pafs.FileSelector(folder, allow_not_found=True))
        if not self.local:
            infos = [
                info
                if info.mtime_ns is None
                else pafs.FileInfo(info.path, info.type, mtime_ns=info.mtime_ns // 10**9 * 10**9, size=info.size)
                for info in infos
            ]
        return sorted(infos, key=lambda info: info.path)

    def folders(self, folder: str) -> list[str]:
        return [info.path for info in self.listing(folder) if info.type == pafs.FileType.Directory]

    def info(self, path: str) -> pafs.FileInfo:
        return self.filesystem.get_file_info(path)

    def exists(self, path: str) -> bool:
        return self.info(path).type != pafs.FileType.NotFound

    def is_folder(self, path: str) -> bool:
        """A local folder, or a prefix with objects under it (or a bucket) on an object store."""
        return self.info(path).type == pafs.FileType.Directory

    def read_metadata(self, path: str) -> pq.FileMetaData:
        return pq.read_metadata(path, filesystem=self.filesystem)

    def dataset(self, paths: list[str], schema: pa.Schema) -> ds.Dataset:
        return ds.dataset(paths, schema=schema, format="parquet", filesystem=self.filesystem)

    def read_text(self, path: str) -> str:
        with self.filesystem.open_input_stream(path) as stream:
            return stream.read().decode("utf-8")

    # --- writing -------------------------------------------------------------

    def make_folder(self, folder: str) -> None:
        """Folders must exist before a file goes in, except on S3, which has none (creating one there would
        only add an empty marker object)."""
        if self.local:
            Path(folder).mkdir(parents=True, exist_ok=True)
        elif not isinstance(self.filesystem, pafs.S3FileSystem):
            self.filesystem.create_dir(folder, recursive=True)

    def part_file(self, folder: str, name: str, schema: pa.Schema, options: dict[str, Any]) -> PartFile | SpooledFile:
        """A part file being written: renamed into ``folder`` locally, uploaded from the spool otherwise."""
        if self.spool is None:
            return PartFile(Path(folder), name, schema, options)
        return SpooledFile(self.filesystem, f"{folder}/{name}", self.spool, schema, options)

    def free_part_name(self, folder: str, crawl_id: str, worker_id: str, seq: int) -> tuple[str, int]:
        """The first part name from ``seq`` on that no file has yet: a worker restarted under the same ids
        must not overwrite the files of its previous run."""
        if self.local:
            return free_part_name(Path(folder), crawl_id, worker_id, seq)
        taken = {info.base_name for info in self.listing(folder)}
        while part_name(crawl_id, worker_id, seq) in taken:
            seq += 1
        return part_name(crawl_id, worker_id, seq), seq

    def write_whole(self, path: str, data: bytes) -> None:
        """A small file that appears whole: temporary + rename locally, one PUT on an object store."""
        if self.local:
            target = Path(path)
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(data)
                os.replace(tmp, target)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
            return
        self.make_folder(path.rsplit("/", 1)[0])
        # One write of a small buffer, then the close sends it: nothing partial can appear.
        with self.filesystem.open_output_stream(path) as stream:
            stream.write(data)

    def delete(self, path: str) -> None:
        """Remove one file; one already gone is no error (another compact or sweep may have removed it)."""
        if self.local:
            Path(path).unlink(missing_ok=True)
            return
        with contextlib.suppress(FileNotFoundError):
            self.filesystem.delete_file(path)

    def sweep(self, older_than: float) -> list[str]:
        """Remove the temporary files dead writers left: part temporaries locally, spool files otherwise."""
        if self.spool is None:
            return [str(path) for path in sweep_temporaries(Path(self.root), older_than)]
        return [str(path) for path in sweep_spool(self.spool, older_than)]

    def check_writable(self) -> None:
        """Write and delete one small object under the root (OSError when that fails)."""
        if self.local:
            Path(self.root).mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=self.root, prefix=".doctor-"):
                pass
            return
        probe = self.path(f"{PROBE_PREFIX}{uuid.uuid4().hex}")
        self.write_whole(probe, b"harvester doctor: safe to delete\n")
        self.filesystem.delete_file(probe)
        if self.spool is not None:
            self.spool.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=self.spool, prefix=f"{TEMP_PREFIX}doctor-"):
                pass


def resolve(
    data_dir: str | os.PathLike[str] | Storage,
    settings: BaseSettings | Mapping[str, Any] | None = None,
    *,
    spool: str | os.PathLike[str] | None = None,
) -> Storage:
    """``HARVEST_DATA_DIR`` (a folder or a URI) as a :class:`Storage`; StorageError, before any call, when it
    cannot work. ``settings`` may carry the AWS variables and ``HARVEST_SPOOL_DIR``."""
    if isinstance(data_dir, Storage):
        return data_dir
    text = os.fspath(data_dir)
    if not text:
        raise StorageError("HARVEST_DATA_DIR is empty: give a folder or s3://bucket/prefix")
    if has_credentials(text):
        raise StorageError(CREDENTIALS_IN_URI)
    problem = uri_problem(text)
    if problem:
        raise StorageError(f"HARVEST_DATA_DIR={text} {problem}")
    if not is_uri(text) or text.lower().startswith("file://"):
        folder = urlsplit(text).path if is_uri(text) else text
        return Storage(text, pafs.LocalFileSystem(), os.path.abspath(os.path.expanduser(folder)))
    scheme = urlsplit(text).scheme.lower()
    filesystem, root = _s3(text, settings) if scheme in ("s3", "s3a") else _other(text)
    if isinstance(filesystem, pafs.LocalFileSystem):
        return Storage(text, filesystem, os.path.abspath(root))
    spool_dir = spool or (settings.get("HARVEST_SPOOL_DIR") if settings is not None else "") or default_spool_dir()
    return Storage(text, filesystem, root, Path(os.path.expanduser(os.fspath(spool_dir))).absolute())


def from_settings(settings: BaseSettings) -> Storage:
    return resolve(settings.get("HARVEST_DATA_DIR") or "", settings)


_by_crawler: weakref.WeakKeyDictionary[Crawler, Storage] = weakref.WeakKeyDictionary()


def storage_of(crawler: Crawler) -> Storage:
    """The crawl's dataset storage, resolved once and shared by the pipeline, the report and the readers."""
    if crawler not in _by_crawler:
        _by_crawler[crawler] = from_settings(crawler.settings)
    return _by_crawler[crawler]
