"""Splitting a report into its YAML front matter and Markdown body, keeping line numbers.

A small line-based splitter rather than one large regex (Zola's weak spot), so every later
message can point at the author's own line.
"""
from __future__ import annotations

from dataclasses import dataclass

from .i18n import _

FENCE = "---"


@dataclass(frozen=True)
class Split:
    """Front matter text (starting on file line 2) and the body with the line it starts on."""

    front_matter: str
    body: str
    body_line: int


class FrontMatterError(ValueError):
    """The file has no well-formed front matter; `line` says where the author should look."""

    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line = line


def split(text: str) -> Split:
    """Split `text` (already decoded, newlines normalised) at its `---` fences."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != FENCE:
        raise FrontMatterError(1, _("no front matter: a report must start with a line `---`, "
                                    "then title, unit, date, region and category, then another "
                                    "`---` (see docs/reference.md#front-matter)"))
    for index in range(1, len(lines)):
        if lines[index].strip() in (FENCE, "..."):
            return Split(
                front_matter="\n".join(lines[1:index]),
                body="\n".join(lines[index + 1:]),
                body_line=index + 2,
            )
    raise FrontMatterError(1, _("the front matter is not closed: add a line `---` after its "
                                "last field, before the text of the report"))
