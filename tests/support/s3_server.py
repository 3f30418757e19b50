"""A private S3-compatible server (moto's server mode) on an ephemeral loopback port, for tests and benchmarks.

A real server process speaking S3 over HTTP, so that the dataset's object
storage path is exercised exactly as against a bucket elsewhere: pyarrow's
AWS SDK signs and sends real requests, multipart uploads included. Like
``tests.support.redis_server.RedisServer``, free of pytest; each test
takes a bucket of its own (:meth:`S3Server.bucket`).
"""

from __future__ import annotations

import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from types import TracebackType

import pyarrow.fs as pafs

#: Seconds a started server may take to answer.
_START_TIMEOUT = 60.0
#: moto accepts any credentials; these only have to look like some (and are nobody's secret).
ACCESS_KEY = "harvester-test-key"
SECRET_KEY = "harvester-test-secret"
REGION = "us-east-1"


class S3ServerMissing(RuntimeError):
    """moto's server mode is not installed: the tests' fixture skips (and the session fails for it)."""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class S3Server:
    """``python -m moto.server`` on 127.0.0.1 at a free port; ``endpoint`` is what ``AWS_ENDPOINT_URL`` takes."""

    def __init__(self) -> None:
        self.process: subprocess.Popen[bytes] | None = None
        self.port = 0
        self._dir = tempfile.mkdtemp(prefix="harvester-s3-")

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        """The AWS variables a crawl (or any client) needs to use this server, as a user would export them."""
        return {
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
            "AWS_REGION": REGION,
            "AWS_ENDPOINT_URL": self.endpoint,
        }

    def filesystem(self) -> pafs.S3FileSystem:
        return pafs.S3FileSystem(
            access_key=ACCESS_KEY,
            secret_key=SECRET_KEY,
            region=REGION,
            endpoint_override=f"127.0.0.1:{self.port}",
            scheme="http",
            allow_bucket_creation=True,
            allow_bucket_deletion=True,
        )

    def bucket(self) -> str:
        """A new empty bucket's name."""
        name = f"test-{uuid.uuid4().hex[:16]}"
        self.filesystem().create_dir(name)
        return name

    def drop(self, bucket: str) -> None:
        """Delete a bucket and everything in it."""
        self.filesystem().delete_dir(bucket)

    def start(self) -> S3Server:
        try:
            import flask  # noqa: F401, PLC0415
            import moto.server  # noqa: F401, PLC0415 (only to say what is missing)
        except ImportError as missing:
            raise S3ServerMissing(
                f"moto's server mode is not installed ({missing}): pip install -r requirements.txt"
            ) from None
        log = open(Path(self._dir) / "moto.log", "wb")  # noqa: SIM115 (closed with the process)
        try:
            # Another process may take the port between probing and binding: try a few.
            for _ in range(5):
                self.port = _free_port()
                self.process = subprocess.Popen(
                    [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
                if self._wait_ready():
                    return self
                self.stop()
        finally:
            log.close()
        raise RuntimeError(f"the moto server did not start; see {self._dir}/moto.log")

    def _wait_ready(self) -> bool:
        deadline = time.monotonic() + _START_TIMEOUT
        direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: never through a proxy
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                return False
            try:
                with direct.open(f"{self.endpoint}/moto-api/", timeout=5):
                    return True
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.05)  # polling a condition (the server answering), not a fixed wait
        return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.process = None

    def close(self) -> None:
        self.stop()
        for path in Path(self._dir).iterdir():
            path.unlink(missing_ok=True)
        Path(self._dir).rmdir()

    def __enter__(self) -> S3Server:
        try:
            return self.start()
        except BaseException:
            self.close()
            raise

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()
