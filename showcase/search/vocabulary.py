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
    workers stood waiting for it. Coded keys are looked up by their codes (codes.py), and only
    those new to the worker made text."""

    def __init__(self):
        self.numbers: dict[int | str, int] = {}
        """The worker's number of each key met: by code, or text when it has none."""
        self.name = b""
        """Drawn by each copy when it first numbers (the copies are made empty, by forking)."""

    def numbered(self, record: DocumentKeys) -> WorkerKeys:
        self.name = self.name or os.urandom(16)
        keys = record.codes.tolist() + record.texts
        numbers = np.fromiter(map(self.numbers.get, keys, itertools.repeat(-1)), dtype=np.int32,
                              count=len(keys))
        new = np.flatnonzero(numbers < 0)
        coded = new[new < len(record.codes)]
        new_keys = (decoded(record.codes[coded], record.phrases)
                    + [record.texts[n - len(record.codes)] for n in new[len(coded):].tolist()])
        numbers[new] = np.arange(len(self.numbers), len(self.numbers) + len(new))
        self.numbers.update(zip([keys[n] for n in new.tolist()], numbers[new].tolist()))
        return WorkerKeys(self.name, new_keys, NumberedKeys(
            record.length, numbers.tobytes(), record.frequencies, record.flags, record.hints))


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
