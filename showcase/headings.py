"""Where the source of a text skips a heading level, so that `check` can name the author's line:
markup.py publishes the headings shifted so that none skips (published_levels); this reads the
headings from the source, with their lines, as the conversion reads them.

Found: `#` headings (at the start of a line or in a quote, outside fenced code), a line
underlined with === or --- that starts a paragraph, and the pasted 一、/（一） lines that
markup.py makes headings. Not found: headings inside list items and footnotes (indented) or raw
HTML; they are rare, and still published shifted, so a warning may then name another level."""
from __future__ import annotations

import re
from dataclasses import dataclass

from markdown.extensions.fenced_code import FencedBlockPreprocessor

from .markup import (OUTLINE, REPORT_TOP, TOPIC_TAG, outline_level, plain_runs,
                     published_levels)

_HASHES = re.compile(rf"(?:[ ]{{0,3}}>[ ]?)*(?![ ]{{0,3}}{TOPIC_TAG})(#{{1,6}})")
"""A `#` heading as Python-Markdown reads one: the hashes first on the line (or first in a
quote), no space needed after them; a line that begins with a topic tag (#平安家庭#) is text
(markup._HashtagsAreText)."""
_UNDERLINE = re.compile(r"(?:=+|-+)[ ]*$")
_TAB_LENGTH = 4


@dataclass(frozen=True)
class SourceHeading:
    """A heading of the text as written."""

    offset: int
    """Its line, counted from the text's first line, which is 0."""
    level: int
    marker: str
    """As the author wrote it: ###, === or --- (under the line), or the number of a pasted
    line (一、, （一）)."""


@dataclass(frozen=True)
class Skip:
    """A heading written where the outline skips a level (or a second title)."""

    heading: SourceHeading
    previous: SourceHeading | None
    """The heading before it; None when it is the first (it follows the page's own)."""
    published: int


def source_headings(text: str) -> list[SourceHeading]:
    """The headings of a Markdown text, in order, with their lines."""
    lines = _without_code(text.expandtabs(_TAB_LENGTH).split("\n"))
    pasted = {start + number for start, run in plain_runs(lines)
              for number, line in enumerate(run) if outline_level(line)}
    found = []
    for offset, line in enumerate(lines):
        hashes = _HASHES.match(line)
        if hashes:
            found.append(SourceHeading(offset, len(hashes[1]), hashes[1]))
        elif offset in pasted:
            found.append(SourceHeading(offset, outline_level(line), OUTLINE.match(line)[0].strip()))
        elif _underlines(lines, offset):
            level = 1 if line.startswith("=") else 2
            found.append(SourceHeading(offset - 1, level, line[0] * 3))
    return found


def skips(text: str, top: int = REPORT_TOP) -> list[Skip]:
    """The headings of `text` where its written outline goes wrong, with the level each is
    published at: one more than a level under the heading before it (the first: under the
    page's own heading, at level top - 1), and one written above `top` (a second title). Only
    where the text jumps, not every heading the jump moves: mending one may bring out the next
    (## then #### then #####: the ##### once the #### is made ###), as a compiler's errors do."""
    headings = source_headings(text)
    published = published_levels([heading.level for heading in headings], top)
    found = []
    for number, (heading, level) in enumerate(zip(headings, published)):
        previous = headings[number - 1] if number else None
        above = previous.level if previous else top - 1
        if heading.level < top or heading.level > above + 1:
            found.append(Skip(heading, previous, level))
    return found


def _without_code(lines: list[str]) -> list[str]:
    """The lines, those of fenced code blanked (as fenced_code takes them out of the text, before
    anything else reads it, leaving a blank line on either side)."""
    text = "\n".join(lines)
    blank = set()
    for block in FencedBlockPreprocessor.FENCED_BLOCK_RE.finditer(text):
        first = text.count("\n", 0, block.start())
        blank.update(range(first, first + block[0].count("\n") + 1))
    return ["" if offset in blank else line for offset, line in enumerate(lines)]


def _underlines(lines: list[str], offset: int) -> bool:
    """Whether the line at `offset` (=== or ---) makes the line above it a heading: that line
    starts a paragraph (Python-Markdown's rule) and is no `#` heading or indented code."""
    if offset == 0 or not _UNDERLINE.match(lines[offset]):
        return False
    above = lines[offset - 1]
    starts = offset == 1 or not lines[offset - 2].strip() or _HASHES.match(lines[offset - 2])
    return bool(above.strip() and starts and not _HASHES.match(above)
                and not above.startswith(" " * _TAB_LENGTH))
