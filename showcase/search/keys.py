"""What one document is filed under, worked out from that document alone and the site's phrase
list: its keys, how often each stands in the body, which fields hold it, the first body block
holding it, and the body's length. Being a pure function of the document, it can be computed in
worker processes and kept in the build cache; postings.py assembles the postings from these."""
from __future__ import annotations

import bisect
import itertools
from array import array
from collections import Counter
from collections.abc import Iterator
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


def document_record(document: SearchDocument, phrases: PhraseFinder) -> DocumentKeys:
    """Everything the postings need of one document. Its coded keys stand in this order: the
    body's (in the order of their codes), then those only its fields hold; likewise its keys
    as text (the body's in the order first met)."""
    return document_records([document], phrases, [document_text(document)])[0]


def document_records(documents: list[SearchDocument], phrases: PhraseFinder,
                     texts: list[DocumentText]) -> list[DocumentKeys]:
    """document_record of each document (`texts`: their document_text), found together: the
    numpy calls that find a text's keys cost as much on a household's name as on a report, so
    the documents' texts are read as one (those without a body, most households, by their
    fields alone)."""
    records: list[DocumentKeys | None] = [None] * len(documents)
    bare = [number for number, text in enumerate(texts) if not text.whole]
    told = [number for number, text in enumerate(texts) if text.whole]
    for numbers, made_each in ((bare, _fields_only_each), (told, _bodies_each)):
        made = made_each([documents[n] for n in numbers], [texts[n] for n in numbers], phrases)
        for number, record in zip(numbers, made):
            records[number] = record
    return records


def _fields_only_each(documents: list[SearchDocument], texts: list[DocumentText],
                      phrases: PhraseFinder) -> list[DocumentKeys]:
    """document_record of documents without a body: their field keys alone."""
    records = []
    for codes, code_flags, text_flags in _field_flags_each(documents, texts, phrases):
        nowhere = bytes(2 * (len(codes) + len(text_flags)))  # (no frequency, no block: uint16)
        records.append(DocumentKeys(
            length=0, codes=codes, phrases=phrases.numbered, texts=list(text_flags),
            frequencies=nowhere, flags=code_flags.tobytes() + bytes(text_flags.values()),
            hints=nowhere))
    return records


def _bodies_each(documents: list[SearchDocument], texts: list[DocumentText],
                 phrases: PhraseFinder) -> list[DocumentKeys]:
    """document_record of documents with a body."""
    block_bits = [min(len(text.block_ends), MOST).bit_length() for text in texts]
    records = []
    for group in _groups(block_bits):
        records += _bodies_together(documents[group], texts[group], phrases,
                                    max(block_bits[group]))
    return records


def _bodies_together(documents: list[SearchDocument], texts: list[DocumentText],
                     phrases: PhraseFinder, block_bits: int) -> list[DocumentKeys]:
    """(_bodies_each, for one of its groups)"""
    found = _occurrences("\n".join(text.whole for text in texts), phrases)
    starts = list(itertools.accumulate((len(text.whole) + 1 for text in texts), initial=0))
    block_ends = np.array([start + end for text, start in zip(texts, starts)
                           for end in text.block_ends])
    blocks_each = [len(text.block_ends) for text in texts]
    block_owners = np.repeat(np.arange(len(texts)), blocks_each)
    block_numbers = np.minimum(np.arange(1, len(block_ends) + 1) - np.repeat(
        np.cumsum([0] + blocks_each[:-1]), blocks_each), MOST)  # (in its document, from 1)
    at = np.searchsorted(block_ends, found.code_places, side="right")  # (the block, of all)
    codes, code_starts, blocks, bounds = _owned_groups(block_owners[at], found.codes,
                                                       block_numbers[at], block_bits, len(texts))
    frequencies, hints = np.diff(code_starts, append=len(blocks)), blocks[code_starts]
    own_texts: list[list[str]] = [[] for _ in texts]
    own_places: list[list[int]] = [[] for _ in texts]
    text_at = np.searchsorted(block_ends, found.text_places, side="right")
    for key, place, owner in zip(found.texts, found.text_places, block_owners[text_at].tolist()):
        own_texts[owner].append(key)
        own_places[owner].append(place)
    counts = [Counter(keys) for keys in own_texts]
    firsts = [dict(zip(reversed(keys), reversed(places)))  # (the first place of each)
              for keys, places in zip(own_texts, own_places)]
    text_blocks = block_numbers[np.searchsorted(
        block_ends, [first[key] for count, first in zip(counts, firsts) for key in count],
        side="right")]
    text_bounds = list(itertools.accumulate(map(len, counts), initial=0))
    units = sum(np.diff(np.searchsorted(places, starts)) for places in found.unit_places).tolist()
    return [_record(units[n], codes[start:end], frequencies[start:end], hints[start:end],
                    counts[n], text_blocks[text_bounds[n]:text_bounds[n + 1]], fields, phrases)
            for n, (start, end, fields) in enumerate(zip(
                [0] + bounds, bounds, _field_flags_each(documents, texts, phrases)))]


def _record(length: int, codes: np.ndarray, frequencies: np.ndarray, hints: np.ndarray,
            texts: Counter, text_blocks: np.ndarray,
            fields: tuple[np.ndarray, np.ndarray, dict[str, int]],
            phrases: PhraseFinder) -> DocumentKeys:
    """A document's record from its body's coded keys (sorted, each with its frequency and
    first block), its body's keys as text (counted, with their first blocks) and its fields'
    keys (_field_flags_each)."""
    field_codes, code_flags, text_flags = fields
    in_body, at = found_in(field_codes, codes)
    body_code_flags = np.zeros(len(codes), dtype=np.uint8)
    body_code_flags[at[in_body]] = code_flags[in_body]
    only_fields = [key for key in text_flags if key not in texts]
    code_nowhere = np.zeros(len(in_body) - in_body.sum(), dtype=np.int64)  # in the body
    text_nowhere = np.zeros(len(only_fields), dtype=np.int64)
    return DocumentKeys(
        length=length, codes=np.concatenate([codes, field_codes[~in_body]]),
        phrases=phrases.numbered, texts=list(texts) + only_fields,
        frequencies=_two_bytes(np.concatenate([frequencies, code_nowhere, list(texts.values()),
                                               text_nowhere])),
        flags=np.concatenate([body_code_flags, code_flags[~in_body],
                              [text_flags.get(key, 0) for key in texts],
                              [text_flags[key] for key in only_fields]]
                             ).astype(np.uint8).tobytes(),
        hints=_two_bytes(np.concatenate([hints, code_nowhere, text_blocks, text_nowhere])))


_CODE_BITS = 2 * BITS + 1
"""Every code is below 2 ** _CODE_BITS (two code points; PHRASE and a phrase's number)."""
_SPARE_BITS = 64 - _CODE_BITS
"""What an integer holding a code has left for a document's place among those read together
and a value of each occurrence (its body block, its field)."""


def _groups(value_bits: list[int]) -> Iterator[slice]:
    """Runs of documents read together: as many as a code, the document's place among them
    and a value (of `value_bits` for each document) fit in one integer."""
    start, bits = 0, 0
    for number, own in enumerate(value_bits):
        if number > start and (number - start).bit_length() + max(bits, own) > _SPARE_BITS:
            yield slice(start, number)
            start, bits = number, 0
        bits = max(bits, own)
    if len(value_bits) > start:
        yield slice(start, len(value_bits))


def _owned_groups(owners: np.ndarray, codes: np.ndarray, values: np.ndarray, bits: int,
                  count: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[int]]:
    """_grouped for the codes of `count` documents read together (`owners`: each occurrence's
    document, by its place among them; see _groups): the codes of each document in order, and
    where each document's codes end."""
    owned, starts, values = _grouped(owners.astype(np.uint64) << np.uint64(_CODE_BITS) | codes,
                                     values, bits)
    ends = np.searchsorted(owned >> np.uint64(_CODE_BITS),
                           np.arange(1, count + 1, dtype=np.uint64)).tolist()
    return owned & np.uint64((1 << _CODE_BITS) - 1), starts, values, ends


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
    unit_places: tuple[np.ndarray, list[int]]
    """Where each of its units starts: its Han characters, its words (each in order)."""


def _occurrences(text: str, phrases: PhraseFinder) -> _Occurrences:
    points = code_points(text)
    han = han_mask(points)
    units = np.flatnonzero(han)
    paired = han[:-1] & han[1:]
    pairs = np.flatnonzero(paired)
    runs = np.flatnonzero(paired[:-1] & paired[1:])
    run_codes = points[runs] << 2 * BITS | points[runs + 1] << BITS | points[runs + 2]
    three_numbers, four_heads, longer = phrases.heads_of(run_codes)
    three = three_numbers >= 0
    fours = runs + 3 < len(points)
    fours[fours] = han[runs[fours] + 3]  # the runs that go on to a fourth Han character
    fours &= four_heads >= 0
    four, four_numbers = found_in(
        phrases.four_codes(four_heads[fours], points[runs[fours] + 3]), phrases.four)
    texts, places = [], []
    for head in np.unique(run_codes[longer]).tolist():
        for phrase in phrases.longer[head]:
            at = text.find(phrase)
            while at >= 0:
                texts.append(phrase)
                places.append(at)
                at = text.find(phrase, at + 1)
    words = []
    for match in WORD.finditer(text):
        start, end = match.span()
        words.append(start)
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
        texts=texts, text_places=places,
        unit_places=(units, words))


def _field_flags_each(documents: list[SearchDocument], texts: list[DocumentText],
                      phrases: PhraseFinder) -> list[tuple[np.ndarray, np.ndarray, dict]]:
    """For each document, which fields (folded, DocumentText.fields) hold each of its field
    keys (FLAG_*): its coded keys, sorted, with theirs, and its other keys (the pinyin among
    them) with theirs. The documents' fields are read as one text, a line each (no key runs
    across a line break)."""
    found = []
    for group in _groups([8] * len(texts)):  # (the flags: 8 bits)
        found += _field_flags_together([text.fields for text in texts[group]],
                                       [document.pinyin for document in documents[group]],
                                       phrases)
    return found


def _field_flags_together(fields: list[dict[str, str]], pinyins: list[dict[str, list[str]]],
                          phrases: PhraseFinder) -> list[tuple[np.ndarray, np.ndarray, dict]]:
    """(_field_flags_each, for one of its groups)"""
    names = [name for own in fields for name in own]
    folded = [own[name] for own in fields for name in own]
    owner_of = [number for number, own in enumerate(fields) for _ in own]  # (each field's)
    found = _occurrences("\n".join(folded), phrases)
    field_ends = np.cumsum([len(text) + 1 for text in folded])
    field_flags = np.array([FIELD_FLAGS[name] for name in names], dtype=np.uint64)
    at = np.searchsorted(field_ends, found.code_places, side="right")
    codes, starts, flags, ends = _owned_groups(np.array(owner_of, dtype=np.intp)[at],
                                               found.codes, field_flags[at], 8, len(fields))
    flags = (np.bitwise_or.reduceat(flags, starts) if len(starts)
             else np.zeros(0, dtype=np.uint64)).astype(np.uint8)
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
