"""The figures of build_speed.py: samples per corpus and measure, the table, the machine-readable
lines and the verdicts on the build-speed targets. Nothing is run here.

A figure is quoted as min / median / max over the runs; ratios and verdicts use the median, except
peak memory, which is the largest of all runs (the target is a ceiling). Time targets are judged on
wall seconds, the time an author waits on the 2-core machine the targets are set for; the CPU
seconds printed beside them are the steadier figure for comparing two runs.
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass, field

MEASURES = ("cold", "no-change", "one-changed", "one-added", "list-added")
"""(list-added: sites with households only)"""
SERVE_MEASURES = ("serve-page", "serve-search")
"""Seconds from a save under `serve` until the page (and its search block) is served."""
LINEAR_SPREAD = 1.25
"""Per-report (per-household) cost at two sizes may differ by at most 25%: larger / smaller."""


@dataclass
class Sample:
    """One measured build: the child's CPU (user + system) and wall seconds, its peak resident
    memory, and for a rebuild how many output files it wrote again of how many there are."""
    cpu: float
    wall: float
    peak_mb: float
    rewritten: int | None = None
    files: int | None = None


@dataclass(frozen=True)
class Corpus:
    reports: int
    households: int
    seed: int

    @property
    def name(self) -> str:
        return f"r{self.reports}-h{self.households}-s{self.seed}"

    @property
    def label(self) -> str:
        text = f"{self.reports:,} reports"
        return text + (f" + {self.households:,} households" if self.households else "")

    @property
    def short(self) -> str:
        text = f"{_k(self.reports)}-reports"
        return text + (f"-{_k(self.households)}-households" if self.households else "")


def _k(n: int) -> str:
    """10000 -> '10k', as the targets name sizes."""
    return f"{n / 1000:g}k" if n >= 1000 else str(n)


@dataclass
class Results:
    samples: dict[tuple[str, Corpus, str], list[Sample]] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

    def add(self, tool: str, corpus: Corpus, measured: dict[str, Sample]) -> None:
        for measure, sample in measured.items():
            self.samples.setdefault((tool, corpus, measure), []).append(sample)

    def get(self, tool: str, corpus: Corpus, measure: str) -> list[Sample]:
        return self.samples.get((tool, corpus, measure), [])

    def median(self, tool: str, corpus: Corpus, measure: str, what: str = "cpu") -> float | None:
        values = [getattr(s, what) for s in self.get(tool, corpus, measure)]
        return statistics.median(values) if values else None

    def hugo(self, corpus: Corpus, measure: str) -> float | None:
        """Hugo's median CPU seconds on the same reports (Hugo never gets the households)."""
        return self.median("hugo", Corpus(corpus.reports, 0, corpus.seed), measure)

    def ratio(self, corpus: Corpus, measure: str) -> float | None:
        """showcase / Hugo, median CPU seconds: how many times Hugo's work the build does."""
        ours, theirs = self.median("showcase", corpus, measure), self.hugo(corpus, measure)
        return ours / theirs if ours is not None and theirs else None


# ---- derived figures -----------------------------------------------------------------------------

def per_report_ms(results: Results, corpus: Corpus, measure: str = "cold") -> float | None:
    """Median CPU milliseconds per report (households, if any, included in the cost)."""
    cpu = results.median("showcase", corpus, measure)
    return None if cpu is None else 1000 * cpu / corpus.reports


def per_household_ms(results: Results, corpus: Corpus, measure: str = "cold") -> float | None:
    """What the households add, per household: CPU of the corpus less CPU of the same reports
    alone (measured in the same runs), over the households."""
    if not corpus.households:
        return None
    alone = results.median("showcase", Corpus(corpus.reports, 0, corpus.seed), measure)
    both = results.median("showcase", corpus, measure)
    return None if alone is None or both is None else 1000 * (both - alone) / corpus.households


Pair = tuple[str, Corpus, Corpus, float, float]


def linearity(results: Results, corpora: list[Corpus]) -> list[Pair]:
    """(kind, smaller, larger, ms, ms) for consecutive sizes: per report on reports alone, per
    household on corpora with the same households per report."""
    pairs = []
    alone = sorted((c for c in corpora if not c.households), key=lambda c: c.reports)
    for a, b in zip(alone, alone[1:]):
        pairs.append(("per-report", a, b, per_report_ms(results, a), per_report_ms(results, b)))
    for factor in sorted({c.households // c.reports for c in corpora if c.households}):
        same = sorted((c for c in corpora if c.households == factor * c.reports),
                      key=lambda c: c.reports)
        for a, b in zip(same, same[1:]):
            pairs.append(("per-household", a, b, per_household_ms(results, a),
                          per_household_ms(results, b)))
    return [p for p in pairs if p[3] and p[4] and p[3] > 0 and p[4] > 0]


def spread(first: float, second: float) -> float:
    return max(first, second) / min(first, second)


# ---- printing ------------------------------------------------------------------------------------

def _three(values: list[float], digits: int = 2) -> str:
    three = (min(values), statistics.median(values), max(values))
    return " / ".join(f"{v:.{digits}f}" for v in three)


def _opt(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _rewritten(samples: list[Sample]) -> str:
    last = samples[-1]
    return "-" if last.rewritten is None else f"{last.rewritten} of {last.files}"


def print_samples(tool: str, measured: dict[str, Sample]) -> None:
    """One progress line per round, so a long run shows its figures as they come."""
    parts = [f"{m} {s.cpu:.1f} s CPU, {s.wall:.1f} s wall, {s.peak_mb:.0f} MB"
             + (f", files rewritten: {s.rewritten} of {s.files}" if s.rewritten is not None else "")
             for m, s in measured.items()]
    print(f"  {tool}: " + "; ".join(parts), flush=True)


ROW = "{:<13} {:>24} {:>24} {:>8} {:>17} {:>9} {:>9} {:>8}"


def print_table(results: Results, corpora: list[Corpus]) -> None:
    """Per corpus, a row per measure; then Hugo's rows per report count."""
    print()
    header = ROW.format("measure", "CPU s min/med/max", "wall s min/med/max", "peak MB",
                        "files rewritten", "ms/report", "Hugo CPU", "x Hugo")
    for corpus in corpora:
        runs = len(results.get("showcase", corpus, "cold"))
        print(f"showcase, {corpus.label} (seed {corpus.seed}), {runs} run(s)")
        print(header)
        for measure in MEASURES:
            samples = results.get("showcase", corpus, measure)
            if not samples:
                if measure != "list-added" or corpus.households:  # (with households only)
                    print(ROW.format(measure, "failed", "", "", "", "", "", ""))
                continue
            print(ROW.format(measure, _three([s.cpu for s in samples]),
                             _three([s.wall for s in samples]),
                             f"{max(s.peak_mb for s in samples):.0f}", _rewritten(samples),
                             _opt(per_report_ms(results, corpus, measure), 1),
                             _opt(results.hugo(corpus, measure)),
                             _opt(results.ratio(corpus, measure), 1)))
        for measure in SERVE_MEASURES:
            samples = results.get("showcase", corpus, measure)
            if samples:
                print(f"  {measure}: {_three([s.wall for s in samples], 3)} s wall "
                      f"(min / median / max), save to served")
        household = per_household_ms(results, corpus)
        if household is not None:
            print(f"  households add {household:.2f} ms CPU each (cold, against the reports alone)")
        print()
    for reports in sorted({c.reports for c in corpora}):
        hugo = Corpus(reports, 0, corpora[0].seed)
        if results.get("hugo", hugo, "cold"):
            print(f"hugo, {reports:,} reports")
            print(header)
            for measure in MEASURES:
                samples = results.get("hugo", hugo, measure)
                if samples:
                    print(ROW.format(measure, _three([s.cpu for s in samples]),
                                     _three([s.wall for s in samples]),
                                     f"{max(s.peak_mb for s in samples):.0f}", _rewritten(samples),
                                     _opt(1000 * statistics.median(s.cpu for s in samples)
                                          / reports, 2),
                                     "", ""))
            print()
    for failure in results.failures:
        print(f"failed: {failure}")


def _line(prefix: str, fields: dict[str, object]) -> str:
    def value(v: object) -> str:
        return "na" if v is None else f"{v:.3f}" if isinstance(v, float) else str(v)
    return prefix + " " + " ".join(f"{k}={value(v)}" for k, v in fields.items())


def _figures(samples: list[Sample]) -> dict[str, object]:
    cpu, wall = [s.cpu for s in samples], [s.wall for s in samples]
    return {"runs": len(samples), "cpu_min": min(cpu), "cpu_median": statistics.median(cpu),
            "cpu_max": max(cpu), "wall_min": min(wall), "wall_median": statistics.median(wall),
            "wall_max": max(wall), "peak_mb": round(max(s.peak_mb for s in samples)),
            "rewritten": samples[-1].rewritten, "files": samples[-1].files}


def print_lines(results: Results, corpora: list[Corpus]) -> None:
    """One `build-speed` line per corpus and measure, `hugo-speed` per report count and measure,
    `build-speed-linear` per pair of sizes: for scripts and for the issue."""
    for corpus in corpora:
        for measure in MEASURES + SERVE_MEASURES:
            samples = results.get("showcase", corpus, measure)
            if samples:
                print(_line("build-speed", {
                    "size": corpus.reports, "households": corpus.households, "measure": measure,
                    **_figures(samples), "per_report_ms": per_report_ms(results, corpus, measure),
                    "per_household_ms": per_household_ms(results, corpus, measure),
                    "hugo_cpu": results.hugo(corpus, measure),
                    "ratio": results.ratio(corpus, measure)}))
    for reports in sorted({c.reports for c in corpora}):
        for measure in MEASURES:
            samples = results.get("hugo", Corpus(reports, 0, corpora[0].seed), measure)
            if samples:
                print(_line("hugo-speed",
                            {"size": reports, "measure": measure, **_figures(samples)}))
    for kind, a, b, first, second in linearity(results, corpora):
        print(_line("build-speed-linear", {
            "kind": kind, "measure": "cold", "sizes": f"{a.reports},{b.reports}",
            "households": f"{a.households},{b.households}", "first_ms": first,
            "second_ms": second, "spread": spread(first, second)}))


# ---- the targets ---------------------------------------------------------------------------------

def _time_target(results: Results, corpus: Corpus, measure: str, limit: float) -> str:
    wall = results.median("showcase", corpus, measure, "wall")
    if wall is None:
        return "not measured"
    cpu = results.median("showcase", corpus, measure)
    ratio = results.ratio(corpus, measure)
    hugo = f"; x{ratio:.1f} Hugo's CPU" if ratio else ""
    return (f"{'yes' if wall <= limit else 'no'} (wall {wall:.1f} s, CPU {cpu:.1f} s, "
            f"medians{hugo})")


def target_lines(results: Results, corpora: list[Corpus]) -> list[str]:
    """The build-speed issue's targets, each `target NAME: yes|no|not measured (figures)`."""
    seed = corpora[0].seed if corpora else 1
    lines = [
        f"target cold-10k-reports<=30s: "
        + _time_target(results, Corpus(10000, 0, seed), "cold", 30),
        f"target cold-10k-reports-100k-households<=90s: "
        + _time_target(results, Corpus(10000, 100000, seed), "cold", 90)]
    for corpus in corpora:
        samples = results.get("showcase", corpus, "no-change")
        lines.append(f"target no-change-{corpus.short}<=3s: "
                     + _time_target(results, corpus, "no-change", 3))
        if samples:
            worst = max(samples, key=lambda s: s.rewritten or 0)
            lines.append(f"target no-change-{corpus.short}-writes-no-file: "
                         f"{'yes' if worst.rewritten == 0 else 'no'} "
                         f"(files rewritten: {worst.rewritten} of {worst.files})")
        lines.append(f"target one-changed-{corpus.short}<=2s: "
                     + _time_target(results, corpus, "one-changed", 2))
        for measure, limit in (("serve-page", 0.25), ("serve-search", 2)):
            wall = results.median("showcase", corpus, measure, "wall")
            if wall is not None:
                lines.append(f"target {measure}-{corpus.short}<={limit:g}s: "
                             f"{'yes' if wall <= limit else 'no'} ({wall:.3f} s, median)")
        peaks = [s.peak_mb for m in MEASURES for s in results.get("showcase", corpus, m)]
        if peaks:
            lines.append(f"target peak-memory-{corpus.short}<=500MB: "
                         f"{'yes' if max(peaks) <= 500 else 'no'} ({max(peaks):.0f} MB)")
    judged = set()
    for kind, a, b, first, second in linearity(results, corpora):
        counts = (a.reports, b.reports) if kind == "per-report" else (a.households, b.households)
        name = f"linear-{kind}-{_k(counts[0])}/{_k(counts[1])}<=25%"
        judged.add(name)
        ratio = spread(first, second)
        lines.append(f"target {name}: {'yes' if ratio <= LINEAR_SPREAD else 'no'} "
                     f"({first:.2f} ms vs {second:.2f} ms CPU, cold: "
                     f"{100 * (ratio - 1):.0f}% apart)")
    for name in ("linear-per-report-1k/10k<=25%", "linear-per-household-10k/100k<=25%"):
        if name not in judged:
            lines.append(f"target {name}: not measured")
    return lines


def print_targets(results: Results, corpora: list[Corpus]) -> None:
    print()
    for line in target_lines(results, corpora):
        print(line)
