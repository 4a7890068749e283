"""Paths from content never reach outside the site or the output folder, and a build killed at
any moment leaves the previous output whole."""
from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import REPO, SITES, run_build, snapshot


@pytest.fixture
def site(tmp_path) -> Path:
    folder = tmp_path / "site"
    shutil.copytree(SITES / "minimal", folder)
    return folder


def set_front_matter(site: Path, key: str, value: str) -> None:
    report = site / "content/reports/longtan.md"
    text = report.read_text("utf-8")
    report.write_text(text.replace("tags: [矛盾调解]", f"tags: [矛盾调解]\n{key}: {value}"), "utf-8")


def errors_of(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if ": error: " in line]


@pytest.mark.parametrize("key, value, phrase", [
    ("cover", "../../../../etc/passwd", "points outside the site folder"),
    ("cover", "/etc/passwd", "points outside the site folder"),
    ("slug", "../../etc", "may hold only lowercase letters"),
    ("slug", "a/b", "may hold only lowercase letters"),
])
def test_front_matter_paths_cannot_leave_the_site(site, tmp_path, key, value, phrase):
    set_front_matter(site, key, value)
    result = run_build("build", "--site", site, "--out", tmp_path / "out")
    assert result.returncode == 1
    (error,) = errors_of(result)
    assert error.startswith("content/reports/longtan.md:8: error:") and phrase in error
    assert not (tmp_path / "out").exists()


def test_pictures_in_the_text_cannot_leave_the_site(site, tmp_path):
    report = site / "content/reports/longtan.md"
    report.write_text(report.read_text("utf-8") + "\n![x](../../../../../etc/passwd)\n", "utf-8")
    result = run_build("check", "--site", site)
    assert result.returncode == 1
    (error,) = errors_of(result)
    assert error.startswith("content/reports/longtan.md:12: error:")
    assert "points outside the site folder" in error


def test_household_photos_and_ids_cannot_leave_the_site(site):
    honours = site / "data/households/2024-xupu-pingan.yaml"
    text = honours.read_text("utf-8").replace(
        "    members: 5\n", "    members: 5\n    photo: ../../../etc/passwd\n    id: ../x\n")
    honours.write_text(text, "utf-8")
    result = run_build("check", "--site", site)
    assert result.returncode == 1
    found = errors_of(result)
    assert any("'../../../etc/passwd' points outside the site folder" in e for e in found)
    assert any("the id '../x' may hold only" in e for e in found)


def test_links_to_files_outside_the_site_are_refused(site, tmp_path):
    secret = tmp_path / "secret.md"
    secret.write_text("---\ntitle: 外部文件\n---\n机密\n", "utf-8")
    (site / "content/reports/outside.md").symlink_to(secret)
    (site / "content/elsewhere").symlink_to(tmp_path, target_is_directory=True)
    (site / "content/reports/loop").symlink_to(site / "content", target_is_directory=True)
    result = run_build("build", "--site", site, "--out", tmp_path / "out")
    assert result.returncode == 1
    assert sorted(e.split(": error:")[0] for e in errors_of(result)) == [
        "content/elsewhere:1", "content/reports/outside.md:1"]
    assert "outside the site folder" in result.stderr


@pytest.mark.parametrize("out", [".", "content", "content/out", ".."])
def test_an_output_folder_that_would_destroy_the_site_is_refused(site, out):
    before = snapshot(site)
    result = run_build("build", "--site", site, "--out", site / out)
    assert result.returncode == 2
    assert "choose another --out" in result.stderr
    assert snapshot(site) == before


def test_a_folder_of_other_files_is_never_replaced(site, tmp_path):
    documents = tmp_path / "documents"
    documents.mkdir()
    (documents / "工作计划.docx").write_bytes(b"not a site")
    result = run_build("build", "--site", site, "--out", documents)
    assert result.returncode == 2
    assert (documents / "工作计划.docx").read_bytes() == b"not a site"


def test_a_build_killed_at_any_moment_leaves_a_whole_site(tmp_path):
    """Builds of the sample site are killed at random moments: the output is always either the
    previous site or the new one, byte for byte, never a mixture or nothing."""
    site = tmp_path / "site"
    site.mkdir()
    for name in ("site.yaml", "content", "data"):
        (shutil.copytree if (REPO / name).is_dir() else shutil.copy)(REPO / name, site / name)
    out = tmp_path / "out"
    assert run_build("build", "--site", site, "--out", out).returncode == 0
    old = snapshot(out)
    (site / "site.yaml").write_text((site / "site.yaml").read_text("utf-8").replace(
        "title: ", "title: 新版 "), "utf-8")
    assert run_build("build", "--site", site, "--out", tmp_path / "new").returncode == 0
    new = snapshot(tmp_path / "new")
    chance = random.Random(20261124)
    started = time.monotonic()
    for attempt in range(12):
        process = subprocess.Popen([sys.executable, str(REPO / "build.py"), "--site", str(site),
                                    "--out", str(out)], cwd=REPO, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        time.sleep(chance.uniform(0.3, 1.6))
        process.send_signal(signal.SIGKILL)
        process.wait()
        now = snapshot(out)
        assert now == old or now == new, f"attempt {attempt}: a mixture of two sites"
        if time.monotonic() - started > 120:
            break
    result = run_build("build", "--site", site, "--out", out)
    assert result.returncode == 0 and snapshot(out) == new
    assert sorted(os.listdir(tmp_path)) == ["new", "out", "site"]
