"""Headless Chromium for the report tests, driven over the DevTools protocol on a pipe.

``--remote-debugging-pipe`` makes Chromium read protocol messages on file
descriptor 3 and answer on 4 (JSON, each ended by a NUL byte): no port is
opened and nothing is downloaded. The tests load a report from a file,
measure what the browser laid out (``Runtime.evaluate``, which the page's
Content-Security-Policy does not restrict) and take a full-page screenshot.
Every wait is on the pipe, bounded by a deadline; nothing sleeps.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import select
import shutil
import subprocess
import time
from pathlib import Path
from types import TracebackType
from typing import Any

#: The flags that keep headless Chromium off the network and out of the machine's profile.
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--remote-debugging-pipe",
)


def chromium_path() -> str:
    """Debian's ``chromium``; the report tests fail (never skip) without it: see docs/report.md."""
    path = shutil.which("chromium")
    if path is None:
        raise AssertionError("the report tests need Chromium on PATH: apt-get install chromium (see docs/report.md)")
    return path


class Chromium:
    """One headless browser with one page; use as a context manager."""

    def __init__(self, profile_dir: Path, *, timeout: float = 60.0, width: int = 800):
        self.profile_dir = profile_dir
        self.timeout = timeout
        self.width = width
        self._process: subprocess.Popen[bytes] | None = None
        self._next_id = 0
        self._buffer = b""
        self._events: list[dict[str, Any]] = []
        self._session = ""

    def __enter__(self) -> Chromium:
        to_chrome, to_chrome_w = os.pipe()
        from_chrome, from_chrome_w = os.pipe()
        # Copies above any descriptor the child could collide with, moved to 3 and 4 in the child.
        child_in = fcntl.fcntl(to_chrome, fcntl.F_DUPFD_CLOEXEC, 10)
        child_out = fcntl.fcntl(from_chrome_w, fcntl.F_DUPFD_CLOEXEC, 10)
        for fd in (to_chrome, from_chrome_w):
            os.close(fd)

        def wire_pipes() -> None:
            os.dup2(child_in, 3)
            os.dup2(child_out, 4)

        self._process = subprocess.Popen(
            [chromium_path(), *FLAGS, f"--user-data-dir={self.profile_dir}", "about:blank"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            close_fds=False,
            preexec_fn=wire_pipes,
        )
        os.close(child_in)
        os.close(child_out)
        self._write_fd, self._read_fd = to_chrome_w, from_chrome
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self._session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        self.call("Page.enable")
        self.call(
            "Emulation.setDeviceMetricsOverride",
            {"width": self.width, "height": 1000, "deviceScaleFactor": 1, "mobile": False},
        )
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        assert self._process is not None
        try:
            self.call("Browser.close", session=False)
            self._process.wait(timeout=self.timeout)
        except (AssertionError, OSError, subprocess.TimeoutExpired):
            self._process.kill()
            self._process.wait()
        finally:
            os.close(self._write_fd)
            os.close(self._read_fd)

    # --- protocol -------------------------------------------------------------

    def call(self, method: str, params: dict[str, Any] | None = None, *, session: bool = True) -> dict[str, Any]:
        """Send one command (to the page's session unless ``session`` is False) and return its result."""
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session and self._session:
            message["sessionId"] = self._session
        os.write(self._write_fd, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + self.timeout
        while True:
            answer = self._receive(deadline)
            if answer.get("id") == self._next_id:
                if "error" in answer:
                    raise AssertionError(f"{method}: {answer['error']}")
                return answer["result"]
            self._events.append(answer)

    def _wait_event(self, method: str) -> dict[str, Any]:
        deadline = time.monotonic() + self.timeout
        while True:
            for event in self._events:
                if event.get("method") == method:
                    return event
            self._events.append(self._receive(deadline))

    def _receive(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            remaining = deadline - time.monotonic()
            ready, _, _ = select.select([self._read_fd], [], [], max(remaining, 0))
            if not ready:
                raise AssertionError(f"Chromium did not answer within {self.timeout} s")
            chunk = os.read(self._read_fd, 1 << 16)
            if not chunk:
                raise AssertionError("Chromium closed the DevTools pipe (it exited)")
            self._buffer += chunk
        message, _, self._buffer = self._buffer.partition(b"\0")
        return json.loads(message)

    # --- what the tests use -----------------------------------------------------

    def open(self, path: Path) -> None:
        """Load a file and return once its load event fired (everything inline has been parsed and laid out)."""
        self._events.clear()
        self.call("Page.navigate", {"url": path.resolve().as_uri()})
        self._wait_event("Page.loadEventFired")

    def evaluate(self, expression: str) -> Any:
        result = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        if "exceptionDetails" in result:
            raise AssertionError(f"script failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    def screenshot(self, height: int) -> bytes:
        """A PNG of the page's top ``height`` CSS pixels at the page's width, beyond the viewport if need be."""
        clip = {"x": 0, "y": 0, "width": self.width, "height": height, "scale": 1}
        shot = self.call("Page.captureScreenshot", {"format": "png", "clip": clip, "captureBeyondViewport": True})
        return base64.b64decode(shot["data"])
