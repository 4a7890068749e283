"""markup.py's shortcuts change what a conversion costs, never what it gives: texts no inline
pattern could match are marked atomic before the patterns run (_PlainTextIsAtomic), the table
of contents is made as HTML only for a text that may place it (_TocTokens), and a text of plain
paragraphs and headings is not parsed at all (plain_blocks). Each text here is converted as it is and by
a converter without the shortcuts (Python-Markdown's own inline pass and table of contents, on
every text); the results must be the same."""
from __future__ import annotations

import threading

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown.extensions.toc import TocExtension, TocTreeprocessor

from showcase import markup
from showcase.markup import html_to_text, render_markdown

PROPERTY = settings(max_examples=400, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow])

FRAGMENTS = st.sampled_from([
    "我县把创建工作纳入考核", "句子。", "，", "word", " ", "  ", "\n", "\n\n", "\t", "#", "## ",
    "> ", "- ", "1. ", "|", "---", "===", "*", "**", "_", "__", "`", "\\", "[", "]", "(", ")",
    "!", "<", ">", "&", "&amp;", "&#x4e00;", "{: .lead }", "{#anchor}", "[TOC]", "[^1]",
    "[^1]: 脚注", "[plan]: https://example.org/plan", "<b>", "</b>", "<https://example.org>",
    "<a@b.cn>", "<!-- 注 -->", "一、", "（一）", "篇一 ", "#平安家庭#", "    ", "```", "~~~",
    "{: style=\"text-align: right\" }", "![图](images/a.jpg)", "[另一篇](b.md#part)",
    "<img src=\"a.png\">", "“", "”", "。\n", "：\n", "\u3000", "\r\n", "`代码`", "*强调*",
    "_强调_", "甲  \n乙", "\\*", "&copy;",
])
PARAGRAPHS = st.lists(FRAGMENTS, max_size=8).map("".join)
TEXTS = st.lists(PARAGRAPHS, max_size=8).map("\n\n".join)
"""Short paragraphs: in a long one, some other markup would take the inline pass anyway."""


def resolve(address: str, tag: str) -> str | None:
    return None if address.startswith("http") else f"../../{tag}/{address}"


def without_shortcuts(source: str, resolver, top: int) -> markup.Rendered:
    """`source` converted, in a thread of its own, by a converter with Python-Markdown's own
    inline pass and table of contents."""
    def convert():
        md, extension = markup._new_converter()
        md.treeprocessors.deregister("plain_text_is_atomic")
        toc = next(used for used in md.registeredExtensions if isinstance(used, TocExtension))
        md.treeprocessors.register(TocTreeprocessor(md, toc.getConfigs()), "toc", 5)
        markup._converters.converter = md, extension
        plain_blocks, markup.plain_blocks = markup.plain_blocks, lambda text, top: None
        try:  # (the caller waits for this thread: nothing else converts meanwhile)
            result.append(render_markdown(source, resolver, top=top))
        finally:
            markup.plain_blocks = plain_blocks

    result = []
    thread = threading.Thread(target=convert)
    thread.start()
    thread.join()
    return result[0]


@PROPERTY
@given(TEXTS, st.booleans(), st.sampled_from([2, 3]))
def test_a_text_converts_as_without_the_shortcuts(source, resolves, top):
    resolver = resolve if resolves else None
    assert render_markdown(source, resolver, top=top) == without_shortcuts(source, resolver, top)


PROSE = st.sampled_from([
    "张建国一家", "三代同堂", "，", "、", "。", "！", "？", "；", "：", "…", "”", "’", "」", "』",
    "）", "“", "（", "《平安家庭》", "2023年", "52户", "98.2%", "v1.2", "word", "Li Ming", " ",
    "\u3000", "\n", "\n\n", "\n\n\n", "一、", "（一）", "(二)", "篇一 ", "一、总体情况\n", "1.",
    "2)", "-", "+", "(", ")", ".", ",", ":", "!", "?", "\"", "'", "/", "@", "$", "^", "\u00a0",
    "#", "# ", "## ", "### ", "#### ", "####### ", "\n\n## 一、总体情况\n\n", "\n\n### （一）机制\n\n",
    "\n\n## 工作  机制\n\n", "\n\n#### 做法\n\n", "\n\n# 总结\n\n", "\n\n## 2023年“平安家庭”\n\n",
    "\n\n## ，\n\n", "第#1号",
])


@PROPERTY
@given(st.lists(PROSE, max_size=30).map("".join), st.sampled_from([2, 3]))
def test_plain_paragraphs_convert_as_python_markdown_does(source, top):
    """Households' stories and reports: prose, sentence ends, numbers and Latin words, outline
    marks (which make a text more than paragraphs), spaces where a line may begin or end, and
    headings written with # (a block of their own or not, repeated, skipping levels, with no
    word to anchor)."""
    assert render_markdown(source, top=top) == without_shortcuts(source, None, top)


HEADING = st.tuples(st.integers(1, 7), st.lists(st.sampled_from(
    ["一、", "（一）", "总体情况", "机制", "“平安家庭”", "2023年", "，", "word", " ", "  ", "\u3000",
     "-"]), min_size=1, max_size=4).map("".join)).map(
    lambda heading: "#" * heading[0] + " " + heading[1].rstrip(" \u3000"))
SENTENCES = st.lists(st.sampled_from(["我县坚持预防在先", "，", "。", "；", "“平安家庭”", "52户",
                                      "\n", "一是", "word"]), min_size=1, max_size=12).map("".join)
PARAGRAPH = st.one_of(SENTENCES, SENTENCES, SENTENCES, st.lists(PROSE.filter(lambda fragment: "#" not in fragment),
                                          max_size=12).map("".join))
REPORTS = st.lists(st.tuples(st.one_of(HEADING, PARAGRAPH),
                             st.sampled_from(["\n\n", "\n\n", "\n\n", "\n", "\n\n\n"])),
                   max_size=10).map(lambda blocks: "".join(block + after for block, after in blocks))


@PROPERTY
@given(REPORTS, st.sampled_from([2, 3]))
def test_reports_of_headings_convert_as_python_markdown_does(source, top):
    """Reports: headings of every level between paragraphs, repeated (their anchors numbered),
    with spaces among their words or none to anchor, most set apart by blank lines."""
    assert render_markdown(source, top=top) == without_shortcuts(source, None, top)


def test_a_story_is_taken_as_plain_paragraphs():
    """The positive control: a story of sentences over lines is plain paragraphs; a list,
    an outline heading or a line broken after two spaces is not."""
    story = "张建国一家三代同堂，\n十多年如一日照料老母亲。\n\n他担任调解员已有8年。"
    assert markup.plain_blocks(story, 3) == (
        "<p>张建国一家三代同堂，十多年如一日照料老母亲。</p>\n<p>他担任调解员已有8年。</p>", ())
    for text in ("- 一项", "一、总体情况", "甲  \n乙", "**强调**"):
        assert markup.plain_blocks(text, 3) is None


def test_a_report_of_headings_and_paragraphs_is_taken_as_plain_blocks():
    """The positive control: a report's # headings, one under another, skipping a level and
    repeated, are published shifted and anchored, and listed down to h3; a heading not set apart by blank
    lines, or with a # among its words, is left to the converter."""
    report = ("近年来，我县坚持预防在先。\n\n## 一、健全机制\n\n#### （一）抓实重点\n\n"
              "一是联合公安。\n二是走访。\n\n###### 经验\n\n## 一、健全机制")
    assert markup.plain_blocks(report, 2) == (
        '<p>近年来，我县坚持预防在先。</p>\n<h2 id="一健全机制">一、健全机制</h2>\n'
        '<h3 id="一抓实重点">（一）抓实重点</h3>\n<p>一是联合公安。</p>\n<p>二是走访。</p>\n'
        '<h4 id="经验">经验</h4>\n<h2 id="一健全机制_1">一、健全机制</h2>',
        (markup.TocEntry(2, "一健全机制", "一、健全机制"),
         markup.TocEntry(3, "一抓实重点", "（一）抓实重点"),
         markup.TocEntry(2, "一健全机制_1", "一、健全机制")))
    for text in ("## 一、健全机制\n一是联合公安。", "## 第#1号", "##一、健全机制"):
        assert markup.plain_blocks(text, 2) is None


def test_the_shortcuts_are_taken_for_prose():
    """The positive control: prose is marked atomic, and a text without [TOC] gets no toc HTML."""
    md, _ = markup._new_converter()
    md.convert("## 一、工作\n\n我县把\n创建工作纳入考核。")
    assert not markup._may_hold_inline_markup("我县把\n创建工作纳入考核。")
    assert md.toc == "<div></div>"


def test_a_table_of_contents_is_placed_where_the_text_asks():
    rendered = render_markdown("[TOC]\n\n## 一、工作\n\n### （一）机制")
    assert '<div class="toc">' in rendered.html and 'href="#一工作"' in rendered.html


def test_spaces_and_tabs_are_squeezed_in_the_plain_text():
    assert html_to_text("<p>甲 \t 乙</p><p>丙  丁\t戊 己</p>") == "甲 乙\n丙 丁 戊 己"
