"""Phrase keys: the phrases readers search for most, filed whole, so that a query such as
平安家庭, 留守儿童 or 溆浦县 downloads one list of exactly the documents holding it, instead of the
lists of the character pairs that cover it and then text to check that they stand together.

The phrases are the site's own vocabulary (categories, tags, honours, place names with and
without their suffix) and the three- and four-character runs found in many reports of a sample."""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable

import numpy as np

from ..memo import Memo, kept, kept_already, kept_each
from ..slugs import SUFFIXES
from .codes import BITS, found_in, han_code, sorted_codes
from .documents import Searchable
from .normalize import HAN_CLASS, fold

SHORT = (3, 4)
"""The lengths of the runs drawn from the sample as phrases."""
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
    """The runs of three and four characters in a tenth of the sampled reports' bodies."""
    counts = _sample_counts(sample, memo)
    # (rounded: a sample one report larger keeps the count, and the runs found in exactly as
    # many reports stay phrases; each that goes changes the keys of a tenth of the reports)
    wanted = max(3, round(MIN_SHARE * len(sample)))
    return [g for g, n in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
            if n >= wanted][:MAX_PHRASES]


def _sample_counts(sample: list[Searchable], memo: Memo | None) -> Counter:
    """How many sampled reports hold each run. With `memo`, the last build's counts are mended
    by the reports that left the sample and those that joined it (an edited report of the
    sample is one of each), their runs kept by the builds that read them: a save of one report
    of 10,000 reads its runs, not the sample's 400 reports' (0.6 s). Counted anew when most of
    the sample changed or an earlier build's runs are gone."""
    by_digest = {report.digest: report for report in sample}
    digests = [report.digest for report in sample]

    def runs_of(joined: list[bytes]) -> list[set[str]]:
        return kept_each(memo, "sampled runs", joined,
                         lambda digest: _grams(by_digest[digest].document.blocks))

    if memo is None:
        return _counted(runs_of(digests))
    key = memo.key("sample counts")
    counts = _mended(memo.get(key), digests, memo, runs_of)
    if counts is None:
        counts = _counted(runs_of(digests))
    memo.put(key, (digests, counts))
    return counts


def _mended(last: tuple[list[bytes], Counter] | None, digests: list[bytes], memo: Memo,
            runs_of: Callable[[list[bytes]], list[set[str]]]) -> Counter | None:
    """The `last` build's counts of its sample (its digests, the counts) for the sample of
    `digests` (None: not to be mended)."""
    if last is None:
        return None
    before, counts = last
    left = list((Counter(before) - Counter(digests)).elements())
    joined = list((Counter(digests) - Counter(before)).elements())
    if len(left) + len(joined) > len(digests) // 2:
        return None
    gone = kept_already(memo, "sampled runs", left)
    if None in gone:
        return None
    counts = Counter(counts)  # (a copy: the preview holds the memo's)
    for grams in gone:
        counts.subtract(grams)
    for grams in runs_of(joined):
        counts.update(grams)
    return +counts  # (the runs no sampled report holds any more)


def _counted(runs: list[set[str]]) -> Counter:
    counts = Counter()
    for grams in runs:
        counts.update(grams)
    return counts


def _grams(blocks: list[str]) -> set[str]:
    grams = set()
    for run in _runs("\n".join(blocks)):
        for size in SHORT:
            grams.update(run[i:i + size] for i in range(len(run) - size + 1))
    return grams


class PhraseFinder:
    """The phrase keys in the forms a text's runs are looked up among by numpy (keys.py): the
    phrases of three characters by their codes (codes.py), those of four by `four_codes`, both
    numbered (codes.PHRASE); longer ones, few, by the code of their first three characters, to
    be looked for in the text whole. A text's runs of three are looked up once among the first
    three of every phrase (`heads_of`)."""

    def __init__(self, phrases: list[str]):
        three = sorted((p for p in phrases if len(p) == 3), key=han_code)
        self.three = np.array([han_code(p) for p in three], dtype=np.uint64)
        four = [p for p in phrases if len(p) == 4]
        four_heads = sorted_codes(p[:3] for p in four)
        codes = self.four_codes(
            np.searchsorted(four_heads, np.array([han_code(p[:3]) for p in four],
                                                 dtype=np.uint64)),
            np.array([ord(p[3]) for p in four], dtype=np.uint64))
        order = np.argsort(codes)
        self.four = codes[order]
        self.numbered = np.array(three + [four[n] for n in order.tolist()], dtype=object)
        """The phrases of three, then of four characters, in the order of their codes."""
        self.longer: dict[int, list[str]] = {}
        for phrase in phrases:
            if len(phrase) > 4:
                self.longer.setdefault(han_code(phrase[:3]), []).append(phrase)
        longer_heads = np.array(sorted(self.longer), dtype=np.uint64)
        self.heads = np.union1d(np.union1d(self.three, four_heads), longer_heads)
        """The first three characters of every phrase (codes), each with the number of the
        phrase of three it is (or -1), its place among the first three of phrases of four (or
        -1), and whether longer phrases begin with it (head_three, head_four, head_longer)."""
        self.head_three = _places(self.heads, self.three)
        self.head_four = _places(self.heads, four_heads)
        self.head_longer = _places(self.heads, longer_heads) >= 0

    def heads_of(self, runs: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For runs of three characters (codes): the number of the phrase of three each is (-1:
        none), its place among the first three of phrases of four (-1: none begins with it),
        and whether longer phrases begin with it."""
        is_head, at = found_in(runs, self.heads)
        if not len(self.heads):
            return np.full(len(runs), -1), np.full(len(runs), -1), is_head
        at = np.minimum(at, len(self.heads) - 1)
        return (np.where(is_head, self.head_three[at], -1),
                np.where(is_head, self.head_four[at], -1), is_head & self.head_longer[at])

    @staticmethod
    def four_codes(heads: np.ndarray, lasts: np.ndarray) -> np.ndarray:
        """Runs of four characters as codes: the place of their first three among the first
        three of phrases of four (`heads`, heads_of) then the fourth's code point (`lasts`)."""
        return heads.astype(np.uint64) << BITS | lasts


def _places(codes: np.ndarray, table: np.ndarray) -> np.ndarray:
    """Where each of `codes` stands in `table` (sorted; -1: not there)."""
    there, at = found_in(codes, table)
    return np.where(there, at, -1)
