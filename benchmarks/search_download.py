"""How much a reader downloads for the first search on a large site, measured in a real browser.

    python benchmarks/search_download.py [--reports 10000] [--households 5000] [--seed 1]
    python benchmarks/search_download.py --site DIR          # an already generated site
    python benchmarks/search_download.py --site DIR --built OUT   # ... already built into OUT

DESIGN.md promises that the first query of a 10,000-report site downloads a small fraction of the
whole index. This script generates a site (make_site.py), builds it with build.py, serves the output
on 127.0.0.1 and, for each query, opens the search page in a fresh browser context (empty cache),
runs `window.showcase.search(q, {})` and adds up every response from just before the page load until
the search resolves. The figure that matters is the search script plus every search/*.js file
("first-query-download"); the page's HTML and CSS are shown beside it. Sizes are raw and gzipped
(level 6, as a static host would compress text).

It prints figures and always exits 0: it is a benchmark, not a test.
"""
from __future__ import annotations

import argparse
import collections
import functools
import gzip
import http.server
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import yaml
from pypinyin import Style, lazy_pinyin

from make_site import make_site

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from tests.conftest import CHROMIUM, CHROMIUM_FLAGS  # noqa: E402  (how the tests launch Chromium)

NO_ANSWER = "火星探测器"
PLACE_SUFFIXES = ("街道", "社区", "省", "市", "县", "区", "镇", "乡", "村")
RESULT_JS = """async q => {
    const started = performance.now();
    const results = await window.showcase.search(q, {});
    return {shown: results.length, counts: results.counts, unchecked: results.unchecked,
            ms: performance.now() - started, urls: results.map(r => r.url)};
}"""


# ---- the queries, taken from the site itself ----------------------------------------------------

def busiest_county(site: Path) -> str:
    """The county named by most reports (ties: the first by name), a place readers look for."""
    counts: collections.Counter = collections.Counter()
    for path in sorted((site / "content").rglob("*.md")):
        with path.open(encoding="utf-8") as handle:
            match = re.search(r"^region:\s*(.+)$", handle.read(2048), re.M)
        if match and match.group(1).count("/") >= 2:
            counts[match.group(1).strip().split("/")[2]] += 1
    return min(counts, key=lambda name: (-counts[name], name))


def commonest_head(site: Path) -> str:
    """The householder's name found in most honour lists (ties: the first by name)."""
    counts: collections.Counter = collections.Counter()
    for path in sorted((site / "data" / "households").glob("*.yaml")):
        data = yaml.safe_load(path.read_text("utf-8")) or {}
        counts.update(h.get("head") or h["name"].removesuffix("家庭")
                      for h in data.get("households") or [])
    return min(counts, key=lambda name: (-counts[name], name))


def queries(site: Path) -> list[tuple[str, str]]:
    """(what it tests, query) pairs."""
    county = busiest_county(site)
    proper = next((county[:-len(s)] for s in PLACE_SUFFIXES if county.endswith(s)), county)
    return [("county", county), ("person", commonest_head(site)), ("common word", "家庭"),
            ("genre phrase", "留守儿童"), ("number", "1100"),
            ("pinyin", "".join(lazy_pinyin(proper, style=Style.NORMAL))),
            ("no answer", NO_ANSWER)]


# ---- building and serving ------------------------------------------------------------------------

def build(site: Path, out: Path) -> bool:
    """Build with the repository's build.py, printing its wall-clock and CPU time (the CPU time
    is the steadier figure on a busy machine); False (error printed) if it failed."""
    before, started = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
    result = subprocess.run([sys.executable, "build.py", "build", "--site", str(site),
                             "--out", str(out)], cwd=REPO, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    if result.returncode != 0:
        print(f"build failed (exit {result.returncode}) after {seconds:.1f} s:\n"
              f"{result.stdout[-3000:]}{result.stderr[-3000:]}")
        return False
    print(f"build: {seconds:.1f} s wall, {cpu:.1f} s CPU, peak memory "
          f"{after.ru_maxrss / 1024:,.0f} MiB: {result.stdout.strip()}")
    return True


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"     # keep-alive, as a real host
    timeout = 30                      # an idle kept-alive connection ends its thread

    def log_message(self, *args):
        pass


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        """A browser dropping a connection it no longer needs is not worth a traceback."""


def serve(folder: Path) -> tuple[_Server, str]:
    """Serve `folder` on a free loopback port from a background thread; (server, base URL)."""
    server = _Server(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


# ---- measuring -----------------------------------------------------------------------------------

@dataclass
class Size:
    raw: int = 0
    gzip: int = 0
    count: int = 0

    def add(self, body: bytes) -> None:
        self.raw += len(body)
        self.gzip += len(gzip.compress(body, compresslevel=6))
        self.count += 1


@dataclass
class Measure:
    label: str
    query: str
    parts: dict[str, Size] = field(default_factory=lambda: collections.defaultdict(Size))
    shown: int = 0
    found: str = ""
    urls: list[str] = field(default_factory=list)    # the results shown, best first
    load_ms: float = 0
    search_ms: float = 0
    errors: list[str] = field(default_factory=list)

    def total(self, *names: str) -> Size:
        total = Size()
        for name in names:
            part = self.parts[name]
            total.raw, total.gzip, total.count = (total.raw + part.raw, total.gzip + part.gzip,
                                                  total.count + part.count)
        return total


PAGE_PARTS = ("html", "css")
SEARCH_PARTS = ("search.js", "m+fold", "f", "k", "b", "t")


def part_of(path: str) -> str:
    """Which part of the download a URL path is: the page (html, css, its other scripts such as
    search-page.js), the search script, the index files (meta and fold table, facets, key shards,
    postings of their own, document texts), or anything else."""
    if path.endswith((".html", "/")):
        return "html"
    if path.endswith(".css"):
        return "css"
    if re.search(r"/static/js/search(\.[0-9a-f]+)?\.js$", path):
        return "search.js"
    if path.endswith(".js") and "/static/" in path:
        return "page js"
    match = re.search(r"/search/(?:(m|fold|f)|(k|b|t)/[^/]+)\.js$", path)
    if match:
        return "m+fold" if match.group(1) in ("m", "fold") else (match.group(1) or match.group(2))
    return "other"


def measure(browser, page_url: str, label: str, query: str) -> Measure:
    """One query in a fresh context: every response from the page load to the search result."""
    result = Measure(label, query)
    context = browser.new_context()
    try:
        page = context.new_page()
        page.set_default_timeout(180_000)
        responses = []
        page.on("response", lambda response: responses.append(response))
        page.on("pageerror", lambda error: result.errors.append(str(error)))
        started = time.perf_counter()
        page.goto(page_url, wait_until="networkidle")
        result.load_ms = (time.perf_counter() - started) * 1000
        answer = page.evaluate(RESULT_JS, query)
        result.search_ms = answer["ms"]
        result.shown = answer["shown"]
        result.urls = answer.get("urls") or []
        counts = answer.get("counts") or {}
        result.found = f"{counts.get('report', 0)}r+{counts.get('household', 0)}h" + \
            ("~" if answer.get("unchecked") else "")
        for response in responses:
            result.parts[part_of(urlsplit(response.url).path)].add(response.body())
    finally:
        context.close()
    return result


# ---- reporting -----------------------------------------------------------------------------------

def kb(value: int) -> str:
    return f"{value / 1024:,.1f}"


def index_size(out: Path) -> Size:
    size = Size()
    for path in sorted((out / "search").rglob("*.js")):
        size.add(path.read_bytes())
    return size


def report(results: list[Measure], whole: Size) -> None:
    """A table in KiB, then one machine-readable line per query."""
    header = (f"{'query':<18}{'reqs':>5} {'html+css raw/gz':>16} {'page js':>8} "
              f"{'search raw/gz':>16}  " + " ".join(f"{p:>9}" for p in SEARCH_PARTS)
              + f" {'other':>6} {'results':>16} {'load ms':>8} {'search ms':>9}")
    print("\nsizes in KiB. search = search.js + search/*.js, then its parts (raw); page js = the "
          "page's other scripts (raw); results: shown (reports + households found, ~ = upper "
          "bound); load = page load until network idle; search = the search() call")
    print(header)
    print("-" * len(header))
    for r in results:
        page, search = r.total(*PAGE_PARTS), r.total(*SEARCH_PARTS)
        requests = sum(p.count for p in r.parts.values())
        wide = sum(1 for c in r.query if ord(c) > 0x2E80)     # Han characters take two columns
        print(f"{r.query:<{18 - wide}}{requests:>5} {kb(page.raw) + '/' + kb(page.gzip):>16} "
              f"{kb(r.parts['page js'].raw):>8} {kb(search.raw) + '/' + kb(search.gzip):>16}  "
              + " ".join(f"{kb(r.parts[p].raw):>9}" for p in SEARCH_PARTS)
              + f" {kb(r.parts['other'].raw):>6} {str(r.shown) + ' (' + r.found + ')':>16}"
              f" {r.load_ms:>8.0f} {r.search_ms:>9.0f}")
        for error in r.errors:
            print(f"    page error: {error}")
    print(f"\nwhole search index (search/**/*.js): {whole.count} files, raw {kb(whole.raw)} KiB, "
          f"gzip {kb(whole.gzip)} KiB")
    for r in results:
        search, index = r.total(*SEARCH_PARTS), r.total(*SEARCH_PARTS[1:])
        print(f"first-query-download query={r.query} raw={search.raw} gzip={search.gzip} "
              f"kind={r.label.replace(' ', '-')} files={search.count} "
              f"index-share={index.raw / max(whole.raw, 1):.2%}")


def run(site: Path, out: Path, extra: list[str]) -> None:
    from playwright.sync_api import sync_playwright

    chosen = queries(site) + [("extra", q) for q in extra]
    server, base = serve(out)
    try:
        with sync_playwright() as driver:
            browser = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS,
                                             headless=True)
            page_url = base + "search/index.html?q="
            warm = measure(browser, page_url, "empty", "")   # the page works at all
            print(f"search page idle after {warm.load_ms:.0f} ms"
                  + "".join(f"; page error: {e}" for e in warm.errors))
            results = [measure(browser, page_url, label, q) for label, q in chosen]
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    report(results, index_size(out))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reports", type=int, default=10000)
    parser.add_argument("--households", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--site", type=Path, help="an already generated site (else one is made)")
    parser.add_argument("--built", type=Path, help="the site already built into this folder "
                                                   "(needs --site, for the queries)")
    parser.add_argument("--query", action="append", default=[], help="an extra query")
    args = parser.parse_args()
    if args.built and not args.site:
        parser.error("--built needs --site (the queries are taken from the site)")
    with tempfile.TemporaryDirectory(prefix="showcase-bench-") as scratch:
        site = args.site
        if site is None:
            site = Path(scratch) / "site"
            started = time.perf_counter()
            make_site(args.reports, args.households, args.seed, site)
            print(f"generated {args.reports} reports and {args.households} households in "
                  f"{time.perf_counter() - started:.1f} s")
        out = args.built
        if out is None:
            out = Path(scratch) / "out"
            if not build(site.resolve(), out):
                return 0
        run(site, out.resolve(), args.query)
    return 0


if __name__ == "__main__":
    sys.exit(main())
