"""What one document is filed under, worked out from that document alone and the site's phrase
list: its keys, how often each stands in the body, which fields hold it, the first body block
holding it, and the body's length. Being a pure function of the document, it can be computed in
worker processes and kept in the build cache; postings.py assembles the postings from these."""
from __future__ import annotations

import bisect
import itertools
from array import array
from collections import Counter
from dataclasses import dataclass

from .documents import SearchDocument
from .lexicon import SHORT, PhraseFinder
from .normalize import document_keys, fold, folded_keys

FLAG_TITLE, FLAG_PLACE, FLAG_META = 1, 2, 4
"""Which fields hold a key: the title (a household's name), the unit or region (the document's
own place), the meta fields (category, tags, honour, list title, year)."""
FIELD_FLAGS = {"title": FLAG_TITLE, "pt": FLAG_TITLE, "unit": FLAG_PLACE, "region": FLAG_PLACE,
               "pg": FLAG_PLACE, "meta": FLAG_META}


MOST = 65535
"""Frequencies and block numbers are kept in two bytes (a higher frequency ranks the same)."""


@dataclass(frozen=True)
class DocumentKeys:
    """One document's keys and, as machine arrays in the same order (array.array's bytes, so
    the postings take them in without a loop): how often each stands in the body (uint16), the
    fields holding it (FLAG_*, uint8), and the first body block holding it (counted from 1; 0:
    none; uint16)."""

    length: int
    """The body's length in units (Han characters and words), for the ranking's length norm."""
    keys: list[str]
    frequencies: bytes
    flags: bytes
    hints: bytes

    @classmethod
    def of(cls, length: int, keys: list[str], frequencies: list[int], flags: list[int],
           hints: list[int]) -> "DocumentKeys":
        return cls(length, keys, _two_bytes(frequencies), bytes(flags), _two_bytes(hints))


def _two_bytes(values: list[int]) -> bytes:
    """`values` as uint16 bytes, those above MOST as MOST (looked for only when one is)."""
    try:
        return array("H", values).tobytes()
    except OverflowError:
        return array("H", [min(value, MOST) for value in values]).tobytes()


def body(document: SearchDocument) -> list[str]:
    """The texts a document's body is matched in: a report's blocks, a household's story."""
    return document.blocks if document.kind == "report" else [document.opening]


def document_record(document: SearchDocument, phrases: PhraseFinder) -> DocumentKeys:
    """Everything the postings need of one document. Its keys stand in the order they are met
    reading the blocks from the last to the first (each block's units, word pairs, Han pairs,
    then phrases), the fields' own keys after them."""
    first_block: dict[str, int] = {}
    """The body's keys in that order, each with the first block (counted from 1) holding it:
    each block's keys are written over the later blocks' as they are met."""
    counted: list[str] = []
    """The body's keys, each as often as it stands there (and runs that are no phrase)."""
    length = 0
    folded = [fold(text) for text in body(document)]
    for number in range(len(folded) - 1, -1, -1):
        units, word_pairs, pairs = folded_keys(folded[number])
        found, phrase_runs = phrases.find(folded[number], set(pairs))
        keys = units + word_pairs + pairs
        first_block.update(dict.fromkeys(keys, number + 1))
        first_block.update(dict.fromkeys(found, number + 1))
        counted += keys
        counted += phrase_runs
        length += len(units)
    counts = Counter(counted)
    flags: dict[str, int] = {}
    for name, values in document.fields.items():
        text = " | ".join(values)
        for key in set(document_keys(text) + phrases(fold(text))):
            flags[key] = flags.get(key, 0) | FIELD_FLAGS[name]
    for name, tokens in document.pinyin.items():
        for key in set(tokens):
            flags[key] = flags.get(key, 0) | FIELD_FLAGS[name]
    keys = [*first_block, *(key for key in flags if key not in first_block)]
    fields_only = [0] * (len(keys) - len(first_block))  # the keys not in the body
    return DocumentKeys.of(
        length=length, keys=keys, frequencies=[*map(counts.__getitem__, first_block), *fields_only],
        flags=list(map(flags.get, keys, itertools.repeat(0))),
        hints=[*first_block.values(), *fields_only])


@dataclass(frozen=True)
class DocumentText:
    """A document folded: its body (blocks joined by line breaks, which no phrase runs across),
    where each block ends, and its fields. Kept beside its record so that phrases new to the
    site are looked for without the whole work of `document_record` again."""

    whole: str
    block_ends: list[int]
    fields: dict[str, str]


def document_text(document: SearchDocument) -> DocumentText:
    folded = [fold(text) for text in body(document)]
    return DocumentText("\n".join(folded), list(itertools.accumulate(len(t) + 1 for t in folded)),
                        {name: fold(" | ".join(values)) for name, values in document.fields.items()})


def with_phrases(record: DocumentKeys, text: DocumentText, removed: set[str],
                 added: list[str]) -> DocumentKeys:
    """The record `document_record` gives with a phrase list that lacks `removed` and has
    `added` (counted as PhraseFinder counts them)."""
    frequencies, flags, hints = array("H"), array("B"), array("H")
    frequencies.frombytes(record.frequencies)
    flags.frombytes(record.flags)
    hints.frombytes(record.hints)
    kept = [i for i, key in enumerate(record.keys) if key not in removed]
    keys = [record.keys[i] for i in kept]
    frequencies, flags, hints = ([values[i] for i in kept] for values in (frequencies, flags, hints))
    for phrase in added:
        count = _occurrences(text.whole, phrase)
        fields = 0
        for name, folded in text.fields.items():
            if phrase in folded:
                fields |= FIELD_FLAGS[name]
        if count or fields:
            keys.append(phrase)
            frequencies.append(count)
            flags.append(fields)
            hints.append(bisect.bisect_right(text.block_ends, text.whole.find(phrase)) + 1
                         if count else 0)
    return DocumentKeys.of(record.length, keys, frequencies, flags, hints)


def _occurrences(text: str, phrase: str) -> int:
    """As PhraseFinder counts: phrases of three and four characters with their overlapping
    occurrences (among the text's runs), longer ones by str.count."""
    if len(phrase) not in SHORT:
        return text.count(phrase)
    count, at = 0, text.find(phrase)
    while at >= 0:
        count += 1
        at = text.find(phrase, at + 1)
    return count
