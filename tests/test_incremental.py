"""A build with the cache (the site's .cache/: kept Markdown, search keys and the page record)
never shows anything stale: after every kind of change an author or an upgrade makes, it gives
byte for byte what a --no-cache build into an empty folder gives, and it renders again only the
pages the change shows on."""
from __future__ import annotations

import dataclasses
import datetime as dt
import gc
import os
import pickle
import shutil
import sqlite3
import types

import pytest

from conftest import REPO, SITES, snapshot
from showcase import commands, dependencies, memo, parallel, render, validate
from showcase.markup import Rendered
from showcase.memo import Held
from showcase.model import Household, Report, Term, pack
from showcase.search import documents, index, postings, state


@pytest.fixture
def site(tmp_path):
    copy = tmp_path / "site"
    shutil.copytree(SITES / "minimal", copy)
    return copy


def build(site, out, **options):
    return commands.build(site, out, use_cache=True, jobs=1, **options)


def times(folder):
    return {p.relative_to(folder).as_posix(): p.stat().st_mtime_ns
            for p in folder.rglob("*") if p.is_file()}


def assert_as_fresh(site, out, tmp_path):
    """The cached build's output is what a build without the cache makes."""
    fresh = tmp_path / "fresh"
    shutil.rmtree(fresh, ignore_errors=True)
    commands.build(site, fresh, jobs=1)
    assert snapshot(out) == snapshot(fresh)


def edit(path, old, new):
    text = path.read_text("utf-8")
    assert old in text
    path.write_text(text.replace(old, new), "utf-8")


def page(out, name):
    return (out / name).read_text("utf-8")


def search_text(out):
    return "".join(p.read_text("utf-8") for p in sorted((out / "search").rglob("*.js")))


LONGTAN = "content/reports/longtan.md"
XUPU = "content/reports/xupu-pingan.md"
NEWER = """---
title: 幸福社区开设周末家长课堂
unit: 桥江镇综治办
date: 2024-03-01
region: 湖南省/怀化市/溆浦县/桥江镇/幸福社区
category: 经验交流
tags: [矛盾调解]
---

幸福社区每周六开设家长课堂，邀请民警讲解防诈骗知识。
"""


def test_an_edited_report_changes_its_page_and_search_entries_and_only_what_shows_it(
        site, out_dir_pair):
    out, tmp_path = out_dir_pair
    build(site, out)
    before = times(out)
    edit(site / LONGTAN, "龙潭村坚持调解优先。", "龙潭村坚持调解优先，开设了乡贤评理堂。")
    outcome = build(site, out)
    after = times(out)
    changed = {path for path in after if after[path] != before.get(path)}
    longtan = next(p for p in changed if p.startswith("reports/") and p.endswith("index.html"))
    assert "乡贤评理堂" in page(out, longtan)
    assert "乡贤评理堂" in search_text(out)
    assert not any(p.startswith("households/") for p in changed)  # no household shows it
    assert outcome.unchanged > len(after) / 2
    assert_as_fresh(site, out, tmp_path)


def test_a_site_folder_moved_elsewhere_keeps_what_it_made(site, tmp_path, monkeypatch):
    """Copied to another disk (its .cache/ with it), the site is the same site: the pages and
    texts made with its pictures depend on where they are published, not where they lie, so a
    report edited after the move is rendered again alone, with the pages an edit in place
    renders."""
    from PIL import Image
    Image.new("RGB", (40, 30), "red").save(site / "content/reports/longtan.png")
    edit(site / LONGTAN, "龙潭村坚持调解优先。", "龙潭村坚持调解优先。\n\n![调解室](longtan.png)\n")
    rendered, pages = [], []
    render_report, render_page = validate.render_report, render.render_page
    monkeypatch.setattr(validate, "render_report",
                        lambda report, *rest: rendered.append(report.source)
                        or render_report(report, *rest))
    monkeypatch.setattr(render, "render_page",
                        lambda env, page, *rest: pages.append(page.url)
                        or render_page(env, page, *rest))
    done = {}
    for way in ("in place", "moved"):
        here, out = tmp_path / way, tmp_path / f"{way} out"
        shutil.copytree(site, here)
        build(here, out)
        if way == "moved":
            here = here.rename(tmp_path / "elsewhere")
        edit(here / XUPU, "全县九成以上家庭参与创建。", "全县九成以上家庭参与创建，户户签订承诺书。")
        rendered.clear(), pages.clear()
        build(here, out)
        done[way] = (list(rendered), sorted(pages))
    assert done["moved"] == done["in place"]
    assert done["moved"][0] == [XUPU] and "households/" not in "".join(done["moved"][1])


def test_a_changed_title_reaches_the_neighbours_links_and_the_lists(site, out_dir_pair):
    out, tmp_path = out_dir_pair
    build(site, out)
    edit(site / LONGTAN, "title: 龙潭村:", "title: 龙潭村新机制:")
    build(site, out)
    pages = [p for p in snapshot(out) if p.endswith(".html")]
    showing = [p for p in pages if "龙潭村新机制" in page(out, p)]
    assert "index.html" in showing and "reports/index.html" in showing
    assert len(showing) >= 4  # its page, the neighbour's link, lists, its category and tag
    assert "龙潭村新机制" in search_text(out)
    assert_as_fresh(site, out, tmp_path)


def test_an_added_report_joins_the_lists_and_its_neighbours_links(site, out_dir_pair):
    out, tmp_path = out_dir_pair
    build(site, out)
    (site / "content/reports/xingfu-ketang.md").write_text(NEWER, "utf-8")
    build(site, out)
    assert "幸福社区开设周末家长课堂" in page(out, "index.html")
    neighbours = [p for p in snapshot(out) if p.startswith("reports/") and p.endswith(".html")
                  and "幸福社区开设周末家长课堂" in page(out, p)]
    assert len(neighbours) >= 2  # its own page and the previous newest report's newer link
    assert "家长课堂" in search_text(out)
    assert_as_fresh(site, out, tmp_path)


def test_a_kept_report_or_list_holds_while_what_it_named_is_published_as_it_was(
        site, out_dir_pair, monkeypatch):
    """A report or honour list kept from the last build is made again only when something it
    named (another report, a file beside it or under static/, a picture's copies) is published
    elsewhere now: a file or report added that nothing names makes nothing again and renders
    no page; a moved picture or report makes again exactly what shows or links to it."""
    from PIL import Image
    out, tmp_path = out_dir_pair
    Image.new("RGB", (40, 30), "red").save(site / "content/reports/longtan.png")
    edit(site / LONGTAN, "龙潭村坚持调解优先。", "龙潭村坚持调解优先。\n\n![调解室](longtan.png)\n")
    edit(site / XUPU, "全县九成以上家庭参与创建。", "全县九成以上家庭参与创建，[龙潭村](longtan.md)调解优先。")
    (site / "static/photos").mkdir(parents=True)
    Image.new("RGB", (40, 30), "blue").save(site / "static/photos/zhang.png")
    edit(site / "data/households/2024-xupu-pingan.yaml", "    members: 5\n",
         "    members: 5\n    photo: photos/zhang.png\n")
    made, pages = [], []
    render_report, read_honour_list = validate.render_report, validate.read_honour_list
    render_page = render.render_page
    monkeypatch.setattr(validate, "render_report", lambda report, *rest: made.append(
        report.source) or render_report(report, *rest))
    monkeypatch.setattr(validate, "read_honour_list", lambda source, *rest: made.append(
        source.path) or read_honour_list(source, *rest))
    monkeypatch.setattr(render, "render_page", lambda env, page, *rest: pages.append(
        page.url) or render_page(env, page, *rest))

    def build_again():  # what was made again, and what pages were rendered again
        made.clear(), pages.clear()
        build(site, out)
        again = sorted(made), sorted(pages)
        assert_as_fresh(site, out, tmp_path)
        return again

    build(site, out)
    (site / "content/reports/notice.txt").write_text("通知", "utf-8")
    Image.new("RGB", (40, 30), "green").save(site / "static/photos/li.png")
    assert build_again() == ([], [])
    assert any(p.name.startswith("notice.") for p in (out / "media").rglob("*"))
    (site / "content/reports/xingfu-ketang.md").write_text(NEWER, "utf-8")
    assert build_again()[0] == ["content/reports/xingfu-ketang.md"]
    Image.new("RGB", (1200, 900), "red").save(site / "content/reports/longtan.png")
    assert build_again()[0] == [LONGTAN]
    assert "srcset" in page(out, "reports/longtan/index.html")
    Image.new("RGB", (1200, 900), "blue").save(site / "static/photos/zhang.png")
    remade, rendered = build_again()
    assert remade == ["data/households/2024-xupu-pingan.yaml"]
    assert not any(url.startswith("reports/") for url in rendered)
    edit(site / LONGTAN, "title:", "slug: longtan-tiaojie\ntitle:")
    assert build_again()[0] == [LONGTAN, XUPU]
    assert "reports/longtan-tiaojie/" in page(out, "reports/xupu-pingan/index.html")
    (site / "static/css").mkdir()  # the site's own style sheet, which every page links to
    (site / "static/css/site.css").write_text((REPO / "static/css/site.css").read_text("utf-8")
                                              + "\nbody { color: #111; }\n", "utf-8")
    remade, rendered = build_again()
    assert remade == [] and "reports/longtan-tiaojie/" in rendered and "" in rendered


def test_a_report_dated_ahead_is_published_on_its_day_and_other_days_render_nothing(
        site, out_dir_pair, monkeypatch):
    out, tmp_path = out_dir_pair
    ahead = NEWER.replace("2024-03-01", "2030-01-02")
    (site / "content/reports/xingfu-ketang.md").write_text(ahead, "utf-8")
    build(site, out, today=dt.date(2030, 1, 1))
    assert "幸福社区开设周末家长课堂" not in page(out, "index.html")
    rendered = []
    render_page = render.render_page
    monkeypatch.setattr(render, "render_page", lambda *a: rendered.append(a[1]) or render_page(*a))
    build(site, out, today=dt.date(2029, 12, 31))
    assert rendered == []  # another day, the same reports: no page rendered again
    build(site, out, today=dt.date(2030, 1, 2))
    assert "幸福社区开设周末家长课堂" in page(out, "index.html")
    fresh = tmp_path / "fresh"
    commands.build(site, fresh, jobs=1, today=dt.date(2030, 1, 2))
    assert snapshot(out) == snapshot(fresh)


def test_a_renamed_report_moves_and_a_deleted_one_is_gone_everywhere(site, out_dir_pair):
    out, tmp_path = out_dir_pair
    build(site, out)
    old_pages = {p for p in snapshot(out) if p.startswith("reports/")}
    (site / LONGTAN).rename(site / "content/reports/longtan-tiaojie.md")
    build(site, out)
    assert {p for p in snapshot(out) if p.startswith("reports/")} != old_pages
    assert_as_fresh(site, out, tmp_path)
    (site / "content/reports/longtan-tiaojie.md").unlink()
    build(site, out)
    assert not any("三联三调" in text.decode("utf-8", "replace")
                   for text in snapshot(out).values())
    assert_as_fresh(site, out, tmp_path)


def test_a_report_whose_address_another_now_shares_moves_with_all_it_shows(site, out_dir_pair):
    out, tmp_path = out_dir_pair
    build(site, out)
    (site / "content/reports/2024").mkdir()
    (site / "content/reports/2024/longtan.md").write_text(NEWER, "utf-8")
    outcome = build(site, out)
    assert any("reports/longtan/" in w.message for w in outcome.warnings)
    assert not (out / "reports/longtan").exists()
    assert "三联三调" in page(out, "reports/reports-longtan/index.html")
    assert "家长课堂" in page(out, "reports/2024-longtan/index.html")
    assert_as_fresh(site, out, tmp_path)


@pytest.mark.parametrize("change", ["template", "site.yaml", "regions", "honour list"])
def test_a_changed_template_setting_region_or_list_shows_everywhere_it_belongs(
        site, out_dir_pair, change):
    out, tmp_path = out_dir_pair
    build(site, out)
    if change == "template":
        (site / "templates").mkdir()
        shutil.copy(REPO / "templates" / "report.html", site / "templates" / "report.html")
        edit(site / "templates" / "report.html", "标签：", "关键词：")
        wanted = "关键词："
    elif change == "site.yaml":
        edit(site / "site.yaml", "title: 测试站", "title: 溆浦平安家庭展示站")
        wanted = "溆浦平安家庭展示站"
    elif change == "regions":
        for path in [site / "data/regions.yaml", *site.rglob("*.md"), *site.rglob("2*.yaml")]:
            if "幸福社区" in path.read_text("utf-8"):
                edit(path, "幸福社区", "幸福新社区")
        wanted = "幸福新社区"
    else:
        edit(site / "data/households/2024-xupu-pingan.yaml", "张建国一家三代同堂", "张建国一家四代同堂")
        wanted = "四代同堂"
    build(site, out)
    assert any(wanted in text.decode("utf-8", "replace") for text in snapshot(out).values())
    assert_as_fresh(site, out, tmp_path)


def test_results_kept_by_another_engine_are_never_used(site, out_dir_pair, monkeypatch):
    """Every kept conversion and report is poisoned; the same engine uses them (which proves the poison
    reaches the page), another engine (an upgrade) never does, and forgets them."""
    out, tmp_path = out_dir_pair
    build(site, out)
    poisoned = 0
    with sqlite3.connect(site / ".cache" / memo.DATABASE) as database:
        for key, data in database.execute("SELECT key, value FROM memo").fetchall():
            value = pickle.loads(data)
            made = value[0] if isinstance(value, tuple) else None
            if isinstance(made, Rendered):
                poison = Rendered("<p>毒</p>", (), "毒", 1)
            elif isinstance(made, tuple) and isinstance(made[0], Report):  # (with its lookups)
                poison = (dataclasses.replace(made[0], packed_html=pack("<p>毒</p>"),
                                              packed_text=pack("毒")), made[1])
            else:
                continue
            database.execute("UPDATE memo SET value = ? WHERE key = ?",
                             (pickle.dumps((poison, value[1])), key))
            poisoned += 1
    assert poisoned

    def build_again():
        shutil.rmtree(site / ".cache" / "output")
        (site / "site.yaml").write_text((site / "site.yaml").read_text("utf-8") + "\n", "utf-8")
        build(site, out)

    build_again()
    assert "毒" in search_text(out)
    monkeypatch.setattr(memo, "engine_digest", lambda: "another engine")
    monkeypatch.setattr(dependencies, "engine_digest", lambda: "another engine")
    build_again()
    assert "毒" not in search_text(out)
    assert_as_fresh(site, out, tmp_path)
    with sqlite3.connect(site / ".cache" / memo.DATABASE) as database:
        engines = database.execute("SELECT DISTINCT engine FROM memo").fetchall()
        free = database.execute("PRAGMA freelist_count").fetchone()[0]
    assert engines == [("another engine",)], "the earlier engine's results were forgotten"
    assert free == 0, "and the space they took was given back"


def test_a_cache_of_an_earlier_format_is_started_anew(site, out_dir_pair):
    out, tmp_path = out_dir_pair
    shutil.rmtree(site / ".cache", ignore_errors=True)
    (site / ".cache").mkdir()
    with sqlite3.connect(site / ".cache" / memo.DATABASE) as database:
        database.execute("CREATE TABLE memo (key TEXT PRIMARY KEY, value BLOB, used INTEGER)")
    build(site, out)
    assert_as_fresh(site, out, tmp_path)
    with sqlite3.connect(site / ".cache" / memo.DATABASE) as database:
        assert database.execute("SELECT count(*) FROM memo WHERE engine != ''").fetchone()[0]


@pytest.mark.parametrize("damage", ["deleted", "truncated", "garbage"])
def test_a_damaged_cache_means_the_full_work_and_the_same_output(site, out_dir_pair, damage):
    out, tmp_path = out_dir_pair
    build(site, out)
    edit(site / XUPU, "\n---\n", "\n---\n\n补记一句。\n")
    cache = site / ".cache"
    if damage == "deleted":
        shutil.rmtree(cache)
    else:
        for path in cache.rglob("*"):
            if path.is_file():
                data = path.read_bytes()
                path.write_bytes(data[:len(data) // 2] if damage == "truncated" else os.urandom(64))
    build(site, out)
    assert "补记一句" in search_text(out)
    assert_as_fresh(site, out, tmp_path)
    edit(site / XUPU, "补记一句。", "补记两句。")
    build(site, out)  # a damaged memo was removed: this build keeps its work in a new one
    with sqlite3.connect(cache / memo.DATABASE) as database:
        assert database.execute("SELECT count(*) FROM memo").fetchone()[0] > 0


def test_a_touched_output_page_is_made_again(site, out_dir_pair):
    """A page edited by hand in the output is not kept: the build writes it as it should be."""
    out, tmp_path = out_dir_pair
    build(site, out)
    index = out / "index.html"
    index.write_text(index.read_text("utf-8").replace("测试站", "被改过的站"), "utf-8")
    edit(site / XUPU, "\n---\n", "\n---\n\n补记一句。\n")
    build(site, out)
    assert "被改过的站" not in page(out, "index.html")
    assert_as_fresh(site, out, tmp_path)


def test_parallel_and_single_builds_with_the_cache_agree(site, out_dir_pair):
    out, tmp_path = out_dir_pair
    commands.build(site, out, use_cache=True, jobs=2)
    edit(site / LONGTAN, "龙潭村坚持调解优先。", "龙潭村坚持调解优先，每月评议一次。")
    commands.build(site, out, use_cache=True, jobs=2)
    assert "每月评议" in search_text(out)
    assert_as_fresh(site, out, tmp_path)


def test_checks_markdown_and_keys_in_workers_give_what_one_process_gives(site, out_dir_pair,
                                                                          monkeypatch):
    """Every item forked out (a real site forks from 200 files on), and the index's keys in
    ranges of a few hundred pairs (their parts made in workers when the pages are written by
    then: test_search_index.py checks those alone): the output and the warnings are the same
    as one process's, with and without the cache."""
    out, tmp_path = out_dir_pair
    alone = commands.build(site, tmp_path / "alone", jobs=1)
    monkeypatch.setattr(parallel, "FORK_AT_LEAST", 1)
    monkeypatch.setattr(index, "RANGES_FORKED_AT", 1)
    monkeypatch.setattr(postings, "PART", 300)
    forked = commands.build(site, tmp_path / "forked", jobs=2)
    assert snapshot(tmp_path / "forked") == snapshot(tmp_path / "alone")
    assert forked.warnings == alone.warnings
    cached = commands.build(site, out, use_cache=True, jobs=2)
    assert cached.warnings == alone.warnings
    assert snapshot(out) == snapshot(tmp_path / "alone")
    edit(site / LONGTAN, "龙潭村坚持调解优先。", "龙潭村坚持调解优先，每月评议一次。")
    commands.build(site, out, use_cache=True, jobs=2)
    assert "每月评议" in search_text(out)
    assert_as_fresh(site, out, tmp_path)


def test_results_made_in_workers_are_all_kept_for_the_next_build(site, out_dir_pair,
                                                                  monkeypatch):
    """What the workers make (the checks, the Markdown, the search keys; the search records
    written to the memo a batch at a time by the search process) is all kept: a build into
    another folder, with the search index's state gone, makes none of it again."""
    out, tmp_path = out_dir_pair
    monkeypatch.setattr(parallel, "FORK_AT_LEAST", 1)
    commands.build(site, out, use_cache=True, jobs=2)

    def never(*args, **kwargs):
        raise AssertionError("made again")

    for name in ("personal_data_in", "read_report", "render_report", "read_honour_list"):
        monkeypatch.setattr(validate, name, never)
    monkeypatch.setattr(index, "document_record", never)
    monkeypatch.setattr(index, "document_records", never)
    shutil.rmtree(site / ".cache" / state.FOLDER)
    commands.build(site, tmp_path / "again", use_cache=True, jobs=1)
    assert snapshot(tmp_path / "again") == snapshot(out)


def test_syllables_found_in_workers_are_kept_for_the_next_build(site, out_dir_pair,
                                                               monkeypatch):
    """Workers make the documents whose keys they find, and so find the pinyin of their
    names: it is kept in the memo all the same, for a later build that reads one of them
    again without loading pypinyin (most of a second)."""
    out, tmp_path = out_dir_pair
    monkeypatch.setattr(parallel, "FORK_AT_LEAST", 1)
    monkeypatch.setattr(documents, "_SYLLABLES", {})  # none known yet, as in a new process
    documents.name_pinyin.cache_clear()
    commands.build(site, out, use_cache=True, jobs=2)
    kept = memo.Memo(site)
    syllables = kept.get(kept.key("syllables"))
    assert syllables["张建国"] == ("zhang", "jian", "guo")  # a householder: only in a worker
    assert "阿依古丽·买买提" in syllables


@pytest.mark.parametrize("long", [dependencies.LONG, 1], ids=["as-built", "every-list-long"])
def test_the_previews_results_held_in_memory_give_what_a_fresh_build_gives(site, out_dir_pair,
                                                                          monkeypatch, long):
    """The preview keeps the last build's results in memory (memo.Held), shared from build to
    build: through a run of edits, each build is the one a fresh build makes. (With every list
    digested once by identity, as long lists are, the same holds.)"""
    monkeypatch.setattr(dependencies, "LONG", long)
    out, tmp_path = out_dir_pair
    held = Held()
    steps = [
        lambda: edit(site / XUPU, "\n---\n", "\n---\n\n补记一句。\n"),
        lambda: edit(site / LONGTAN, "title: 龙潭村:", "title: 龙潭村新机制:"),
        lambda: (site / "content/reports/xingfu-ketang.md").write_text(NEWER, "utf-8"),
        lambda: edit(site / "data/households/2024-xupu-pingan.yaml", "张建国一家三代同堂",
                     "张建国一家四代同堂"),
        lambda: edit(site / "site.yaml", "title: 测试站", "title: 溆浦平安家庭展示站"),
        lambda: (site / LONGTAN).unlink(),
        lambda: edit(site / XUPU, "补记一句。", "补记两句。"),
    ]
    commands.build(site, out, use_cache=True, held=held)
    for step in steps:
        step()
        commands.build(site, out, use_cache=True, held=held, pages_first=lambda changed: None)
        assert_as_fresh(site, out, tmp_path)
    assert held.last  # the results were held


def test_what_one_build_keeps_the_next_keeps_too(site, out_dir_pair, monkeypatch):
    """A page or search file left as it was is recorded again as it was (the output record):
    the build after the next edit makes again only what that edit shows on, as the first
    rebuild did, not every page and document the first rebuild kept."""
    out, _ = out_dir_pair
    pages, documents = [], []
    real_render_site, real_document_files = commands.render_site, index._document_files

    def render_site(site_, template_dirs, assets, jobs=1, wanted=None, *args):
        pages.append(len(site_.pages) if wanted is None else len(wanted))
        return real_render_site(site_, template_dirs, assets, jobs, wanted, *args)

    def document_files(number, document):
        documents[-1] += 1
        return real_document_files(number, document)

    monkeypatch.setattr(commands, "render_site", render_site)
    monkeypatch.setattr(index, "_document_files", document_files)
    for text in ("乡贤评理堂", "周末家长课堂", "法律明白人"):
        documents.append(0)
        edit(site / LONGTAN, "龙潭村坚持调解优先", f"{text}。龙潭村坚持调解优先")
        build(site, out)
    assert pages[2] == pages[1] < pages[0]
    assert documents[2] == documents[1] == 1


def test_every_build_gives_the_collector_back_what_it_set_aside(site, out_dir_pair,
                                                                monkeypatch):
    """A build sets its model aside from the garbage collector's full collections (gc.freeze);
    the preview builds on every save in one process, so each build, one that fails too, hands
    it back: an old build's model is collected like any garbage."""
    out, _ = out_dir_pair
    frozen_during = []
    real_site_model = commands.site_model

    def site_model(*args):
        frozen_during.append(gc.get_freeze_count())
        return real_site_model(*args)

    monkeypatch.setattr(commands, "site_model", site_model)
    commands.build(site, out, use_cache=True, held=Held())
    edit(site / XUPU, "date: 2024-04-09", "date: 2024-13-45")
    with pytest.raises(commands.ContentError):
        commands.build(site, out, use_cache=True, held=Held())
    assert frozen_during and frozen_during[0] > 0  # the content read and checked, set aside
    assert gc.get_freeze_count() == 0


@pytest.fixture
def out_dir_pair(tmp_path):
    return tmp_path / "out", tmp_path


def test_a_phrase_list_that_changes_mends_every_documents_kept_keys(site, out_dir_pair):
    """A run of characters in enough reports becomes a phrase key, and stops being one: each
    document's kept keys are mended for the new phrase list, as finding them anew would."""
    out, tmp_path = out_dir_pair
    build(site, out)
    for number in range(3):
        text = NEWER.replace("幸福社区开设周末家长课堂", f"幸福社区第{'一二三'[number]}次开讲").replace(
            "每周六开设家长课堂", "每周六请乡贤评理堂的老人讲家风")
        (site / f"content/reports/pingli-{number}.md").write_text(text, "utf-8")
    build(site, out)
    assert '"乡贤评理"' in search_text(out)  # filed whole
    assert_as_fresh(site, out, tmp_path)
    edit(site / "content/reports/pingli-0.md", "乡贤评理堂", "议事会")
    build(site, out)
    assert '"乡贤评理"' not in search_text(out)
    assert_as_fresh(site, out, tmp_path)


@dataclasses.dataclass(frozen=True)
class _Box:
    terms: tuple


def test_a_long_list_digested_once_still_counts_the_terms_it_holds(monkeypatch):
    """A long list is digested once by identity; a value holding it still counts as holding
    terms, so its digest still follows what a page reads of those terms' reports."""
    monkeypatch.setattr(dependencies, "LONG", 1)
    digests = dependencies.PageDigests(types.SimpleNamespace(config=None), (),
                                       types.SimpleNamespace(static={}, pictures={}), {})
    terms = (Term("tags", "矛盾调解", "maoduntiaojie", ("reports/longtan/",)),)
    first, again = _Box(terms), _Box(terms)  # the same list in two values, alive throughout
    digests._value(first, frozenset())
    shallow = digests._value(again, frozenset())
    assert digests._value(again, frozenset({("tags", "maoduntiaojie")})) != shallow


def test_a_reports_digest_follows_its_content_through_copies_and_the_memo():
    """Reports, households and honour lists carry the digest the page record compares, made
    with them: a copy with a change has its own, an equal one the same, a kept one its own."""
    report = Report(source="content/a.md", slug="a", title="平安家庭", unit="综治办",
                    date=dt.date(2024, 1, 1), region="湖南省", category="典型推介",
                    packed_html=pack("<p>调解</p>"), packed_text=pack("调解"))
    again = Report(source="content/a.md", slug="a", title="平安家庭", unit="综治办",
                   date=dt.date(2024, 1, 1), region="湖南省", category="典型推介",
                   packed_html=pack("<p>调解</p>"), packed_text=pack("调解"))
    assert report.digest and again.digest == report.digest
    assert dataclasses.replace(report, packed_html=pack("<p>调解室</p>")).digest != report.digest
    assert pickle.loads(pickle.dumps(report)).digest == report.digest
    household = Household(id="zhang", name="张家", region="湖南省", list_slug="l", source="x.yaml",
                          line=3)
    assert dataclasses.replace(household, id="zhang-2").digest != household.digest
