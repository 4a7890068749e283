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
        return _fields_only_each([text], [document.pinyin], phrases)[0]
    found = _occurrences(text.whole, phrases)
    block_ends = np.array(text.block_ends)
    codes, starts, blocks = _grouped(found.codes, np.minimum(
        np.searchsorted(block_ends, found.code_places, side="right") + 1, MOST), 16)
    texts = Counter(found.texts)
    text_places = dict(zip(reversed(found.texts), reversed(found.text_places)))  # the first
    text_blocks = np.searchsorted(block_ends, [text_places[key] for key in texts],
                                  side="right") + 1
    field_codes, code_flags, text_flags = _field_flags_each([text.fields], [document.pinyin],
                                                            phrases)[0]
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


def document_records(documents: list[SearchDocument], phrases: PhraseFinder,
                     texts: list[DocumentText]) -> list[DocumentKeys]:
    """document_record of each document (`texts`: their document_text), those without a body
    (most households have no story) all at once: the numpy calls that find a text's keys cost
    as much on a household's name as on a report, so their fields are looked at together."""
    records: list[DocumentKeys | None] = [None] * len(documents)
    bare = []
    for number, (document, text) in enumerate(zip(documents, texts)):
        if text.whole:
            records[number] = document_record(document, phrases, text)
        else:
            bare.append(number)
    made = _fields_only_each([texts[n] for n in bare], [documents[n].pinyin for n in bare],
                             phrases)
    for number, record in zip(bare, made):
        records[number] = record
    return records


def _fields_only_each(texts: list[DocumentText], pinyins: list[dict[str, list[str]]],
                      phrases: PhraseFinder) -> list[DocumentKeys]:
    """document_record of documents without a body: their field keys alone."""
    records = []
    for codes, code_flags, text_flags in _field_flags_each([text.fields for text in texts],
                                                            pinyins, phrases):
        nowhere = bytes(2 * (len(codes) + len(text_flags)))  # (no frequency, no block: uint16)
        records.append(DocumentKeys(
            length=0, codes=codes, phrases=phrases.numbered, texts=list(text_flags),
            frequencies=nowhere, flags=code_flags.tobytes() + bytes(text_flags.values()),
            hints=nowhere))
    return records


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


_CODE_BITS = 2 * BITS + 1
"""Every code is below 2 ** _CODE_BITS (two code points; PHRASE and a phrase's number)."""
TOGETHER = 1 << 64 - _CODE_BITS - 8
"""Documents whose fields `_field_flags_each` sorts in one go: a code, its field flags (8 bits)
and the document's place among them packed in one integer."""


def _field_flags_each(fields: list[dict[str, str]], pinyins: list[dict[str, list[str]]],
                      phrases: PhraseFinder) -> list[tuple[np.ndarray, np.ndarray, dict]]:
    """For each document, which fields (folded, DocumentText.fields) hold each of its field
    keys (FLAG_*): its coded keys, sorted, with theirs, and its other keys (the pinyin among
    them) with theirs. The documents' fields are read as one text, a line each (no key runs
    across a line break), TOGETHER documents at a time."""
    found = []
    for start in range(0, len(fields), TOGETHER):
        found += _field_flags_together(fields[start:start + TOGETHER],
                                       pinyins[start:start + TOGETHER], phrases)
    return found


def _field_flags_together(fields: list[dict[str, str]], pinyins: list[dict[str, list[str]]],
                          phrases: PhraseFinder) -> list[tuple[np.ndarray, np.ndarray, dict]]:
    """(_field_flags_each, for at most TOGETHER documents)"""
    names = [name for own in fields for name in own]
    folded = [own[name] for own in fields for name in own]
    owner_of = [number for number, own in enumerate(fields) for _ in own]  # (each field's)
    owners = np.array(owner_of, dtype=np.uint64)
    found = _occurrences("\n".join(folded), phrases)
    field_ends = np.cumsum([len(text) + 1 for text in folded])
    field_flags = np.array([FIELD_FLAGS[name] for name in names], dtype=np.uint64)
    at = np.searchsorted(field_ends, found.code_places, side="right")
    packed = np.sort(owners[at] << np.uint64(_CODE_BITS + 8)
                     | found.codes << np.uint64(8) | field_flags[at])
    owned = packed >> np.uint64(8)  # (the document and the code)
    starts = np.flatnonzero(np.concatenate([[True], owned[1:] != owned[:-1]])[:len(owned)])
    codes = owned[starts] & np.uint64((1 << _CODE_BITS) - 1)
    flags = (np.bitwise_or.reduceat(packed & np.uint64(255), starts) if len(starts)
             else np.zeros(0, dtype=np.uint64)).astype(np.uint8)
    ends = np.searchsorted(owned[starts] >> np.uint64(_CODE_BITS),
                           np.arange(1, len(fields) + 1, dtype=np.uint64)).tolist()
    text_flags: list[dict[str, int]] = [{} for _ in fields]
    for key, field in zip(found.texts, np.searchsorted(field_ends, found.text_places,
                                                       side="right").tolist()):
        own = text_flags[owner_of[field]]
        own[key] = own.get(key, 0) | FIELD_FLAGS[names[field]]
    for own, pinyin in zip(text_flags, pinyins):
        for name, tokens in pinyin.items():
            for key in tokens:
                own[key] = own.get(key, 0) | FIELD_FLAGS[name]
    return [(codes[start:end], flags[start:end], own)
            for start, end, own in zip([0] + ends, ends, text_flags)]


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
