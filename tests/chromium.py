"""Headless Chromium driven over the DevTools protocol, with nothing but the standard library.

Chromium is started with --remote-debugging-pipe: it reads JSON commands, each ended by a NUL
byte, on its file descriptor 3 and writes answers and events on its descriptor 4. A page opened
with `Browser.page(url)` records what a test asserts on: console messages and uncaught
exceptions, and every network request the page made.
"""
from __future__ import annotations

import base64
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
         "--no-default-browser-check", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--disable-extensions", "--disable-default-apps", "--mute-audio",
         "--hide-scrollbars", "--disable-quic", "--remote-debugging-pipe"]


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


class ProtocolError(RuntimeError):
    pass


@dataclass
class Page:
    browser: "Browser"
    session: str
    console: list[dict] = field(default_factory=list)   # {"type", "text"}
    exceptions: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)   # every URL the page asked for

    def send(self, method: str, params: dict | None = None, timeout: float = 30) -> dict:
        return self.browser.send(method, params, self.session, timeout)

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page (JSON-able values only)."""
        answer = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                                "awaitPromise": True})
        if "exceptionDetails" in answer:
            raise ProtocolError(f"{expression!r} threw: {answer['exceptionDetails']}")
        return answer["result"].get("value")

    def errors(self) -> list[str]:
        """Console errors and uncaught exceptions seen so far."""
        return [m["text"] for m in self.console if m["type"] in ("error", "assert")] + self.exceptions

    def set_viewport(self, width: int, height: int, mobile: bool = False, scale: float = 1) -> None:
        self.send("Emulation.setDeviceMetricsOverride", {"width": width, "height": height,
                                                          "deviceScaleFactor": scale, "mobile": mobile})

    def screenshot(self, path: Path, full_page: bool = True, max_height: int | None = None) -> None:
        """A PNG of the page: all of it (full_page), or its top max_height pixels."""
        params: dict = {"format": "png"}
        if full_page:
            width, height = self.evaluate("[document.documentElement.scrollWidth,"
                                          " document.documentElement.scrollHeight]")
            height = min(height, max_height or height)
            params.update(captureBeyondViewport=True,
                          clip={"x": 0, "y": 0, "width": width, "height": height, "scale": 1})
        data = self.send("Page.captureScreenshot", params, timeout=60)["data"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))

    def close(self) -> None:
        self.browser.send("Target.closeTarget", {"targetId": self.browser.targets.pop(self.session)})


class Browser:
    def __init__(self, executable: str | None = None):
        executable = executable or find_chromium()
        if executable is None:
            raise FileNotFoundError("no Chromium found (Debian: apt-get install chromium)")
        self.profile = tempfile.mkdtemp(prefix="cnngrade-chromium-")
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()

        def descriptors() -> None:  # in the child: the pipe ends become its fds 3 and 4
            read_end, write_end = os.dup(to_browser_r), os.dup(from_browser_w)
            os.dup2(read_end, 3)
            os.dup2(write_end, 4)

        self.process = subprocess.Popen([executable, *FLAGS, f"--user-data-dir={self.profile}", "about:blank"],
                                        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL, preexec_fn=descriptors, close_fds=False)
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._buffer = b""
        self._next_id = 0
        self.pages: dict[str, Page] = {}
        self.targets: dict[str, str] = {}

    # -- the wire
    def _read_message(self, deadline: float) -> dict:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("Chromium did not answer in time")
            ready, _, _ = select.select([self._from_browser], [], [], left)
            if ready:
                chunk = os.read(self._from_browser, 1 << 20)
                if not chunk:
                    raise ProtocolError("Chromium closed the DevTools pipe")
                self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def _event(self, message: dict) -> None:
        page = self.pages.get(message.get("sessionId", ""))
        if page is None:
            return
        method, params = message["method"], message.get("params", {})
        if method == "Runtime.consoleAPICalled":
            text = " ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", []))
            page.console.append({"type": params.get("type", ""), "text": text})
        elif method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            page.exceptions.append(details.get("exception", {}).get("description") or details.get("text", ""))
        elif method == "Log.entryAdded":
            entry = params.get("entry", {})
            page.console.append({"type": entry.get("level", ""), "text": entry.get("text", "")})
        elif method == "Network.requestWillBeSent":
            page.requests.append(params["request"]["url"])

    def send(self, method: str, params: dict | None = None, session: str | None = None,
             timeout: float = 30, until_event: str | None = None) -> dict:
        self._next_id += 1
        ident = self._next_id
        message: dict = {"id": ident, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        answer = None
        event_seen = until_event is None
        while answer is None or not event_seen:
            incoming = self._read_message(deadline)
            if incoming.get("id") == ident:
                if "error" in incoming:
                    raise ProtocolError(f"{method}: {incoming['error']}")
                answer = incoming.get("result", {})
            elif "method" in incoming:
                self._event(incoming)
                if incoming["method"] == until_event and incoming.get("sessionId") == session:
                    event_seen = True
        return answer

    # -- pages
    def page(self, url: str, width: int = 1100, height: int = 900, mobile: bool = False) -> Page:
        """Open url in a new tab and wait for its load event, recording console and network."""
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        page = Page(self, session)
        self.pages[session] = page
        self.targets[session] = target
        for domain in ("Page", "Runtime", "Log", "Network"):
            page.send(f"{domain}.enable")
        page.set_viewport(width, height, mobile)
        self.send("Page.navigate", {"url": url}, session, timeout=60, until_event="Page.loadEventFired")
        page.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
        return page

    def close(self) -> None:
        try:
            self.send("Browser.close", timeout=10)
        except (ProtocolError, TimeoutError, OSError):
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        for fd in (self._to_browser, self._from_browser):
            try:
                os.close(fd)
            except OSError:
                pass
        shutil.rmtree(self.profile, ignore_errors=True)

    def __enter__(self) -> "Browser":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
