"""How much a reader downloads for the first search on a large site, measured in a real browser.

    python benchmarks/search_download.py [--reports 10000] [--households 5000] [--seed 1]
    python benchmarks/search_download.py --sizes 1000,10000    # both sizes, side by side
    python benchmarks/search_download.py --site DIR          # an already generated site
    python benchmarks/search_download.py --site DIR --built OUT   # ... already built into OUT

The goal: on the 10,000-report site every query of the benchmark set downloads at most 100 KiB raw
(median under 40 KiB) for its first page of results, excerpts, the search client scripts and the
fold table included. This script generates a site (make_site.py), builds it with build.py, serves
the output on 127.0.0.1 and, for each query of the fixed set (query_set.py: nine classes of at
least four queries, taken from the site), opens the search page in a fresh browser context (empty
cache), runs `window.showcase.search(q, {})` and adds up every response from just before the page
load until the search resolves. The search download is the client scripts (static/js/search.js,
static/js/search/**.js, hashed names too; not search-page*.js) plus every file under search/ but the
page search/index.html; the page's HTML, CSS and own scripts are shown beside it. Sizes are in KiB
(1,024 bytes), raw and gzipped (level 6, each file alone, as a static host compresses text), and
summarised per query class (download_report.py): median, p90, max, queries over 100 KiB. A query
that runs past --budget seconds or fetches more than --cap-kib is stopped; its figure is then a
lower bound.

It prints figures and always exits 0: it is a benchmark, not a test.
"""
from __future__ import annotations

import argparse
import functools
import gzip
import http.server
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

from download_report import Measure, Run, index_size, part_of, report, run_benchmark, summary
from download_report import Size, kb  # noqa: F401  (compare_pagefind.py takes them from here)
from make_site import make_site
from query_set import benchmark_set

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from tests.conftest import CHROMIUM, CHROMIUM_FLAGS  # noqa: E402  (how the tests launch Chromium)

BUDGET_S, CAP_KIB = 120, 2048
"""A query is stopped after this many seconds or once this much has been fetched (the resource
timing of the page, page load included): its figure is then a lower bound, already far past the
goal. --budget and --cap-kib change them (0: no limit)."""
RESULT_JS = """async ([q, budgetMs, capBytes]) => {
    performance.setResourceTimingBufferSize(1000000);
    const started = performance.now();
    const fetched = () => performance.getEntriesByType("resource")
        .reduce((sum, entry) => sum + (entry.encodedBodySize || 0), 0);
    let timer;
    const limit = new Promise(resolve => {
        timer = setInterval(() => {
            if (budgetMs && performance.now() - started > budgetMs) resolve("time");
            else if (capBytes && fetched() > capBytes) resolve("bytes");
        }, 100);
    });
    try {
        const results = await Promise.race([window.showcase.search(q, {}), limit]);
        if (typeof results === "string") return {stopped: results, shown: 0,
                                                 ms: performance.now() - started};
        return {shown: results.length, counts: results.counts, unchecked: results.unchecked,
                ms: performance.now() - started, urls: results.map(r => r.url)};
    } finally {
        clearInterval(timer);
    }
}"""


def queries(site: Path) -> list[tuple[str, str]]:
    """(class, query) pairs of the benchmark set (compare_pagefind.py uses them too)."""
    return [(q.cls, q.text) for q in benchmark_set(site).queries]


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
          f"{after.ru_maxrss / 1024:,.0f} MiB: {result.stdout.strip()}", flush=True)
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

@functools.lru_cache(maxsize=200_000)
def file_size(path: Path) -> tuple[int, int] | None:
    """(raw, gzip) bytes of a served file, None if there is none."""
    try:
        body = path.read_bytes()
    except OSError:
        return None
    return len(body), len(gzip.compress(body, compresslevel=6))


def served_file(root: Path, base: str, url: str) -> Path | None:
    """The file of `root` the local server answered `url` with."""
    if not url.startswith(base):
        return None
    path = unquote(urlsplit(url).path).lstrip("/")
    return root / (path + "index.html" if path == "" or path.endswith("/") else path)


def measure(browser, page_url: str, label: str, query: str, root: Path | None = None,
            budget: float = BUDGET_S, cap_kib: int = CAP_KIB) -> Measure:
    """One query in a fresh context: every response from the page load to the search result.
    With `root` (the folder served at the page's origin) a response is sized by the file it
    served, which holds up for thousands of responses; without it, by its body."""
    result = Measure(label, query)
    base = page_url[:page_url.index("/", page_url.index("//") + 2) + 1]
    context = browser.new_context()
    responses: list = []
    counted = None
    try:
        page = context.new_page()
        page.set_default_timeout(180_000)
        page.on("response", lambda response: responses.append(
            (response.url, response.status) if root else response))
        page.on("pageerror", lambda error: result.errors.append(str(error)))
        started = time.perf_counter()
        page.goto(page_url, wait_until="networkidle")
        result.load_ms = (time.perf_counter() - started) * 1000
        answer = page.evaluate(RESULT_JS, [query, budget * 1000, cap_kib * 1024])
        counted = list(responses)                  # nothing fetched after the answer counts
        result.search_ms = answer["ms"]
        result.shown = answer["shown"]
        result.stopped = answer.get("stopped") or ""
        result.urls = answer.get("urls") or []
        counts = answer.get("counts") or {}
        result.found = (f"{counts.get('report', 0)}r+{counts.get('household', 0)}h"
                        + ("~" if answer.get("unchecked") else "")) if not result.stopped else ""
    except Exception as error:     # counted all the same: what was fetched before it failed
        result.failed = True
        result.errors.append(f"measurement failed: {error}")
    try:
        for response in counted if counted is not None else list(responses):
            if root:
                url, status = response
                sized = file_size(served_file(root, base, url)) if status == 200 else None
                if sized is None:
                    result.errors.append(f"not sized: {url} (status {status})")
                    continue
                size = result.parts[part_of(urlsplit(url).path)]
                size.raw, size.gzip, size.count = (size.raw + sized[0], size.gzip + sized[1],
                                                   size.count + 1)
                continue
            try:
                body = response.body()
            except Exception as error:           # a redirect or an aborted request has none
                result.errors.append(f"no body for {response.url}: {error}")
                continue
            result.parts[part_of(urlsplit(response.url).path)].add(body)
    finally:
        context.close()
    return result


# ---- running -------------------------------------------------------------------------------------

def run(site: Path, out: Path, extra: list[str], budget: float = BUDGET_S,
        cap_kib: int = CAP_KIB) -> Run:
    from playwright.sync_api import sync_playwright

    started = time.perf_counter()
    chosen = benchmark_set(site)
    print(f"benchmark set taken from the site in {time.perf_counter() - started:.1f} s", flush=True)
    pairs = [(q.cls, q.text) for q in chosen.queries] + [("extra", q) for q in extra]
    server, base = serve(out)
    try:
        with sync_playwright() as driver:
            browser = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS,
                                             headless=True)
            try:
                page_url = base + "search/index.html?q="
                warm = measure(browser, page_url, "empty", "")   # the page works at all
                print(f"search page idle after {warm.load_ms:.0f} ms"
                      + "".join(f"; page error: {e}" for e in warm.errors), flush=True)
                results = []
                for label, q in pairs:
                    results.append(measure(browser, page_url, label, q, out, budget, cap_kib))
                    if results[-1].stopped:
                        print(f"  {q}: stopped ({results[-1].stopped}) after "
                              f"{results[-1].search_ms / 1000:.0f} s", flush=True)
            finally:
                browser.close()
    finally:
        server.shutdown()
        server.server_close()
    result = Run(chosen.reports, chosen, results, index_size(out))
    report(result)
    return result


def sizes_run(sizes: list[int], households: int | None, seed: int, extra: list[str],
              budget: float, cap_kib: int) -> list[Run]:
    """Generate, build and measure each size in turn (each site removed once measured)."""
    runs = []
    for reports in sizes:
        count = households if households is not None else reports // 2
        print(f"\n==== {reports:,} reports, {count:,} households, seed {seed} ====", flush=True)
        with tempfile.TemporaryDirectory(prefix="showcase-bench-") as scratch:
            site, out = Path(scratch) / "site", Path(scratch) / "out"
            started = time.perf_counter()
            make_site(reports, count, seed, site)
            print(f"generated in {time.perf_counter() - started:.1f} s", flush=True)
            if build(site, out):
                runs.append(run(site, out, extra, budget, cap_kib))
    return runs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reports", type=int, default=10000)
    parser.add_argument("--households", type=int, help="default: half the reports")
    parser.add_argument("--sizes", help="report counts to run one after the other, e.g. "
                                        "1000,10000 (instead of --reports)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--site", type=Path, help="an already generated site (else one is made)")
    parser.add_argument("--built", type=Path, help="the site already built into this folder "
                                                   "(needs --site, for the queries)")
    parser.add_argument("--query", action="append", default=[],
                        help="an extra query (class `extra`, not part of the goal's figures)")
    parser.add_argument("--budget", type=float, default=BUDGET_S,
                        help=f"seconds a query may take before it is stopped (default "
                             f"{BUDGET_S}; 0: no limit)")
    parser.add_argument("--cap-kib", type=int, default=CAP_KIB,
                        help=f"KiB a query may fetch before it is stopped (default {CAP_KIB}; "
                             f"0: no limit)")
    args = parser.parse_args()
    if args.built and not args.site:
        parser.error("--built needs --site (the queries are taken from the site)")
    if args.sizes and args.site:
        parser.error("--sizes generates its sites: leave out --site")
    if args.site:
        site = args.site.resolve()
        with tempfile.TemporaryDirectory(prefix="showcase-bench-") as scratch:
            out = args.built.resolve() if args.built else Path(scratch) / "out"
            if args.built or build(site, out):
                summary([run(site, out, args.query, args.budget, args.cap_kib)])
        return 0
    try:
        sizes = [int(s) for s in (args.sizes or str(args.reports)).split(",") if s.strip()]
    except ValueError:
        parser.error(f"--sizes takes report counts separated by commas, not {args.sizes!r}")
    runs = sizes_run(sizes, args.households, args.seed, args.query, args.budget, args.cap_kib)
    if runs:
        summary(runs)
    return 0


if __name__ == "__main__":
    run_benchmark(main, "search_download")
