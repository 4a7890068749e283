"""`serve`: the preview rebuilds when an author saves, and shows a failed build in the browser."""
from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from conftest import REPO, SITES


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8")


def wait_for(url: str, predicate, seconds: float = 20) -> tuple[int, str]:
    deadline = time.monotonic() + seconds
    last = (0, "")
    while time.monotonic() < deadline:
        try:
            last = fetch(url)
            if predicate(*last):
                return last
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"gave up waiting; last answer {last[0]}: {last[1][:300]}")


@pytest.fixture
def preview(tmp_path):
    site = tmp_path / "site"
    shutil.copytree(SITES / "minimal", site)
    port = free_port()
    process = subprocess.Popen([sys.executable, str(REPO / "build.py"), "serve", "--site",
                                str(site), "--port", str(port)], cwd=REPO,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        yield site, f"http://127.0.0.1:{port}/"
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_preview_rebuilds_on_save_and_shows_failures(preview):
    site, base = preview
    report = site / "content/reports/longtan.md"
    status, page = wait_for(base + "reports/longtan/", lambda s, _: s == 200)
    assert "龙潭村" in page and "livereload" in page
    assert "script-src 'self' 'unsafe-inline'" in page  # the preview's reload script may run

    report.write_text(report.read_text("utf-8").replace("龙潭村坚持调解优先。", "龙潭村新添调解室。"),
                      "utf-8")
    wait_for(base + "reports/longtan/", lambda s, body: "龙潭村新添调解室" in body)

    report.write_text(report.read_text("utf-8").replace("category: 典型推介", "category: 不存在"),
                      "utf-8")
    status, page = wait_for(base, lambda s, _: s == 500)
    assert "content/reports/longtan.md:6: error:" in page

    report.write_text(report.read_text("utf-8").replace("category: 不存在", "category: 典型推介"),
                      "utf-8")
    wait_for(base, lambda s, _: s == 200)
