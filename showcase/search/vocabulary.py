"""Every search key's number. A document's record is kept with its keys as numbers, and the
postings take them in as they are: with some 3,000 keys a report, looking each up by name again
in every build cost more than the rest of a rebuild's index. The numbers are kept in the memo's
database with the records using them; a build without the memo numbers keys as it meets them.
Nothing in the output depends on the numbers."""
from __future__ import annotations

from array import array
from dataclasses import dataclass

from ..memo import Memo
from .keys import DocumentKeys


@dataclass(frozen=True)
class NumberedKeys:
    """A document's record (keys.DocumentKeys) with its keys as numbers (int32 bytes)."""

    length: int
    numbers: bytes
    frequencies: bytes
    flags: bytes
    hints: bytes


class Vocabulary:
    def __init__(self, memo: Memo | None):
        self.memo = memo
        self.numbers: dict[str, int] = memo.numbers() if memo is not None else {}
        self.keys: list[str | None] = [None] * (max(self.numbers.values(), default=-1) + 1)
        for key, number in self.numbers.items():
            self.keys[number] = key

    @property
    def kept(self) -> bool:
        """Whether the numbers are the memo's (records numbered by them may be kept there)."""
        return self.memo is not None

    def numbered(self, record: DocumentKeys) -> NumberedKeys:
        """The record with its keys' numbers, keys new to the vocabulary numbered first. Each
        key is looked up once: with millions of keys the vocabulary's table is far bigger than
        the processor's cache, and the lookups were most of a first build's index."""
        numbers = list(map(self.numbers.get, record.keys))
        if None in numbers:
            new = [key for key, number in zip(record.keys, numbers) if number is None]
            given = self._add(list(dict.fromkeys(new)))
            numbers = [given[key] if number is None else number
                       for key, number in zip(record.keys, numbers)]
        return NumberedKeys(record.length, array("i", numbers).tobytes(),
                            record.frequencies, record.flags, record.hints)

    def named(self, record: NumberedKeys) -> DocumentKeys:
        numbers = array("i")
        numbers.frombytes(record.numbers)
        return DocumentKeys(record.length, [self.keys[n] for n in numbers], record.frequencies,
                            record.flags, record.hints)

    def _add(self, keys: list[str]) -> dict[str, int]:
        given = self.memo.number(keys) if self.memo is not None else None
        if given is None:  # no memo, or it could not keep them: numbered here, for this build
            self.memo = None
            given = {key: len(self.keys) + n for n, key in enumerate(keys)}
        self.numbers.update(given)
        self.keys += [None] * (max(given.values()) + 1 - len(self.keys))
        for key, number in given.items():
            self.keys[number] = key
        return given
