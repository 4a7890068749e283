"""The preview's quick page (quick.py): a saved report's own page is live before the whole build
runs, is exactly the page that build then makes, and never goes out when the save has a problem
or moves the report among the others (the whole build decides then)."""
from __future__ import annotations

import itertools
import shutil

import pytest

from conftest import SITES, snapshot
from showcase import cache, commands, serve
from showcase.errors import Superseded
from showcase.serve import Preview

LONGTAN = "content/reports/longtan.md"
PAGE = "reports/longtan/index.html"


@pytest.fixture
def preview(tmp_path):
    """A preview of the minimal site after its first build, noting what the browsers saw at
    each reload."""
    site = tmp_path / "site"
    shutil.copytree(SITES / "minimal", site)
    preview = Preview(site, tmp_path / "preview")
    preview.quiet_seconds = 0  # the whole build at once after a quick page (unless told)
    preview.rebuild()
    assert not preview.failure
    preview.seen = []
    preview.reload = lambda: preview.seen.append(_read(preview.out_dir / PAGE))
    return preview


def _read(path):
    return path.read_text("utf-8") if path.is_file() else ""


def save(preview, old, new, name=LONGTAN):
    path = preview.site_dir / name
    text = path.read_text("utf-8")
    assert old in text
    path.write_text(text.replace(old, new), "utf-8")
    preview.rebuild([str(path)])


def assert_as_fresh(preview, tmp_path):
    fresh = tmp_path / "fresh"
    shutil.rmtree(fresh, ignore_errors=True)
    commands.build(preview.site_dir, fresh, drafts=True, jobs=1)
    assert snapshot(preview.out_dir) == snapshot(fresh)


def test_a_saved_report_is_live_at_the_first_reload_and_the_build_agrees(preview, tmp_path):
    save(preview, "龙潭村坚持调解优先。", "龙潭村坚持调解优先。\n\n村里新设了家庭矛盾调解室。")
    assert preview.quick is not None
    assert len(preview.seen) == 1, "the whole build changed nothing more: no second reload"
    assert "村里新设了家庭矛盾调解室" in preview.seen[0]
    assert not preview.failure
    assert_as_fresh(preview, tmp_path)
    assert any("调解室" in p.read_text("utf-8") for p in (preview.out_dir / "search").rglob("*.js"))


def test_the_saved_reports_search_files_are_written_before_the_whole_build(preview, tmp_path,
                                                                           monkeypatch):
    """The search index follows the quick page at once: when the whole build starts, every
    search file is already the one it then makes (a file the report no longer needs may stay
    until it)."""
    at_start = {}
    whole_build = commands.build

    def build(*args, **options):
        at_start.update(_search_files(preview.out_dir))
        return whole_build(*args, **options)

    monkeypatch.setattr(commands, "build", build)
    save(preview, "龙潭村坚持调解优先。", "龙潭村坚持调解优先。\n\n村里新设了家庭矛盾调解室。")
    assert preview.quick is not None
    assert any("调解室" in data.decode("utf-8") for data in at_start.values())
    after = _search_files(preview.out_dir)
    assert {path: at_start.get(path) for path in after} == after
    assert_as_fresh(preview, tmp_path)


@pytest.mark.parametrize("step", ["quick_pages", "quick_search"])
def test_a_quick_update_that_fails_is_told_and_the_whole_build_still_comes(
        preview, tmp_path, monkeypatch, capsys, step):
    """A fault in the quick page or the quick search never stops the preview, nor goes unseen:
    the console says so, and the whole build makes every file as it should be."""
    def broken(*args):
        raise RuntimeError("a fault")

    monkeypatch.setattr(serve, step, broken)
    save(preview, "龙潭村坚持调解优先。", "龙潭村坚持调解优先。\n\n村里新设了家庭矛盾调解室。")
    assert "RuntimeError: a fault" in capsys.readouterr().out
    assert not preview.failure
    assert "村里新设了家庭矛盾调解室" in _read(preview.out_dir / PAGE)
    assert_as_fresh(preview, tmp_path)


def _search_files(out_dir):
    """(Only search/: the previous build's search folder may still be being removed beside it.)"""
    return {path.relative_to(out_dir).as_posix(): path.read_bytes()
            for path in (out_dir / "search").rglob("*") if path.is_file()}


def test_a_title_change_reloads_again_for_the_lists_that_show_it(preview, tmp_path):
    save(preview, "title: 龙潭村:", "title: 龙潭村新机制:")
    assert preview.quick is not None
    assert "龙潭村新机制" in preview.seen[0]
    assert len(preview.seen) == 2, "the lists showing the title changed: the browsers reload"
    assert "龙潭村新机制" in _read(preview.out_dir / "reports/index.html")
    assert_as_fresh(preview, tmp_path)


@pytest.mark.parametrize("old, new", [
    ("tags: [矛盾调解]", "tags: [矛盾调解, 新标签]"),
    ("date: 2023-05-01", "date: 2025-05-01"),
    ("category: 典型推介", "category: 经验交流"),
], ids=["tags", "date", "category"])
def test_a_report_moved_among_the_others_waits_for_the_whole_build(preview, tmp_path, old, new):
    save(preview, old, new)
    assert preview.quick is None
    assert len(preview.seen) == 1
    assert_as_fresh(preview, tmp_path)


@pytest.mark.parametrize("old, new", [
    ("category: 典型推介", "category: 不存在"),
    ("龙潭村坚持调解优先。", "龙潭村坚持调解优先，联系人身份证号11010519491231002X。"),
    ("龙潭村坚持调解优先。", "龙潭村坚持调解优先。![图](missing.jpg)"),
], ids=["unknown-category", "personal-data", "missing-picture"])
def test_a_save_with_a_problem_makes_no_quick_page(preview, old, new):
    before = _read(preview.out_dir / PAGE)
    save(preview, old, new)
    assert preview.quick is None
    assert preview.failure, "the whole build reports the problem"
    assert _read(preview.out_dir / PAGE) == before
    assert "11010519491231002X" not in "".join(preview.seen)


def test_a_new_report_or_two_saves_wait_for_the_whole_build(preview, tmp_path):
    new = preview.site_dir / "content/reports/new.md"
    new.write_text((preview.site_dir / LONGTAN).read_text("utf-8").replace(
        "龙潭村:", "新报告:"), "utf-8")
    preview.rebuild([str(new)])
    assert preview.quick is None
    assert "新报告" in _read(preview.out_dir / "reports/new/index.html")
    other = preview.site_dir / "content/reports/xupu-pingan.md"
    preview.rebuild([str(new), str(other)])
    assert preview.quick is None
    assert_as_fresh(preview, tmp_path)


def test_a_temporary_file_renamed_over_the_report_still_gets_a_quick_page(preview):
    path = preview.site_dir / LONGTAN
    path.write_text(path.read_text("utf-8") + "\n补记一句。\n", "utf-8")
    preview.rebuild([str(path.with_name("longtan.md.tmp")), str(path)])
    assert preview.quick is not None and "补记一句" in preview.seen[0]


def _save_comes_in_at_reload(preview, number):
    """A save comes in when the browsers are told to reload for the `number`th time."""
    def reload():
        preview.seen.append(_read(preview.out_dir / PAGE))
        if len(preview.seen) == number:
            preview.saved.set()
    preview.reload = reload


def test_after_a_build_overtaken_by_a_save_the_next_save_waits_for_the_whole_build(preview):
    """An overtaken build's pages went live without its model being kept: a quick page made
    from the older model could show its neighbours as they were."""
    _save_comes_in_at_reload(preview, 2)  # the whole build's pages are live: its index is not
    save(preview, "title: 龙潭村:", "title: 龙潭村新机制:")
    assert len(preview.seen) == 2 and preview.last is None
    preview.saved.clear()
    save(preview, "龙潭村坚持调解优先。", "龙潭村坚持调解优先，每月评议一次。")
    assert preview.quick is None and "每月评议一次" in _read(preview.out_dir / PAGE)
    save(preview, "每月评议一次。", "每周评议一次。")
    assert preview.quick is not None


@pytest.mark.parametrize("second", ["，每周评议一次。", "。"], ids=["another-change", "undone"])
def test_an_author_saving_on_gets_each_quick_page_and_the_whole_build_when_she_pauses(
        preview, tmp_path, monkeypatch, second):
    """After a quick page the whole build waits a moment for another save; one that comes runs
    it instead, so its quick page does not wait for pages already out of date. The model of the
    last build stays, so that save gets its quick page, and its search files are the whole
    build's, also when it takes the first save back (its files then are the last build's
    again, though the first save's quick search wrote over them)."""
    preview.quiet_seconds = 30
    _save_comes_in_at_reload(preview, 1)  # at the quick page, before the whole build
    whole_builds = []  # the search files as each whole build starts
    build = commands.build
    monkeypatch.setattr(commands, "build", lambda *a, **o: whole_builds.append(
        _search_files(preview.out_dir)) or build(*a, **o))
    save(preview, "龙潭村坚持调解优先。", "龙潭村坚持调解优先，每月评议一次。")
    assert whole_builds == [] and len(preview.seen) == 1 and preview.last is not None
    assert "每月评议一次" in _read(preview.out_dir / PAGE)
    preview.saved.clear()
    preview.quiet_seconds = 0
    save(preview, "，每月评议一次。", second)
    assert preview.quick is not None and "每月评议一次" not in preview.seen[-1]
    assert ("每周评议一次" in preview.seen[-1]) == ("每周" in second)
    # the second quick search, with no whole build since the first, made what the build makes
    after = _search_files(preview.out_dir)
    assert {path: whole_builds[0].get(path) for path in after} == after
    assert_as_fresh(preview, tmp_path)


LIST = "data/households/2024-xupu-pingan.yaml"
ZHANG = "households/2024-xupu-pingan-zhangjianguo-jiating/index.html"
AYIGULI = "households/2024-xupu-pingan-ayiguli-maimaiti-jiating/index.html"


def test_a_saved_honour_list_shows_its_changed_households_at_the_first_reload(preview, tmp_path):
    preview.reload = lambda: preview.seen.append(_read(preview.out_dir / ZHANG))
    save(preview, "张建国一家三代同堂", "张建国一家四代同堂", LIST)
    assert [path for path, _ in preview.quick] == ["honours/2024-xupu-pingan/index.html", ZHANG]
    assert "四代同堂" in preview.seen[0]
    assert_as_fresh(preview, tmp_path)


def test_a_list_whose_details_change_makes_every_household_page_again(preview, tmp_path):
    save(preview, "document: 溆平安办〔2024〕12号", "document: 溆平安办〔2024〕13号", LIST)
    assert sorted(path for path, _ in preview.quick) == sorted(
        ["honours/2024-xupu-pingan/index.html", ZHANG, AYIGULI])
    assert_as_fresh(preview, tmp_path)


@pytest.mark.parametrize("old, new", [
    ("name: 张建国家庭", "name: 张建民家庭"),
    ("region: 湖南省/怀化市/溆浦县/桥江镇/幸福社区", "region: 湖南省/怀化市/溆浦县/桥江镇/龙潭村"),
    ("    members: 5\n", "    members: 5\n  - name: 李四家庭\n    region: 湖南省/怀化市/溆浦县/桥江镇/龙潭村\n"),
], ids=["renamed", "moved", "added"])
def test_a_household_renamed_moved_or_added_waits_for_the_whole_build(preview, tmp_path,
                                                                       old, new):
    save(preview, old, new, LIST)
    assert preview.quick is None
    assert_as_fresh(preview, tmp_path)


def test_a_list_with_personal_data_makes_no_quick_page(preview):
    before = _read(preview.out_dir / ZHANG)
    save(preview, "张建国一家三代同堂", "张建国一家三代同堂，电话13812345678", LIST)
    assert preview.quick is None and preview.failure
    assert _read(preview.out_dir / ZHANG) == before


def test_a_preview_build_overtaken_while_it_reads_or_renders_leaves_the_output_as_it_was(
        tmp_path):
    """A newer save stops the preview's whole build at the next page (or once the content is
    read): nothing of it goes live, and the output is the previous one."""
    site = tmp_path / "site"
    shutil.copytree(SITES / "minimal", site)
    out = tmp_path / "out"
    commands.build(site, out, use_cache=True, jobs=1)
    before = snapshot(out)
    path = site / LONGTAN
    path.write_text(path.read_text("utf-8").replace("龙潭村坚持调解优先。", "龙潭村坚持调解优先，每月评议。"),
                    "utf-8")
    for checks in (0, 3):  # at the check after reading, at the fourth page
        asked = itertools.count()
        with pytest.raises(Superseded):
            commands.build(site, out, use_cache=True, jobs=1, pages_first=lambda changed: None,
                           superseded=lambda: next(asked) >= checks)
        assert snapshot(out) == before


def test_the_preview_keeps_what_it_searches_of_each_report_but_not_their_texts(preview):
    """Between builds the preview keeps each report's and list's searchables (made again only
    for a changed one), without the documents made from them: every report's text in blocks
    would stay in memory as long as the preview runs."""
    save(preview, "龙潭村坚持调解优先。", "龙潭村坚持调解优先。\n\n村里新设了家庭矛盾调解室。")
    assert preview.quick is not None
    kept = [searchable for key, entry in preview.held.last.items()
            if key.startswith("searchables ") for searchable in entry[2]]
    site = preview.last.site
    # every document of the site, and the saved report's as its quick search saw it
    assert len(kept) == len(site.reports) + sum(len(hl.households) for hl in site.honour_lists) + 1
    assert not any("document" in vars(searchable) for searchable in kept)


def test_what_a_quick_answer_reads_is_read_when_the_whole_build_ends(preview, tmp_path,
                                                                     monkeypatch):
    """The search record and the pages of each file are read as the whole build ends, not when
    the next save is waiting for its answer."""
    records = []
    record = cache.OutputRecord.__init__
    monkeypatch.setattr(cache.OutputRecord, "__init__",
                        lambda self, *args: records.append(args[-1]) or record(self, *args))
    save(preview, "龙潭村坚持调解优先。", "龙潭村坚持调解优先，每月评议一次。")
    assert {"search_record", "pages_by_source"} <= set(vars(preview.last))
    records.clear()
    save(preview, "每月评议一次。", "每月评议两次。")
    assert preview.quick is not None
    assert records[0] != "search"  # the quick search's record was in hand
    assert any("评议两次" in p.read_text("utf-8") for p in (preview.out_dir / "search").rglob("*.js"))
    assert_as_fresh(preview, tmp_path)
