"""What an elderly reader on a cheap phone gets: no page scrolls sideways at 360 px, and the home
page and a report page are light (counted gzip-compressed, as a static host serves them)."""
from __future__ import annotations

import gzip
import re

PAGE_BUDGET = 100 * 1024


def transferred(output, page_rel: str) -> int:
    """Compressed bytes of a page and the styles and scripts it loads (pictures aside)."""
    page = output / page_rel
    html = page.read_text("utf-8")
    total = len(gzip.compress(page.read_bytes(), 6))
    for address in re.findall(r'<(?:link rel="stylesheet"|script) [^>]*(?:href|src)="([^"]+)"',
                              html):
        total += len(gzip.compress((page.parent / address).resolve().read_bytes(), 6))
    return total


def test_home_and_report_pages_are_light(sample_output):
    for page in ("index.html", "reports/longhui-tiaojie-wangluo/index.html"):
        assert transferred(sample_output, page) <= PAGE_BUDGET, page


def test_no_page_scrolls_sideways_on_a_small_phone(browser, sample_output, serve_sub):
    base = serve_sub(sample_output)
    context = browser.new_context(viewport={"width": 360, "height": 640})
    page = context.new_page()
    wide = []
    for file in sorted(sample_output.rglob("*.html")):
        rel = file.relative_to(sample_output).as_posix()
        page.goto(base + rel, wait_until="load")
        if page.evaluate("document.documentElement.scrollWidth") > 360:
            wide.append(rel)
    context.close()
    assert wide == []
