"""A rebuild leaves the files that did not change exactly as they were (same modification time,
so a deploy by rsync sends nothing) and writes the ones that did, with the same bytes a build
into an empty folder gives."""
from __future__ import annotations

import re
import shutil

import pytest

from conftest import SITES, run_build, snapshot


def times(folder):
    return {p.relative_to(folder).as_posix(): p.stat().st_mtime_ns
            for p in folder.rglob("*") if p.is_file()}


@pytest.fixture
def site(tmp_path):
    copy = tmp_path / "site"
    shutil.copytree(SITES / "minimal", copy)
    return copy


def unchanged_count(result) -> int:
    return int(re.search(r"\((\d+) unchanged\)", result.stdout).group(1))


def test_a_rebuild_with_nothing_changed_keeps_every_file_as_it_was(site, tmp_path):
    out = tmp_path / "out"
    assert run_build("build", "--site", site, "--out", out).returncode == 0
    before = times(out)
    again = run_build("build", "--site", site, "--out", out)
    assert again.returncode == 0
    assert times(out) == before
    assert unchanged_count(again) == len(before)


def test_a_changed_report_rewrites_what_shows_it_and_nothing_else(site, tmp_path):
    out, fresh = tmp_path / "out", tmp_path / "fresh"
    assert run_build("build", "--site", site, "--out", out).returncode == 0
    before = times(out)
    report = site / "content" / "reports" / "longtan.md"
    report.write_text(report.read_text("utf-8") + "\n龙潭村还开设了周末家长课堂。\n", "utf-8")
    result = run_build("build", "--site", site, "--out", out)
    assert result.returncode == 0
    after = times(out)
    changed = {path for path in after if after[path] != before.get(path)}
    assert any(path.startswith("reports/") and path.endswith("index.html") for path in changed)
    assert not any(path.startswith("static/") for path in changed)
    assert 0 < unchanged_count(result) < len(after)
    assert run_build("build", "--site", site, "--out", fresh).returncode == 0
    assert snapshot(out) == snapshot(fresh)
