"""The figures of search_download.py: what a response is part of, the sizes per query, and the
tables and summary lines per query class. No browser here: search_download.py measures.

Sizes are in KiB (1,024 bytes); a class is summarised by median, p90 (nearest rank: the value at
rank ceil(0.9 n) of n sorted) and max, raw and gzip.
"""
from __future__ import annotations

import collections
import gzip
import math
import re
import statistics
import sys
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from query_set import CLASSES, QuerySet


GOAL_MAX, GOAL_MEDIAN = 100 * 1024, 40 * 1024
"""The goal, raw bytes: every query at most 100 KiB, the median under 40 KiB."""


@dataclass
class Size:
    raw: int = 0
    gzip: int = 0
    count: int = 0

    def add(self, body: bytes) -> None:
        self.raw += len(body)
        self.gzip += len(gzip.compress(body, compresslevel=6))
        self.count += 1


PAGE_PARTS = ("html", "css", "page js")
CLIENT = "client"
INDEX = "index/"
"""Parts of the search download: the client scripts, and index files by their first path
component under search/ (index/m, index/k, ...: whatever the index format has)."""


def part_of(path: str) -> str:
    """Which part of the download a URL path is: the page (html, css, its own scripts such as
    search-page.js and reading.js), the search client, an index file (grouped by the first path
    component under search/, hash and extension dropped), or other."""
    if re.search(r"/static/js/search(\.[0-9a-zA-Z_-]+)?\.js$|/static/js/search/.+\.js$", path):
        return CLIENT
    index = re.search(r"/search/(.+)$", path)
    if index and index.group(1) != "index.html":
        return INDEX + index.group(1).split("/")[0].split(".")[0]
    if path.endswith((".html", "/")):
        return "html"
    if path.endswith(".css"):
        return "css"
    if path.endswith(".js"):
        return "page js"
    return "other"


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
    failed: bool = False                             # no figure: the measurement itself failed
    stopped: str = ""                                # "time" or "bytes": a lower bound

    def total(self, *names: str) -> Size:
        total = Size()
        for name in names:
            part = self.parts.get(name, Size())
            total.raw, total.gzip, total.count = (total.raw + part.raw, total.gzip + part.gzip,
                                                  total.count + part.count)
        return total

    def index(self) -> Size:
        return self.total(*(name for name in self.parts if name.startswith(INDEX)))

    def search(self) -> Size:
        """The search download: client scripts and index files."""
        return self.total(CLIENT, *(name for name in self.parts if name.startswith(INDEX)))

    def page(self) -> Size:
        return self.total(*PAGE_PARTS)


def kb(value: float) -> str:
    return f"{value / 1024:,.1f}"


def pad(text: str, width: int, right: bool = False) -> str:
    """Pad to `width` columns, a Han (or other wide) character taking two."""
    wide = sum(1 for c in text if ord(c) > 0x2E80)
    return text.rjust(width - wide) if right else text.ljust(width - wide)


def index_size(out: Path) -> Size:
    """Every file under search/ but the page, as the download counts them."""
    size = Size()
    for path in sorted((out / "search").rglob("*")):
        if path.is_file() and path.relative_to(out / "search").as_posix() != "index.html":
            size.add(path.read_bytes())
    return size


@dataclass
class Run:
    """The figures of one site size."""

    reports: int
    chosen: QuerySet
    results: list[Measure]
    whole: Size


def stats(values: list[int]) -> dict[str, float]:
    """median, p90 (nearest rank) and max."""
    ordered = sorted(values)
    if not ordered:
        return {"median": 0, "p90": 0, "max": 0}
    return {"median": statistics.median(ordered),
            "p90": ordered[math.ceil(0.9 * len(ordered)) - 1], "max": ordered[-1]}


def classes_of(run: Run) -> list[tuple[str, list[Measure]]]:
    """(class, its measured queries) in CLASSES order, then `extra`, then `all` (the fixed set)."""
    groups = [(cls, [r for r in run.results if r.label == cls and not r.failed])
              for cls in (*CLASSES, "extra")]
    fixed = [r for r in run.results if r.label != "extra" and not r.failed]
    return [(cls, rs) for cls, rs in groups if rs] + [("all", fixed)]


def class_figures(results: list[Measure]) -> dict[str, float]:
    raw, gz = stats([r.search().raw for r in results]), stats([r.search().gzip for r in results])
    return {"n": len(results), **{f"raw_{k}": v for k, v in raw.items()},
            **{f"gzip_{k}": v for k, v in gz.items()},
            "over_100k": sum(1 for r in results if r.search().raw > GOAL_MAX),
            "stopped": sum(1 for r in results if r.stopped)}


def report(run: Run) -> None:
    """The query set, a table per query, one line per query, a table per class."""
    print(f"\nbenchmark set: {len(run.chosen.queries)} queries; docs = documents whose source "
          f"text holds the query (all its terms; pinyin not counted)")
    for note in run.chosen.notes:
        print(f"  note: {note}")
    print("apart: documents holding every bigram of the phrase / documents holding the phrase")
    for a in run.chosen.apart:
        print(f"  {pad(a.phrase, 10)} {a.all_bigrams:>7} ({a.all_bigrams / run.reports:.0%} of "
              f"the reports) / {a.phrase_docs:>5}   [{a.source}]")
    groups = sorted({name for r in run.results for name in r.parts if name.startswith(INDEX)})
    print(f"\nsizes in KiB (1 KiB = 1,024 bytes). search = the search client scripts + every "
          f"search/ file but the page, then its parts, raw: client, and index files by their "
          f"folder or name under search/; page = html + css + the page's own scripts; results: "
          f"shown (reports + households found, ~ = upper bound); load = page load until network "
          f"idle; search = the search() call")
    header = (f"{'class':<12}{'query':<18}{'docs':>6}{'reqs':>5} {'page raw/gz':>13} "
              f"{'search raw/gz':>16} {'files':>5}  {'client':>7}"
              + "".join(f" {g[len(INDEX):]:>7}" for g in groups)
              + f" {'other':>6} {'results':>16} {'load ms':>8} {'search ms':>9}")
    print(header)
    print("-" * len(header))
    docs = {q.text: q.docs for q in run.chosen.queries}
    for r in run.results:
        page, search = r.page(), r.search()
        held = docs.get(r.query)
        print(f"{r.label:<12}{pad(r.query, 18)}{'-' if held is None else held:>6}"
              f"{sum(p.count for p in r.parts.values()):>5} "
              f"{kb(page.raw) + '/' + kb(page.gzip):>13} "
              f"{('>' if r.stopped else '') + kb(search.raw) + '/' + kb(search.gzip):>16} "
              f"{search.count:>5}  "
              f"{kb(r.total(CLIENT).raw):>7}" + "".join(f" {kb(r.total(g).raw):>7}" for g in groups)
              + f" {kb(r.total('other').raw):>6} "
              f"{'stopped' if r.stopped else str(r.shown) + ' (' + r.found + ')':>16}"
              f" {r.load_ms:>8.0f} {r.search_ms:>9.0f}")
        for error in r.errors:
            print(f"    {'FAILED: ' if r.failed else 'page error: '}{error}")
        if r.stopped:
            print(f"    stopped ({'time budget' if r.stopped == 'time' else 'byte cap'}) after "
                  f"{r.search_ms / 1000:.0f} s: the figure is what was fetched until then")
    print(f"\nwhole search index (search/** but the page): {run.whole.count} files, raw "
          f"{kb(run.whole.raw)} KiB, gzip {kb(run.whole.gzip)} KiB")
    for r in run.results:
        search = r.search()
        print(f"first-query-download size={run.reports} class={r.label} "
              f"query={r.query.replace(' ', '+')} raw={search.raw} gzip={search.gzip} "
              f"files={search.count} index-share={r.index().raw / max(run.whole.raw, 1):.2%}"
              + (" failed=yes" if r.failed else "")
              + (f" stopped={r.stopped}" if r.stopped else ""))
    print(f"\nsearch download per class, {run.reports:,} reports, KiB: median, p90 (nearest rank), "
          f"max; >100: queries over 100 KiB raw; cut: queries stopped (their figure a lower "
          f"bound)")
    print(f"{'class':<12}{'n':>3}  {'raw median':>10} {'p90':>9} {'max':>9}  "
          f"{'gzip median':>11} {'p90':>9} {'max':>9}  {'>100':>4} {'cut':>4}")
    for cls, results in classes_of(run):
        f = class_figures(results)
        print(f"{cls:<12}{f['n']:>3}  {kb(f['raw_median']):>10} {kb(f['raw_p90']):>9} "
              f"{kb(f['raw_max']):>9}  {kb(f['gzip_median']):>11} {kb(f['gzip_p90']):>9} "
              f"{kb(f['gzip_max']):>9}  {f['over_100k']:>4} {f['stopped']:>4}")


def summary(runs: list[Run]) -> None:
    """The classes of every size side by side, then the machine-readable lines."""
    print(f"\n==== search download per class, KiB: raw median / p90 / max, gzip median; >100: "
          f"queries over 100 KiB raw; cut: queries stopped (a lower bound) ====")
    cell = 52
    print(f"{'class':<12}" + "".join(f" | {f'{run.reports:,} reports':^{cell}}" for run in runs))
    print(f"{'':<12}" + "".join(f" | {'n':>3} {'median':>8} {'p90':>8} {'max':>8} {'gz med':>8} "
                                f"{'>100':>5} {'cut':>4}" for _ in runs))
    names = []
    for run in runs:
        names += [cls for cls, _ in classes_of(run) if cls not in names]
    for cls in names:
        line = f"{cls:<12}"
        for run in runs:
            results = dict(classes_of(run)).get(cls)
            if not results:
                line += f" | {'':{cell}}"
                continue
            f = class_figures(results)
            line += (f" | {f['n']:>3} {kb(f['raw_median']):>8} {kb(f['raw_p90']):>8} "
                     f"{kb(f['raw_max']):>8} {kb(f['gzip_median']):>8} {f['over_100k']:>5} "
                     f"{f['stopped']:>4}")
        print(line)
    print()
    for run in runs:
        for cls, results in classes_of(run):
            f = class_figures(results)
            figures = " ".join(f"{k}={v / 1024:.1f}" for k, v in f.items()
                               if k.startswith(("raw_", "gzip_")))
            if cls == "all":
                failed = sum(1 for r in run.results if r.failed and r.label != "extra")
                meets = (not failed and not f["stopped"] and f["raw_max"] <= GOAL_MAX
                         and f["raw_median"] < GOAL_MEDIAN)
                print(f"download-overall size={run.reports} n={f['n']} {figures} "
                      f"over_100k={f['over_100k']} stopped={f['stopped']} failed={failed} unit=KiB "
                      f"meets_goal={'yes' if meets else 'no'}")
            else:
                print(f"download-class size={run.reports} class={cls} n={f['n']} {figures} "
                      f"over_100k={f['over_100k']} stopped={f['stopped']} unit=KiB")


def run_benchmark(main, name: str) -> None:
    """Run a benchmark's main(); a benchmark reports and exits 0 whatever happens."""
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        raise
    except Exception as error:
        traceback.print_exc()
        print(f"{name} stopped: {error}")
        sys.exit(0)
