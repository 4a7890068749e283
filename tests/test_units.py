"""Unit tests of the pure stages: splitting, YAML lines, slugs, Chinese text, Markdown, pagination."""
import datetime as dt

import pytest

from showcase import frontmatter
from showcase.errors import Problems
from showcase.load import decode
from showcase.markup import render_markdown
from showcase.pagination import paginate
from showcase.slugs import is_safe_slug, slugify, unique_slugs
from showcase.text import (chinese_date, count_characters, join_hard_wraps, parse_date,
                           reading_minutes, summarise)
from showcase.yamlfile import YAML_FAILED, parse_yaml


def test_split_keeps_body_line():
    parts = frontmatter.split("---\ntitle: 标题\ndate: 2024-01-02\n---\n\n正文第一段。\n")
    assert parts.front_matter == "title: 标题\ndate: 2024-01-02"
    assert parts.body_line == 5
    assert parts.body.split("\n")[1] == "正文第一段。"


@pytest.mark.parametrize("text, line", [("title: x\n", 1), ("---\ntitle: x\n", 1), ("", 1)])
def test_split_refuses_missing_or_open_front_matter(text, line):
    with pytest.raises(frontmatter.FrontMatterError) as caught:
        frontmatter.split(text)
    assert caught.value.line == line


def test_yaml_records_lines_and_keeps_dates_as_text():
    problems = Problems()
    data = parse_yaml("title: 标题\ndate: 2024-02-30\ntags:\n  - 甲\n  - 乙\n", "a.md", problems,
                      first_line=2)
    assert data["date"] == "2024-02-30"
    assert data.line_of("date") == 3
    assert data["tags"].line_of(1) == 6
    assert not problems.items


def test_yaml_duplicate_key_is_an_error_at_its_line():
    problems = Problems()
    assert parse_yaml("title: 甲\nunit: 乙\ntitle: 丙\n", "a.yaml", problems) is YAML_FAILED
    (problem,) = problems.errors
    assert (problem.line, "written twice" in problem.message) == (3, True)


def test_yaml_syntax_error_line_counts_from_the_file():
    problems = Problems()
    parse_yaml("title: 甲\nunit: a: b\n", "a.md", problems, first_line=2)
    assert problems.errors[0].line == 3


@pytest.mark.parametrize("name, slug", [
    ("溆浦县", "xupu-xian"), ("怀化市", "huaihua-shi"), ("湖南省", "hunan-sheng"),
    ("幸福社区", "xingfu-shequ"), ("柏城街道", "baicheng-jiedao"), ("重庆", "chongqing"),
    ("阿依古丽·买买提家庭", "ayiguli-maimaiti-jiating"), ("110联动", "110-liandong"),
    ("Ａ１", "a1"),
])
def test_slugify_reads_as_pinyin(name, slug):
    assert slugify(name) == slug
    assert is_safe_slug(slug)


def test_homophones_get_distinct_slugs():
    slugs = unique_slugs(["公益", "公议"])
    assert sorted(slugs.values()) == ["gongyi", "gongyi-2"]


@pytest.mark.parametrize("slug, ok", [("xupu-2024", True), ("../etc", False), ("a/b", False),
                                      ("Abc", False), ("", False), ("a--b", False)])
def test_safe_slugs_are_one_plain_segment(slug, ok):
    assert is_safe_slug(slug) is ok


def test_hard_wraps_between_chinese_characters_vanish():
    assert join_hard_wraps("我县把“平安家庭”\n创建作为基础工程") == "我县把“平安家庭”创建作为基础工程"
    assert join_hard_wraps("word\nword") == "word\nword"


def test_summary_is_cut_at_a_sentence_end():
    text = "第一句话说明了全县的创建情况。" * 5 + "最后一句很长" * 30
    summary = summarise(text, limit=60)
    assert summary.endswith("。") and len(summary) <= 60


def test_summary_of_one_long_sentence_is_marked_as_cut():
    assert summarise("甲" * 300, limit=50).endswith("……")


def test_reading_time_counts_characters():
    assert reading_minutes("字" * 2000) == 5
    assert reading_minutes("字") == 1


def test_characters_counted_are_han_characters_and_latin_words():
    """Han characters of the three blocks (㐀 extension A, 字, 﨑 compatibility) each, a run of
    Latin letters and digits once (v2 and 2024 are words), punctuation, kana and emoji not."""
    assert count_characters("v2平安家庭，2024年。") == 7
    assert count_characters("㐀䶿一鿿豈﫿") == 6
    assert count_characters("Li Ming、王芳😀かな") == 4
    assert count_characters("word") == count_characters("9") == 1
    assert count_characters("") == count_characters("，。 \n") == 0
    assert count_characters("字\ud800字") == 2  # (a lone surrogate, as a decoder may leave)


def test_dates():
    assert chinese_date(dt.date(2024, 12, 20)) == "2024年12月20日"
    assert parse_date("2024-02-30") is None
    assert parse_date("2024/02/03") is None
    assert parse_date("2024-02-29") == dt.date(2024, 2, 29)


def test_decode_handles_bom_crlf_and_names_gbk():
    problems = Problems()
    assert decode("\ufefftitle: 甲\r\n".encode("utf-8"), "a.md", problems) == "title: 甲\n"
    assert decode("第一行\n标题".encode("gbk"), "b.md", problems) is None
    (problem,) = problems.errors
    assert problem.path == "b.md" and "GBK" in problem.message


def test_markdown_keeps_chinese_anchors_and_joins_wrapped_lines():
    rendered = render_markdown("## 一、健全工作机制\n\n我县把\n创建工作。\n\n| 镇 | 户 |\n|---|---|\n"
                               "| 桥江镇 | 1100 |\n\n脚注[^1]\n\n[^1]: 说明。\n")
    assert rendered.toc[0].anchor == "一健全工作机制"
    assert "<p>我县把创建工作。</p>" in rendered.html
    assert "<table>" in rendered.html and 'class="footnote"' in rendered.html
    assert "我县把创建工作。" in rendered.text


def test_markdown_code_blocks_keep_their_line_breaks():
    rendered = render_markdown("```\n第一行\n第二行\n```\n")
    assert "第一行\n第二行" in rendered.html


def test_pagination_twenty_a_page():
    pagers = paginate(list(range(45)), "reports/")
    assert [p.url for p in pagers] == ["reports/", "reports/page/2/", "reports/page/3/"]
    assert len(pagers[0].items) == 20 and len(pagers[2].items) == 5
    assert pagers[1].prev_url == "reports/" and pagers[1].next_url == "reports/page/3/"
    assert len(paginate([], "tags/x/")) == 1
