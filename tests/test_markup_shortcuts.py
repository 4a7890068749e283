"""markup.py's shortcuts change what a conversion costs, never what it gives: texts no inline
pattern could match are marked atomic before the patterns run (_PlainTextIsAtomic), and the table
of contents is made as HTML only for a text that may place it (_TocTokens). Each text here is
converted as it is and by a converter without the shortcuts (Python-Markdown's own inline pass
and table of contents); the results must be the same."""
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
        result.append(render_markdown(source, resolver, top=top))

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
