"""A rebuild leaves the files that did not change exactly as they were (same modification time,
so a deploy by rsync sends nothing) and writes the ones that did, with the same bytes a build
into an empty folder gives; with nothing changed at all, the build cache (the site's .cache/)
skips the work, and any change, or a touched output, means the full build again."""
from __future__ import annotations

import collections
import json
import multiprocessing
import os
import pathlib
import pickle
import re
import shutil
import time

import pytest

from conftest import SITES, run_build, snapshot
from showcase import cache, commands, i18n, load, write
from showcase.errors import ContentError, Problems


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
    """Built again (--no-cache: the whole work done), every file is the same and left alone."""
    out = tmp_path / "out"
    assert run_build("build", "--site", site, "--out", out).returncode == 0
    before = times(out)
    again = run_build("build", "--site", site, "--out", out, "--no-cache")
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
    again = run_build("build", "--site", site, "--out", out)  # the count, as the build left it
    assert "(nothing changed since the last build)" in again.stdout
    assert built_count(again) == built_count(result) == len(after)
    assert run_build("build", "--site", site, "--out", fresh).returncode == 0
    assert snapshot(out) == snapshot(fresh)


def built_count(result) -> int:
    """Pages and files the build says the site has."""
    found = re.search(r"built (\d+) pages and (\d+) files", result.stdout)
    return int(found.group(1)) + int(found.group(2))


def test_with_nothing_changed_the_cache_skips_the_work(site, tmp_path):
    out = tmp_path / "out"
    assert run_build("build", "--site", site, "--out", out).returncode == 0
    before = snapshot(out), times(out)
    again = run_build("build", "--site", site, "--out", out)
    assert "(nothing changed since the last build)" in again.stdout
    assert (snapshot(out), times(out)) == before


@pytest.mark.parametrize("change", ["report", "template", "regions", "output", "cache"])
def test_any_change_means_the_full_build_again(site, tmp_path, change):
    out, fresh = tmp_path / "out", tmp_path / "fresh"
    assert run_build("build", "--site", site, "--out", out).returncode == 0
    if change == "report":
        report = site / "content" / "reports" / "longtan.md"
        report.write_text(report.read_text("utf-8") + "\n龙潭村还开设了周末家长课堂。\n", "utf-8")
    elif change == "template":
        (site / "templates").mkdir()
        (site / "templates" / "404.html").write_text(
            '{% extends "base.html" %}{% block main %}<p>页面不见了</p>{% endblock %}', "utf-8")
    elif change == "regions":
        regions = site / "data" / "regions.yaml"
        regions.write_text(regions.read_text("utf-8") + "\n", "utf-8")
    elif change == "output":
        next(out.rglob("*.js")).unlink()
    else:
        (site / ".cache" / "build.json").write_text("{broken", "utf-8")
    result = run_build("build", "--site", site, "--out", out)
    assert result.returncode == 0 and "nothing changed" not in result.stdout
    assert run_build("build", "--site", site, "--out", fresh, "--no-cache").returncode == 0
    assert snapshot(out) == snapshot(fresh)


def test_the_cache_key_holds_the_engine_and_the_options(site, tmp_path):
    from showcase.cache import engine_digest, fingerprint
    engine = tmp_path / "engine"
    engine.mkdir()
    (engine / "render.py").write_text("VERSION = 1\n", "utf-8")
    first = fingerprint(site, {"drafts": False}, engine)
    assert fingerprint(site, {"drafts": False}, engine) == first
    assert fingerprint(site, {"drafts": True}, engine) != first
    (engine / "render.py").write_text("VERSION = 2\n", "utf-8")
    engine_digest.cache_clear()  # the engine is digested once in a process: a new one is another
    assert fingerprint(site, {"drafts": False}, engine) != first


def test_a_build_stopped_while_moving_its_files_in_is_finished_by_the_next(site, tmp_path,
                                                                          monkeypatch):
    """The new files go into the output only once the whole site is made; a build stopped
    among those moves (a kill, a full disk) left its complete staging folder, and the next
    build first finishes it: never half a site for longer than that."""
    out = tmp_path / "out"
    commands.build(site, out, jobs=1)
    report = site / "content/reports/longtan.md"
    report.write_text(report.read_text("utf-8").replace("龙潭村坚持调解优先。",
                                                        "龙潭村坚持调解优先，每月评议一次。"),
                      "utf-8")
    (site / "content/reports/xupu-pingan.md").unlink()
    moves = []
    replace = os.replace

    def stopping(source, target):
        if len(moves) == 3:
            raise OSError(28, "No space left on device")
        moves.append(target)
        replace(source, target)

    monkeypatch.setattr(write.os, "replace", stopping)
    with pytest.raises(write.OutputError):
        commands.build(site, out, jobs=1)
    assert len(moves) == 3 and [p for p in tmp_path.iterdir() if p.name.startswith(".out.new")]
    monkeypatch.setattr(write.os, "replace", replace)
    fresh = tmp_path / "fresh"
    commands.build(site, fresh, jobs=1)
    (site / "content/reports/broken.md").write_text("---\ntitle: 缺少日期\n---\n正文。\n", "utf-8")
    with pytest.raises(ContentError):  # the next build fails, but first finishes the last one
        commands.build(site, out, jobs=1)
    assert snapshot(out) == snapshot(fresh)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def _digested(monkeypatch, site) -> list[str]:
    """The site's input files whose content is digested from here on (read, not recalled)."""
    from showcase import cache
    read: list[str] = []
    original = cache._content_digest

    def digest(path):
        if site in path.parents:
            read.append(path.relative_to(site).as_posix())
        return original(path)

    monkeypatch.setattr(cache, "_content_digest", digest)
    return read


def test_a_rebuild_recalls_the_inputs_it_read_instead_of_reading_them(site, tmp_path,
                                                                      monkeypatch):
    """At 10,000 reports the last build's inputs are 50 MB: a file whose size, times and
    inode are as recorded is not read again to know whether anything changed."""
    from showcase import cache
    monkeypatch.setattr(cache, "RACY_SECONDS", 0)  # the files were all written just now
    out = tmp_path / "out"
    commands.build(site, out, jobs=1, use_cache=True)
    read = _digested(monkeypatch, site)
    assert commands.build(site, out, jobs=1, use_cache=True).site is None  # nothing changed
    assert read == []

    (site / ".cache" / cache.INPUTS_RECORD).write_bytes(b"damaged")
    assert commands.build(site, out, jobs=1, use_cache=True).site is None
    assert "content/reports/longtan.md" in read  # read again, and recorded again


def test_a_first_build_reads_each_report_once(site, tmp_path, monkeypatch):
    """The record's key of a first build (no record to compare with) is worked out at its end
    from the digests of the files as they were read: the reports are not read a second time
    for it (at 10,000 reports, 50 MB)."""
    read = _digested(monkeypatch, site)
    commands.build(site, tmp_path / "out", jobs=1, use_cache=True)
    assert not [path for path in read if path.startswith("content/reports/")]
    assert commands.build(site, tmp_path / "out", jobs=1, use_cache=True).site is None


@pytest.mark.parametrize("change", ["edited", "removed", "added", "template"])
def test_inputs_changed_while_a_first_build_runs_make_the_next_build_work(
        site, tmp_path, monkeypatch, change):
    """A report edited after the build read it, one removed or added, or a template added
    while the first build runs: the next build does not take its output as current."""
    reports = site / "content" / "reports"
    original = commands.site_model

    def modelled_then_changed(*args, **kwargs):
        if change == "edited":
            report = reports / "longtan.md"
            report.write_text(report.read_text("utf-8") + "\n龙潭村还开设了周末家长课堂。\n",
                              "utf-8")
        elif change == "removed":
            (reports / "xupu-pingan.md").unlink()
        elif change == "added":
            shutil.copy(reports / "longtan.md", reports / "longtan-2.md")
        else:
            (site / "templates").mkdir()
            (site / "templates" / "404.html").write_text(
                '{% extends "base.html" %}{% block main %}<p>页面不见了</p>{% endblock %}',
                "utf-8")
        return original(*args, **kwargs)

    out, fresh = tmp_path / "out", tmp_path / "fresh"
    with monkeypatch.context() as patched:
        patched.setattr(commands, "site_model", modelled_then_changed)
        commands.build(site, out, jobs=1, use_cache=True)
    assert commands.build(site, out, jobs=1, use_cache=True).site is not None
    commands.build(site, fresh, jobs=1)
    assert snapshot(out) == snapshot(fresh)


def test_a_template_edited_while_the_pages_are_rendered_reaches_the_next_build_whole(
        site, tmp_path, monkeypatch):
    """The layout saved again while a build renders its pages: every page of that build has
    the layout as it was when the first page was rendered (none half of each), and the next
    build has the new one on every page."""
    from showcase import render
    layout = site / "templates" / "base.html"
    layout.parent.mkdir()
    original = (pathlib.Path(render.__file__).parent.parent / "templates" / "base.html")
    layout.write_text(original.read_text("utf-8") + "<!-- 版式一 -->\n", "utf-8")
    real_render_page = render.render_page
    rendered = []

    def render_then_edit(*args, **kwargs):
        result = real_render_page(*args, **kwargs)
        rendered.append(result[0].output_path)
        if len(rendered) == 1:
            layout.write_text(original.read_text("utf-8") + "<!-- 版式二 -->\n", "utf-8")
            later = time.time() + 10
            os.utime(layout, (later, later))
        return result

    out = tmp_path / "out"
    with monkeypatch.context() as patched:
        patched.setattr(render, "render_page", render_then_edit)
        commands.build(site, out, jobs=1, use_cache=True)
    pages = [out / path for path in rendered if path.endswith(".html")]
    assert len(pages) > 5
    assert all("版式一" in page.read_text("utf-8") for page in pages)
    commands.build(site, out, jobs=1, use_cache=True)
    assert all("版式二" in page.read_text("utf-8") for page in pages)


def test_an_edit_that_keeps_the_size_and_the_time_is_still_seen(site, tmp_path, monkeypatch):
    """A file written over with text of the same length, its modification time set back (as a
    copy or a sync tool may): its change time moved, so it is read, and the edit published."""
    from showcase import cache
    monkeypatch.setattr(cache, "RACY_SECONDS", 0)
    out = tmp_path / "out"
    commands.build(site, out, jobs=1, use_cache=True)
    report = site / "content/reports/longtan.md"
    before = report.stat()
    text = report.read_text("utf-8")
    report.write_text(text.replace("调解优先", "调解在先"), "utf-8")
    os.utime(report, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert report.stat().st_size == before.st_size
    assert commands.build(site, out, jobs=1, use_cache=True).site is not None
    assert "调解在先" in (out / "reports/longtan/index.html").read_text("utf-8")


def test_a_file_changed_just_before_the_record_is_always_read(site, monkeypatch):
    """Within RACY_SECONDS of the record, a second change could leave the same size and
    timestamp (a FAT stick keeps times to 2 s and has no change time): such a file is read
    every time until it has settled."""
    from showcase import cache
    report = site / "content/reports/longtan.md"
    first = cache.InputDigests(site)
    first.of(report)
    first.save()
    read = _digested(monkeypatch, site)
    cache.InputDigests(site).of(report)
    assert read == ["content/reports/longtan.md"]
    settled = cache.InputDigests(site)
    settled.recorded_at += (cache.RACY_SECONDS + 1) * 10**9
    settled.of(report)
    assert read == ["content/reports/longtan.md"]  # not read again


@pytest.mark.parametrize("how", ["one by one", "in one go", "kept and made"])
def test_two_files_on_one_path_whatever_the_case_are_refused(tmp_path, how):
    """Many hosts ignore the case of a path: two pages on reports/a/ and reports/A/ would be
    one file there, whether they are made one by one, kept from the previous output in one go
    (as the pages and search files are), or one kept and one made."""
    out = tmp_path / "out"
    (out / "reports").mkdir(parents=True)
    for name in ("a.html", "A.html"):
        (out / "reports" / name).write_text(name, "utf-8")
    before = write.listing(out)
    paths = ["reports/a.html", "reports/A.html"]
    with pytest.raises(write.OutputError, match="reports/"):
        with write.StagedOutput(out) as staging:
            if how == "one by one":
                for path in paths:
                    staging.write(path, b"new")
            elif how == "in one go":
                staging.keep_each(paths, [before[path] for path in paths])
            else:
                assert staging.keep_each(paths[:1], [before[paths[0]]]) == []
                staging.write(paths[1], b"new")
    assert write.listing(out) == before  # the previous output as it was


def texts_read(read: list[str]) -> set[str]:
    return {path for path in read if path.startswith(("content/", "data/households/"))}


def test_an_edit_reads_the_edited_text_and_no_other(site, tmp_path, monkeypatch):
    """At 10,000 reports, one edited: the others are as the last build read them (their
    digests key what the memo kept of them), so they are not read at all, nor are the files
    beside them (a picture is not even opened for its size); what reading one found (a control
    character removed) is told again all the same."""
    monkeypatch.setattr(cache, "RACY_SECONDS", 0)  # the files were all written just now
    (site / "content/reports/notes.txt").write_bytes("调解记录".encode() * 100)
    from PIL import Image
    Image.new("RGB", (64, 48), "white").save(site / "content/reports/photo.jpg")
    report = site / "content/reports/longtan.md"
    report.write_text(report.read_text("utf-8") + "\n![调解现场](photo.jpg)\n", "utf-8")
    measured = []
    picture_size = load.picture_size
    monkeypatch.setattr(load, "picture_size",
                        lambda path: measured.append(path.name) or picture_size(path))
    first_language = i18n.current()
    other = site / "content/reports/xupu-pingan.md"
    other.write_text(other.read_text("utf-8").replace("。", "\b。", 1), "utf-8")
    out = tmp_path / "out"
    first = commands.build(site, out, jobs=1, use_cache=True)
    warned = [str(w) for w in first.warnings if "U+0008" in w.message]
    assert len(warned) == 1 and "xupu-pingan.md" in warned[0]
    report.write_text(report.read_text("utf-8") + "\n龙潭村还开设了周末家长课堂。\n", "utf-8")
    read = []
    read_bytes = pathlib.Path.read_bytes
    monkeypatch.setattr(pathlib.Path, "read_bytes", lambda path: read.append(
        path.as_posix().removeprefix(f"{site.resolve()}/")) or read_bytes(path))
    measured.clear()
    again = commands.build(site, out, jobs=1, use_cache=True)
    assert texts_read(read) == {"content/reports/longtan.md"}
    assert measured == []  # the photo's size is recalled too
    assert 'width="64" height="48"' in (out / "reports/longtan/index.html").read_text("utf-8")
    read.clear()
    assert [str(w) for w in again.warnings if "U+0008" in w.message] == warned
    assert "周末家长课堂" in (out / "reports/longtan/index.html").read_text("utf-8")
    # built in the other language, what was found is told in its words (the file read again)
    report.write_text(report.read_text("utf-8") + "\n又一段。\n", "utf-8")
    other_language = "en" if i18n.current() == "zh" else "zh"
    try:
        i18n.choose(other_language)
        told = commands.build(site, out, jobs=1, use_cache=True)
        words = [w.message for w in told.warnings if "U+0008" in w.message]
    finally:
        i18n.choose(first_language)
    assert len(words) == 1 and words[0] not in warned[0]
    assert "content/reports/xupu-pingan.md" in texts_read(read)


def test_a_text_changed_after_it_was_found_unchanged_is_refused(site, monkeypatch):
    """A file the record says is unchanged, read later in the build for something the memo
    lacks, and found changed meanwhile: what is made of it would be kept under the digest of
    what it was, so the build stops and says to build again."""
    monkeypatch.setattr(cache, "RACY_SECONDS", 0)
    report = site / "content/reports/longtan.md"
    first = cache.InputDigests(site)
    load.read_text(site, report, Problems(), first)
    first.save()
    unread = load.read_text(site, report, Problems(), cache.InputDigests(site))
    assert isinstance(unread, load.UnreadText)
    report.write_text(report.read_text("utf-8") + "\n又一段。\n", "utf-8")
    with pytest.raises(ContentError) as refused:
        unread.text
    assert refused.value.problems[0].path == "content/reports/longtan.md"
    assert "build again" in str(refused.value)
    # raised in a forked worker, it reaches the build with its problems
    assert pickle.loads(pickle.dumps(refused.value)).problems == refused.value.problems


def test_a_change_in_a_folder_linked_into_the_site_is_seen(site, tmp_path):
    """The build reads a folder linked from inside the site (load.py): its files are part of
    what decides that nothing changed."""
    reports = site / "content/reports"
    (site / "archive").mkdir()
    (reports / "longtan.md").rename(site / "archive/longtan.md")
    (reports / "archive").symlink_to(site / "archive", target_is_directory=True)
    out = tmp_path / "out"
    commands.build(site, out, jobs=1, use_cache=True)
    assert commands.build(site, out, jobs=1, use_cache=True).site is None
    moved = site / "archive/longtan.md"
    moved.write_text(moved.read_text("utf-8").replace("调解优先", "调解为先"), "utf-8")
    assert commands.build(site, out, jobs=1, use_cache=True).site is not None
    assert "调解为先" in (out / "reports/longtan/index.html").read_text("utf-8")


def test_a_first_build_into_an_empty_folder_fills_it(site, tmp_path):
    """An empty output folder (as an author makes one first) is filled with the site, the
    same as a build into no folder, and no temporary folder stays beside it."""
    out, fresh = tmp_path / "out", tmp_path / "fresh"
    out.mkdir()
    assert run_build("build", "--site", site, "--out", out, "--no-cache").returncode == 0
    assert run_build("build", "--site", site, "--out", fresh, "--no-cache").returncode == 0
    assert snapshot(out) == snapshot(fresh)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fresh", "out", "site"]


def test_the_output_walked_in_parts_is_seen_whole(site, tmp_path, monkeypatch):
    """With nothing changed, a big site's output is walked in several processes, each a share
    of its folders and files: what they find together is the listing the last build recorded,
    and a file touched or removed in any share, or added anywhere, is seen (the full build
    follows); files in hidden folders never count."""
    out = tmp_path / "out"
    commands.build(site, out, use_cache=True, jobs=2)
    monkeypatch.setattr(cache, "NARROW", 2)  # the small site's folders dealt out too
    monkeypatch.setattr(cache, "WALKED_APART_AT", 0)
    (out / ".search-being-replaced").mkdir()
    (out / ".search-being-replaced" / "x.js").write_text("1", "utf-8")
    (out / "reports" / ".hidden").mkdir()
    (out / "reports" / ".hidden" / "y.js").write_text("1", "utf-8")
    recorded = cache.manifest(write.listing(out))
    assert {cache.folder_manifest(out, workers) for workers in (1, 2, 3)} == {recorded}
    assert commands.build(site, out, use_cache=True, jobs=2).site is None  # nothing to do
    files = sorted(path for path in write.listing(out) if "/" in path and "/." not in path
                   and not path.startswith("."))
    for change in (lambda path: os.utime(out / path, ns=(1, 1)),
                   lambda path: (out / path).unlink(),
                   lambda path: (out / path).with_name("new.html").write_text("", "utf-8")):
        for path in (files[0], files[len(files) // 2], files[-1]):
            outcome = commands.build(site, out, use_cache=True, jobs=2)
            assert outcome.site is None
            change(path)
            assert cache.folder_manifest(out, 2) != recorded
            assert commands.build(site, out, use_cache=True, jobs=2).site is not None
            recorded = cache.manifest(write.listing(out))


@pytest.mark.parametrize("ahead", ["listed", "failed"])
def test_the_output_listed_while_the_content_is_read_keeps_what_did_not_change(
        site, tmp_path, monkeypatch, ahead):
    """With more than one process the output folder is listed in one of its own while the
    content is read; from that listing (or, when it failed, the build's own) every file that
    did not change stays as it was and the rest is as a fresh build makes it."""
    out, fresh = tmp_path / "out", tmp_path / "fresh"
    commands.build(site, out, use_cache=True, jobs=2)
    if ahead == "failed":  # (the build and its search process each list the folder then)
        def failed(folder, total, sends):
            for send in sends:
                send.send(None)
                send.close()
        monkeypatch.setattr(write, "_list_into", failed)
    before = times(out)
    report = site / "content" / "reports" / "longtan.md"
    report.write_text(report.read_text("utf-8") + "\n龙潭村还开设了周末家长课堂。\n", "utf-8")
    outcome = commands.build(site, out, use_cache=True, jobs=2)
    after = times(out)
    changed = {path for path in after if after[path] != before.get(path)}
    assert 0 < len(changed) < len(after) / 2
    assert outcome.unchanged == len(after) - len(changed)
    commands.build(site, fresh, jobs=1)
    assert snapshot(out) == snapshot(fresh)


def test_the_output_is_listed_once_for_the_build_and_its_search_process(site, tmp_path,
                                                                        monkeypatch):
    """The output folder listed while the content is read is taken by the build and by the
    search process it forks meanwhile (before the listing is done, with 359,000 files to
    look at): neither lists the folder again."""
    out = tmp_path / "out"
    commands.build(site, out, use_cache=True, jobs=2)
    listed, listing = tmp_path / "listed", write.listing

    def noted(folder):
        if pathlib.Path(folder) == out.resolve():
            with listed.open("a", encoding="utf-8") as file:
                file.write(f"{os.getpid()}\n")
        return listing(folder)
    monkeypatch.setattr(write, "listing", noted)
    report = site / "content" / "reports" / "longtan.md"
    report.write_text(report.read_text("utf-8") + "\n龙潭村还开设了周末家长课堂。\n", "utf-8")
    outcome = commands.build(site, out, use_cache=True, jobs=2)
    assert 0 < len(outcome.site.reports)
    (lister,) = listed.read_text("utf-8").split()
    assert int(lister) != os.getpid()  # (the listing's own process)
    assert "周末家长课堂" in (out / "reports/longtan/index.html").read_text("utf-8")


def test_a_changed_build_records_its_output_as_it_stands(site, tmp_path):
    """A build with more than one process records the output it leaves from the previous
    output's files, added up as they were listed, and the files it changed; a page touched, a
    file removed and one added by hand since the last build count as they are: the next build,
    with nothing changed, does nothing."""
    out = tmp_path / "out"
    commands.build(site, out, use_cache=True, jobs=2)
    pages = sorted(path for path in write.listing(out) if path.endswith(".html"))
    os.utime(out / pages[3], ns=(1, 1))
    (out / pages[-2]).unlink()
    (out / "stray.html").write_text("", "utf-8")
    report = site / "content" / "reports" / "longtan.md"
    report.write_text(report.read_text("utf-8") + "\n龙潭村还开设了周末家长课堂。\n", "utf-8")
    assert commands.build(site, out, use_cache=True, jobs=2).site is not None
    record = json.loads((site / ".cache" / "build.json").read_text("utf-8"))
    assert record["manifest"] == cache.manifest(write.listing(out))
    assert commands.build(site, out, use_cache=True, jobs=2).site is None


def test_a_build_that_fails_leaves_no_process_behind(site, tmp_path, monkeypatch):
    """The process listing the output (slow, on a big site) is stopped with the build."""
    out = tmp_path / "out"
    commands.build(site, out, use_cache=True, jobs=2)
    list_into = write._list_into
    monkeypatch.setattr(write, "_list_into", lambda *args: time.sleep(30) or list_into(*args))
    (site / "content" / "reports" / "longtan.md").write_text("---\ntitle: [\n---\n", "utf-8")
    with pytest.raises(ContentError):
        commands.build(site, out, use_cache=True, jobs=2)
    assert multiprocessing.active_children() == []


@pytest.fixture
def helper_renders(tmp_path, monkeypatch):
    """Every build with two jobs forks its page helper at once (as when the search index is
    made before the pages), however few the pages; the file returned names, a line each, the
    process that rendered a page and the page (`rendered_by`)."""
    from showcase import render
    renderers, real = tmp_path / "renderers", render.render_page

    def noted(env, page, *args):
        with renderers.open("a", encoding="utf-8") as file:
            file.write(f"{os.getpid()} {page.output_path}\n")
        return real(env, page, *args)
    monkeypatch.setattr(render, "render_page", noted)
    monkeypatch.setattr(render, "HELPED_AT_LEAST", 0)
    monkeypatch.setattr(render, "HANDED_BACK_EVERY", 2)
    monkeypatch.setattr(write.ChildOutcome, "finished", lambda outcome: True)
    return renderers


def rendered_by(noted: pathlib.Path) -> dict[str, str]:
    """Each page rendered (as `helper_renders` noted them) and the process that rendered it."""
    return {path: pid for pid, path in map(str.split, noted.read_text("utf-8").splitlines())}


def test_pages_rendered_on_a_spare_core_make_the_site_one_process_makes(site, tmp_path,
                                                                        helper_renders):
    """Once the search index is made its core takes pages from the far end of the list: the
    site is the one a single process builds, and the cache records those pages as the others
    (a template changed in a comment alone renders every page again and writes none; a report
    edited writes its page)."""
    out = tmp_path / "out"
    commands.build(site, tmp_path / "one", jobs=1)
    helper_renders.unlink()
    commands.build(site, tmp_path / "two", jobs=2)
    renderers = collections.Counter(rendered_by(helper_renders).values())
    assert len(renderers) == 2 and renderers[str(os.getpid())] < sum(renderers.values())
    assert snapshot(tmp_path / "two") == snapshot(tmp_path / "one")
    outcome = commands.build(site, out, use_cache=True, jobs=2)
    assert snapshot(out) == snapshot(tmp_path / "one")
    before, pages = times(out), len(outcome.site.pages)
    templates = site / "templates"
    templates.mkdir()
    layout = (pathlib.Path(commands.__file__).parent.parent / "templates" / "base.html")
    (templates / "base.html").write_text(layout.read_text("utf-8") + "{# said once #}\n",
                                         "utf-8")
    helper_renders.unlink()
    outcome = commands.build(site, out, use_cache=True, jobs=2)
    assert len(rendered_by(helper_renders)) == pages
    assert times(out) == before and outcome.unchanged == len(before)
    report = site / "content" / "reports" / "longtan.md"
    report.write_text(report.read_text("utf-8") + "\n龙潭村还开设了周末家长课堂。\n", "utf-8")
    commands.build(site, out, use_cache=True, jobs=2)
    after = times(out)
    assert after["reports/longtan/index.html"] != before["reports/longtan/index.html"]
    assert "周末家长课堂" in (out / "reports/longtan/index.html").read_text("utf-8")
    commands.build(site, tmp_path / "fresh", jobs=1)
    assert snapshot(out) == snapshot(tmp_path / "fresh")


def test_pages_a_failed_helper_left_are_rendered_by_the_build(site, tmp_path, monkeypatch,
                                                             helper_renders, capfd):
    """The helper on a spare core is only help: when it stops with an error, the pages it did
    not hand back are rendered by the build itself, and the site is the one a single process
    builds; a page that cannot be rendered is the build's error, told as the author's."""
    from showcase import render
    helped, build_process = render.render_page, os.getpid()

    rendered = collections.Counter()

    def failing_in_the_helper(env, page, *args):  # (after handing back some of its pages)
        rendered[os.getpid()] += 1
        if os.getpid() != build_process and rendered[os.getpid()] > 5:
            raise RuntimeError("the helper stops")
        return helped(env, page, *args)
    monkeypatch.setattr(render, "render_page", failing_in_the_helper)
    commands.build(site, tmp_path / "one", jobs=1)
    helper_renders.unlink()
    commands.build(site, tmp_path / "two", jobs=2)
    renderers = collections.Counter(rendered_by(helper_renders).values())
    assert sorted(renderers.values())[0] == 5  # (the helper's, before it failed)
    assert snapshot(tmp_path / "two") == snapshot(tmp_path / "one")
    assert "Traceback" not in capfd.readouterr().err
    templates = site / "templates"
    templates.mkdir()
    (templates / "terms.html").write_text("{{ no_such_thing }}\n", "utf-8")
    with pytest.raises(ContentError, match="no_such_thing"):
        commands.build(site, tmp_path / "three", jobs=2)
    assert not (tmp_path / "three").exists()


def test_a_number_on_a_page_the_helper_wrote_stops_the_build(site, tmp_path, helper_renders):
    """A page the helper writes is audited where it is written: a personal number a template
    puts there stops the build, named at the built file and shown masked, and the previous
    output stays exactly as it was."""
    out = tmp_path / "out"
    commands.build(site, out, use_cache=True, jobs=2)
    before, listed = snapshot(out), times(out)
    templates = site / "templates"
    templates.mkdir()
    robots = pathlib.Path(commands.__file__).parent.parent / "templates" / "robots.txt"
    (templates / "robots.txt").write_text(
        robots.read_text("utf-8") + "# 值班手机 139-8765-4321\n", "utf-8")
    helper_renders.unlink()
    with pytest.raises(ContentError) as failed:
        commands.build(site, out, use_cache=True, jobs=2)
    assert rendered_by(helper_renders)["robots.txt"] != str(os.getpid())
    (problem,) = failed.value.problems
    assert problem.path == f"{out.as_posix()}/robots.txt" and "139****4321" in problem.message
    assert "139-8765-4321" not in problem.message
    assert snapshot(out) == before and times(out) == listed
