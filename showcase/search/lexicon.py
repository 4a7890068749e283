"""Phrase keys: the phrases readers search for most, filed whole, so that a query such as
平安家庭 or 留守儿童 downloads one list of exactly the documents holding it, instead of the lists of
its three character pairs (each as long) and then text to check that the pairs stand together.

The phrases are the site's own vocabulary (categories, tags, honours) and the three- and
four-character runs found in many reports of a sample."""
from __future__ import annotations

import re
from collections import Counter

from .documents import SearchDocument
from .normalize import HAN_CLASS, fold

SAMPLE_REPORTS = 400
MIN_SHARE = 0.1
"""A run found in a tenth of the sampled reports is a phrase key."""
MAX_PHRASES = 400
_HAN_RUN = re.compile(f"[{HAN_CLASS}]{{3,}}")


def _runs(text: str) -> list[str]:
    return _HAN_RUN.findall(fold(text))


def phrase_keys(documents: list[SearchDocument]) -> list[str]:
    """Phrases of three or four Han characters to file whole, most common first."""
    vocabulary = set()
    for document in documents:
        for value in document.fields["meta"]:
            vocabulary.update(r for r in _runs(value) if len(r) == len(fold(value).strip()))
    reports = [d for d in documents if d.kind == "report"]
    step = max(1, len(reports) // SAMPLE_REPORTS)
    sample = reports[::step]
    counts: Counter = Counter()
    for document in sample:
        grams = set()
        for run in _runs("\n".join(document.blocks)):
            for size in (3, 4):
                grams.update(run[i:i + size] for i in range(len(run) - size + 1))
        counts.update(grams)
    wanted = max(3, MIN_SHARE * len(sample))
    frequent = [g for g, n in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
                if n >= wanted][:MAX_PHRASES]
    return sorted(vocabulary | set(frequent))


def phrase_finder(phrases: list[str]):
    """A function giving the phrase keys in a folded text, one per occurrence (overlapping
    ones too: 平安家庭 and 安家庭 in the same place)."""
    if not phrases:
        return lambda folded: []
    longest_first = sorted(phrases, key=lambda p: (-len(p), p))
    pattern = re.compile("(?=(" + "|".join(map(re.escape, longest_first)) + "))")
    by_start: dict[str, list[str]] = {}
    for phrase in longest_first:
        by_start.setdefault(phrase, [p for p in longest_first if p != phrase and
                                     phrase.startswith(p)])

    def find(folded: str) -> list[str]:
        found = []
        for match in pattern.finditer(folded):
            longest = match.group(1)
            found.append(longest)
            found += [p for p in by_start[longest] if folded.startswith(p, match.start())]
        return found

    return find
