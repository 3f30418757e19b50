"""A private ``redis-server`` on an ephemeral loopback port, for tests and benchmarks.

The machine's own Redis may hold other sessions' keys and may not exist on a
user's machine at all; a server of our own (no persistence, killed at the
end) keeps Redis tests and benchmarks hermetic. Beside
``harvester.sandbox.process.SandboxProcess``, and free of pytest, so that the
benchmarks use the same server the tests do.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

import redis

#: Seconds a started redis-server may take to accept connections.
_START_TIMEOUT = 20.0


class RedisServerMissing(RuntimeError):
    """``redis-server`` is not installed: the tests' fixture skips, a benchmark reports it."""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class RedisServer:
    """``redis-server`` on 127.0.0.1 at a free port; ``url`` is what ``REDIS_URL`` takes.

    Use ``start()``/``close()``, or ``with RedisServer() as server:``. A ``persistent`` server writes every
    command to its append-only file before answering, so ``kill()`` then ``restart()`` (same port) is an
    outage that loses nothing: what a crawl meets when its Redis goes away and comes back.
    """

    def __init__(self, *, persistent: bool = False) -> None:
        self.process: subprocess.Popen[bytes] | None = None
        self.port = 0
        self.persistent = persistent
        self._dir = tempfile.mkdtemp(prefix="harvester-redis-")

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url)

    def start(self) -> RedisServer:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RedisServerMissing("redis-server is not on PATH (Debian/Ubuntu: apt install redis-server)")
        # Another process may take the port between probing and binding: try a few.
        for _ in range(5):
            self.port = _free_port()
            if self._launch(binary):
                return self
        raise RuntimeError(f"redis-server did not start; see {self._dir}/redis.log")

    def _launch(self, binary: str) -> bool:
        durability = ["--appendonly", "yes", "--appendfsync", "always"] if self.persistent else ["--appendonly", "no"]
        self.process = subprocess.Popen(
            [
                binary,
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--save",
                "",
                *durability,
                "--dir",
                self._dir,
                "--logfile",
                str(Path(self._dir) / "redis.log"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        if self._wait_ready():
            return True
        self.stop()
        return False

    def kill(self) -> None:
        """SIGKILL: the server is gone at once (a persistent one keeps what it had acknowledged)."""
        self.stop()

    def restart(self) -> None:
        """Start again on the same port, with the same files."""
        binary = shutil.which("redis-server")
        assert binary is not None and self.port
        if not self._launch(binary):
            raise RuntimeError(f"redis-server did not start again on port {self.port}; see {self._dir}/redis.log")

    def _wait_ready(self) -> bool:
        deadline = time.monotonic() + _START_TIMEOUT
        client = self.client()
        try:
            while time.monotonic() < deadline:
                assert self.process is not None
                if self.process.poll() is not None:
                    return False
                try:
                    # Ours, not a server that took the port between probing and binding (ours then exits).
                    if client.info("server")["process_id"] == self.process.pid:
                        return True
                except redis.ConnectionError:
                    pass
                time.sleep(0.02)  # polling a condition (the server accepting connections), not a fixed wait
            return False
        finally:
            client.close()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.process = None

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self._dir, ignore_errors=True)

    def __enter__(self) -> RedisServer:
        try:
            return self.start()
        except BaseException:
            self.close()
            raise

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()
