"""A small crawler over a served site: follows every internal link and asset reference."""
from __future__ import annotations

import html.parser
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field


class _Links(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if value and (name in ("href", "src", "action") or (name == "srcset")):
                self.links.extend(v.split()[0] for v in value.split(",")) if name == "srcset" \
                    else self.links.append(value)


@dataclass
class Crawl:
    pages: dict[str, bytes] = field(default_factory=dict)
    broken: list[tuple[str, str, int]] = field(default_factory=list)
    external: set[str] = field(default_factory=set)


def links_of(page: bytes) -> list[str]:
    parser = _Links()
    parser.feed(page.decode("utf-8"))
    return parser.links


def crawl(start: str) -> Crawl:
    """Visit every URL under `start` reachable from it; record broken ones with their referrer."""
    result = Crawl()
    queue = [(start, "")]
    seen = {start}
    while queue:
        url, referrer = queue.pop()
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                body = response.read()
                kind = response.headers.get("Content-Type", "")
        except urllib.error.HTTPError as exc:
            result.broken.append((url, referrer, exc.code))
            continue
        result.pages[url] = body
        if "html" not in kind:
            continue
        for link in links_of(body):
            target = urllib.parse.urldefrag(urllib.parse.urljoin(url, link)).url
            target = urllib.parse.quote(target, safe=":/?=&%+@;,~")
            if not target.startswith(start):
                if target.startswith(("http:", "https:")) and not target.startswith(
                        start.split("/sub/")[0]):
                    result.external.add(target)
                elif not target.startswith(("http:", "https:")):
                    continue
                else:
                    result.broken.append((target, url, 0))  # escapes the sub-path
                continue
            if target not in seen:
                seen.add(target)
                queue.append((target, url))
    return result
