"""Markdown to HTML for Chinese prose: tables, footnotes, attribute lists, fenced code and a table
of contents whose anchors keep their Chinese; hard-wrapped lines joined without stray spaces."""
from __future__ import annotations

import html
import itertools
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Callable
from xml.etree import ElementTree

import markdown
from markdown.extensions.toc import (TocExtension, TocTreeprocessor, slugify_unicode, strip_tags,
                                     unique)
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor
from markdown.util import AtomicString

from .memo import Memo
from .sanitize import sanitize
from .text import join_hard_wraps, reading_minutes

LinkResolver = Callable[[str, str], "str | None"]
"""Given an address from the text and its tag ('img' or 'a'), the address to publish
(None: keep it as written)."""

REPORT_TOP = 2
"""A report's headings start at h2, under its title (h1); a household's story's at h3, under
the page's 家庭事迹 (h2)."""
STORY_TOP = 3


@dataclass(frozen=True)
class TocEntry:
    level: int
    anchor: str
    title: str


@dataclass(frozen=True)
class Rendered:
    html: str
    toc: tuple[TocEntry, ...]
    text: str
    reading_minutes: int
    """Kept with the conversion: counting the characters of every report again in every build
    cost a tenth of a 10,000-report rebuild's checks."""


class _JoinHardWraps(Treeprocessor):
    """Authors paste hard-wrapped text; a break between two Chinese characters is no space.
    Only a text with a line break is handed to `join_hard_wraps`: most have none, and its
    pattern looks behind every character."""

    def run(self, root):
        self._walk(root)

    def _walk(self, element):
        if element.tag in ("pre", "code"):
            return
        if element.text and "\n" in element.text:
            element.text = join_hard_wraps(element.text)
        for child in element:
            self._walk(child)
            if child.tail and "\n" in child.tail:
                child.tail = join_hard_wraps(child.tail)


class _PastedParagraphs(Preprocessor):
    """Text pasted from Word has one paragraph a line and no blank line between them, which
    Markdown would read as one long paragraph. In a run of plain lines, a line that ends a
    sentence (or clause: ；：) ends its paragraph, and a short line numbered 一、 or （一） is
    a heading (## and ###), as the material's outline means; a line broken mid-sentence (hard
    wrapped) still joins the next. Lines that are Markdown (headings, lists, quotes, tables,
    indented code, HTML, footnotes, a heading underlined with === or ---) are left alone, and
    so is every run holding one."""

    def run(self, lines: list[str]) -> list[str]:
        out = list(lines)
        for start, run in reversed(list(plain_runs(lines))):
            out[start:start + len(run)] = self._paragraphs(run)
        return out

    @staticmethod
    def _paragraphs(run: list[str]) -> list[str]:
        out: list[str] = []
        for line in run:
            level = outline_level(line)
            if level and out and out[-1]:
                out.append("")
            out.append(_HEADING_OF.get(level, "") + line)
            if level or _ENDS_SENTENCE.search(line):
                out.append("")
        return out[:-1] if out and not out[-1] else out


_MARKDOWN_START = re.compile(r" {4}|\t|\s*(?:[#>|<*+-]|\d+[.)]\s|\[\^?[^\]]*\]:|[=-]+\s*$)")
"""How a line of Markdown begins; one holding a table's | or a placeholder (\\x02) anywhere is
Markdown too (looked for with `in`: a pattern would try every character of the line)."""
_ENDS_SENTENCE = re.compile(r"[。！？；：…][”’」』）]*\s*$")
OUTLINE = re.compile(r"^\s*(?:(?P<part>[一二三四五六七八九十]{1,3}、(?=\S)|"
                     r"篇[一二三四五六七八九十]{1,3}(?:\s|$))|"
                     r"(?P<section>[（(][一二三四五六七八九十]{1,3}[）)](?=\S)))")
"""The numbers of an official material's outline: a part (一、, or 篇一 in a compilation)
and a section (（一）)."""
_HEADING_OF = {2: "## ", 3: "### "}
OUTLINE_HEADING_LENGTH = 40
"""A numbered line longer than this is a paragraph that begins with its number (一、我县……)."""


def _is_plain(line: str) -> bool:
    return "|" not in line and "\x02" not in line and not _MARKDOWN_START.match(line)


def plain_runs(lines: list[str]) -> Iterator[tuple[int, list[str]]]:
    """Each run of non-blank lines holding no Markdown, with the index of its first line: the
    text _PastedParagraphs divides, where every line with an `outline_level` is a heading."""
    start = 0
    for index, line in enumerate([*lines, ""]):
        if not line.strip():
            if index > start and all(map(_is_plain, lines[start:index])):
                yield start, lines[start:index]
            start = index + 1


def outline_level(line: str) -> int:
    """2 for a heading numbered 一、, 3 for （一）, 0 for any other line (or a long one, or
    one with a full stop inside: a paragraph that begins with its number)."""
    match = OUTLINE.match(line)
    text = line.strip()
    if not match or len(text) > OUTLINE_HEADING_LENGTH or "。" in text[:-1]:
        return 0
    return 2 if match["part"] else 3


def published_levels(written: list[int], top: int) -> list[int]:
    """The level each heading is published at, given the levels written, in order: the first
    at `top` (right under the page's own heading), each other one level under the nearest
    heading before it written higher (its parent in the written outline), or at `top` when
    there is none; so none is more than one level under the one before. Headings written from
    `top` on that never skip a level are published as written."""
    published: list[int] = []
    parents: list[tuple[int, int]] = []  # (written, published) of the headings still open
    for level in written:
        while parents and parents[-1][0] >= level:
            parents.pop()
        published.append(min(parents[-1][1] + 1 if parents else top, 6))
        parents.append((level, published[-1]))
    return published


class _ShiftHeadings(Treeprocessor):
    """Pasted materials skip levels (a （一） section with its 一、 part left a plain line, a
    text begun with ###), which leaves readers of the outline, and screen readers, a gap under
    the page's own heading: the levels are shifted as `published_levels` says. Every heading of
    the text counts, in the order a reader meets them, in lists, quotes and footnotes too (as
    the table of contents counts them); raw HTML ones (<h4>) are the author's own. Run before
    the table of contents (Python-Markdown's toc, priority 5), which lists the levels
    published; anchors are made from the words, which do not change."""

    def __init__(self, md, extension: _Extension):
        super().__init__(md)
        self.extension = extension

    def run(self, root):
        headings = [element for element in root.iter() if element.tag in _HEADING_TAGS]
        levels = published_levels([int(element.tag[1]) for element in headings],
                                  self.extension.top)
        for element, level in zip(headings, levels):
            element.tag = f"h{level}"


_HEADING_TAGS = {f"h{level}" for level in range(1, 7)}


class _HashtagsAreText(Preprocessor):
    """A line that begins with a topic tag (#平安家庭#, as posts and pasted materials write
    them) is a paragraph: Python-Markdown reads any `#` at the start of a line as a heading
    (## 二、 and ##二、 alike, which stay headings)."""

    def run(self, lines: list[str]) -> list[str]:
        return [HASHTAG_LINE.sub(r"\1\\", line) if "#" in line else line for line in lines]


TOPIC_TAG = r"#[^\s#][^#\n]*#"
"""A topic tag: one `#`, words, a closing `#` (#平安家庭#)."""
HASHTAG_LINE = re.compile(rf"^((?:[ ]{{0,3}}>[ ]?)*[ ]{{0,3}})(?={TOPIC_TAG})")


class _AlignmentClasses(Treeprocessor):
    """Table column alignment as a class: the Content-Security-Policy forbids style attributes."""

    def run(self, root):
        for element in root.iter():
            style = element.get("style")
            match = style and _ALIGNMENT.fullmatch(style)
            if match:
                del element.attrib["style"]
                element.set("class", f"align-{match.group(1)}")


_ALIGNMENT = re.compile(r"text-align:\s*(left|center|right);?")


class _RewriteLinks(Treeprocessor):
    """Hands every image source and link target to the resolver of the text being converted
    (to publish or to check); without one, leaves them as written."""

    def __init__(self, md, extension: _Extension):
        super().__init__(md)
        self.extension = extension

    def run(self, root):
        resolve = self.extension.resolve
        if resolve is None:
            return
        for element in root.iter():
            attribute = _ADDRESS_ATTRIBUTE.get(element.tag)
            if attribute and element.get(attribute) is not None:
                replacement = resolve(element.get(attribute), element.tag)
                if replacement is not None:
                    element.set(attribute, replacement)


_ADDRESS_ATTRIBUTE = {"img": "src", "a": "href"}


class _PlainTextIsAtomic(Treeprocessor):
    """Python-Markdown tries each of its 15 inline patterns on every text of the tree, one after
    the other, in Python: nearly half of a report's conversion, though most of its texts are
    prose holding none of the characters a pattern needs. Such a text is marked atomic (Python-
    Markdown's own way of saying "no inline markup here") before the inline patterns run
    (priority 20): as no pattern could match it, it is published as it would have been."""

    def run(self, root):
        for element in root.iter():
            if element.text and not _may_hold_inline_markup(element.text):
                element.text = AtomicString(element.text)
            if element.tail and not _may_hold_inline_markup(element.tail):
                element.tail = AtomicString(element.tail)


def _may_hold_inline_markup(text: str) -> bool:
    """Whether `text` holds what one of the converter's inline patterns (_INLINE_PATTERNS) needs
    to match: ` for code, \\ for escapes, [ for links, pictures and footnotes, < for autolinks
    and HTML, & for entities, * and _ for emphasis, two spaces before a line break for <br>."""
    return "  \n" in text or _INLINE_MARKUP_CHARACTER.search(text) is not None


_INLINE_MARKUP_CHARACTER = re.compile(r"[`\\[<&*_]")
_INLINE_PATTERNS = {"backtick", "escape", "footnote", "reference", "link", "image_link",
                    "image_reference", "short_reference", "short_image_ref", "autolink",
                    "automail", "linebreak", "html", "entity", "em_strong"}


class _TocTokens(TocTreeprocessor):
    """Python-Markdown's table of contents, which also builds, prettifies and serializes it as
    HTML (md.toc) for every text, and looks through the whole tree for a [TOC] line to put it
    at: a tenth of a report's conversion. We publish md.toc_tokens, so that HTML is made only
    for a text with a line that may be [TOC] (the text of an element, stripped, is the marker)."""

    def run(self, doc):
        self.places_toc = any(element.text and element.text.strip() == self.marker
                              for element in doc.iter())
        super().run(doc)

    def build_toc_div(self, toc_list):
        return super().build_toc_div(toc_list) if self.places_toc else ElementTree.Element("div")

    def replace_marker(self, root, elem):
        if self.places_toc:
            super().replace_marker(root, elem)


class _Toc(TocExtension):
    TreeProcessorClass = _TocTokens


class _Extension(markdown.Extension):
    """Our tree processors. The link resolver and the top heading level belong to one text:
    they are set before each conversion and cleared by `md.reset()`, like the state of
    Markdown's own extensions."""

    def __init__(self):
        super().__init__()
        self.resolve: LinkResolver | None = None
        self.top = REPORT_TOP

    def extendMarkdown(self, md):
        md.registerExtension(self)
        md.preprocessors.register(_HashtagsAreText(md), "hashtags_are_text", 16)
        md.preprocessors.register(_PastedParagraphs(md), "pasted_paragraphs", 15)
        md.treeprocessors.register(_PlainTextIsAtomic(md), "plain_text_is_atomic", 21)
        md.treeprocessors.register(_ShiftHeadings(md, self), "shift_headings", 6)
        md.treeprocessors.register(_JoinHardWraps(md), "join_hard_wraps", 1)
        md.treeprocessors.register(_AlignmentClasses(md), "alignment_classes", 1)
        md.treeprocessors.register(_RewriteLinks(md, self), "rewrite_links", 0)

    def reset(self):
        self.resolve = None
        self.top = REPORT_TOP


def _toc_entries(tokens: list[dict]) -> list[TocEntry]:
    entries = []
    for token in tokens:
        entries.append(TocEntry(token["level"], token["id"], html.unescape(token["name"])))
        entries.extend(_toc_entries(token["children"]))
    return entries


def _new_converter() -> tuple[markdown.Markdown, _Extension]:
    extension = _Extension()
    md = markdown.Markdown(
        extensions=["tables", "footnotes", "attr_list", "fenced_code", "sane_lists",
                    _Toc(slugify=slugify_unicode, separator=_ANCHOR_SEPARATOR,
                         toc_depth=f"{_TOC_LEVELS.start}-{_TOC_LEVELS.stop - 1}"), extension],
        extension_configs={"footnotes": {"BACKLINK_TITLE": "返回正文"}},
        output_format="html",
    )
    if len(md.inlinePatterns) != len(_INLINE_PATTERNS) or \
            not all(name in md.inlinePatterns for name in _INLINE_PATTERNS):
        raise RuntimeError("the inline patterns are not those _may_hold_inline_markup knows: "
                           "say in it what each needs to match")
    return md, extension


_TOC_LEVELS = range(2, 4)
"""The published levels the table of contents lists (h2 and h3)."""
_ANCHOR_SEPARATOR = "-"


_converters = threading.local()
"""One converter per thread of each process, made on first use: making one (extensions,
processors, patterns) took about 30% of the conversion time when every text had its own.
Per thread because a converter holds the text being converted; a worker process has its own."""


def _converter() -> tuple[markdown.Markdown, _Extension]:
    converter = getattr(_converters, "converter", None)
    if converter is None:
        converter = _converters.converter = _new_converter()
    return converter


def render_markdown(source: str, resolve: LinkResolver | None = None,
                    memo: Memo | None = None, top: int = REPORT_TOP) -> Rendered:
    """Convert Markdown to sanitized HTML; `resolve` rewrites relative addresses (images, links
    to other reports). Raw HTML in the text is allowed through the sanitizer's allow-list. The
    text's first heading is published at level `top`, and none skips a level (_ShiftHeadings).

    A text converted by an earlier build comes from the memo: its addresses are resolved again,
    in the same order (so every problem is reported as before), and when each resolves as it did
    then, the kept conversion is the one this build would make."""
    if memo is None:
        return _convert(source, resolve, top)[0]
    key = memo.key("markdown", source.encode(), bytes([top]))
    kept = memo.get(key)
    if kept is not None:
        rendered, calls = kept
        answers = [resolve(*arguments) for arguments, _ in calls] if resolve else []
        if answers == [answer for _, answer in calls]:
            return rendered
        replies = iter(answers)  # the same calls again: their answers, the problems said once
        rendered, _ = _convert(source, resolve and (lambda *arguments: next(replies)), top)
        return memo.put(key, (rendered, [(arguments, answer) for (arguments, _), answer
                                         in zip(calls, answers)]))[0]
    return memo.put(key, _convert(source, resolve, top))[0]


def _convert(source: str, resolve: LinkResolver | None, top: int) -> tuple[Rendered, list]:
    """The conversion, and the resolver's calls in order with their answers."""
    calls = []

    def recorded(*arguments):
        answer = resolve(*arguments)
        calls.append((arguments, answer))
        return answer

    plain = plain_blocks(source, top)
    if plain is not None:  # (its words hold nothing to escape or allow: sanitize keeps them)
        body, toc = plain
    else:
        converted, toc = _converted(source, recorded if resolve else None, top)
        body = sanitize(converted)
    text = html_to_text(body)
    return Rendered(body, toc, text, reading_minutes(text)), calls


def _converted(source: str, resolve: LinkResolver | None,
               top: int) -> tuple[str, tuple[TocEntry, ...]]:
    """Python-Markdown's HTML of the text and its table of contents."""
    md, extension = _converter()
    md.reset()  # nothing of the previous text: footnotes, references, table of contents, stash
    extension.resolve = resolve
    extension.top = top
    try:
        return md.convert(source), tuple(_toc_entries(md.toc_tokens))
    except BaseException:
        # a conversion stopped halfway may leave parser state that reset() does not clear
        _converters.converter = None
        raise
    finally:
        md.reset()  # let go of this text (and of its resolver) until the next one


def plain_blocks(source: str, top: int) -> tuple[str, tuple[TocEntry, ...]] | None:
    """The HTML and table of contents the converter makes of a text of plain paragraphs and
    headings written with # (most reports, most households' stories): no other Markdown, no
    outline heading, nothing an inline pattern looks for, no space at either end of a line,
    and each heading a block of its own (a blank line on both sides). Its paragraphs are
    divided as _PastedParagraphs divides them and joined as _JoinHardWraps joins them, its
    headings published at the levels _ShiftHeadings gives and anchored as Python-Markdown's
    table of contents anchors them, without its parser (which took a third of a report's
    checks, and a third of a millisecond a story); None for any other text."""
    if _MARKUP_CHARACTER.search(source):
        return None
    lines = source.split("\n")
    for number, line in enumerate(lines):
        if line != line.strip() or _LIST_ITEM.match(line):
            return None
        if "#" in line:
            if not (_PLAIN_HEADING.fullmatch(line) and not (number and lines[number - 1])
                    and not (number + 1 < len(lines) and lines[number + 1])):
                return None
        elif outline_level(line):
            return None
    # every run of lines between blank ones a heading, or plain lines to be divided
    blocks = ["\n".join(group) for run in _runs(lines)
              for written, group in itertools.groupby(
                  run if run[0].startswith("#") else _PastedParagraphs._paragraphs(run),
                  key=bool) if written]
    levels = iter(published_levels([block.index(" ") for block in blocks
                                    if block.startswith("#")], top))
    anchors: set[str] = set()
    counters: dict[str, int] = {}
    html_blocks, toc = [], []
    for block in blocks:
        if block.startswith("#"):
            words = block.partition(" ")[2]
            level, name = next(levels), strip_tags(words)
            anchor = unique(slugify_unicode(name, _ANCHOR_SEPARATOR), anchors, counters)
            html_blocks.append(f'<h{level} id="{anchor}">{words}</h{level}>')
            if level in _TOC_LEVELS:
                toc.append(TocEntry(level, anchor, name))
        else:
            html_blocks.append("<p>" + (join_hard_wraps(block) if "\n" in block else block)
                               + "</p>")
    return "\n".join(html_blocks), tuple(toc)


_PLAIN_HEADING = re.compile(r"#{1,6} [^#\s](?:[^#]*[^#\s])?")
"""A heading plain_blocks takes: # to ######, one space, words holding no #."""
_MARKUP_CHARACTER = re.compile(r"[`\\\[\]<>&*_|{}~=\x00-\x09\x0b-\x1f\x7f\xa0]")
"""The characters of Markdown (but #, looked at line by line) and of inline patterns, control
characters, and the no-break space (which sanitize writes as &nbsp;): a text holding one is
more than plain_blocks takes, whose HTML is published as it is made."""
_LIST_ITEM = re.compile(r"\d+[.)]|[-+]")
"""How a list item, a rule or a heading's underline begins."""


def _runs(lines: list[str]) -> Iterator[list[str]]:
    """The runs of non-blank lines."""
    for written, run in itertools.groupby(lines, key=bool):
        if written:
            yield list(run)


def html_to_text(fragment: str) -> str:
    """Readable plain text of our own HTML output (for summaries, counts and search)."""
    fragment = re.sub(r"<(script|style)\b.*?</\1>", " ", fragment, flags=re.S | re.I)
    fragment = re.sub(r"<sup[^>]*>.*?</sup>|<a class=\"footnote-backref\".*?</a>", "", fragment,
                      flags=re.S)
    fragment = re.sub(r"</(p|h\d|li|tr|div|blockquote|pre)>|<br\s*/?>", "\n", fragment)
    text = html.unescape(re.sub(r"<[^>]+>", "", fragment))
    text = re.sub(r"\n\s*\n+", "\n", text)
    if "\t" in text or "  " in text:  # else none to squeeze (and the pattern is slow)
        text = re.sub(r"[ \t]+", " ", text)
    return text.strip()


def first_paragraph_text(fragment: str) -> str:
    """Plain text of the first <p> that has any, for a summary the author did not write."""
    for match in re.finditer(r"<p>(.*?)</p>", fragment, flags=re.S):
        text = html_to_text(match.group(1))
        if text:
            return text
    return ""
