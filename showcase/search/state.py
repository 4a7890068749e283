"""What the last build's index was made of, kept in the site's `.cache/search/`: every
(key, document) pair sorted as the postings are, each key's part of the files (shards.py) and
what the files were. A build whose documents are the last build's, in the same order, with some
of them changed, takes the pairs of those out, puts their new ones in, and makes again only the
parts of the keys that changed: the index of a site of 10,000 reports is not assembled anew for
one edited report. Anything else (a document added, removed or moved, another phrase list, a
new memo) is a build from the start.

The pairs' key numbers are the memo's (vocabulary.py), so the state is valid only beside the
memo database it was made with, and with the same engine (both are written in it)."""
from __future__ import annotations

import contextlib
import dataclasses
import errno
import json
import mmap
import os
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from ..memo import Memo
from .postings import (ALPHABET_CODES, PART, TOP, KeyTable, Pairs, decoded_top, norms, rank,
                       values_of)
from .shards import IndexFiles, KeyParts, PartsBuilder
from .vocabulary import NumberedKeys

FOLDER = "search"
PAIR_TYPES = {"numbers": np.int32, "frequencies": np.uint16, "flags": np.uint8,
              "hints": np.uint16}
"""What the state's files keep of each pair. Its key is where it stands (the state's `starts`)
and its value is made of its frequency, flags and its document's norm (postings.values_of,
with the norms of the state's lengths): neither is written, and a change copies 36% less."""
READ_BLOCK = 1024
"""Pairs read from a state's file at a time where a patch looks at a few thousand of 29 million
(`_PairFiles`)."""
PART_TYPES = {"key_ids": np.int32, "hashes": np.uint32, "sizes": np.int64,
              "values": np.uint8, "value_ends": np.int64, "postings": np.uint8,
              "postings_ends": np.int64}


@dataclasses.dataclass
class Documents:
    """The documents an index was made of: each one's digest (what its record was filed under),
    kind, body length and number of blocks."""

    digests: list[bytes]
    report_flags: list[bool]
    lengths: list[int]
    blocks: list[int]


class StateWriter:
    """A new state, written as the build makes it (the pairs a range at a time, never all
    held) into a folder of its own, and put in place by `finish`. A patched state's pairs are
    written `aside`, in a thread: hundreds of megabytes written let go of the interpreter, and
    the index's files are made meanwhile."""

    def __init__(self, memo: Memo):
        self.memo = memo
        self.final = memo.folder / FOLDER
        self.folder = memo.folder / f"{FOLDER}.new-{os.getpid()}"
        self.files: dict = {}
        self.pairs = 0
        self.counts = np.zeros(0, dtype=np.int64)
        """Each key's pairs (by key number), for the state's key starts."""
        self.aside: threading.Thread | None = None
        self.failed: BaseException | None = None
        try:
            for leftover in memo.folder.glob(f"{FOLDER}.*-*"):  # of builds stopped midway
                shutil.rmtree(leftover, ignore_errors=True)
            self.folder.mkdir(parents=True)
            self.files = {name: open(self.folder / f"pairs.{name}", "wb") for name in PAIR_TYPES}
        except OSError:  # a site folder that cannot be written to keeps no state
            self.abandon()

    def add(self, pairs: Pairs) -> None:
        try:
            for name, file in self.files.items():
                getattr(pairs, name).astype(PAIR_TYPES[name], copy=False).tofile(file)
        except OSError:  # a full disk: no state, the next build does the whole work
            self._give_up()
        self.pairs += len(pairs)
        self.counts = _key_counts(self.counts, added=pairs.key_ids)

    def add_spliced_aside(self, *spliced) -> None:
        """`add_spliced(*spliced)` in a thread; `finish` waits for it."""
        def splice():
            try:
                self.add_spliced(*spliced)
            except BaseException as exc:  # raised by `finish`
                self.failed = exc

        self.aside = threading.Thread(target=splice, name="search state")
        self.aside.start()

    def _wait(self) -> None:
        if self.aside is not None:
            self.aside.join()
            self.aside = None

    def add_spliced(self, old_folder: Path, old: int, removed_at: np.ndarray, at: np.ndarray,
                    new: Pairs) -> None:
        """The `old` pairs of the state in `old_folder`, less those `removed_at`, with the `new`
        pairs put in `at` their places (before the old pair there). The runs of old pairs
        between two changes are copied from file to file by the system, never read in: a
        report edited among 10,000 moves some 3,000 of 29 million."""
        if not self.files:  # (a folder that cannot be written to keeps no state)
            return
        inserted, first, counts = np.unique(at, return_index=True, return_counts=True)
        changes = np.union1d(inserted, removed_at).tolist()
        group = dict(zip(inserted.tolist(), zip(first.tolist(), (first + counts).tolist())))
        removed = set(removed_at.tolist())
        try:
            with contextlib.ExitStack() as opened:
                for file in self.files.values():
                    file.flush()
                copies = [_Runs(opened.enter_context(open(old_folder / f"pairs.{name}", "rb")),
                                self.files[name], np.dtype(kind).itemsize,
                                getattr(new, name).astype(kind, copy=False).tobytes())
                          for name, kind in PAIR_TYPES.items()]
                for runs in copies:
                    cursor = 0
                    for change in changes:
                        runs.old(cursor, change)
                        if change in group:
                            runs.new(*group[change])
                        cursor = change + 1 if change in removed else change
                    runs.old(cursor, old)
        except OSError:  # a full disk: no state, the next build does the whole work
            self._give_up()
        self.pairs += old - len(removed_at) + len(new)

    def finish(self, documents: Documents, phrases: str, parts: KeyParts,
               files: IndexFiles) -> None:
        self._wait()
        if self.failed is not None:
            raise self.failed
        if not self.files:
            return
        try:
            self._finish(documents, phrases, parts, files)
        except OSError:
            self._give_up()

    def _finish(self, documents: Documents, phrases: str, parts: KeyParts,
                files: IndexFiles) -> None:
        for file in self.files.values():
            file.close()
        for field in dataclasses.fields(parts):
            value = getattr(parts, field.name)
            (np.frombuffer(value, dtype=np.uint8) if isinstance(value, bytes) else value).astype(
                PART_TYPES[field.name], copy=False).tofile(self.folder / f"parts.{field.name}")
        np.concatenate([[0], np.cumsum(self.counts)]).astype(np.int64).tofile(
            self.folder / "starts")
        np.array(files.own, dtype=np.int32).tofile(self.folder / "own")
        (self.folder / "digests").write_bytes(b"".join(documents.digests))
        (self.folder / "files").write_bytes(b"".join(files.shard_digests + files.own_digests))
        meta = {"memo": self.memo.identity(), "engine": self.memo.engine, "phrases": phrases,
                "pairs": self.pairs,
                "report_flags": documents.report_flags, "lengths": documents.lengths,
                "blocks": documents.blocks,
                "shards": files.shards}
        (self.folder / "meta.json").write_text(json.dumps(meta), "utf-8")
        retired = self.final.with_name(f"{FOLDER}.old-{os.getpid()}")
        try:
            os.rename(self.final, retired)
        except OSError:
            pass  # none yet
        os.rename(self.folder, self.final)
        shutil.rmtree(retired, ignore_errors=True)

    def abandon(self) -> None:
        self._wait()
        self._give_up()

    def _give_up(self) -> None:
        for file in self.files.values():
            file.close()
        self.files = {}
        shutil.rmtree(self.folder, ignore_errors=True)


@dataclasses.dataclass
class IndexState:
    """The last build's index: its documents, pairs (memory-mapped from the state's files),
    each key's part and what its files were."""

    documents: Documents
    mapped: "_PairFiles"
    parts: KeyParts
    files: IndexFiles

    @classmethod
    def load(cls, memo: Memo, phrases: str, report_flags: list[bool]) -> "IndexState | None":
        """The last build's state when it was made beside this memo with this phrase list and
        the same number and kinds of documents; else None."""
        folder = memo.folder / FOLDER
        try:
            meta = json.loads((folder / "meta.json").read_text("utf-8"))
            if (meta["phrases"] != phrases or meta["report_flags"] != report_flags
                    or meta["engine"] != memo.engine or meta["memo"] is None
                    or meta["memo"] != memo.identity()):
                return None
            mapped = _PairFiles(folder)
            parts = {name: np.fromfile(folder / f"parts.{name}", dtype=kind)
                     for name, kind in PART_TYPES.items()}
            parts["values"], parts["postings"] = (parts["values"].tobytes(),
                                                  parts["postings"].tobytes())
            own = np.fromfile(folder / "own", dtype=np.int32)
            digests = (folder / "digests").read_bytes()
            files = (folder / "files").read_bytes()
        except (OSError, ValueError, KeyError, TypeError):
            return None
        if not _whole(meta, mapped, parts, len(report_flags), digests, files, own):
            return None
        file_digests = [files[n:n + 16] for n in range(0, len(files), 16)]
        return cls(Documents([digests[n:n + 20] for n in range(0, len(digests), 20)],
                             report_flags, meta["lengths"], meta["blocks"]),
                   mapped, KeyParts(**parts),
                   IndexFiles(meta["shards"], file_digests[:meta["shards"]], own,
                              file_digests[meta["shards"]:]))

    def changed(self, digests: list[bytes]) -> list[int]:
        """The numbers of the documents that changed since."""
        return [number for number, (before, now) in enumerate(zip(self.documents.digests,
                                                                    digests)) if before != now]

    def patched(self, records: dict[int, NumberedKeys], names: list[str],
                writer: "StateWriter | None") -> tuple[list[int], np.ndarray, KeyParts]:
        """The index with the documents of `records` changed to them: the documents' lengths,
        the numbers of the keys whose parts changed, and every key's part. The new pairs go
        to `writer` as they are spliced (in a thread of its own), never all held."""
        documents = self.documents
        lengths = list(documents.lengths)
        for number, record in records.items():
            lengths[number] = record.length
        old_norm = norms(documents.lengths, documents.report_flags)
        norm = norms(lengths, documents.report_flags)
        gone = np.zeros(len(lengths), dtype=bool)
        gone[list(records)] = True
        mapped = self.mapped
        old, by_parts = mapped.stored, mapped.by_parts
        removed_at = by_parts(lambda part: np.flatnonzero(gone[old["numbers"][part]])
                              + part.start, len(mapped))
        removed = mapped.rows(removed_at, old_norm)  # as they were
        flipped = removed_at[:0]
        if not np.array_equal(old_norm[~gone], norm[~gone]):  # the average length moved
            def flipped_in(part: slice) -> np.ndarray:
                frequencies, flags, numbers = (old[name][part] for name in
                                               ("frequencies", "flags", "numbers"))
                return np.flatnonzero(values_of(frequencies, flags, norm[numbers])
                                      != values_of(frequencies, flags, old_norm[numbers]))\
                    + part.start

            flipped = np.setdiff1d(by_parts(flipped_in, len(mapped)), removed_at,
                                   assume_unique=True)
        new = _pairs_of(records, norm)
        if writer is not None:
            writer.counts = _key_counts(np.diff(mapped.starts), removed.key_ids, new.key_ids)
            writer.add_spliced_aside(mapped.folder, len(mapped), removed_at,
                                     mapped.positions(new), new)
        flipped_rows = mapped.rows(flipped, norm)  # with their new values
        remade = np.union1d(flipped_rows.key_ids, _changed_keys(removed, new))
        change = _Change(mapped, norm, removed, removed_at, flipped_rows, new, len(lengths),
                         sum(documents.report_flags))
        return lengths, remade, self.parts.replaced(remade, change.parts(remade, self.parts,
                                                                         names))


def _changed_keys(removed: Pairs, new: Pairs) -> np.ndarray:
    """The keys of the changed documents' pairs (`removed`: as they were) that are not as they
    were: added, gone, or with another value or first block. The others' parts stay as they
    are: a paragraph added to a report leaves most of its thousands of keys as they were, some
    of them held by most of 100,000 households."""
    rows = np.empty(len(removed) + len(new), dtype=[
        ("key", np.int32), ("number", np.int32), ("value", np.uint8), ("hint", np.uint16)])
    for name, was, now in (("key", removed.key_ids, new.key_ids),
                           ("number", removed.numbers, new.numbers),
                           ("value", removed.values, new.values),
                           ("hint", removed.hints, new.hints)):
        rows[name] = np.concatenate([was, now])
    unique, counts = np.unique(rows, return_counts=True)  # a pair as it was: once each side
    return np.unique(unique["key"][counts == 1])


def _slices(length: int) -> list[slice]:
    """A long array in parts of PART items (the temporaries of each stay small)."""
    return [slice(start, start + PART) for start in range(0, length, PART)]


class _PairFiles:
    """The last build's pairs, mapped from the state's files, and where each key's pairs
    begin (`starts`, by key number): a pair's key is found from its place, its value from the
    norms it is asked with. A patch reads the documents' numbers all, a part at a
    time; each part's pages are let go once read (they stay in the system's file cache), or
    the whole state would count as the build's own memory by the end. The few thousand pairs
    of a changed document, and the places of its new ones, are read from the files
    (READ_BLOCK pairs at most at a time), not through the mapping: a page of it touched maps
    its neighbours too (the system's fault-around), and 3,000 pairs spread over 29 million
    would map most of the 400 MB."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.maps: dict[str, mmap.mmap] = {}
        self.descriptors: dict[str, int] = {}
        for name in PAIR_TYPES:
            with open(folder / f"pairs.{name}", "rb") as file:
                self.maps[name] = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
                self.descriptors[name] = os.dup(file.fileno())
        self.stored = {name: np.frombuffer(self.maps[name], dtype=kind)
                       for name, kind in PAIR_TYPES.items()}
        self.starts = np.fromfile(folder / "starts", dtype=np.int64)

    def __len__(self) -> int:
        return len(self.stored["numbers"])

    def __del__(self):
        for descriptor in self.descriptors.values():
            os.close(descriptor)

    def key_range(self, key_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Where the pairs of each key begin and end (a key numbered since: none)."""
        last = len(self.starts) - 1
        return (self.starts[np.minimum(key_ids, last)],
                self.starts[np.minimum(key_ids.astype(np.int64) + 1, last)])

    def rows(self, index: np.ndarray, norm: np.ndarray) -> Pairs:
        """The pairs at `index` (sorted places), valued with the documents' `norm`."""
        return self._pairs(index, {name: self._read_at(name, index) for name in PAIR_TYPES},
                           norm)

    def ranges(self, ranges: list[tuple[int, int]], norm: np.ndarray) -> Pairs:
        """The pairs from start to end of each of `ranges`, one after the other (see `rows`)."""
        index = np.concatenate([np.arange(start, end) for start, end in ranges]
                               or [np.zeros(0, np.int64)])
        return self._pairs(index, {name: np.frombuffer(b"".join(
            self._read(name, start, end) for start, end in ranges), dtype=PAIR_TYPES[name])
            for name in PAIR_TYPES}, norm)

    def _pairs(self, index: np.ndarray, stored: dict[str, np.ndarray],
               norm: np.ndarray) -> Pairs:
        """The pairs at `index` from what the files keep of them (`stored`)."""
        key_ids = (np.searchsorted(self.starts, index, side="right") - 1).astype(np.int32)
        return Pairs(key_ids=key_ids, **stored, values=values_of(
            stored["frequencies"], stored["flags"], norm[stored["numbers"]]))

    def positions(self, new: Pairs) -> np.ndarray:
        """Where each of the `new` pairs goes among these (see `_positions`)."""
        low, high = self.key_range(new.key_ids)
        return np.array([self._place(start, end, number) for start, end, number in
                         zip(low.tolist(), high.tolist(), new.numbers.tolist())], dtype=np.int64)

    def _place(self, low: int, high: int, number: int) -> int:
        """The first of pairs `low` to `high` (one key's) whose document is not before
        `number`."""
        while high - low > READ_BLOCK:
            middle = (low + high) // 2
            if np.frombuffer(self._read("numbers", middle, middle + 1), dtype=np.int32)[0] < number:
                low = middle + 1
            else:
                high = middle
        return low + int(np.searchsorted(np.frombuffer(self._read("numbers", low, high),
                                                       dtype=np.int32), number))

    def _read_at(self, name: str, index: np.ndarray) -> np.ndarray:
        kind = np.dtype(PAIR_TYPES[name])
        found = np.empty(len(index), dtype=kind)
        blocks, firsts = np.unique(index // READ_BLOCK, return_index=True)
        for block, first, last in zip(blocks.tolist(), firsts.tolist(),
                                      [*firsts[1:].tolist(), len(index)]):
            start = block * READ_BLOCK
            items = np.frombuffer(self._read(name, start, min(start + READ_BLOCK, len(self))),
                                  dtype=kind)
            found[first:last] = items[index[first:last] - start]
        return found

    def _read(self, name: str, start: int, end: int) -> bytes:
        """The bytes of pairs `start` to `end` of file `name`."""
        size = np.dtype(PAIR_TYPES[name]).itemsize
        data = os.pread(self.descriptors[name], (end - start) * size, start * size)
        if len(data) != (end - start) * size:
            raise OSError(errno.EIO, "a search state file is shorter than its pairs")
        return data

    def let_go(self, start: int, end: int) -> None:
        """Let go of the pages of pairs `start` to `end` (read again from the file if needed)."""
        if not hasattr(mmap, "MADV_DONTNEED"):
            return
        for name, mapping in self.maps.items():
            size = np.dtype(PAIR_TYPES[name]).itemsize
            first = start * size // mmap.PAGESIZE * mmap.PAGESIZE
            if end * size > first:
                mapping.madvise(mmap.MADV_DONTNEED, first, end * size - first)

    def by_parts(self, read: Callable[[slice], np.ndarray], length: int) -> np.ndarray:
        """`read(part)` for each part of the pairs, joined, each part let go once read."""
        results = []
        for part in _slices(length):
            results.append(read(part))
            self.let_go(part.start, min(part.stop, length))
        return np.concatenate(results) if results else read(slice(0, 0))


def _positions(pairs: Pairs, new: Pairs) -> np.ndarray:
    """Where each of the `new` pairs goes among `pairs` (both sorted by key and document):
    before the first pair of its key whose document is not before its own."""
    low = np.searchsorted(pairs.key_ids, new.key_ids, side="left")
    high = np.searchsorted(pairs.key_ids, new.key_ids, side="right")
    numbers = pairs.numbers
    return np.array([start + int(np.searchsorted(numbers[start:end], number)) for start, end, number
                     in zip(low.tolist(), high.tolist(), new.numbers.tolist())], dtype=np.int64)


class _Runs:
    """One of the pairs' files written anew: runs of the old file's items copied by the
    system, the new items written between them."""

    def __init__(self, source, target, size: int, new: bytes):
        """`source`, `target`: the old file and the new, open."""
        self.source, self.target, self.size = source.fileno(), target.fileno(), size
        self.added = memoryview(new)

    def old(self, start: int, end: int) -> None:
        """Old items `start` to `end`."""
        if end > start:
            _copy(self.source, self.target, start * self.size, (end - start) * self.size)

    def new(self, start: int, end: int) -> None:
        """New items `start` to `end`."""
        _write(self.target, self.added[start * self.size:end * self.size])


def _write(target: int, data: memoryview) -> None:
    while data:
        data = data[os.write(target, data):]


def _copy(source: int, target: int, offset: int, count: int) -> None:
    """`count` bytes of `source` from `offset` written at `target`'s position: by the system
    where it can copy from file to file, else through a buffer."""
    while count > 0:
        try:
            copied = os.copy_file_range(source, target, count, offset)
        except (AttributeError, OSError) as exc:  # no such call, or not between these files
            if isinstance(exc, OSError) and exc.errno not in _NOT_COPIED_BY_THE_SYSTEM:
                raise
            copied = os.write(target, os.pread(source, min(count, 1 << 24), offset))
        if copied == 0:
            raise OSError(errno.EIO, "a search state file is shorter than its pairs")
        offset += copied
        count -= copied


_NOT_COPIED_BY_THE_SYSTEM = {errno.EXDEV, errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP}


class _Change:
    """The pairs of one patch, as the keys it reached need them: the `old` pairs (valued with
    the documents' `norm` now), those `removed` (where: `removed_at`) and those whose value
    `flipped` (with their new values), and the `new` pairs."""

    def __init__(self, old: _PairFiles, norm: np.ndarray, removed: Pairs,
                 removed_at: np.ndarray, flipped: Pairs, new: Pairs, documents: int,
                 reports: int):
        self.old, self.norm, self.removed, self.new = old, norm, removed, new
        self.removed_at, self.flipped = removed_at, flipped
        self.documents, self.reports = documents, reports

    def parts(self, remade: np.ndarray, parts: KeyParts, names: list[str]) -> KeyParts:
        """The parts of the keys `remade` now (held by some document). A key in most documents
        before and after has its characters of the changed documents replaced and its counts
        moved, and keeps its best documents unless a changed one is or would be among them;
        any other key is made again from its pairs."""
        new = self.new
        low, high = self.old.key_range(remade)
        gone_keys = self.removed.key_ids
        gone_keys = gone_keys[np.isin(gone_keys, remade)]  # (a key as it was is not remade)
        new_keys = new.key_ids[np.isin(new.key_ids, remade)]
        held = (high - low) - np.bincount(np.searchsorted(remade, gone_keys),
                                          minlength=len(remade))
        held += np.bincount(np.searchsorted(remade, new_keys), minlength=len(remade))
        where = np.minimum(np.searchsorted(parts.key_ids, remade), max(len(parts) - 1, 0))
        starts = np.concatenate([[0], parts.postings_ends])[where] if len(parts) else where
        was_dense = np.zeros(len(remade), dtype=bool)
        if len(parts):
            postings = np.frombuffer(parts.postings, dtype=np.uint8)
            was_dense = ((parts.key_ids[where] == remade) & (parts.sizes[where] == 0)
                         & (parts.postings_ends[where] > starts))
            was_dense[was_dense] = postings[starts[was_dense]] == ord("=")
        dense = was_dense & (held * 2 > self.documents)
        patched = _DensePatch(self, remade[dense], where[dense], parts)
        again = np.union1d(remade[~dense & (held > 0)], patched.top_changed)
        made = KeyParts.of(_tables(self._pairs_of_keys(again, low, high, remade),
                                   self.documents, self.reports), names)
        return made.replaced(np.zeros(0, dtype=np.int32), patched.parts())

    def _pairs_of_keys(self, keys: np.ndarray, low: np.ndarray, high: np.ndarray,
                       remade: np.ndarray) -> Pairs:
        """Every pair now of the keys `keys` (some of `remade`, whose ranges among the old
        pairs are `low` to `high`), sorted."""
        at = np.searchsorted(remade, keys)
        ranges = list(zip(low[at].tolist(), high[at].tolist()))
        index = np.concatenate([np.arange(start, end) for start, end in ranges]
                               or [np.zeros(0, np.int64)])
        still = np.flatnonzero(~np.isin(index, self.removed_at))
        kept = self.old.ranges(ranges, self.norm).take(still)
        new = self.new.take(np.flatnonzero(np.isin(self.new.key_ids, keys)))
        places = _positions(kept, new)
        return Pairs(*(np.insert(getattr(kept, f.name), places, getattr(new, f.name))
                       for f in dataclasses.fields(Pairs)))


class _DensePatch:
    """Keys in most documents before and after a change (one character a document): each
    changed document's character replaced and the counts moved. Their best documents stay
    unless a changed document is or would be among them: those keys are `top_changed`, to be
    made again from their pairs."""

    def __init__(self, change: _Change, keys: np.ndarray, where: np.ndarray, parts: KeyParts):
        self.keys, self.hashes = keys, parts.hashes[where]
        new, width = change.new, change.documents + 1
        # each changed (key, document) as it is now (-1: gone), the removed first so that a
        # pair removed and put back ends as it is now
        removed, flipped = change.removed, change.flipped
        key_ids = np.concatenate([removed.key_ids, flipped.key_ids, new.key_ids])
        numbers = np.concatenate([removed.numbers, flipped.numbers,
                                  new.numbers]).astype(np.int64)
        values = np.concatenate([np.full(len(removed), -1), flipped.values,
                                 new.values]).astype(np.int64)
        counted = np.concatenate([np.full(len(removed), -1), np.zeros(len(flipped), np.int64),
                                  np.ones(len(new), np.int64)])  # how each moves the counts
        mine = np.isin(key_ids, keys)
        key_ids, numbers, values, counted = (a[mine] for a in (key_ids, numbers, values,
                                                                counted))
        which = np.searchsorted(keys, key_ids)
        texts = np.frombuffer(b"".join(parts.postings_of(w).encode() for w in where.tolist()),
                              dtype=np.uint8).copy()
        texts[which * width + 1 + numbers] = np.where(values < 0, ord("A"),
                                                      ALPHABET_CODES[np.maximum(values, 0)])
        self.texts, self.width = texts.tobytes(), width
        is_report = numbers < change.reports
        moved = [np.bincount(which[is_report == kind], weights=counted[is_report == kind],
                             minlength=len(keys)).astype(np.int64).tolist()
                 for kind in (True, False)]
        self.summaries, top_changed = [], []
        order = np.argsort(which, kind="stable")
        bounds = np.searchsorted(which[order], np.arange(len(keys) + 1)).tolist()
        for number, index in enumerate(where.tolist()):
            reports, households, top = json.loads(parts.value(index))
            mine = order[bounds[number]:bounds[number + 1]]
            if _top_stays(top, numbers[mine].tolist(), values[mine].tolist(), change.reports):
                self.summaries.append([reports + moved[0][number],
                                       households + moved[1][number], top])
            else:
                top_changed.append(number)
        self.top_changed = keys[top_changed]
        self.kept = np.setdiff1d(np.arange(len(keys)), top_changed)

    def parts(self) -> KeyParts:
        made, width = PartsBuilder(), self.width
        for summary, n in zip(self.summaries, self.kept.tolist()):
            made.add(int(self.keys[n]), int(self.hashes[n]), 0,
                     json.dumps(summary, separators=(",", ":")).encode(),
                     self.texts[n * width:(n + 1) * width])
        return made.parts()


def _top_stays(top: str, numbers: list[int], values: list[int], reports: int) -> bool:
    """Whether a key's best documents (`top`, as written) are still its best after the
    documents `numbers` changed to `values` (-1: no longer holding the key): none of them was
    among the best, none now beats the worst of the best, and the best were TOP."""
    best = decoded_top(top)
    if len(best) < TOP:
        return False
    held = {number for number, _ in best}
    worst = max((rank(number, value, reports), number) for number, value in best)
    return not any(number in held or (value >= 0 and (rank(number, value, reports), number)
                                      < worst) for number, value in zip(numbers, values))


def _whole(meta: dict, mapped: _PairFiles, parts: dict, documents: int, digests: bytes,
           files: bytes, own: np.ndarray) -> bool:
    """Whether the state's files are all there as they were written (a file cut short by a
    full disk or a crash is not)."""
    keys, starts = len(parts["key_ids"]), mapped.starts
    return (all(len(mapped.stored[name]) == meta["pairs"] for name in PAIR_TYPES)
            and len(starts) > 0 and starts[0] == 0 and starts[-1] == meta["pairs"]
            and all(len(parts[name]) == keys for name in PART_TYPES
                    if name not in ("values", "postings"))
            and int(parts["value_ends"][-1] if keys else 0) == len(parts["values"])
            and int(parts["postings_ends"][-1] if keys else 0) == len(parts["postings"])
            and len(digests) == 20 * documents and len(meta["lengths"]) == documents
            and len(meta["blocks"]) == documents
            and len(files) == 16 * (meta["shards"] + len(own)))


def _key_counts(counts: np.ndarray, taken: np.ndarray = np.zeros(0, np.int32),
                added: np.ndarray = np.zeros(0, np.int32)) -> np.ndarray:
    """Each key's pairs (`counts`, by key number) less those `taken`, with those `added`."""
    size = max(len(counts), int(taken.max(initial=-1)) + 1, int(added.max(initial=-1)) + 1)
    result = np.zeros(size, dtype=np.int64)
    result[:len(counts)] = counts
    return (result - np.bincount(taken, minlength=size)
            + np.bincount(added, minlength=size))


def _pairs_of(records: dict[int, NumberedKeys], norm: np.ndarray) -> Pairs:
    """The pairs of some documents' records, sorted."""
    arrays = {name: [] for name in ("key_ids", *PAIR_TYPES)}
    for number, record in records.items():
        key_ids = np.frombuffer(record.numbers, dtype=np.int32)
        arrays["key_ids"].append(key_ids)
        arrays["numbers"].append(np.full(len(key_ids), number, dtype=np.int32))
        arrays["frequencies"].append(np.frombuffer(record.frequencies, dtype=np.uint16))
        arrays["flags"].append(np.frombuffer(record.flags, dtype=np.uint8))
        arrays["hints"].append(np.frombuffer(record.hints, dtype=np.uint16))
    joined = {name: np.concatenate(parts) if parts else
              np.zeros(0, dtype=PAIR_TYPES.get(name, np.int32)) for name, parts in arrays.items()}
    order = np.lexsort((joined["numbers"], joined["key_ids"]))
    joined = {name: array[order] for name, array in joined.items()}
    return Pairs(**joined, values=values_of(joined["frequencies"], joined["flags"],
                                            norm[joined["numbers"]]))


def _tables(pairs: Pairs, documents: int, reports: int) -> Iterator[KeyTable]:
    """The postings of every key of `pairs`, a range of keys at a time (about PART pairs)."""
    start = 0
    while start < len(pairs):
        end = min(start + PART, len(pairs))
        if end < len(pairs):  # on to the end of the last key's pairs
            end = int(np.searchsorted(pairs.key_ids, pairs.key_ids[end - 1], side="right"))
        yield KeyTable(pairs.take(slice(start, end)), documents, reports)
        start = end
