"""Shared fixtures: the bundled sample site built once, and a local server that puts a built site
under a sub-path (/sub/), as a county website would host it."""
from __future__ import annotations

import functools
import http.server
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from showcase import i18n

os.environ["LANGUAGE"] = "en"
"""Messages in English (the code's own words) unless a test asks for Chinese: builds run here
and in the build.py processes the tests start (i18n.py)."""

REPO = Path(__file__).resolve().parent.parent
SITES = Path(__file__).resolve().parent / "sites"


@pytest.fixture(autouse=True)
def messages_in_english(monkeypatch):
    """Each test starts in English, whatever language a test before it chose in this process
    (build.py's main() chooses the language it is asked for, i18n.choose)."""
    monkeypatch.setenv("LANGUAGE", "en")
    i18n.choose("en")


@pytest.fixture(scope="session", autouse=True)
def fixture_sites_without_caches():
    """Tests that build a fixture site where it lies leave its .cache/ there (git ignores it):
    each run starts without them, as on a fresh clone, so no run depends on an earlier one."""
    for cache in [*SITES.glob("*/.cache"), REPO / ".cache"]:
        shutil.rmtree(cache, ignore_errors=True)


def run_build(*args: str | Path) -> subprocess.CompletedProcess:
    """Run build.py as an author would, its output read as UTF-8 whatever the locale (messages
    quote Chinese text); whatever happens, it never shows a traceback."""
    env = {**os.environ, "PYTHONUTF8": "1", "PYTHONIOENCODING": "utf-8"}
    result = subprocess.run([sys.executable, str(REPO / "build.py"), *map(str, args)], cwd=REPO,
                            capture_output=True, encoding="utf-8", errors="replace", env=env,
                            timeout=600)
    assert "Traceback" not in result.stderr + result.stdout, result.stderr
    return result


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file below `folder` with its bytes, to compare builds exactly (a hidden folder is
    a previous build's search index still being removed, in a thread, beside the new one)."""
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*"))
            if p.is_file() and not p.relative_to(folder).parts[0].startswith(".")}


@pytest.fixture(scope="session")
def sample_output(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sample") / "output"
    result = run_build("build", "--out", out)
    assert result.returncode == 0, result.stderr
    return out


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync"]


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright (its own browser downloads are never used)."""
    from playwright.sync_api import sync_playwright
    with sync_playwright() as driver:
        chromium = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS,
                                          headless=True)
        yield chromium
        chromium.close()


class _SubPathHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the folder at /sub/ only; anything outside the prefix is a 404, as on a real host."""

    prefix = "/sub"

    def translate_path(self, path):
        if not (path == self.prefix or path.startswith(self.prefix + "/")):
            return str(Path(self.directory) / "..outside-the-prefix" / "missing")
        return super().translate_path(path[len(self.prefix):] or "/")

    def log_message(self, *args):
        pass


class _QuietServer(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        """A browser that drops a connection it no longer needs is not a test failure."""


@pytest.fixture(scope="session")
def serve_sub():
    """A function that serves a folder under http://127.0.0.1:PORT/sub/ for the session."""
    servers = []

    def start(folder: Path) -> str:
        handler = functools.partial(_SubPathHandler, directory=str(folder))
        server = _QuietServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/sub/"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def search_page(browser, sample_output, serve_sub):
    """The sample site's search page under /sub/, ready for window.showcase.search; a script
    error on it fails the module's tests."""
    context = browser.new_context()
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(serve_sub(sample_output) + "search/index.html")
    page.wait_for_function("() => window.showcase && window.showcase.search")
    yield page
    assert errors == []
    context.close()
