"""Phrase keys: the phrases readers search for most, filed whole, so that a query such as
平安家庭, 留守儿童 or 溆浦县 downloads one list of exactly the documents holding it, instead of the
lists of the character pairs that cover it and then text to check that they stand together.

The phrases are the site's own vocabulary (categories, tags, honours, place names with and
without their suffix) and the three- and four-character runs found in many reports of a sample."""
from __future__ import annotations

import re
from collections import Counter

from ..memo import Memo, kept
from ..slugs import SUFFIXES
from .documents import Searchable
from .normalize import HAN_CLASS, HAN_PAIR, fold

SHORT = (3, 4)
"""The lengths of the runs drawn from the sample as phrases; phrases of these lengths are looked
up among a text's runs (overlapping ones counted)."""
SAMPLE_REPORTS = 400
MIN_SHARE = 0.1
"""A run found in a tenth of the sampled reports is a phrase key."""
MAX_PHRASES = 5000
_HAN_RUN = re.compile(f"[{HAN_CLASS}]{{3,}}")


def _runs(text: str) -> list[str]:
    return _HAN_RUN.findall(fold(text))


def phrase_keys(documents: list[Searchable], memo: Memo | None = None) -> list[str]:
    """Phrases of three or more Han characters to file whole (the runs frequent in the sample,
    when an earlier build had the same sample, from `memo`)."""
    vocabulary = set()
    values = {value for document in documents for value in document.meta}
    names = {name for document in documents for name in document.region_names}
    for value in values | names:
        vocabulary.update(r for r in _runs(value) if len(r) == len(fold(value).strip()))
    for name in names:
        proper = next((name[:-len(s)] for s in SUFFIXES if name.endswith(s)), "")
        vocabulary.update(r for r in _runs(proper) if len(r) == len(proper))
    reports = [d for d in documents if d.kind == "report"]
    step = max(1, len(reports) // SAMPLE_REPORTS)
    sample = reports[::step]
    frequent = kept(memo, "phrases", [d.digest for d in sample],
                    lambda: _frequent_runs(sample, memo))
    return sorted(vocabulary | set(frequent))


def _frequent_runs(sample: list[Searchable], memo: Memo | None) -> list[str]:
    """The runs of three and four characters in a tenth of the sampled reports' bodies (each
    report's runs from `memo` when an earlier build read it: one edited report of the sample
    is read again, not all of them)."""
    counts: Counter = Counter()
    for report in sample:
        counts.update(kept(memo, "sampled runs", report.digest,
                           lambda report=report: _grams(report.document.blocks)))
    wanted = max(3, MIN_SHARE * len(sample))
    return [g for g, n in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
            if n >= wanted][:MAX_PHRASES]


def _grams(blocks: list[str]) -> set[str]:
    grams = set()
    for run in _runs("\n".join(blocks)):
        for size in SHORT:
            grams.update(run[i:i + size] for i in range(len(run) - size + 1))
    return grams


_RUNS_OF = {size: re.compile(f"(?=([{HAN_CLASS}]{{{size}}}))") for size in SHORT}
"""Every run of three (four) Han characters in a text, overlapping ones included."""


class PhraseFinder:
    """Finds the phrase keys in folded text. Phrases of three and four characters (most of
    them) are looked up among the text's runs of that length; longer ones are counted only when
    the text holds all their pairs of characters. All of it in C: a text is never read once
    per phrase."""

    def __init__(self, phrases: list[str]):
        self.short = {size: {p for p in phrases if len(p) == size} for size in _RUNS_OF}
        self.by_pair: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
        for phrase in phrases:
            if len(phrase) not in self.short:
                rest = tuple(phrase[i:i + 2] for i in range(1, len(phrase) - 1))
                self.by_pair.setdefault(phrase[:2], []).append((phrase, rest))

    def find(self, folded: str, pairs: set[str]) -> tuple[list[str], list[str]]:
        """The phrases in a folded text whose Han pairs are `pairs`, each once, and a list
        that counts them: the text's runs of three and four characters (each phrase among them
        as often as it stands in the text, beside runs that are no phrase) and each longer
        phrase once per occurrence. The caller counts it together with its other keys, in C."""
        found: list[str] = []
        counted: list[str] = []
        for size, runs in _RUNS_OF.items():
            grams = runs.findall(folded)
            found += _among(grams, self.short[size])
            counted += grams
        for pair in pairs & self.by_pair.keys():
            for phrase, rest in self.by_pair[pair]:
                if pairs.issuperset(rest) and phrase in folded:
                    found.append(phrase)
                    counted += [phrase] * folded.count(phrase)
        return found, counted

    def __call__(self, folded: str) -> list[str]:
        """The phrases in one folded text, one per occurrence."""
        found, counted = self.find(folded, set(HAN_PAIR.findall(folded)))
        counts = Counter(counted)
        return [phrase for phrase in found for _ in range(counts[phrase])]


def _among(grams: list[str], phrases: set[str]) -> set[str]:
    """The phrases among `grams`, as the set `Counter(grams).keys() & phrases` (a record's
    keys stand in the order it iterates in). Python makes that set by going through the
    smaller side; with no more grams than phrases that is the grams, whose repeats add
    nothing, so they need not be counted first."""
    if len(grams) <= len(phrases):
        return phrases.intersection(grams)
    return dict.fromkeys(grams).keys() & phrases
