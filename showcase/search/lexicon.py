"""Phrase keys: the phrases readers search for most, filed whole, so that a query such as
平安家庭, 留守儿童 or 溆浦县 downloads one list of exactly the documents holding it, instead of the
lists of the character pairs that cover it and then text to check that they stand together.

The phrases are the site's own vocabulary (categories, tags, honours, place names with and
without their suffix) and the three- and four-character runs found in many reports of a sample."""
from __future__ import annotations

import re
from collections import Counter

from ..slugs import SUFFIXES
from .documents import SearchDocument
from .normalize import HAN_CLASS, fold

SAMPLE_REPORTS = 400
MIN_SHARE = 0.1
"""A run found in a tenth of the sampled reports is a phrase key."""
MAX_PHRASES = 5000
_HAN_RUN = re.compile(f"[{HAN_CLASS}]{{3,}}")


def _runs(text: str) -> list[str]:
    return _HAN_RUN.findall(fold(text))


def phrase_keys(documents: list[SearchDocument]) -> list[str]:
    """Phrases of three or more Han characters to file whole."""
    vocabulary = set()
    for document in documents:
        for value in document.fields["meta"] + document.fields["region"]:
            vocabulary.update(r for r in _runs(value) if len(r) == len(fold(value).strip()))
        for name in document.fields["region"]:
            proper = next((name[:-len(s)] for s in SUFFIXES if name.endswith(s)), "")
            vocabulary.update(r for r in _runs(proper) if len(r) == len(proper))
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


def _trie_pattern(phrases: list[str]) -> str:
    """One regular expression for many phrases, factored by their shared beginnings (平安(?:家庭?|
    建设)), so a text is read once whatever the number of phrases, and the longest phrase
    starting at a place is the one matched."""
    trie: dict = {}
    for phrase in phrases:
        node = trie
        for char in phrase:
            node = node.setdefault(char, {})
        node[""] = {}

    def pattern(node: dict) -> str:
        branches = [re.escape(char) + pattern(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if "" in node:  # a phrase ends here; a longer one may go on
            return "(?:" + body + ")?" if len(branches) > 1 or len(body) > 1 else body + "?"
        return body

    return pattern(trie)


def phrase_finder(phrases: list[str]):
    """A function giving the phrase keys in a folded text, one per occurrence (overlapping
    ones too: 平安家庭 and 安家庭 in the same place, 平安家 within 平安家庭)."""
    if not phrases:
        return lambda folded: []
    pattern = re.compile("(?=(" + _trie_pattern(phrases) + "))")
    known = set(phrases)
    shorter = {p: [p[:n] for n in range(len(p) - 1, 2, -1) if p[:n] in known] for p in phrases}

    def find(folded: str) -> list[str]:
        found = []
        for longest in pattern.findall(folded):
            if longest:
                found.append(longest)
                found += shorter[longest]
        return found

    return find
