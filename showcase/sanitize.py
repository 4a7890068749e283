"""The allow-list every piece of HTML from content passes through (Markdown bodies, stories):
authors may write tables, pictures, links and basic formatting, never code (nh3, i.e. Ammonia).
A text of plain paragraphs and headings is made HTML without the parser (markup.plain_blocks),
of words holding nothing to escape: what this would give back unchanged, so it is not asked."""
from __future__ import annotations

import re

import nh3

TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "col", "colgroup", "dd",
    "del", "details", "div", "dl", "dt", "em", "figcaption", "figure", "h2", "h3", "h4", "h5",
    "h6", "hr", "i", "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "small",
    "span", "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead",
    "tr", "u", "ul",
}
REMOVED_WITH_CONTENT = {"script", "style"}
ATTRIBUTES = {
    "*": {"id", "class", "title", "lang"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "ol": {"start", "reversed"},
    "col": {"span"},
    "colgroup": {"span"},
}
URL_SCHEMES = {"http", "https", "mailto", "tel", "data"}
URL_ATTRIBUTES = {"href", "src", "cite"}
_DATA_IMAGE = re.compile(r"data:image/(png|jpeg|gif|webp);base64,[A-Za-z0-9+/=\s]*\Z", re.I)
_HEADING_ONE = re.compile(r"<(/?)h1\b", re.I)


def _filter(tag: str, attribute: str, value: str) -> str | None:
    """A data: URL only as a picture of a raster type (an SVG can carry script)."""
    if attribute in URL_ATTRIBUTES and value.strip().lower().startswith("data:"):
        return value if tag == "img" and attribute == "src" and _DATA_IMAGE.match(value.strip()) \
            else None
    return value


def sanitize(fragment: str) -> str:
    """Safe HTML of `fragment`. A content <h1> becomes <h2>: the page's title is its only h1."""
    fragment = _HEADING_ONE.sub(r"<\1h2", fragment)
    return nh3.clean(fragment, tags=TAGS, clean_content_tags=REMOVED_WITH_CONTENT,
                     attributes=ATTRIBUTES, attribute_filter=_filter, url_schemes=URL_SCHEMES,
                     link_rel=None, strip_comments=True)
