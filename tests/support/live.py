"""A ``scrapy crawl`` subprocess a test steers while it runs: signals sent when its log says so, never after a sleep.

A thread reads the crawl's log (stderr) line by line; :meth:`LiveCrawl.wait_for`
blocks until a line matching a pattern has been seen a number of times (or the
process ended first), so a test can send Ctrl-C "after the first search page"
or "while the writer closes" on a saturated machine as on a quiet one.
"""

from __future__ import annotations

import re
import signal
import subprocess
import threading
from pathlib import Path
from types import TracebackType

from tests.support.crawls import ROOT

#: Scrapy's DEBUG line for an answered call, e.g. ``Crawled (200) <POST http://sandbox.invalid/.../product.search...``.
ANSWERED = r"Crawled \(200\) <POST \S+/{api}/"
SEARCH_PAGE = ANSWERED.format(api=re.escape("product.search.keywordQuery"))
DETAIL = ANSWERED.format(api=re.escape("product.search.queryProductDetail"))
#: The crawl finished its work and is closing (pipelines, the dataset writer).
CLOSING_FINISHED = re.escape("Closing spider (finished)")
GRACEFUL = re.escape("shutting down gracefully")
#: The embedded sandbox's address, as the crawl announces it.
EMBEDDED = r"running against the built-in sandbox at (http://127\.0\.0\.1:\d+)"


class LiveCrawl:
    """``command`` running in the project, its log collected; use as a context manager (killed if left running)."""

    def __init__(self, command: list[str], env: dict[str, str], log: Path | None = None):
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, errors="replace"
        )
        self.lines: list[str] = []
        self._log = log.open("w", encoding="utf-8") if log else None
        self._changed = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            if self._log is not None:
                self._log.write(line)
            with self._changed:
                self.lines.append(line.rstrip("\n"))
                self._changed.notify_all()
        with self._changed:
            self._changed.notify_all()

    def count(self, pattern: str) -> int:
        compiled = re.compile(pattern)
        with self._changed:
            return sum(1 for line in self.lines if compiled.search(line))

    def wait_for(self, pattern: str, times: int = 1, timeout: float = 240) -> re.Match[str] | None:
        """The ``times``-th line matching ``pattern`` once it is logged; None if the crawl ended first."""
        compiled = re.compile(pattern)
        seen = 0
        with self._changed:
            while True:
                for line in self.lines[seen:]:
                    match = compiled.search(line)
                    if match:
                        times -= 1
                        if times == 0:
                            return match
                seen = len(self.lines)
                if not self._reader.is_alive():
                    return None
                if not self._changed.wait(timeout):
                    raise AssertionError(
                        f"no progress for {timeout} s while waiting for {pattern!r}:\n" + "\n".join(self.lines[-40:])
                    )

    def interrupt(self) -> None:
        """Ctrl-C (SIGINT), if the crawl is still running."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)

    def finish(self, timeout: float = 240) -> int:
        try:
            code = self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise AssertionError(f"the crawl did not end within {timeout} s:\n" + self.log[-3000:]) from None
        self._reader.join(timeout)
        return code

    @property
    def log(self) -> str:
        with self._changed:
            return "\n".join(self.lines)

    def __enter__(self) -> LiveCrawl:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self._reader.join(30)
        if self.process.stderr is not None:
            self.process.stderr.close()
        if self._log is not None:
            self._log.close()
