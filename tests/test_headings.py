"""Heading levels never skip: a report's text is published with its first heading an h2 (under
the title's h1), a household's story with its first an h3 (under 家庭事迹), and no heading more
than one level under the one before; the table of contents lists the levels published, and
`check` names the source lines where the text skipped.

tests/sites/skipped-heading/ holds one report pasted as materials are (a `### （一）` with its
一、 part left a paragraph, then `## 二、`, then a `####` right after it), one written well,
and a household whose story begins with ## and then skips to ####."""
from __future__ import annotations

import glob
import re
import shutil
import subprocess
from html.parser import HTMLParser

import pytest

from conftest import REPO, SITES, run_build
from showcase import frontmatter
from showcase.headings import SourceHeading, skips, source_headings
from showcase.markup import STORY_TOP, published_levels, render_markdown
from showcase.memo import Memo
from tools import vnu_command

SITE = SITES / "skipped-heading"
PASTED = "content/reports/pasted.md"


def levels_of(fragment: str) -> list[int]:
    return [int(level) for level in re.findall(r"<h([1-6])\b", fragment)]


@pytest.mark.parametrize("written, published", [
    ([2, 3, 3, 2, 3, 4], [2, 3, 3, 2, 3, 4]),  # well formed: as written
    ([3, 2, 4], [2, 2, 3]),  # the pasted report of the fixture site
    ([3, 4, 4, 3, 4], [2, 3, 3, 2, 3]),  # a whole text a level too deep
    ([1, 2, 2, 1, 2], [2, 3, 3, 2, 3]),  # a text begun with #
    ([2, 4, 3, 2], [2, 3, 3, 2]),  # #### and ### under the same ## are siblings
    ([2, 3, 4, 2, 4], [2, 3, 4, 2, 3]),  # going back up is fine, then no jump again
    ([4], [2]),
    ([2, 2, 6, 6, 5], [2, 2, 3, 3, 3]),
    ([], []),
])
def test_published_levels_start_under_the_page_and_never_jump(written, published):
    assert published_levels(written, 2) == published
    assert published_levels(written, 3) == [level + 1 for level in published]


def test_levels_stop_at_h6():
    assert published_levels([2, 3, 4, 5, 6], 3) == [3, 4, 5, 6, 6]


def test_a_skipping_text_is_published_shifted_with_its_table_of_contents():
    rendered = render_markdown("开头。\n\n### （一）强化组织领导\n\n内容。\n\n## 二、坚持源头预防\n\n"
                               "#### 普法宣传进家入户\n\n内容。\n")
    assert levels_of(rendered.html) == [2, 2, 3]
    assert '<h2 id="一强化组织领导">（一）强化组织领导</h2>' in rendered.html
    assert '<h3 id="普法宣传进家入户">普法宣传进家入户</h3>' in rendered.html
    assert [(entry.level, entry.anchor, entry.title) for entry in rendered.toc] == [
        (2, "一强化组织领导", "（一）强化组织领导"), (2, "二坚持源头预防", "二、坚持源头预防"),
        (3, "普法宣传进家入户", "普法宣传进家入户")]


def test_a_well_formed_text_is_published_exactly_as_before():
    source = ("我县把平安家庭创建作为基础工程。\n\n## 一、健全工作机制\n\n### （一）强化组织领导\n\n"
              "成立领导小组。\n\n#### 1. 每季度研究一次\n\n内容。\n\n## 二、坚持源头预防\n\n内容。\n")
    assert render_markdown(source).html == (
        "<p>我县把平安家庭创建作为基础工程。</p>\n"
        '<h2 id="一健全工作机制">一、健全工作机制</h2>\n'
        '<h3 id="一强化组织领导">（一）强化组织领导</h3>\n'
        "<p>成立领导小组。</p>\n"
        '<h4 id="1-每季度研究一次">1. 每季度研究一次</h4>\n'
        "<p>内容。</p>\n"
        '<h2 id="二坚持源头预防">二、坚持源头预防</h2>\n'
        "<p>内容。</p>")


def test_pasted_outline_lines_are_headings_of_the_same_outline():
    # 一、 is too long to be a heading here: its （一） would follow the title directly
    rendered = render_markdown("一、健全机制，压实责任。镇党委把平安家庭创建列入年度重点工作。\n"
                               "（一）强化组织领导\n成立领导小组。\n")
    assert levels_of(rendered.html) == [2]


def test_a_hash_title_in_the_text_becomes_an_h2_and_its_sections_h3():
    rendered = render_markdown("# 工作总结\n\n## 一、成效\n\n## 二、问题\n")
    assert levels_of(rendered.html) == [2, 3, 3]
    assert [entry.level for entry in rendered.toc] == [2, 3, 3]


def test_headings_in_quotes_lists_and_footnotes_count_in_reading_order():
    rendered = render_markdown("## 一、成效\n\n> #### 引用里的小标题\n\n- 列表\n\n    #### 列表里的\n\n"
                               "正文[^1]\n\n[^1]: 脚注\n\n    ###### 脚注里的\n")
    assert levels_of(rendered.html) == [2, 3, 3, 4]  # the ###### under the list's ####
    assert re.search(r"<blockquote>\s*<h3", rendered.html)
    assert re.search(r'<div class="footnote">.*<h4', rendered.html, re.S)


def test_a_story_starts_under_the_household_pages_heading():
    story = "张建国一家三代同堂。\n\n## 家风传承\n\n#### 一条家规\n\n内容。\n"
    assert levels_of(render_markdown(story, top=STORY_TOP).html) == [3, 4]
    assert levels_of(render_markdown("### 家风\n\n#### 家规\n", top=STORY_TOP).html) == [3, 4]


def test_the_memo_keeps_a_text_apart_for_each_top_level(tmp_path):
    memo = Memo(tmp_path)
    try:
        story = "## 家风传承\n\n内容。\n"
        assert levels_of(render_markdown(story, memo=memo, top=STORY_TOP).html) == [3]
        assert levels_of(render_markdown(story, memo=memo).html) == [2]
        assert levels_of(render_markdown(story, memo=memo, top=STORY_TOP).html) == [3]
    finally:
        memo.close()


def test_source_headings_are_found_at_their_lines_as_markdown_reads_them():
    text = ("开头。\n"                      # 0
            "\n"
            "### （一）强化组织领导\n"        # 2
            "```\n"
            "## 代码里的不是标题\n"
            "```\n"
            "二、坚持源头预防\n"              # 6: pasted, alone in its run once the code is out
            "\n"
            "> #### 引用里的\n"              # 8
            "\n"
            "龙潭村经验\n"                   # 10: underlined
            "----\n"
            "\n"
            "第一行\n"
            "第二行\n"
            "---\n"                          # a rule: the line above starts no paragraph
            "\n"
            "#话题#\n"                       # 17: a topic tag, text
            "\n"
            "#标题\n")                        # 19: Python-Markdown's h1, no space needed
    assert source_headings(text) == [
        SourceHeading(2, 3, "###"), SourceHeading(6, 2, "二、"), SourceHeading(8, 4, "####"),
        SourceHeading(10, 2, "---"), SourceHeading(19, 1, "#")]
    assert levels_of(render_markdown(text).html) == published_levels([3, 2, 4, 2, 1], 2)


def test_skips_are_where_the_source_outline_jumps_or_has_a_second_title():
    found = skips("### （一）\n\n内容。\n\n## 二、\n\n#### 细则\n\n### （一）\n\n# 又一个标题\n")
    assert [(s.heading.offset, s.heading.level, s.previous and s.previous.offset, s.published)
            for s in found] == [(0, 3, None, 2), (6, 4, 4, 3), (10, 1, 8, 2)]
    assert skips("## 一、\n\n### （一）\n\n#### 1.\n\n## 二、\n") == []
    assert skips("（一）强化组织领导\n")[0].heading.marker == "（一）"


def test_the_sample_reports_are_published_at_the_levels_their_source_says():
    """The source scan and the conversion agree on every report of the sample site: the levels
    published are those published_levels gives for the headings the scan finds."""
    for path in sorted(glob.glob(str(REPO / "content/reports/*/*.md"))):
        body = frontmatter.split(open(path, encoding="utf-8-sig").read()).body
        written = [heading.level for heading in source_headings(body)]
        assert levels_of(render_markdown(body).html) == published_levels(written, 2), path


class _Outline(HTMLParser):
    """The headings (level, id, words) of a page's <main>, and its links to an anchor."""

    def __init__(self, page: str):
        super().__init__()
        self.inside_main = False
        self.headings: list[list] = []
        self.anchors: list[list[str]] = []
        self._open: list | None = None
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.inside_main = self.inside_main or tag == "main"
        if not self.inside_main:
            return
        if re.fullmatch(r"h[1-6]", tag):
            self._open = [int(tag[1]), attributes.get("id"), ""]
            self.headings.append(self._open)
        elif tag == "a" and (attributes.get("href") or "").startswith("#"):
            self._open = [attributes["href"][1:], ""]
            self.anchors.append(self._open)

    def handle_endtag(self, tag):
        if tag == "main":
            self.inside_main = False
        if re.fullmatch(r"h[1-6]|a", tag):
            self._open = None

    def handle_data(self, data):
        if self._open is not None:
            self._open[-1] += data


def assert_no_jump(levels: list[int]) -> None:
    assert levels[0] == 1
    assert all(after <= before + 1 for before, after in zip(levels, levels[1:])), levels


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    site = tmp_path_factory.mktemp("skipped") / "site"
    shutil.copytree(SITE, site, ignore=shutil.ignore_patterns(".cache"))
    out = site.parent / "out"
    result = run_build("build", "--site", site, "--out", out)
    assert result.returncode == 0, result.stderr
    return site, out, result


def test_the_pasted_report_is_published_without_a_skip(built):
    _, out, _ = built
    page = _Outline((out / "reports/pasted/index.html").read_text("utf-8"))
    assert page.headings[0] == [1, None, "桥江镇2024年平安家庭创建工作总结"]
    assert page.headings[1:4] == [[2, "一强化组织领导", "（一）强化组织领导"],
                                  [2, "二坚持源头预防", "二、坚持源头预防"],
                                  [3, "普法宣传进家入户", "普法宣传进家入户"]]
    assert_no_jump([level for level, _, _ in page.headings])
    table_of_contents = [anchor for anchor in page.anchors if anchor[0] != "main"]
    assert table_of_contents == [[anchor, words] for _, anchor, words in page.headings[1:4]]
    ids = {anchor for _, anchor, _ in page.headings}
    assert all(anchor in ids for anchor, _ in page.anchors if anchor != "main")


def test_a_well_formed_report_is_published_as_written(built):
    _, out, result = built
    page = _Outline((out / "reports/outlined/index.html").read_text("utf-8"))
    assert [level for level, _, _ in page.headings][:4] == [1, 2, 3, 2]
    assert_no_jump([level for level, _, _ in page.headings])
    assert "outlined.md" not in result.stderr


def test_a_story_is_published_under_the_household_pages_heading(built):
    _, out, _ = built
    [page] = (out / "households").glob("*/index.html")
    outline = _Outline(page.read_text("utf-8"))
    assert [(level, words) for level, _, words in outline.headings] == [
        (1, "张建国家庭"), (2, "家庭事迹"), (3, "家风传承"), (4, "一条家规")]


def test_build_and_check_warn_at_the_lines_where_the_source_skipped(built):
    site, _, result = built
    warnings = [line for line in result.stderr.splitlines() if ": warning: " in line]
    assert [line.split(": warning: ")[0] for line in warnings] == [f"{PASTED}:13", f"{PASTED}:19"]
    assert "### right after the title" in warnings[0] and "published as ##;" in warnings[0]
    assert "#### after the ## heading of line 17" in warnings[1]
    assert "published as ###;" in warnings[1]
    for _ in range(2):  # the second from the memo, with the problems kept with the report
        checked = run_build("check", "--site", site)
        assert checked.returncode == 0, checked.stderr
        assert [line for line in checked.stderr.splitlines() if ": warning: " in line] == warnings


def test_the_warnings_are_in_chinese_by_default(built):
    site, _, _ = built
    checked = run_build("check", "--site", site, "--lang", "zh")
    assert f"{PASTED}:13: 警告：这个小标题跳了级（大标题下面直接是 ###，前面没有 ##）" in checked.stderr


def test_the_nu_html_checker_finds_no_skipped_heading(built):
    """The checker that found the skips in real reports (an error, "skipping 1 heading level")."""
    _, out, _ = built
    pages = [out / "reports/pasted/index.html", *(out / "households").glob("*/index.html")]
    result = subprocess.run([*vnu_command(), "--errors-only", "--format", "text", *map(str, pages)],
                            capture_output=True, encoding="utf-8", errors="replace", timeout=600)
    assert result.returncode == 0, result.stderr


def test_a_line_that_begins_with_a_topic_tag_is_text_not_a_heading():
    """#平安家庭# opens many a pasted post: it stays a paragraph (no heading, no warning), while
    ## 二、 and ##二、 stay headings."""
    text = "#平安家庭# 创建活动启动\n\n> #话题# 引文\n\n## 一、健全机制\n\n##二、强化预防\n"
    html = render_markdown(text).html
    assert "<p>#平安家庭# 创建活动启动</p>" in html and "<p>#话题# 引文</p>" in html
    assert re.findall(r"<h(\d)[^>]*>([^<]*)</h", html) == [("2", "一、健全机制"),
                                                           ("2", "二、强化预防")]
    assert [heading.level for heading in source_headings(text)] == [2, 2]
    assert skips(text) == []
