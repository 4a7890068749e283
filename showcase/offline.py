"""The links of an offline copy (build --offline): offices hand the site out on USB sticks and open
it from disk, where a link to a folder (reports/x/) shows the folder's listing, not its page. Each
rendered HTML page has every link within the site written to the folder's index.html here, in
one place, so no template needs to know (render.py). Links to other sites, fragments of the page
and files (the assets, feed.xml) are left as they are."""
from __future__ import annotations

import html
import re

from markupsafe import escape

LINKS = frozenset({"href", "src", "action"})
"""The attributes whose address a reader follows (or the browser fetches) from a page."""

_TAG = re.compile(r"""<!--.*?-->|<[a-zA-Z][^\s/>]*(?:\s+[^\s"'>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'"""
                  r"""|[^\s>]+))?)*\s*/?>""", re.S)
"""A comment (passed over) or a start tag with its attributes, quoted values read whole: text
never holds a bare `<` (escaped), and the CSP leaves no inline script or style to hold one."""
_NAME = re.compile(r"<[^\s/>]*")
_ATTRIBUTE = re.compile(r"""(\s+)([^\s"'>/=]+)(?:(\s*=\s*)("[^"]*"|'[^']*'|[^\s>]+))?""")
_ELSEWHERE = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*:|//")
"""An address with a scheme (http:, mailto:, tel:, data:) or a host: not a file of the copy."""


def file_address(address: str) -> str:
    """The address as a copy on disk can open it: a folder of the site (`x/`, `./`, `../..`)
    becomes its index.html, its ?query and #fragment kept after it; anything else as it is."""
    if _ELSEWHERE.match(address):
        return address
    end = min((at for at in (address.find("?"), address.find("#")) if at >= 0),
              default=len(address))
    path = address[:end]
    if path.endswith("/"):
        return f"{path}index.html{address[end:]}"
    if path in (".", "..") or path.endswith(("/.", "/..")):
        return f"{path}/index.html{address[end:]}"
    return address


def offline_page(page: str) -> str:
    """The HTML page with every link within the site naming a file. An element that hands its
    script the way to the site's root (data-root) is marked data-offline, so that the links the
    script makes (search results, search-page.js) name files too."""
    return _TAG.sub(_offline_tag, page)


def _offline_tag(match: re.Match) -> str:
    tag = match.group(0)
    if tag.startswith("<!--"):
        return tag
    name = _NAME.match(tag).group(0)
    return name + _ATTRIBUTE.sub(_offline_attribute, tag[len(name):])


def _offline_attribute(match: re.Match) -> str:
    space, name, equals, quoted = match.groups()
    if quoted is None:
        return match.group(0)
    if name.lower() == "data-root":
        return f"{match.group(0)} data-offline"
    if name.lower() not in LINKS:
        return match.group(0)
    value = quoted[1:-1] if quoted[0] in "\"'" else quoted
    address = html.unescape(value)
    file = file_address(address)
    if file == address:
        return match.group(0)
    return f'{space}{name}{equals}"{escape(file)}"'
