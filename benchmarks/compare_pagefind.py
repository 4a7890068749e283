"""Showcase's search beside Pagefind on the same built site: download, results and precision.

    python benchmarks/compare_pagefind.py                      # the bundled sample site
    python benchmarks/compare_pagefind.py --site /tmp/site1k   # a site from make_site.py
    python benchmarks/compare_pagefind.py --query 平安 --pagefind-all

Pagefind (https://pagefind.app), the usual search for static sites, comes from the npm registry
(`npm install --prefix benchmarks/.node pagefind@1.6.0`, once; the folder is git-ignored). Its
platform package for Linux x64 ships only `pagefind_extended`, the build that segments Chinese and
Japanese text into words, and the npm wrapper runs that one.

The site is built once with build.py; the output is copied and Pagefind indexes the copy (writing
COPY/pagefind/). By default Pagefind indexes the documents showcase's own search indexes (reports
and households, listed by showcase's index), each from its <main> element: the copy's pages get
`data-pagefind-body` on <main> (or on <article> with --root article), which tells Pagefind to index
only those pages and only that element. --pagefind-all leaves the copy as built, so Pagefind indexes
every page's whole <body>, as it does out of the box.

Both folders are served on 127.0.0.1 and, for each query, in a fresh Chromium context:
  showcase: search/index.html?q= is loaded, then window.showcase.search(q, {}) (search_download.py's
            own measure(), so the figures are the ones it prints);
  Pagefind: the copy's index.html is loaded, then
            pf = await import("./pagefind/pagefind.js"); await pf.init(); r = await pf.search(q);
            and data() of the first 10 results (what a result list shows).
Every response from the page load until the search resolves is counted. The download figure is the
engine's own files: the search client scripts + search/* (search_download.py's search download),
against everything under pagefind/ (its script and web worker, entry file, WebAssembly, meta, index
chunks, fragments). gzip: text files are compressed at level 6 alone, as search_download.py does;
Pagefind's .pf_meta/.pf_index/.pf_fragment files and its WebAssembly are already gzip streams (they
start with 1f 8b; Pagefind inflates them itself), so they are counted as they are, their gzip
figure being their size.

Precision: each result's page is read from the built output (the text of its <main>, or <article>
with --root article), folded as showcase folds (NFKC, lower case, Traditional to Simplified) and the
folded query looked up in it: Han text as a substring; a Latin word or number only as a whole word
(110 is not in 1100); a query of Latin letters also counts when consecutive Han characters read so
in toneless pinyin (xupu: 溆浦). `truth` is how many of showcase's documents contain the query so,
in <main> and in <article> (the document itself, without the related reports and links to the
previous and next that <main> also holds). p@10 = results among the first 10 (at most) that contain
it / results among the first 10; `all` is the same over up to 300 of Pagefind's results, fetched
after the download was counted.

Pagefind works under showcase's Content-Security-Policy (a <meta>: script-src 'self', no
'wasm-unsafe-eval') only because it runs its WebAssembly in a web worker, which that <meta> does not
cover; on the main thread (pf.options({noWorker: true})) the policy stops it. Pagefind also leaves
<nav> out of what it indexes, so the region breadcrumb of a page is not searchable with it.

It prints figures and always exits 0: it is a benchmark, not a test.
"""
from __future__ import annotations

import argparse
import functools
import gzip
import html.parser
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from pypinyin import Style, lazy_pinyin

from download_report import part_of, run_benchmark
from search_download import (CHROMIUM, CHROMIUM_FLAGS, REPO, Measure, Size, build, index_size, kb,
                             measure, queries, serve)
from showcase.search.normalize import fold   # noqa: E402  (REPO is on sys.path by now)

PAGEFIND = "pagefind@1.6.0"
NODE_CACHE = REPO / "benchmarks" / ".node"
SAMPLE_QUERIES = ["驻马店", "扬州", "揚州", "駐馬店", "上海", "驻马店扬州", "110", "1100", "留守儿童",
                  "家暴", "阿依古丽", "xupu"]
PAGEFIND_JS = """async q => {
    const started = performance.now();
    const pf = await import("./pagefind/pagefind.js");
    await pf.init();
    const r = await pf.search(q);
    const top = await Promise.all(r.results.slice(0, 10).map(x => x.data()));
    return {total: r.results.length, urls: top.map(d => d.url), ms: performance.now() - started};
}"""
ALL_JS = """async ([q, most]) => {
    const pf = await import("./pagefind/pagefind.js");
    const r = await pf.search(q);
    return (await Promise.all(r.results.slice(0, most).map(x => x.data()))).map(d => d.url);
}"""
ALL_MOST = 300        # results of Pagefind judged beyond the first 10, after the measure
PF_PARTS = ("pf js", "entry", "wasm", "pf_meta", "pf_index", "pf_fragment")


# ---- Pagefind itself -----------------------------------------------------------------------------

@dataclass
class Pagefind:
    command: list[str]
    note: str


def install_pagefind(cache: Path) -> Pagefind | None:
    """pagefind@1.6.0 from npm into `cache` (reused when it is there); None (reason printed) if
    it cannot be had."""
    wrapper = cache / "node_modules" / ".bin" / "pagefind"
    package = cache / "node_modules" / "pagefind" / "package.json"
    version = PAGEFIND.split("@")[1]
    installed = (package.is_file()
                 and json.loads(package.read_text("utf-8")).get("version") == version)
    if not (installed and wrapper.exists()):
        npm = shutil.which("npm")
        if npm is None:
            print("pagefind: npm is not on PATH, so Pagefind cannot be installed; nothing compared")
            return None
        cache.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        try:
            result = subprocess.run([npm, "install", "--prefix", str(cache), "--no-audit",
                                     "--no-fund", "--loglevel=error", PAGEFIND],
                                    capture_output=True, text=True, timeout=600)
        except (OSError, subprocess.TimeoutExpired) as error:
            print(f"pagefind: npm install {PAGEFIND} failed: {error}; nothing compared")
            return None
        if result.returncode != 0 or not wrapper.exists():
            print(f"pagefind: npm install {PAGEFIND} failed (exit {result.returncode}):\n"
                  f"{result.stdout[-2000:]}{result.stderr[-2000:]}\nnothing compared")
            return None
        print(f"pagefind: installed {PAGEFIND} into {cache} in "
              f"{time.perf_counter() - started:.1f} s")
    binaries = sorted(cache.glob("node_modules/@pagefind/*/bin/*"))
    shipped = ", ".join(f"{p.parent.parent.name}/bin/{p.name}" for p in binaries
                        if not p.name.endswith(".sha256")) or "no platform binary"
    try:
        probe = subprocess.run([str(wrapper), "--version"], capture_output=True, text=True,
                               timeout=60)
    except (OSError, subprocess.TimeoutExpired) as error:
        print(f"pagefind: the binary does not run: {error}; nothing compared")
        return None
    if probe.returncode != 0:
        print(f"pagefind: the binary does not run (exit {probe.returncode}): "
              f"{(probe.stdout + probe.stderr).strip()[-1000:]}; nothing compared")
        return None
    extended = any(p.name.startswith("pagefind_extended") for p in binaries)
    note = (f"{probe.stdout.strip()} from npm {PAGEFIND}; platform package ships {shipped}"
            + ("; the npm wrapper runs pagefind_extended, the extended build (Chinese/Japanese "
               "word segmentation)" if extended else "; not the extended build"))
    return Pagefind([str(wrapper)], note)


def mark_documents(copy: Path, urls: list[str], root: str) -> int:
    """Put data-pagefind-body on the `root` element of each document's page in the copy, so that
    Pagefind indexes those pages only, and only that element; how many pages were marked."""
    marked = 0
    tag = re.compile(f"<{root}(?=[\\s>])")
    for url in urls:
        path = page_file(copy, url)
        if path is None or not path.is_file():
            continue
        text = path.read_text("utf-8")
        new, count = tag.subn(f"<{root} data-pagefind-body", text, count=1)
        if count:
            path.write_text(new, "utf-8")
            marked += 1
    return marked


def run_pagefind(pagefind: Pagefind, copy: Path) -> bool:
    started = time.perf_counter()
    try:
        result = subprocess.run([*pagefind.command, "--site", str(copy)], capture_output=True,
                                text=True, timeout=1800)
    except (OSError, subprocess.TimeoutExpired) as error:
        print(f"pagefind failed: {error}")
        return False
    seconds = time.perf_counter() - started
    log = result.stdout + result.stderr
    if result.returncode != 0 or not (copy / "pagefind" / "pagefind.js").is_file():
        print(f"pagefind failed (exit {result.returncode}):\n{log[-3000:]}")
        return False
    facts = "; ".join(line.strip() for line in log.splitlines()
                      if re.match(r"\s*(Running Pagefind|Indexed \d+ (pages|words)|Discovered)",
                                  line))
    print(f"pagefind index: {seconds:.1f} s wall: {facts}")
    return True


# ---- the documents and their text ----------------------------------------------------------------

def showcase_documents(out: Path) -> list[str]:
    """The URLs (relative to the site root) of the documents showcase's index holds."""
    urls = []
    for path in (out / "search" / "h").glob("*.js"):
        text = path.read_text("utf-8")
        urls.append(json.loads(text[text.index(",") + 1:text.rindex(")")])["u"])
    return sorted(urls)


def page_file(out: Path, url: str) -> Path | None:
    """The built file a result URL (showcase's relative ones, Pagefind's /absolute ones) names."""
    path = unquote(urlsplit(url).path).lstrip("/")
    if ".." in Path(path).parts:
        return None
    if path == "" or path.endswith("/"):
        path += "index.html"
    elif not Path(path).suffix:
        path += "/index.html"
    return out / path


class _ElementText(html.parser.HTMLParser):
    """The text of the first `root` element, as its textContent (scripts and styles left out)."""

    SKIP = ("script", "style", "template")

    def __init__(self, root: str):
        super().__init__(convert_charrefs=True)
        self.root, self.depth, self.skip, self.done, self.parts = root, 0, 0, False, []

    def handle_starttag(self, tag, attrs):
        if self.done:
            return
        if tag == self.root:
            self.depth += 1
        elif self.depth and tag in self.SKIP:
            self.skip += 1

    def handle_endtag(self, tag):
        if self.done or not self.depth:
            return
        if tag == self.root:
            self.depth -= 1
            self.done = self.depth == 0
        elif tag in self.SKIP and self.skip:
            self.skip -= 1

    def handle_data(self, data):
        if self.depth and not self.skip and not self.done:
            self.parts.append(data)


@functools.lru_cache(maxsize=None)
def folded_text(path: Path, root: str) -> str:
    """A page's `root` text, folded as showcase folds (empty if there is no such page)."""
    if not path.is_file():
        return ""
    parser = _ElementText(root)
    parser.feed(path.read_text("utf-8"))
    return fold("".join(parser.parts))


@functools.lru_cache(maxsize=None)
def pinyin_runs(path: Path, root: str) -> tuple[tuple[str, ...], ...]:
    """Toneless pinyin syllables of each run of consecutive Han characters of a page."""
    runs = re.findall(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+", folded_text(path, root))
    return tuple(tuple(lazy_pinyin(run, style=Style.NORMAL)) for run in runs)


def contains(path: Path, query: str, root: str) -> bool:
    """Does the page hold every whitespace-separated term of the query, as showcase means it?"""
    text = folded_text(path, root)
    for term in fold(query).split():
        if re.fullmatch(r"[a-z0-9.]+", term):
            if re.search(f"(?<![a-z0-9]){re.escape(term)}(?![a-z0-9])", text):
                continue
            if term.isalpha() and any(term in joined_on_syllables(run)
                                      for run in pinyin_runs(path, root)):
                continue
            return False
        if term not in text:
            return False
    return True


def joined_on_syllables(run: tuple[str, ...]) -> set[str]:
    """Every concatenation of consecutive syllables of a run (up to 6), to match whole syllables
    only (xupu is 溆浦, not a piece of ...xu pu...)."""
    return {"".join(run[i:j]) for i in range(len(run))
            for j in range(i + 1, min(i + 7, len(run) + 1))}


# ---- measuring Pagefind --------------------------------------------------------------------------

def pf_part(path: str) -> str:
    if "/pagefind/" not in path:
        return part_of(path)
    name = path.rsplit("/", 1)[1]
    if name.endswith(".js"):
        return "pf js"
    if name == "pagefind-entry.json":
        return "entry"
    if name.startswith("wasm."):
        return "wasm"
    for suffix in ("pf_meta", "pf_index", "pf_fragment"):
        if name.endswith("." + suffix):
            return suffix
    return "pf other"


def add_as_served(size: Size, body: bytes) -> None:
    """Raw bytes; gzip: compressed at level 6 unless the file already is a gzip stream."""
    size.raw += len(body)
    size.gzip += len(body) if body[:2] == b"\x1f\x8b" else len(gzip.compress(body, compresslevel=6))
    size.count += 1


def measure_pagefind(browser, page_url: str, query: str) -> tuple[Measure, list[str]]:
    """One query in a fresh context: every response from the page load to the first 10 results'
    data. `shown` holds the total number of results, `urls` the first 10; then, no longer
    counted, the URLs of up to ALL_MOST results, to judge them all."""
    result, everything = Measure("pagefind", query), []
    context = browser.new_context()
    try:
        page = context.new_page()
        page.set_default_timeout(180_000)
        responses = []
        page.on("response", lambda response: responses.append(response))   # the worker's too
        page.on("pageerror", lambda error: result.errors.append(str(error)))
        started = time.perf_counter()
        page.goto(page_url, wait_until="networkidle")
        result.load_ms = (time.perf_counter() - started) * 1000
        try:
            answer = page.evaluate(PAGEFIND_JS, query)
            result.shown, result.urls, result.search_ms = (answer["total"], answer["urls"],
                                                           answer["ms"])
        except Exception as error:          # a failed search is a figure too
            result.errors.append(f"search failed: {str(error)[:300]}")
        for response in list(responses):
            try:
                body = response.body()
            except Exception:               # a redirect or a body the browser did not keep
                body = b""
            add_as_served(result.parts[pf_part(urlsplit(response.url).path)], body)
        if result.shown > len(result.urls):
            try:
                everything = page.evaluate(ALL_JS, [query, ALL_MOST])
            except Exception as error:
                result.errors.append(f"listing all results failed: {str(error)[:300]}")
        else:
            everything = list(result.urls)
    finally:
        context.close()
    return result, everything


def pagefind_bundle(copy: Path) -> Size:
    """Pagefind's files a search can fetch: its script and worker, entry, WebAssembly, meta,
    index chunks and fragments (its ready-made UI scripts and styles left out)."""
    size = Size()
    for path in sorted((copy / "pagefind").rglob("*")):
        if path.is_file() and (path.name in ("pagefind.js", "pagefind-worker.js")
                               or pf_part("/pagefind/" + path.name) not in ("pf js", "pf other")):
            add_as_served(size, path.read_bytes())
    return size


# ---- the comparison ------------------------------------------------------------------------------

@dataclass
class Row:
    query: str
    kind: str
    showcase: Measure
    pagefind: Measure
    truth: int
    truth_article: int
    every: tuple[int, int]            # Pagefind's results (up to ALL_MOST) that hold the query
    hits: dict[str, tuple[int, int]] = field(default_factory=dict)   # engine: (contain, judged)


def judge(out: Path, urls: list[str], query: str, root: str, most: int = 10) -> tuple[int, int]:
    top = [page_file(out, url) for url in urls[:most]]
    return sum(1 for p in top if p is not None and contains(p, query, root)), len(top)


def found(measured: Measure) -> str:
    """showcase's count of results found: reports + households, ~ when an upper bound."""
    total = sum(int(n) for n in re.findall(r"\d+", measured.found))
    return f"{total}{'~' if measured.found.endswith('~') else ''}"


def p10(hits: tuple[int, int]) -> str:
    return f"{hits[0] / hits[1]:.2f}" if hits[1] else "n/a"


def width(text: str) -> int:
    return sum(2 if ord(c) > 0x2E80 else 1 for c in text)


def pad(text: str, columns: int) -> str:
    return text + " " * max(columns - width(text), 0)


def report(rows: list[Row], out: Path, copy: Path, documents: int, root: str) -> None:
    """A table, the zero-result verdicts, then one machine-readable line per query."""
    whole_showcase, whole_pagefind = index_size(out), pagefind_bundle(copy)
    print(f"\nKiB raw/gzip of the engine's own files (showcase: search client + search/*; "
          f"Pagefind: pagefind/*, its gzip streams counted as they are). found: results the engine reports "
          f"(showcase: reports + households, ~ = upper bound). truth: documents whose <{root}> "
          f"(then <article>) text holds the query. p@10: of the first 10 shown, how many hold it; "
          f"all: the same over all of Pagefind's results (up to {ALL_MOST}). ms: the search call. "
          f"last column: Pagefind's wasm/meta/index/fragments, KiB raw")
    header = (f"{'query':<12}{'truth':>10} | {'showcase KiB':>12} {'files':>5} {'found':>6} "
              f"{'p@10':>5} {'ms':>5} | {'pagefind KiB':>12} {'files':>5} {'found':>5} {'p@10':>5} "
              f"{'all':>6} {'ms':>5} | {'wasm/meta/index/frag':>22}")
    print(header)
    print("-" * len(header))
    for row in rows:
        s, p = row.showcase.search(), row.pagefind.total(*PF_PARTS)
        sh, ph, every = row.hits["showcase"], row.hits["pagefind"], row.every
        split = "/".join(f"{row.pagefind.parts[name].raw / 1024:.0f}"
                         for name in ("wasm", "pf_meta", "pf_index", "pf_fragment"))
        print(f"{pad(row.query, 12)}{str(row.truth) + '/' + str(row.truth_article):>10} | "
              f"{f'{s.raw / 1024:.0f}/{s.gzip / 1024:.0f}':>12} {s.count:>5} "
              f"{found(row.showcase):>6} {f'{sh[0]}/{sh[1]}':>5} {row.showcase.search_ms:>5.0f} | "
              f"{f'{p.raw / 1024:.0f}/{p.gzip / 1024:.0f}':>12} {p.count:>5} "
              f"{row.pagefind.shown:>5} "
              f"{f'{ph[0]}/{ph[1]}':>5} {f'{every[0]}/{every[1]}':>6} "
              f"{row.pagefind.search_ms:>5.0f} | {split:>22}")
        for engine, measured in (("showcase", row.showcase), ("pagefind", row.pagefind)):
            for error in measured.errors:
                print(f"    {engine} page error: {error}")
    print(f"\n{documents} documents. whole index: showcase search/** {whole_showcase.count} "
          f"files, raw {kb(whole_showcase.raw)} KiB, gzip {kb(whole_showcase.gzip)} KiB; pagefind/ "
          f"(without its UI files) {whole_pagefind.count} files, raw {kb(whole_pagefind.raw)} KiB, "
          f"gzip {kb(whole_pagefind.gzip)} KiB")
    for row in rows:
        if row.truth == 0:
            verdict = {name: "correct" if count == 0 else "wrong"
                       for name, count in (("showcase", row.showcase.shown),
                                           ("pagefind", row.pagefind.shown))}
            print(f"zero-result query={row.query} truth=0 showcase={row.showcase.shown} "
                  f"({verdict['showcase']}) pagefind={row.pagefind.shown} ({verdict['pagefind']})")
    for row in rows:
        s, p = row.showcase.search(), row.pagefind.total(*PF_PARTS)
        print(f"compare query={row.query} kind={row.kind.replace(' ', '-')} truth={row.truth} "
              f"showcase_raw={s.raw} showcase_gzip={s.gzip} showcase_files={s.count} "
              f"showcase_results={found(row.showcase)} showcase_p10={p10(row.hits['showcase'])} "
              f"pagefind_raw={p.raw} pagefind_gzip={p.gzip} pagefind_files={p.count} "
              f"pagefind_results={row.pagefind.shown} pagefind_p10={p10(row.hits['pagefind'])} "
              f"pagefind_all={row.every[0]}/{row.every[1]}")


def compare(out: Path, copy: Path, chosen: list[tuple[str, str]], root: str) -> None:
    from playwright.sync_api import sync_playwright

    documents = showcase_documents(out)
    rows = []
    showcase_server, showcase_base = serve(out)
    pagefind_server, pagefind_base = serve(copy)
    try:
        with sync_playwright() as driver:
            browser = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS,
                                             headless=True)
            try:
                for kind, query in chosen:
                    mine = measure(browser, showcase_base + "search/index.html?q=", kind, query,
                                   out)
                    theirs, everything = measure_pagefind(browser, pagefind_base + "index.html",
                                                          query)
                    truth = sum(1 for url in documents
                                if contains(page_file(out, url), query, root))
                    truth_article = truth if root == "article" else sum(
                        1 for url in documents if contains(page_file(out, url), query, "article"))
                    row = Row(query, kind, mine, theirs, truth, truth_article,
                              judge(out, everything, query, root, len(everything)))
                    row.hits["showcase"] = judge(out, mine.urls, query, root)
                    row.hits["pagefind"] = judge(out, theirs.urls, query, root)
                    rows.append(row)
                    print(f"  {query}: showcase {mine.shown} shown, pagefind {theirs.shown} found",
                          flush=True)
            finally:
                browser.close()
    finally:
        for server in (showcase_server, pagefind_server):
            server.shutdown()
            server.server_close()
    report(rows, out, copy, len(documents), root)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", type=Path, default=REPO,
                        help="the site to build (default: the bundled sample site)")
    parser.add_argument("--query", action="append", default=[], help="an extra query")
    parser.add_argument("--root", choices=("main", "article"), default="main",
                        help="the element Pagefind indexes and precision is judged on")
    parser.add_argument("--pagefind-all", action="store_true",
                        help="let Pagefind index every page's whole <body> (its default)")
    parser.add_argument("--node-cache", type=Path, default=NODE_CACHE,
                        help=f"where npm installs Pagefind (default {NODE_CACHE})")
    args = parser.parse_args()
    site = args.site.resolve()
    pagefind = install_pagefind(args.node_cache.resolve())
    if pagefind is None:
        return 0
    print(f"pagefind: {pagefind.note}")
    if site == REPO:
        chosen = [("sample", q) for q in SAMPLE_QUERIES]
    else:
        chosen = queries(site)
    chosen += [("extra", q) for q in args.query]
    with tempfile.TemporaryDirectory(prefix="showcase-pagefind-") as scratch:
        out, copy = Path(scratch) / "out", Path(scratch) / "pagefind-copy"
        if not build(site, out):
            return 0
        shutil.copytree(out, copy)
        documents = showcase_documents(out)
        if args.pagefind_all:
            print("pagefind indexes every page of the copy, whole <body> (--pagefind-all)")
        else:
            marked = mark_documents(copy, documents, args.root)
            print(f"pagefind indexes showcase's {len(documents)} documents: data-pagefind-body put "
                  f"on <{args.root}> of {marked} pages of the copy")
        if not run_pagefind(pagefind, copy):
            return 0
        compare(out, copy, chosen, args.root)
    return 0


if __name__ == "__main__":
    run_benchmark(main, "compare_pagefind")
