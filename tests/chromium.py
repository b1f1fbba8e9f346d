"""Headless Chromium driven over the DevTools protocol on a pipe, with no Python dependency.

Chromium started with ``--remote-debugging-pipe`` reads protocol messages from its file
descriptor 3 and writes replies and events to descriptor 4, each a JSON text ended by a NUL
byte. That is all a test needs to open a page, run script in it, click, and take a
screenshot, without Selenium, a driver binary or a websocket client.

Typical use::

    with Chromium(tmp_path / "profile") as browser:
        browser.open(page.as_uri())
        assert browser.evaluate("document.title") == "…"
        png = browser.screenshot()
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import Any, Self

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    "--mute-audio",
    "--force-color-profile=srgb",
    "--remote-debugging-pipe",
)
_TRAMPOLINE = (
    "import os, sys; os.dup2(int(sys.argv[1]), 3); os.dup2(int(sys.argv[2]), 4); "
    "os.execv(sys.argv[3], sys.argv[3:])"
)
NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


class ChromiumError(RuntimeError):
    """Chromium is missing, did not answer in time, or reported an error."""


def find_chromium() -> str:
    """The Chromium executable on ``PATH``; :class:`ChromiumError` saying how to get one."""
    for name in NAMES:
        found = shutil.which(name)
        if found:
            return found
    raise ChromiumError(
        "the preview tests need headless Chromium and found none of "
        f"{', '.join(NAMES)} on PATH; on Debian or Ubuntu: apt-get install chromium"
    )


class Chromium:
    """One headless Chromium with one page, closed by :meth:`close` (or ``with``)."""

    def __init__(self, profile: Path, *, width: int = 1280, height: int = 900) -> None:
        executable = find_chromium()
        profile.mkdir(parents=True, exist_ok=True)
        to_browser, self._commands = os.pipe()
        self._replies, from_browser = os.pipe()
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 (closed in close())
        # A small Python puts our pipe ends on descriptors 3 and 4, where Chromium looks for
        # them, and becomes Chromium (a shell's "3<&N" takes only one-digit descriptors).
        pipes = (str(to_browser), str(from_browser))
        self._process = subprocess.Popen(
            [
                sys.executable,
                "-c",
                _TRAMPOLINE,
                *pipes,
                executable,
                *FLAGS,
                f"--user-data-dir={profile}",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=self._stderr,
            pass_fds=(to_browser, from_browser),
        )
        os.close(to_browser)
        os.close(from_browser)
        self._buffer = b""
        self._next_id = 0
        self._events: list[dict[str, Any]] = []
        self.session = ""
        try:
            target = self.call("Target.createTarget", url="about:blank")["targetId"]
            self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)[
                "sessionId"
            ]
            self.resize(width, height)
            self.call("Page.enable")
            self.call("Network.enable")
        except BaseException:
            self.close()
            raise

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _stderr_tail(self) -> str:
        self._stderr.seek(0)
        return self._stderr.read()[-1500:].decode("utf-8", "replace")

    def _receive(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            ready, _, _ = select.select([self._replies], [], [], max(left, 0))
            if not ready:
                raise ChromiumError(f"Chromium did not answer in time:\n{self._stderr_tail()}")
            chunk = os.read(self._replies, 1 << 16)
            if not chunk:
                raise ChromiumError(f"Chromium exited:\n{self._stderr_tail()}")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        result: dict[str, Any] = json.loads(message)
        return result

    def call(self, method: str, timeout: float = 10, **params: Any) -> dict[str, Any]:
        """Send one protocol command to the page (or the browser, before one is attached)."""
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params}
        if self.session:
            message["sessionId"] = self.session
        try:
            os.write(self._commands, json.dumps(message).encode("utf-8") + b"\0")
        except BrokenPipeError:
            raise ChromiumError(f"Chromium exited:\n{self._stderr_tail()}") from None
        deadline = time.monotonic() + timeout
        while True:
            reply = self._receive(deadline)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise ChromiumError(f"{method}: {reply['error']}")
                result: dict[str, Any] = reply.get("result", {})
                return result
            if "method" in reply:
                self._events.append(reply)

    def events(self, method: str) -> list[dict[str, Any]]:
        """The parameters of every event ``method`` received so far."""
        return [event["params"] for event in self._events if event["method"] == method]

    def wait_for(self, method: str, timeout: float = 10) -> dict[str, Any]:
        """The parameters of the first event ``method``, waiting for it if it has not come."""
        deadline = time.monotonic() + timeout
        while True:
            for index, event in enumerate(self._events):
                if event["method"] == method:
                    del self._events[index]
                    params: dict[str, Any] = event["params"]
                    return params
            self._events.append(self._receive(deadline))

    def resize(self, width: int, height: int) -> None:
        """Make the page's viewport ``width`` by ``height`` CSS pixels."""
        self.call(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=False,
        )

    def open(self, url: str) -> None:
        """Load ``url`` and wait for its load event."""
        self.call("Page.navigate", url=url)
        self.wait_for("Page.loadEventFired")

    def evaluate(self, expression: str, timeout: float = 10) -> Any:
        """The value of a script expression in the page; a promise is waited for."""
        reply = self.call(
            "Runtime.evaluate",
            timeout=timeout,
            expression=expression,
            returnByValue=True,
            awaitPromise=True,
        )
        if "exceptionDetails" in reply:
            details = reply["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text")
            raise ChromiumError(f"script failed: {text}")
        return reply["result"].get("value")

    def screenshot(self, *, full_page: bool = False) -> bytes:
        """A PNG of the viewport, or of the whole page."""
        params: dict[str, Any] = {"format": "png"}
        if full_page:
            size = self.call("Page.getLayoutMetrics")["cssContentSize"]
            params["clip"] = {
                "x": 0,
                "y": 0,
                "scale": 1,
                **{key: size[key] for key in ("width", "height")},
            }
            params["captureBeyondViewport"] = True
        return base64.b64decode(self.call("Page.captureScreenshot", **params)["data"])

    def close(self) -> None:
        """Close the browser, wait for it, and release the pipes; safe to call twice."""
        if self._process.poll() is None:
            try:
                self.session = ""
                self.call("Browser.close", timeout=5)
            except (ChromiumError, OSError):
                pass  # it is going away either way; wait() below makes sure
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        for fd in (self._commands, self._replies):
            with contextlib.suppress(OSError):
                os.close(fd)
        self._commands = self._replies = -1
        self._stderr.close()
