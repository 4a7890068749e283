"""The postings: for every key, the documents holding it in order, each with one value character
(saturated frequency in sevenths and the fields holding the key) and the first block holding it.

They are assembled from the documents' records (keys.py) with array operations over every
(key, document) pair at once: a site of 10,000 reports has about ten million pairs, too many to
touch one by one in Python. Numbers are written in the digit-free alphabet of encode.py."""
from __future__ import annotations

import dataclasses
import functools
import os
import tempfile
from array import array
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

from .. import collector
from .encode import ALPHABET
from .keys import FLAG_META, FLAG_PLACE, FLAG_TITLE
from .vocabulary import NumberedKeys

K1, B = 1.2, 0.75
TITLE_BONUS, PLACE_BONUS, HOUSEHOLD_PLACE_BONUS, META_BONUS = 3, 1.5, 1, 0.5
"""A key in the title or name, the unit or region (a report's own place counts more than a
household's), the meta fields: what static/js/search/rank.js adds to the text's frequency."""
TOP = 32
"""A key with a file of its own also keeps its best documents in its shard, with their block
hints: a search for one common word ranks those and never loads the whole list."""
ALPHABET_CODES = np.frombuffer(ALPHABET.encode(), dtype=np.uint8)
"""The characters of the alphabet as bytes, by digit value."""


def _score(value: int, report: bool) -> float:
    """A document's score for a key from its posting value (rank.js termScore, without idf)."""
    flags = value >> 3
    return ((value & 7) / 7 * (K1 + 1) + (TITLE_BONUS if flags & FLAG_TITLE else 0)
            + ((PLACE_BONUS if report else HOUSEHOLD_PLACE_BONUS) if flags & FLAG_PLACE else 0)
            + (META_BONUS if flags & FLAG_META else 0))


_SCORES = np.array([[_score(value, report) for value in range(64)] for report in (False, True)])
"""Scores by [is a report][value]."""
_RANKS = np.unique(-_SCORES, return_inverse=True)[1].reshape(_SCORES.shape)
"""Each score's place among the distinct scores, the best first."""
_RANK_COUNT = int(_RANKS.max()) + 1


def rank(number: int, value: int, reported: np.ndarray) -> int:
    """A document's place among the scores for a key (0: the best), from its value
    (`reported`: whether each document is a report)."""
    return int(_RANKS[int(reported[number]), value])


def tie_order(number: int, reported: np.ndarray) -> int:
    """A document's place among those of the same score (rank.js byScore): reports before
    households, the newer first in each (documents are numbered oldest first)."""
    documents = len(reported)
    return documents - 1 - number + (0 if reported[number] else documents)


_DIGITS = {char: digit for digit, char in enumerate(ALPHABET)}


def decoded_top(text: str) -> list[tuple[int, int]]:
    """The documents of a key's best (as `KeyTable.tops` writes them) with their values."""
    best, at, number = [], 0, -1

    def read() -> int:
        nonlocal at
        value, scale = 0, 1
        while True:
            digit = _DIGITS[text[at]]
            at += 1
            value += (digit & 31) * scale
            if digit < 32:
                return value
            scale <<= 5

    while at < len(text):
        number += read() + 1
        best.append((number, _DIGITS[text[at]]))
        at += 1
        read()  # its block hint
    return best


def encoded(numbers: np.ndarray, tails: np.ndarray | None = None) -> tuple[bytes, np.ndarray]:
    """Numbers written one after another (each followed by its tail character, if given), and
    where each ends. Digits of five bits, the lowest first; digits 32-63 say one more follows."""
    numbers = numbers.astype(np.int64)
    digits = np.ones(len(numbers), dtype=np.int64)
    rest = numbers >> 5
    while rest.any():
        digits += rest > 0
        rest >>= 5
    lengths = digits + (tails is not None)
    ends = np.cumsum(lengths)
    starts = ends - lengths
    out = np.empty(int(ends[-1]) if len(ends) else 0, dtype=np.uint8)
    for place in range(int(digits.max()) if len(digits) else 0):
        here = digits > place
        digit = (numbers[here] >> (5 * place)) & 31
        digit += 32 * (digits[here] - 1 > place)
        out[starts[here] + place] = ALPHABET_CODES[digit]
    if tails is not None:
        out[starts + digits] = ALPHABET_CODES[tails]
    return out.tobytes(), ends


PART = 1 << 18
"""Pairs assembled at once: the work is done a range of keys at a time, so that its temporary
arrays stay small (a few tens of megabytes) whatever the site's size."""
TRIMMED_EVERY = 8
"""Runs written, and ranges assembled, between two returns of freed memory to the system: each
run or range reuses the last one's (collector.freed_memory_reused), and a return after every
range made the system clear its pages again (a million page faults at 10,000 reports), never
returning any made the search process's peak grow by what the ranges left in pieces (25 MB at
10,000 reports)."""


@dataclass(frozen=True)
class Pairs:
    """(key, document) pairs sorted by key and then by document, with what each document holds
    of the key: its frequency in the body (uint16), the fields holding it (uint8), the first
    block holding it (uint16), and the value character those make with the length norm
    (`values_of`, uint8)."""

    key_ids: np.ndarray
    numbers: np.ndarray
    frequencies: np.ndarray
    flags: np.ndarray
    hints: np.ndarray
    values: np.ndarray

    def take(self, index: np.ndarray) -> "Pairs":
        return Pairs(*(getattr(self, f.name)[index] for f in dataclasses.fields(self)))

    def __len__(self) -> int:
        return len(self.key_ids)


AVERAGE_FIGURES = 3
"""The average length a norm compares a document's with is taken to three significant figures
(3,270 for 3,267.7): one report edited among thousands then almost never moves it, and the
values of the other documents' pairs (all 29 million kept pairs at 10,000 reports) need not be
worked out again. A value (a frequency in sevenths) differs by them only at the edge of a
seventh, as it would for a slightly longer or shorter document."""


def norms(lengths: list[int], report_flags: list[bool]) -> np.ndarray:
    """Each document's length norm: its body's length against the average of its kind."""
    average = {kind: _average([n for n, r in zip(lengths, report_flags) if r == kind])
               for kind in (True, False)}
    return np.array([K1 * (1 - B + B * n / average[r]) for n, r in zip(lengths, report_flags)])


def _average(lengths: list[int]) -> float:
    """The average of `lengths` to AVERAGE_FIGURES significant figures, 1 at least."""
    return max(1.0, float(f"{sum(lengths) / max(1, len(lengths)):.{AVERAGE_FIGURES}g}"))


def values_of(frequencies: np.ndarray, flags: np.ndarray, norm: np.ndarray) -> np.ndarray:
    """Value characters: the saturated frequency in sevenths (`norm`: each pair's document's),
    and the fields holding the key above it."""
    frequency = frequencies.astype(np.float64)
    sevenths = np.ceil(frequency * 7 / (frequency + norm)).astype(np.uint8)
    return sevenths | flags.astype(np.uint8) << 3


RUN = 1 << 20
"""Pairs gathered in memory at most (9 MB): then they are ordered by their keys' groups and
written to a file, a run (a first build of 10,000 reports gathers 29 million pairs, which held
in memory took 260 MB; in runs of four million, its search process still peaked at 580 MB; in
these, and ranges of PART pairs, at 440 MB)."""

GROUP_BITS = 4
"""A run is ordered by groups of 16 keys (numbers k >> 4), not by key: a radix sort, several
times faster, and each range of keys read back is sorted anyway (a range is of whole groups)."""

_COLUMNS = (("key_ids", np.int32), ("numbers", np.int32), ("frequencies", np.uint16),
            ("flags", np.uint8), ("hints", np.uint16))


class Postings:
    """Every key's postings, gathered compactly from the documents' numbered records in
    document order, in runs ordered by their keys' groups written to a file in
    `folder` (a temporary one of the system's without), then sorted a range of keys at a time
    (`ranges`, `pairs_of`), reading each range's part of every run."""

    def __init__(self, folder: Path | None = None):
        self.folder = folder
        self.key_ids, self.frequencies = array("i"), array("H")
        self.flags, self.hints = array("B"), array("H")
        self.sizes: list[int] = []
        """How many keys each document of the run being gathered has."""
        self.lengths: list[int] = []
        self.report_flags: list[bool] = []
        self.runs: list[_Run] = []
        self.counts = np.zeros(0, dtype=np.int64)
        """Each key's pairs in the runs written (by key number)."""
        self.file: BinaryIO | None = None

    def add(self, record: NumberedKeys, report: bool) -> None:
        self.key_ids.frombytes(record.numbers)
        self.frequencies.frombytes(record.frequencies)
        self.flags.frombytes(record.flags)
        self.hints.frombytes(record.hints)
        self.sizes.append(len(record.numbers) // 4)
        self.lengths.append(record.length)
        self.report_flags.append(report)
        if len(self.key_ids) >= RUN:
            self._write_run()

    def _write_run(self) -> None:
        """The pairs gathered since the last run, in order of their keys' groups (GROUP_BITS;
        documents stay in order), written as a run; their arrays emptied."""
        if self.file is None:
            try:
                self.file = tempfile.TemporaryFile(dir=self.folder)
            except OSError:  # a site folder that cannot be written to: the system's
                self.file = tempfile.TemporaryFile()
        first = len(self.lengths) - len(self.sizes)
        key_ids = np.frombuffer(self.key_ids, dtype=np.int32)
        groups = key_ids >> GROUP_BITS
        order = np.argsort(groups.astype(np.min_scalar_type(groups.max(initial=0))),
                           kind="stable")  # (a radix sort where the groups fit in 16 bits)
        columns = {"key_ids": key_ids[order],
                   "numbers": np.repeat(np.arange(first, len(self.lengths), dtype=np.int32),
                                        self.sizes)[order],
                   "frequencies": np.frombuffer(self.frequencies, dtype=np.uint16)[order],
                   "flags": np.frombuffer(self.flags, dtype=np.uint8)[order],
                   "hints": np.frombuffer(self.hints, dtype=np.uint16)[order]}
        self.file.seek(0, os.SEEK_END)
        self.runs.append(_Run(self.file.tell(), len(order),
                              np.cumsum(np.bincount(groups, minlength=1))))
        self.counts = key_counts(self.counts, key_ids)
        for name, _ in _COLUMNS:
            self.file.write(columns[name].tobytes())
        self.file.flush()  # (read back by os.pread)
        self.key_ids, self.frequencies = array("i"), array("H")
        self.flags, self.hints = array("B"), array("H")
        self.sizes = []
        if len(self.runs) % TRIMMED_EVERY == 0:  # (the runs' arrays, what the records took)
            collector.release_free_memory()

    def ranges(self, key_count: int) -> list[tuple[int, int]]:
        """The ranges of keys (low, high: whole groups of PART pairs or so; `key_count`: one
        more than the highest key number) whose pairs are every pair, for `pairs_of`."""
        bounds = np.cumsum(self.pair_counts(key_count))
        low, ranges = 0, []
        while low < key_count:  # (ranges of whole groups)
            before = int(bounds[low - 1]) if low else 0
            high = max(low + 1, int(np.searchsorted(bounds, before + PART, side="right")))
            high = min(key_count, _group_end(high))
            if bounds[high - 1] > before:  # else numbers of keys no document holds now
                ranges.append((low, high))
            low = high
        return ranges

    def pair_counts(self, key_count: int) -> np.ndarray:
        """How many pairs each key has (by number; `key_count`: one more than the highest),
        every document added."""
        if self.sizes or not self.runs:
            self._write_run()
        counts = np.zeros(key_count, dtype=np.int64)  # (keys numbered after the last run: 0)
        counts[:len(self.counts)] = self.counts
        return counts

    @functools.cached_property
    def norm(self) -> np.ndarray:
        """Each document's length norm (once every document is added)."""
        return norms(self.lengths, self.report_flags)

    def pairs_of(self, low: int, high: int) -> Pairs:
        """The pairs of keys low to high (not included), sorted by key and then document (a
        range `ranges` gives; read by os.pread: a forked process may read ranges too)."""
        parts = [run.read(self.file, low, high) for run in self.runs]
        columns = {name: np.concatenate([part[name] for part in parts]) for name, _ in _COLUMNS}
        offsets = columns["key_ids"] - low  # sorted as 16-bit numbers where they fit: faster
        offsets = offsets.astype(np.uint16) if high - low <= 1 << 16 else offsets
        order = np.argsort(offsets, kind="stable")  # the runs are in document order
        pairs = {name: column[order] for name, column in columns.items()}
        return Pairs(**pairs, values=values_of(pairs["frequencies"], pairs["flags"],
                                               self.norm[pairs["numbers"]]))

    def close(self) -> None:
        """Let the runs' file go (every range read)."""
        if self.file is not None:
            self.file.close()


def key_counts(counts: np.ndarray, added: np.ndarray) -> np.ndarray:
    """Each key's pairs (`counts`, by key number) with those `added` (the postings' runs, the
    state's pairs)."""
    size = max(len(counts), int(added.max(initial=-1)) + 1)
    result = np.zeros(size, dtype=np.int64)
    result[:len(counts)] = counts
    return result + np.bincount(added, minlength=size)


def _group_end(key: int) -> int:
    """The first key number from `key` on that begins a group (GROUP_BITS)."""
    return -(-key >> GROUP_BITS) << GROUP_BITS


@dataclass(frozen=True)
class _Run:
    """Pairs in order of their keys' groups, written one column after another from `start` in
    the file; `bounds[g]`: how many of them have keys in groups up to g."""

    start: int
    size: int
    bounds: np.ndarray

    def read(self, file: BinaryIO, low: int, high: int) -> dict[str, np.ndarray]:
        """The run's pairs of keys low to high (not included; whole groups), each column."""
        first, last = (int(self.bounds[min(k >> GROUP_BITS, len(self.bounds)) - 1])
                       if k else 0 for k in (low, _group_end(high)))
        columns, at = {}, self.start
        for name, kind in _COLUMNS:
            width = np.dtype(kind).itemsize
            data = os.pread(file.fileno(), (last - first) * width, at + first * width)
            columns[name] = np.frombuffer(data, dtype=kind)
            at += self.size * width
        return columns


class KeyTable:
    """The assembled postings, sorted by key and then by document: each key's entries (the gap
    from the previous document and a value character), block hints, counts and best documents.
    A key in most documents (`is_dense`) is written one character a document (`dense`): its
    entries and hints are not made."""

    def __init__(self, pairs: Pairs, reported: np.ndarray):
        """`reported`: whether each document is a report."""
        self.documents, self.reported = len(reported), reported
        key_ids, numbers = pairs.key_ids, pairs.numbers.astype(np.int64)
        self.numbers, self.values, self.hints = numbers, pairs.values.astype(np.int64), pairs.hints
        starts = np.flatnonzero(np.diff(key_ids, prepend=-1))
        self.starts = np.append(starts, len(key_ids))
        self.key_order = key_ids[starts]
        sizes = np.diff(self.starts)
        self.dense_keys = sizes * 2 > self.documents
        sparse = np.repeat(~self.dense_keys, sizes)
        previous = np.empty_like(numbers)
        previous[1:] = numbers[:-1]
        previous[starts] = -1
        self.entries, entry_ends = encoded((numbers - previous - 1)[sparse], self.values[sparse])
        self.hint_text, hint_ends = encoded(self.hints[sparse])
        self.report_counts = (np.add.reduceat(reported[numbers], starts) if len(starts)
                              else starts)
        # each key's part of the entries and hints (the dense keys' empty), as Python numbers:
        # read once for every key, where a numpy scalar costs ten times more
        through = np.cumsum(np.where(self.dense_keys, 0, sizes))  # sparse pairs up to each key
        self.entry_end = np.concatenate([[0], entry_ends])[np.append(0, through)].tolist()
        self.hint_end = np.concatenate([[0], hint_ends])[np.append(0, through)].tolist()
        self.first = self.starts.tolist()

    def __iter__(self):
        """Each key's number with its place in the table and its number of documents."""
        first = self.first
        for place, key_id in enumerate(self.key_order.tolist()):
            yield key_id, place, first[place + 1] - first[place]

    def is_dense(self, place: int) -> bool:
        return bool(self.dense_keys[place])

    def entries_of(self, place: int) -> bytes:
        return self.entries[self.entry_end[place]:self.entry_end[place + 1]]

    def hints_of(self, place: int) -> bytes:
        return self.hint_text[self.hint_end[place]:self.hint_end[place + 1]]

    def counts(self, place: int) -> list[int]:
        """How many reports and households hold the key."""
        reports = int(self.report_counts[place])
        return [reports, self.first[place + 1] - self.first[place] - reports]

    def dense(self, place: int) -> str:
        """A key in most documents as one value character per document ("A", value 0: not
        there), after "=": about half the size of its entries."""
        first, last = self.starts[place], self.starts[place + 1]
        out = np.full(self.documents, ord("A"), dtype=np.uint8)
        out[self.numbers[first:last]] = ALPHABET_CODES[self.values[first:last]]
        return "=" + out.tobytes().decode()

    def tops(self, places: list[int]) -> list[str]:
        """The best documents of each key at `places` (ties: `tie_order`), in order, each
        with its block hints: worked out for all of them at once."""
        if not places:
            return []
        starts = self.starts[places]
        sizes = self.starts[np.asarray(places) + 1] - starts
        key = np.repeat(np.arange(len(places)), sizes)  # which of `places` each pair is of
        pairs = _spread(starts, sizes)
        numbers, values = self.numbers[pairs], self.values[pairs]
        # no sort: pairs are in document order within each key, and scores have few values.
        # A key's chosen are those above the score its TOP-th best has, then those with that
        # score in tie order until TOP are chosen: its reports from the last (the newest),
        # then its households from the last.
        reported = self.reported[numbers]
        ranks = _RANKS[reported.astype(np.int64), values]
        by_rank = np.bincount(key * _RANK_COUNT + ranks, minlength=len(places) * _RANK_COUNT)
        at_most = np.cumsum(by_rank.reshape(len(places), _RANK_COUNT), axis=1)
        cut = (at_most < TOP).sum(axis=1)  # the rank of the TOP-th best (_RANK_COUNT: none)
        above = np.where(cut > 0, at_most[np.arange(len(places)), np.maximum(cut - 1, 0)], 0)
        at_cut = ranks == cut[key]
        reports_at_cut = np.bincount(key[at_cut & reported], minlength=len(places))[key]
        households_at_cut = np.bincount(key[at_cut & ~reported], minlength=len(places))[key]
        place = np.where(reported, reports_at_cut - _counted(at_cut & reported, sizes),
                         reports_at_cut + households_at_cut - _counted(at_cut & ~reported,
                                                                       sizes))
        chosen = np.flatnonzero((ranks < cut[key]) | (at_cut & (place < TOP - above[key])))
        key, numbers, values = key[chosen], numbers[chosen], values[chosen]
        previous = np.empty_like(numbers)
        previous[1:] = numbers[:-1]
        previous[np.flatnonzero(np.diff(key, prepend=-1))] = -1
        text, text_ends = encoded(numbers - previous - 1, values)
        hints, hint_ends = encoded(self.hints[pairs][chosen])
        # each document's entry followed by its hint, then cut where each key's part ends
        text_lengths = np.diff(text_ends, prepend=0)
        hint_lengths = np.diff(hint_ends, prepend=0)
        lengths = text_lengths + hint_lengths
        pair_starts = np.cumsum(lengths) - lengths
        out = np.empty(int(lengths.sum()), dtype=np.uint8)
        out[_spread(pair_starts, text_lengths)] = np.frombuffer(text, dtype=np.uint8)
        out[_spread(pair_starts + text_lengths, hint_lengths)] = np.frombuffer(hints,
                                                                               dtype=np.uint8)
        key_ends = np.cumsum(np.bincount(key, weights=lengths, minlength=len(places)))
        whole = out.tobytes().decode()
        cuts = [0, *key_ends.astype(np.int64).tolist()]
        return [whole[cuts[n]:cuts[n + 1]] for n in range(len(places))]


def _counted(marked: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """For each pair, how many pairs of its key up to it (itself included) are `marked`; the
    pairs are in keys of `sizes` pairs one after another."""
    marked = marked.astype(np.int64)
    running = np.cumsum(marked)
    ends = np.cumsum(sizes)
    return running - np.repeat(running[ends - 1] - np.add.reduceat(marked, ends - sizes), sizes)


def _spread(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The positions starts[i], starts[i] + 1, ... for lengths[i] places, for every i."""
    offsets = np.arange(int(lengths.sum())) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    return np.repeat(starts, lengths) + offsets
