"""How long build.py takes and how much memory it needs, beside Hugo on the same reports.

    python benchmarks/build_speed.py                                  # 1,000 and 10,000 reports
    python benchmarks/build_speed.py --sizes 1000 --runs 1            # a quick look
    python benchmarks/build_speed.py --sizes 1000,10000 --households-per-report 0
    python benchmarks/build_speed.py --work /tmp/bench                # keep the generated sites

For each size it generates sites with make_site.py (seeded; reports alone and with 10 households
per report unless --households-per-report says otherwise), kept in --work so a second run reuses
them, and runs `build.py build --site SITE --out OUT` as a child process four ways: cold (empty
output, empty build cache), again with nothing changed, after one sentence was appended to one
report, with a new report (the newest) added beside it, and, with households, with a new honour
list of this year added (an earlier output and cache are set aside for the cold build, not
removed: see set_aside); then, once every corpus is built,
`build.py serve` on each site, timing from a save of that report until the preview serves the page with the
new sentence and until its search block has it. Each child's CPU seconds (user + system, the steady
figure on a busy machine), wall seconds and peak memory come from os.wait4, the operating system's
accounting of that one process (and the processes it waited for). Hugo, when installed, builds the
same reports in the same runs (hugo_site.py), and each figure is printed beside its ratio to
Hugo's. Then the targets of the build-speed issue are judged (speed_report.py).

It prints figures and always exits 0: it is a benchmark, not a test.
"""
from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from download_report import run_benchmark
from hugo_site import hugo_command, hugo_leftovers, hugo_version, write_hugo_site
from make_site import make_site
from speed_report import (Corpus, Results, Sample, print_lines, print_samples, print_table,
                          print_targets)

REPO = Path(__file__).resolve().parent.parent
SENTENCE = "\n基准测试追加的一句：社区民警再次入户走访，宣讲平安家庭创建要求。\n"
"""Appended to one report for the one-changed measure: a new paragraph, no long number (the
privacy guard must have nothing to stop)."""


SERVE_SAVES = 3
STOP_SECONDS = 600
"""How long the preview may take to stop (at 10,000 reports and 100,000 households its folder
of some 360,000 files takes most of a minute to remove)."""


FREED_SECONDS = 120
"""The pause before a round's builds after the last round's previews removed their folders (see
set_aside): the file system reuses freed inodes a minute after they were freed, once written."""


class BuildFailed(Exception):
    """A measured command exited non-zero; the message ends with what it printed."""


@dataclass(frozen=True)
class Paths:
    """Where one corpus lives in the work folder."""
    site: Path
    out: Path
    stamp: Path
    backup: Path
    aside: Path

    @classmethod
    def of(cls, work: Path, corpus: Corpus) -> "Paths":
        name = corpus.name
        return cls(work / "sites" / name, work / "out" / name,
                   work / "sites" / f"{name}.stamp", work / "sites" / f"{name}.edit-backup",
                   set_aside_folder(work))


def set_aside_folder(work: Path) -> Path:
    return work / "set-aside"


def set_aside(aside: Path, *folders: Path) -> None:
    """Move `folders` (those there) into `aside`, removed once the run's measures are done, not
    before a cold build: on a file system that does not reuse an inode freed in the last minute
    or more (ext4 without a journal, as on the machine the project is built on), making 143,000
    files right after removing as many took 100-110 s of a build measured at 65-75 s otherwise
    (10,000 reports), the extra time all in the kernel's search for free inodes."""
    aside.mkdir(parents=True, exist_ok=True)
    for folder in folders:
        if folder.exists():
            folder.rename(Path(tempfile.mkdtemp(dir=aside)) / folder.name)


# ---- running one command -------------------------------------------------------------------------

def timed(command: list[str], log: Path) -> Sample:
    """Run `command` to its end and measure that one child: os.wait4 returns its own rusage (its
    waited-for children included), where RUSAGE_CHILDREN's peak memory would be the largest of
    every child so far. Output goes to `log`, not a pipe, so nothing can fill up and block."""
    with open(log, "wb") as sink:
        started = time.perf_counter()
        child = subprocess.Popen(command, cwd=REPO, stdin=subprocess.DEVNULL, stdout=sink,
                                 stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        tail = log.read_bytes()[-2000:].decode("utf-8", "replace")
        raise BuildFailed(f"{' '.join(command[:3])} ... exited {child.returncode}:\n{tail}")
    return Sample(cpu=usage.ru_utime + usage.ru_stime, wall=wall, peak_mb=usage.ru_maxrss / 1024)


def mtimes(root: Path) -> dict[str, int]:
    """Every output file's modification time (ns), to count what a rebuild wrote again."""
    found = {}
    for folder, _, names in os.walk(root):
        for name in names:
            path = os.path.join(folder, name)
            found[os.path.relpath(path, root)] = os.stat(path).st_mtime_ns
    return found


def timed_rebuild(command: list[str], out: Path, log: Path) -> Sample:
    """A build into an existing output, with how many of the files that were there before and
    are there after got a new modification time (a rebuild that skips unchanged files keeps it)."""
    before = mtimes(out)
    sample = timed(command, log)
    after = mtimes(out)
    sample.files = len(after)
    sample.rewritten = sum(1 for path, ns in after.items() if path in before and before[path] != ns)
    return sample


# ---- corpora and the edited report ---------------------------------------------------------------

def make_site_digest() -> str:
    """make_site.py's own hash: a cached site is reused only if the generator did not change."""
    return hashlib.sha256((REPO / "benchmarks" / "make_site.py").read_bytes()).hexdigest()[:16]


def ensure_site(corpus: Corpus, paths: Paths, seed: int) -> None:
    """Generate the corpus once; a stamp (generator hash and arguments) written after it is
    complete marks a site that can be reused, so an interrupted generation is redone."""
    restore_pending(paths)
    stamp = (f"{make_site_digest()} reports={corpus.reports} households={corpus.households} "
             f"seed={seed}")
    if paths.site.is_dir() and paths.stamp.is_file() and paths.stamp.read_text() == stamp:
        print(f"reusing {paths.site}", flush=True)
    else:
        started = time.perf_counter()
        paths.stamp.unlink(missing_ok=True)
        paths.site.parent.mkdir(parents=True, exist_ok=True)
        make_site(corpus.reports, corpus.households, seed, paths.site)
        paths.stamp.write_text(stamp)
        print(f"generated {paths.site} in {time.perf_counter() - started:.1f} s", flush=True)
    print(f"  one-changed edits {edited_report(paths.site).relative_to(paths.site)}")


def edited_report(site: Path) -> Path:
    """The report the one-changed measure edits: the lowest-numbered one (make_site.py numbers
    them 1..N), so every run and every machine edits the same file."""
    reports = sorted(site.glob("content/reports/*/*.md"),
                     key=lambda p: (int(p.stem) if p.stem.isdigit() else sys.maxsize, str(p)))
    if not reports:
        raise FileNotFoundError(f"no report under {site}/content/reports")
    return reports[0]


def back_up(report: Path, backup: Path) -> bytes:
    """The report as it is, saved in `backup` first, so a run killed before the restore is
    repaired by the next (restore_pending)."""
    original = report.read_bytes()
    backup.write_bytes(str(report).encode() + b"\0" + original)
    return original


def append_sentence(report: Path, backup: Path) -> bytes:
    """Append SENTENCE, the original backed up; returns the original."""
    original = back_up(report, backup)
    report.write_bytes(original + SENTENCE.encode("utf-8"))
    return original


def restore(report: Path, original: bytes, backup: Path) -> None:
    report.write_bytes(original)
    backup.unlink(missing_ok=True)


def restore_pending(paths: Paths) -> None:
    """Put back a report left edited, and remove one left added, by a run that was killed
    mid-measure."""
    if paths.backup.is_file():
        name, original = paths.backup.read_bytes().split(b"\0", 1)
        restore(Path(name.decode()), original, paths.backup)
        print(f"restored {name.decode()}, left edited by an interrupted run")
    for added in [*paths.site.glob(f"content/reports/*/{ADDED}"),
                  *paths.site.glob(f"data/households/*-{LIST_ADDED}")]:
        added.unlink()
        print(f"removed {added}, left added by an interrupted run")


ADDED = "added-by-benchmark.md"
"""The report the one-added measure adds beside the edited one (and removes after)."""


LIST_ADDED = "added-by-benchmark.yaml"
"""The honour list the list-added measure adds (named after this year, and removed after)."""


def add_honour_list(site: Path) -> Path | None:
    """A new honour list of this year, dated today, as publicity staff add one: the site's
    last list (by name) with its title, dates and households' names made new; None when the
    site has no honour list."""
    lists = sorted(site.glob("data/households/*.yaml"))
    if not lists:
        return None
    today = dt.date.today()
    text = lists[-1].read_text("utf-8")
    text = re.sub(r"(?m)^  title: .*$", f"  title: {today.year}年度基准测试新增示范户名单", text,
                  count=1)
    text = re.sub(r"(?m)^  year: .*$", f"  year: {today.year}", text, count=1)
    text = re.sub(r"(?m)^  date: .*$", f"  date: {today.isoformat()}", text, count=1)
    text = re.sub(r"(?m)^(  - name: |    head: )", r"\1新", text)
    added = site / "data" / "households" / f"{today.year}-{LIST_ADDED}"
    added.write_text(text, "utf-8")
    return added


def add_report(edited: Path) -> Path:
    """A new report beside `edited`: its text under another title, dated today, so that it is
    the site's newest report (as an author's new report is)."""
    text = edited.read_text("utf-8")
    text = re.sub(r"(?m)^title: .*$", "title: 基准测试新增的一篇经验材料", text, count=1)
    text = re.sub(r"(?m)^date: .*$", f"date: {dt.date.today().isoformat()}", text, count=1)
    added = edited.with_name(ADDED)
    added.write_text(text, "utf-8")
    return added


# ---- the measures --------------------------------------------------------------------------------

def measure_showcase(paths: Paths, logs: Path, jobs: int | None) -> dict:
    """One round of the showcase measures, in the order an author meets them: the first build
    with an empty cache (as after a clone), again with nothing changed, one report changed,
    one new report added, and with households, a new honour list added."""
    command = [sys.executable, "build.py", "build", "--site", str(paths.site),
               "--out", str(paths.out)]
    if jobs:
        command += ["--jobs", str(jobs)]
    set_aside(paths.aside, paths.site / ".cache", paths.out)
    paths.out.mkdir(parents=True)
    samples = {"cold": timed(command, logs / "cold.log")}
    samples["no-change"] = timed_rebuild(command, paths.out, logs / "no-change.log")
    report = edited_report(paths.site)
    original = append_sentence(report, paths.backup)
    try:
        samples["one-changed"] = timed_rebuild(command, paths.out, logs / "one-changed.log")
    finally:
        restore(report, original, paths.backup)
    added = add_report(report)
    try:
        samples["one-added"] = timed_rebuild(command, paths.out, logs / "one-added.log")
    finally:
        added.unlink()
    honours = add_honour_list(paths.site)
    if honours is not None:
        try:
            samples["list-added"] = timed_rebuild(command, paths.out, logs / "list-added.log")
        finally:
            honours.unlink()
    return samples


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return response.read().decode("utf-8", "replace")
    except OSError:
        return ""


def poll(url: str, wanted: str, deadline: float) -> float:
    """Seconds (perf_counter) when `url` first answers with `wanted` in it."""
    while time.perf_counter() < deadline:
        if wanted in fetch(url):
            return time.perf_counter()
        time.sleep(0.005)
    raise BuildFailed(f"{url} never showed {wanted!r}")


def search_head(out: Path, url: str) -> tuple[int, int]:
    """The document number and block count of the page at `url` in a built site's index."""
    for head in (out / "search" / "h").iterdir():
        text = head.read_text("utf-8")
        if f'"u":"{url}"' in text:
            return int(head.stem), int(re.search(r'"n":(\d+)', text).group(1))
    raise BuildFailed(f"{url} is not in {out}/search/h")


def measure_serve(paths: Paths, logs: Path, saves: int = SERVE_SAVES) -> dict:
    """`build.py serve`, the edited report saved `saves` times with a new sentence each time:
    the seconds from the save until the preview serves the page with it (the browser is told to
    reload then) and until the report's search block has it. Medians of the saves."""
    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    report = edited_report(paths.site)
    slug = re.search(r"^slug:\s*(\S+)", report.read_text("utf-8"), re.M)
    url = f"reports/{slug.group(1) if slug else report.stem}/"
    number, blocks = search_head(paths.out, url)
    original = back_up(report, paths.backup)
    with open(logs / "serve.log", "wb") as sink:
        child = subprocess.Popen([sys.executable, "build.py", "serve", "--site", str(paths.site),
                                  "--port", str(port)], cwd=REPO, stdin=subprocess.DEVNULL,
                                 stdout=sink, stderr=subprocess.STDOUT)
    page_seconds, search_seconds = [], []
    try:
        poll(base + url, "</html>", time.perf_counter() + 1800)
        for save in range(saves):
            mark = "".join("零一二三四五六七八九"[int(d)] for d in f"{time.time_ns() % 10**9:09d}")
            report.write_bytes(original + f"\n预览计时{mark}。\n".encode("utf-8"))
            saved = time.perf_counter()
            page_seconds.append(poll(base + url, mark, saved + 600) - saved)
            blocks_now = [f"{base}search/x/{number}-{b}.js" for b in range(blocks + 2)]
            deadline = saved + 600
            while not any(mark in fetch(block) for block in blocks_now):
                if time.perf_counter() > deadline:
                    raise BuildFailed(f"the search block of {url} never showed the new sentence")
                time.sleep(0.05)  # asking without pause would slow the preview it measures
            search_seconds.append(time.perf_counter() - saved)
            time.sleep(1)
    finally:
        child.terminate()  # it removes its preview folder: hundreds of thousands of files
        child.wait(timeout=STOP_SECONDS)
        restore(report, original, paths.backup)
    return {"serve-page": Sample(0.0, statistics.median(page_seconds), 0.0),
            "serve-search": Sample(0.0, statistics.median(search_seconds), 0.0)}


def measure_hugo(hugo: str, hugo_site: Path, out: Path, logs: Path, aside: Path) -> dict:
    """The same three measures for Hugo (cold: no output, no resources/ cache)."""
    command = hugo_command(hugo, hugo_site, out)
    set_aside(aside, *hugo_leftovers(hugo_site, out))
    samples = {"cold": timed(command, logs / "hugo-cold.log")}
    samples["no-change"] = timed_rebuild(command, out, logs / "hugo-no-change.log")
    report = edited_report(hugo_site)
    original = report.read_bytes()
    report.write_bytes(original + SENTENCE.encode("utf-8"))
    try:
        samples["one-changed"] = timed_rebuild(command, out, logs / "hugo-one-changed.log")
    finally:
        report.write_bytes(original)
    return samples


def record(results: Results, tool: str, corpus: Corpus, run: int, measure) -> None:
    """Run one round of measures into `results`; a failed build is noted and the runs go on."""
    try:
        samples = measure()
    except BuildFailed as error:
        results.failures.append(f"{tool}, {corpus.label}, run {run}: {error}")
        print(f"  {tool} failed: {error}", flush=True)
        return
    results.add(tool, corpus, samples)
    print_samples(tool, samples)


def run_rounds(corpora: list[Corpus], work: Path, runs: int, jobs: int | None,
               hugo: str | None, serve: bool) -> Results:
    """`runs` rounds; each round measures every corpus in turn, and Hugo right after the first
    corpus of each report count, so slow drifts of the machine touch every figure alike."""
    results = Results()
    logs = work / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    for run in range(1, runs + 1):
        if run > 1 and serve:
            print(f"waiting {FREED_SECONDS} s: the last previews removed their folders",
                  flush=True)
            time.sleep(FREED_SECONDS)
        hugo_done: set[int] = set()
        for corpus in corpora:
            paths = Paths.of(work, corpus)
            print(f"run {run}/{runs}: {corpus.label} ...", flush=True)
            record(results, "showcase", corpus, run,
                   lambda: measure_showcase(paths, logs, jobs))
            if hugo and corpus.reports not in hugo_done:
                hugo_done.add(corpus.reports)
                site = work / "hugo" / f"r{corpus.reports}-s{corpus.seed}"
                record(results, "hugo", Corpus(corpus.reports, 0, corpus.seed), run,
                       lambda: measure_hugo(hugo, site, work / "hugo-out" / site.name, logs,
                                            set_aside_folder(work)))
        for corpus in corpora if serve else ():  # after the builds: a preview that stops
            paths = Paths.of(work, corpus)      # removes its folder (see set_aside)
            print(f"run {run}/{runs}: {corpus.label}, preview ...", flush=True)
            record(results, "showcase", corpus, run, lambda: measure_serve(paths, logs))
    return results


# ---- the command line ----------------------------------------------------------------------------

def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000",
                        help="report counts, comma-separated (default: 1000,10000)")
    parser.add_argument("--households-per-report", default="0,10", metavar="N[,N]",
                        help="each size is built with N x reports households for each N; 0 = "
                             "reports alone (default: 0,10)")
    parser.add_argument("--runs", type=int, default=3, help="rounds of measures (default: 3)")
    parser.add_argument("--seed", type=int, default=1, help="make_site.py's seed (default: 1)")
    parser.add_argument("--work", type=Path, default=None,
                        help="folder for the generated sites and outputs, kept and reused "
                             "(default: a temporary folder, removed at the end)")
    parser.add_argument("--jobs", type=int, default=None,
                        help="pass --jobs N to build.py (default: build.py's own default)")
    parser.add_argument("--no-hugo", action="store_true", help="leave Hugo out")
    parser.add_argument("--no-serve", action="store_true", help="leave the serve measures out")
    return parser.parse_args(argv)


def corpora_of(args: argparse.Namespace) -> list[Corpus]:
    """Every (reports, households) pair asked for, smallest first."""
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    factors = [int(f) for f in args.households_per_report.split(",") if f.strip()]
    return sorted({Corpus(size, size * factor, args.seed) for size in sizes for factor in factors},
                  key=lambda c: (c.reports, c.households))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    corpora = corpora_of(args)
    work = args.work or Path(tempfile.mkdtemp(prefix="build-speed-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        hugo = None if args.no_hugo else shutil.which("hugo")
        print(f"hugo: {hugo_version(hugo)}" if hugo
              else "hugo: left out (--no-hugo)" if args.no_hugo
              else "hugo: not installed (apt-get install hugo)")
        print(f"python: {sys.version.split()[0]}, {os.cpu_count()} cores, work folder {work}")
        for corpus in corpora:
            ensure_site(corpus, Paths.of(work, corpus), args.seed)
        if hugo:
            for reports in sorted({c.reports for c in corpora}):
                source = next(c for c in corpora if c.reports == reports)   # same reports in all
                written = write_hugo_site(Paths.of(work, source).site,
                                          work / "hugo" / f"r{reports}-s{args.seed}")
                print(f"hugo site: {written} reports")
        results = run_rounds(corpora, work, max(1, args.runs), args.jobs, hugo,
                             not args.no_serve)
        print_table(results, corpora)
        print_lines(results, corpora)
        print_targets(results, corpora)
    finally:
        shutil.rmtree(set_aside_folder(work), ignore_errors=True)
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    run_benchmark(main, "build_speed")
