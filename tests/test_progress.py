"""What a long build shows: progress on a terminal after about two seconds, one summary line
when the output goes to a file or a CI log."""
from __future__ import annotations

import io
import os
import pty
import re
import subprocess
import sys

from conftest import REPO, run_build
from showcase.progress import Progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_short_build_shows_nothing_and_a_long_one_its_stage_and_count():
    now = [0.0]
    stream = Terminal()
    progress = Progress(stream, clock=lambda: now[0])
    progress.stage("pages", 3000)
    progress.advance(10)
    assert stream.getvalue() == ""              # under two seconds: quiet
    now[0] = 2.5
    progress.advance(990)
    assert stream.getvalue().endswith("\rpages 1,000/3,000 (2 s)")
    now[0] = 2.55
    progress.advance()
    assert stream.getvalue().count("\r") == 1   # at most five updates a second
    now[0] = 3.0
    progress.stage("search index")
    assert stream.getvalue().endswith("\rsearch index (3 s)" + " " * 5)  # the longer line wiped
    progress.finish()
    assert stream.getvalue().endswith("\r")


def test_redirected_a_build_prints_one_summary_line(tmp_path):
    result = run_build("build", "--out", tmp_path / "out")
    assert result.returncode == 0
    assert "\r" not in result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1
    assert re.fullmatch(r"built \d+ pages and \d+ files into .+ in [0-9.]+ s \(\d+ unchanged\)",
                        lines[0])


def test_on_a_terminal_a_build_works_and_prints_its_summary(tmp_path):
    """Messages on a real terminal (a pseudo-terminal), where progress may be shown."""
    leader, follower = pty.openpty()
    result = subprocess.run([sys.executable, str(REPO / "build.py"), "build", "--out",
                             str(tmp_path / "out")], cwd=REPO, stdout=subprocess.PIPE,
                            stderr=follower, env={**os.environ, "PYTHONUTF8": "1"}, timeout=600)
    os.close(follower)
    os.close(leader)
    assert result.returncode == 0
    assert result.stdout.decode().startswith("built ")
