"""Every search key's number. A document's record is kept with its keys as numbers, and the
postings take them in as they are: with some 3,000 keys a report, looking each up by name again
in every build cost more than the rest of a rebuild's index. The numbers are kept in the memo's
database with the records using them; a build without the memo numbers keys as it meets them.
Nothing in the output depends on the numbers."""
from __future__ import annotations

import itertools
import os
from array import array
from dataclasses import dataclass

import numpy as np

from ..memo import Memo
from .codes import decoded
from .keys import DocumentKeys


@dataclass(frozen=True)
class NumberedKeys:
    """A document's record (keys.DocumentKeys) with its keys as numbers (int32 bytes)."""

    length: int
    numbers: bytes
    frequencies: bytes
    flags: bytes
    hints: bytes


@dataclass(frozen=True)
class WorkerKeys:
    """A record numbered in a worker process by a numbering of the worker's own (WorkerNumbers):
    only the keys the worker had not met before travel back as text, in the order it numbered
    them; the build's vocabulary turns the numbers into its own (Vocabulary.translated)."""

    worker: bytes
    new_keys: list[str]
    record: NumberedKeys


class WorkerNumbers:
    """Made before the workers fork, each worker numbering keys in its own copy (a vocabulary
    of its own, numbered as met): a report's 3,000 keys cost the build's process a lookup each
    and their unpickling, which made it the slowest part of a first build's index, while the
    workers stood waiting for it. Coded keys are looked up by their codes (codes.py), all of a
    chunk's records at once (_CodeTable), and only those new to the worker made text."""

    def __init__(self):
        self.coded = _CodeTable()
        """The worker's number of each coded key met."""
        self.texts: dict[str, int] = {}
        """The worker's number of each other key met."""
        self.count = 0
        self.name = b""
        """Drawn by each copy when it first numbers (the copies are made empty, by forking)."""

    def numbered_each(self, records: list[DocumentKeys]) -> list[WorkerKeys]:
        """The records numbered in order: a key new to the worker takes the next number where
        it is first met, a record's new coded keys (in its order) before its new other keys."""
        self.name = self.name or os.urandom(16)
        codes = np.concatenate([np.zeros(0, dtype=np.uint64)] + [r.codes for r in records])
        numbers = self.coded.numbers_of(codes)
        new = np.flatnonzero(numbers < 0)
        distinct, first, again = np.unique(codes[new], return_index=True, return_inverse=True)
        met = np.argsort(first)  # the new codes (by their place in `distinct`) as first met
        ends = np.cumsum([len(r.codes) for r in records], dtype=np.int64)  # (of each's codes)
        owners = np.searchsorted(ends, new[first[met]], side="right")  # (meeting each first)
        bounds = np.searchsorted(owners, np.arange(len(records) + 1)).tolist()
        given = np.zeros(len(distinct), dtype=np.int32)
        text_numbers, new_keys = [], []
        for number, record in enumerate(records):
            mine = met[bounds[number]:bounds[number + 1]]
            given[mine] = np.arange(self.count, self.count + len(mine))
            self.count += len(mine)
            found = list(map(self.texts.get, record.texts))  # (a record's keys are distinct)
            new_texts = [key for key, n in zip(record.texts, found) if n is None]
            if new_texts:
                self.texts.update(zip(new_texts, itertools.count(self.count)))
                self.count += len(new_texts)
                found = list(map(self.texts.__getitem__, record.texts))
            text_numbers.append(found)
            new_keys.append(decoded(distinct[mine], record.phrases) + new_texts)
        numbers[new] = given[again]
        self.coded.add(distinct, given)
        return [WorkerKeys(self.name, keys, NumberedKeys(
                    record.length,
                    numbers[end - len(record.codes):end].tobytes() + array("i", texts).tobytes(),
                    record.frequencies, record.flags, record.hints))
                for record, keys, texts, end in zip(records, new_keys, text_numbers,
                                                    ends.tolist())]


_EMPTY = np.uint64(2 ** 64 - 1)
"""A free place of a _CodeTable (no code is that high)."""
_SPREAD = np.uint64(0x9E3779B97F4A7C15)
"""Fibonacci hashing's multiplier: codes of neighbouring characters land far apart."""


class _CodeTable:
    """Numbers of codes in an open-addressing hash table of two arrays (linear probing, kept at
    most half full), so that many codes are looked up and added by a few numpy operations over
    them all: a dictionary lookup a key took a worker 0.27 ms a report."""

    def __init__(self):
        self._empty(12)

    def _empty(self, bits: int) -> None:
        """No code, in 2 ** `bits` places."""
        self.bits = bits
        self.codes = np.full(1 << bits, _EMPTY, dtype=np.uint64)
        self.numbers = np.zeros(1 << bits, dtype=np.int32)
        self.count = 0

    def _places(self, codes: np.ndarray) -> np.ndarray:
        """Where each code's search begins (its hash's high bits)."""
        return ((codes * _SPREAD) >> np.uint64(64 - self.bits)).astype(np.int64)

    def numbers_of(self, codes: np.ndarray) -> np.ndarray:
        """Each code's number; -1 for a code not in the table."""
        found = np.full(len(codes), -1, dtype=np.int32)
        places, last = self._places(codes), len(self.codes) - 1
        looking = np.arange(len(codes))  # those neither found nor met a free place yet
        while len(looking):
            at = places[looking]
            held = self.codes[at]
            same = held == codes[looking]
            found[looking[same]] = self.numbers[at[same]]
            going_on = ~same & (held != _EMPTY)
            looking = looking[going_on]
            places[looking] = (at[going_on] + 1) & last
        return found

    def add(self, codes: np.ndarray, numbers: np.ndarray) -> None:
        """Put in `codes` (distinct, none in the table) with their `numbers`."""
        if 2 * (self.count + len(codes)) > len(self.codes):  # made larger, the codes put back
            held = self.codes != _EMPTY
            kept_codes, kept_numbers = self.codes[held], self.numbers[held]
            self._empty(max(self.bits, (4 * (self.count + len(codes))).bit_length()))
            self.add(kept_codes, kept_numbers)
        places, last = self._places(codes), len(self.codes) - 1
        waiting = np.arange(len(codes))
        while len(waiting):  # each round, each free place takes the first code waiting there
            at = places[waiting]
            free = self.codes[at] == _EMPTY
            taken, first = np.unique(at[free], return_index=True)
            placed = waiting[free][first]
            self.codes[taken], self.numbers[taken] = codes[placed], numbers[placed]
            left = np.ones(len(codes), dtype=bool)
            left[placed] = False
            waiting = waiting[left[waiting]]
            places[waiting] = (places[waiting] + 1) & last
        self.count += len(codes)


class Vocabulary:
    def __init__(self, memo: Memo | None):
        self.memo = memo
        self.numbers: dict[str, int] = memo.numbers() if memo is not None else {}
        self.keys: list[str | None] = [None] * (max(self.numbers.values(), default=-1) + 1)
        for key, number in self.numbers.items():
            self.keys[number] = key
        self._worker_tables: dict[bytes, array] = {}
        """Per worker: its numbers (WorkerNumbers) to the vocabulary's."""

    @property
    def kept(self) -> bool:
        """Whether the numbers are the memo's (records numbered by them may be kept there)."""
        return self.memo is not None

    def numbered(self, record: DocumentKeys) -> NumberedKeys:
        """The record with its keys' numbers."""
        return NumberedKeys(record.length, array("i", self._numbers_of(record.keys)).tobytes(),
                            record.frequencies, record.flags, record.hints)

    def translated(self, keys: WorkerKeys) -> NumberedKeys:
        """A record numbered in a worker (WorkerNumbers), with the vocabulary's numbers."""
        table = self._worker_tables.setdefault(keys.worker, array("i"))
        if keys.new_keys:
            table.extend(self._numbers_of(keys.new_keys))
        numbers = np.frombuffer(table, dtype=np.int32)[np.frombuffer(keys.record.numbers,
                                                                      dtype=np.int32)]
        return NumberedKeys(keys.record.length, numbers.tobytes(), keys.record.frequencies,
                            keys.record.flags, keys.record.hints)

    def translated_each(self, records: list[WorkerKeys]) -> list[NumberedKeys]:
        """`translated` for each record, their new keys numbered together first: the memo
        gives numbers in one transaction a call, and a first build of 10,000 reports made
        10,000 of them, one a record."""
        self._numbers_of([key for keys in records for key in keys.new_keys])
        return [self.translated(keys) for keys in records]

    def _numbers_of(self, keys: list[str]) -> list[int]:
        """The numbers of `keys`, those new to the vocabulary numbered first; each key is
        looked up once (a report has some 3,000)."""
        numbers = list(map(self.numbers.get, keys))
        if None in numbers:
            given = self._add([key for key, number in zip(keys, numbers) if number is None])
            numbers = [given[key] if number is None else number
                       for key, number in zip(keys, numbers)]
        return numbers

    def named(self, record: NumberedKeys) -> DocumentKeys:
        numbers = array("i")
        numbers.frombytes(record.numbers)
        return DocumentKeys(record.length, [self.keys[n] for n in numbers], record.frequencies,
                            record.flags, record.hints)

    def _add(self, keys: list[str]) -> dict[str, int]:
        keys = list(dict.fromkeys(keys))
        given = self.memo.number(keys) if self.memo is not None else None
        if given is None:  # no memo, or it could not keep them: numbered here, for this build
            self.memo = None
            given = {key: len(self.keys) + n for n, key in enumerate(keys)}
        self.numbers.update(given)
        self.keys += [None] * (max(given.values()) + 1 - len(self.keys))
        for key, number in given.items():
            self.keys[number] = key
        return given
