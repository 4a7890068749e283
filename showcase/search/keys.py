"""What one document is filed under, worked out from that document alone and the site's phrase
list: its keys, how often each stands in the body, which fields hold it, the first body block
holding it, and the body's length. Being a pure function of the document, it can be computed in
worker processes and kept in the build cache; postings.py assembles the postings from these."""
from __future__ import annotations

import bisect
import itertools
from array import array
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from .codes import BITS, PHRASE, code_points, decoded, found_in, han_mask
from .documents import SearchDocument
from .lexicon import PhraseFinder
from .normalize import WORD, fold

FLAG_TITLE, FLAG_PLACE, FLAG_META = 1, 2, 4
"""Which fields hold a key: the title (a household's name), the unit or region (the document's
own place), the meta fields (category, tags, honour, list title, year)."""
FIELD_FLAGS = {"title": FLAG_TITLE, "pt": FLAG_TITLE, "unit": FLAG_PLACE, "region": FLAG_PLACE,
               "pg": FLAG_PLACE, "meta": FLAG_META}


MOST = 65535
"""Frequencies and block numbers are kept in two bytes (a higher frequency ranks the same)."""


@dataclass(frozen=True, eq=False)
class DocumentKeys:
    """One document's keys, those coded first (codes.py), then the others as text, and as
    machine arrays in that order (so the postings take them in without a loop): how often each
    stands in the body (uint16), the fields holding it (FLAG_*, uint8), and the first body
    block holding it (counted from 1; 0: none; uint16)."""

    length: int
    """The body's length in units (Han characters and words), for the ranking's length norm."""
    texts: list[str]
    frequencies: bytes
    flags: bytes
    hints: bytes
    codes: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.uint64))
    phrases: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=object))
    """What the codes from codes.PHRASE on stand for (lexicon.PhraseFinder.numbered)."""

    @property
    def keys(self) -> list[str]:
        """Every key as text (a worker's numbering makes text of the coded keys new to it
        only)."""
        return decoded(self.codes, self.phrases) + self.texts

    @classmethod
    def of(cls, length: int, keys: list[str], frequencies: list[int], flags: list[int],
           hints: list[int]) -> "DocumentKeys":
        return cls(length, keys, _two_bytes(frequencies), bytes(flags), _two_bytes(hints))


def _two_bytes(values) -> bytes:
    """`values` as uint16 bytes, those above MOST as MOST."""
    return np.minimum(np.asarray(values, dtype=np.int64), MOST).astype(np.uint16).tobytes()


def body(document: SearchDocument) -> list[str]:
    """The texts a document's body is matched in: a report's blocks, a household's story."""
    return document.blocks if document.kind == "report" else [document.opening]


def document_record(document: SearchDocument, phrases: PhraseFinder,
                    text: DocumentText | None = None) -> DocumentKeys:
    """Everything the postings need of one document (`text`: its document_text, when made
    already). Its coded keys stand in this order: the body's (in the order of their codes),
    then those only its fields hold; likewise its keys as text (the body's in the order first
    met)."""
    text = text or document_text(document)
    if not text.whole:
        return _fields_only(text, document.pinyin, phrases)
    found = _occurrences(text.whole, phrases)
    block_ends = np.array(text.block_ends)
    codes, starts, blocks = _grouped(found.codes, np.minimum(
        np.searchsorted(block_ends, found.code_places, side="right") + 1, MOST), 16)
    texts = Counter(found.texts)
    text_places = dict(zip(reversed(found.texts), reversed(found.text_places)))  # the first
    text_blocks = np.searchsorted(block_ends, [text_places[key] for key in texts],
                                  side="right") + 1
    field_codes, code_flags, text_flags = _field_flags(text.fields, document.pinyin, phrases)
    in_body, at = found_in(field_codes, codes)
    body_code_flags = np.zeros(len(codes), dtype=np.uint8)
    body_code_flags[at[in_body]] = code_flags[in_body]
    only_fields = [key for key in text_flags if key not in texts]
    code_nowhere = np.zeros(len(in_body) - in_body.sum(), dtype=np.int64)  # in the body
    text_nowhere = np.zeros(len(only_fields), dtype=np.int64)
    return DocumentKeys(
        length=found.units, codes=np.concatenate([codes, field_codes[~in_body]]),
        phrases=phrases.numbered, texts=list(texts) + only_fields,
        frequencies=_two_bytes(np.concatenate([np.diff(starts, append=len(blocks)),
                                               code_nowhere, list(texts.values()),
                                               text_nowhere])),
        flags=np.concatenate([body_code_flags, code_flags[~in_body],
                              [text_flags.get(key, 0) for key in texts],
                              [text_flags[key] for key in only_fields]]
                             ).astype(np.uint8).tobytes(),
        hints=_two_bytes(np.concatenate([blocks[starts], code_nowhere, text_blocks,
                                         text_nowhere])))


def _fields_only(text: DocumentText, pinyin: dict[str, list[str]],
                 phrases: PhraseFinder) -> DocumentKeys:
    """document_record of a document without a body (most households have no story): its
    field keys alone, none of the body's numpy calls (which cost as much on nothing as on a
    short text)."""
    codes, code_flags, text_flags = _field_flags(text.fields, pinyin, phrases)
    nowhere = bytes(2 * (len(codes) + len(text_flags)))  # (no frequency, no block: uint16)
    return DocumentKeys(length=0, codes=codes, phrases=phrases.numbered, texts=list(text_flags),
                        frequencies=nowhere, flags=code_flags.tobytes() + bytes(text_flags.values()),
                        hints=nowhere)


def _grouped(codes: np.ndarray, values: np.ndarray,
             bits: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Codes with a value each (of `bits` bits), sorted by code then value (in one sort of
    both packed in one integer): the codes each once, where each one's values start, and the
    values."""
    packed = np.sort(codes << bits | values.astype(np.uint64))
    codes = packed >> bits
    starts = np.flatnonzero(np.concatenate([[True], codes[1:] != codes[:-1]])[:len(codes)])
    return codes[starts], starts, packed & np.uint64((1 << bits) - 1)


@dataclass(frozen=True)
class _Occurrences:
    """Every key of a folded text, each occurrence with its place (where it starts): the Han
    characters and pairs and the phrases of three and four characters as codes (codes.py),
    the others (words, a word and the Han character beside it, longer phrases) as text."""

    codes: np.ndarray
    code_places: np.ndarray
    texts: list[str]
    text_places: list[int]
    units: int
    """How many units the text has: Han characters and words."""


def _occurrences(text: str, phrases: PhraseFinder) -> _Occurrences:
    points = code_points(text)
    han = han_mask(points)
    units = np.flatnonzero(han)
    paired = han[:-1] & han[1:]
    pairs = np.flatnonzero(paired)
    runs = np.flatnonzero(paired[:-1] & paired[1:])
    run_codes = points[runs] << 2 * BITS | points[runs + 1] << BITS | points[runs + 2]
    three, three_numbers = found_in(run_codes, phrases.three)
    fours = runs + 3 < len(points)
    fours[fours] = han[runs[fours] + 3]  # the runs that go on to a fourth Han character
    fours &= found_in(run_codes, phrases.four_heads)[0]
    four, four_numbers = found_in(
        phrases.four_codes(run_codes[fours], points[runs[fours] + 3]), phrases.four)
    texts, places = [], []
    for head in np.unique(run_codes[found_in(run_codes, phrases.longer_heads)[0]]).tolist():
        for phrase in phrases.longer[head]:
            at = text.find(phrase)
            while at >= 0:
                texts.append(phrase)
                places.append(at)
                at = text.find(phrase, at + 1)
    words = 0
    for match in WORD.finditer(text):
        words += 1
        start, end = match.span()
        texts.append(match.group())
        places.append(start)
        if start and han[start - 1]:
            texts.append(text[start - 1:end])
            places.append(start - 1)
        if end < len(text) and han[end]:
            texts.append(text[start:end + 1])
            places.append(start)
    return _Occurrences(
        codes=np.concatenate([
            points[units], points[pairs] << BITS | points[pairs + 1],
            PHRASE + three_numbers[three].astype(np.uint64),
            PHRASE + len(phrases.three) + four_numbers[four].astype(np.uint64)]),
        code_places=np.concatenate([units, pairs, runs[three], runs[fours][four]]),
        texts=texts, text_places=places, units=len(units) + words)


def _field_flags(fields: dict[str, str], pinyin: dict[str, list[str]],
                 phrases: PhraseFinder) -> tuple[np.ndarray, np.ndarray, dict[str, int]]:
    """Which fields (folded, DocumentText.fields) hold each of a document's field keys
    (FLAG_*): its coded keys, sorted, with theirs, and its other keys (the pinyin among them)
    with theirs."""
    names = list(fields)
    folded = [fields[name] for name in names]
    found = _occurrences("\n".join(folded), phrases)
    field_ends = np.cumsum([len(text) + 1 for text in folded])
    field_flags = np.array([FIELD_FLAGS[name] for name in names], dtype=np.uint8)
    codes, starts, flags = _grouped(found.codes, field_flags[
        np.searchsorted(field_ends, found.code_places, side="right")], 8)
    text_flags: dict[str, int] = {}
    for key, field in zip(found.texts, np.searchsorted(field_ends, found.text_places,
                                                       side="right").tolist()):
        text_flags[key] = text_flags.get(key, 0) | FIELD_FLAGS[names[field]]
    for name, tokens in pinyin.items():
        for key in tokens:
            text_flags[key] = text_flags.get(key, 0) | FIELD_FLAGS[name]
    return (codes, np.bitwise_or.reduceat(flags, starts).astype(np.uint8) if len(starts)
            else np.zeros(0, dtype=np.uint8), text_flags)


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
    `added`."""
    frequencies, flags, hints = array("H"), array("B"), array("H")
    frequencies.frombytes(record.frequencies)
    flags.frombytes(record.flags)
    hints.frombytes(record.hints)
    every = record.keys  # (made from its codes at each reading: read once)
    kept = [i for i, key in enumerate(every) if key not in removed]
    keys = [every[i] for i in kept]
    frequencies, flags, hints = ([values[i] for i in kept] for values in (frequencies, flags, hints))
    for phrase in added:
        count = _phrase_count(text.whole, phrase)
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


def _phrase_count(text: str, phrase: str) -> int:
    """As document_record counts a phrase: every occurrence, overlapping ones included."""
    count, at = 0, text.find(phrase)
    while at >= 0:
        count += 1
        at = text.find(phrase, at + 1)
    return count
