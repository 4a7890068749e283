"""What the last build's index was made of, kept in the site's `.cache/search/`: every
(key, document) pair sorted as the postings are, each key's part of the files (shards.py) and
what the files were. A build whose documents are the last build's, in the same order, with some
of them changed, and maybe others after them or the last ones gone (a new report, the newest,
is numbered after the others: documents.search_documents), takes the pairs of those out, puts
their new ones in, and makes again only the parts of the keys that changed (and of the keys
written one character a document, when there are more documents or fewer): the index of a
site of 10,000 reports is not assembled anew for one edited, added or removed report. With
another phrase list, the documents whose keys it changes are read again as well
(index._changed_since). Anything else (a document removed before others, a new memo) is a
build from the start.

The pairs are kept as a log: a base written whole, the places of the base's pairs that are no
longer so (`masked`: the documents changed since) and those documents' pairs now (the delta).
A change links the base into the new state as it is and writes the masked places and the
delta, a few megabytes, where the base is hundreds; past DELTA_SHARE the pairs are written
anew as one base.

The pairs' key numbers are the memo's (vocabulary.py), so the state is valid only beside the
memo database it was made with, and with the same engine (both are written in it)."""
from __future__ import annotations

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
from .postings import (ALPHABET_CODES, PART, TOP, KeyTable, Pairs, decoded_top, key_counts,
                       norms, rank, tie_order, values_of)
from .shards import IndexFiles, KeyParts, PartsBuilder
from .vocabulary import NumberedKeys

FOLDER = "search"
PAIR_TYPES = {"numbers": np.int32, "frequencies": np.uint16, "flags": np.uint8,
              "hints": np.uint16}
"""What the state's base keeps of each pair. Its key is where it stands (the state's `starts`)
and its value is made of its frequency, flags and its document's norm (postings.values_of,
with the norms of the state's lengths): neither is written."""
DELTA_TYPES = {"key_ids": np.int32, **PAIR_TYPES}
"""What the delta keeps of each pair: its key as well (it is not in the base's order)."""
DELTA_SHARE = 1 / 32
"""The delta is merged into a new base when it holds more pairs than this share of the base's:
some 250 edited reports at 10,000 reports, the delta then 20 MB written and read by each build
where the base is 400 MB."""
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
    """A new state, written into a folder of its own and put in place by `finish`. A first
    build's pairs are written as it makes them, a range at a time, never all held; a patched
    state's base is linked from the last state, or written anew (`keep`) in a thread while the
    index's files are made."""

    def __init__(self, memo: Memo):
        self.memo = memo
        self.final = memo.folder / FOLDER
        self.folder = memo.folder / f"{FOLDER}.new-{os.getpid()}"
        self.files: dict = {}
        self.given_up = False
        self.pairs = 0
        self.counts = np.zeros(0, dtype=np.int64)
        """Each key's pairs (by key number), for the base's key starts."""
        self.linked = False
        self.masked, self.delta = _nothing_masked(), _no_delta()
        self.aside: threading.Thread | None = None
        self.failed: BaseException | None = None
        try:
            for leftover in memo.folder.glob(f"{FOLDER}.*-*"):  # of builds stopped midway
                shutil.rmtree(leftover, ignore_errors=True)
            self.folder.mkdir(parents=True)
        except OSError:  # a site folder that cannot be written to keeps no state
            self.abandon()

    def add(self, pairs: Pairs) -> None:
        """The base's next pairs (after those added before, in their order)."""
        try:
            if not self.files and not self.given_up:
                self.files = {name: open(self.folder / f"pairs.{name}", "wb")
                              for name in PAIR_TYPES}
            for name, file in self.files.items():
                getattr(pairs, name).astype(PAIR_TYPES[name], copy=False).tofile(file)
        except OSError:  # a full disk: no state, the next build does the whole work
            self._give_up()
        self.pairs += len(pairs)
        self.counts = key_counts(self.counts, pairs.key_ids)

    def placed(self, counts: np.ndarray) -> Callable[[int, Pairs], bool] | None:
        """A first build's pairs, made a range of keys at a time in workers and written there
        in their place (not sent back, some 400 MB at 10,000 reports, to be written here): the
        base's files made at their full size for the pairs of each key `counts` says, and the
        function a process forked since writes a range's pairs with (the first of them the
        `first`th of all), which says whether they were written; None: no state is kept."""
        if self.given_up:
            return None
        total = int(counts.sum())
        try:
            self.files = {name: open(self.folder / f"pairs.{name}", "wb")
                          for name in PAIR_TYPES}
            for name, file in self.files.items():
                file.truncate(total * np.dtype(PAIR_TYPES[name]).itemsize)
        except OSError:
            self._give_up()
            return None
        self.pairs, self.counts = total, counts
        descriptors = {name: file.fileno() for name, file in self.files.items()}

        def write(first: int, pairs: Pairs) -> bool:
            if self.given_up:  # (in this process: its descriptors closed, perhaps reused)
                return False
            try:
                for name, descriptor in descriptors.items():
                    data = memoryview(getattr(pairs, name).astype(PAIR_TYPES[name],
                                                                  copy=False)).cast("B")
                    offset = first * np.dtype(PAIR_TYPES[name]).itemsize
                    while data:
                        written = os.pwrite(descriptor, data, offset)
                        data, offset = data[written:], offset + written
            except OSError:  # a full disk: no state, the next build does the whole work
                return False
            return True
        return write

    def keep(self, pairs: "_StatePairs", norm: np.ndarray) -> None:
        """The pairs of a patched state: its base linked into the new state as it is, with the
        masked places and the delta; or, past DELTA_SHARE, all of them written anew as the base
        (in a thread; `finish` waits for it)."""
        if self.given_up:  # (nothing would be kept)
            return
        if len(pairs.delta["numbers"]) <= DELTA_SHARE * len(pairs.base):
            self.pairs, self.masked, self.delta = len(pairs.base), pairs.masked, pairs.delta
            self.linked = True
            try:
                for name in (*(f"pairs.{name}" for name in PAIR_TYPES), "starts"):
                    _link(pairs.base.folder / name, self.folder / name)
            except OSError:
                self._give_up()
            return

        def merge():
            try:
                for part in pairs.merged(norm):
                    self.add(part)
            except BaseException as exc:  # raised by `finish`
                self.failed = exc

        self.aside = threading.Thread(target=merge, name="search state")
        self.aside.start()

    def _wait(self) -> None:
        if self.aside is not None:
            self.aside.join()
            self.aside = None

    def finish(self, documents: Documents, phrases: str, parts: KeyParts,
               files: IndexFiles) -> None:
        self._wait()
        if self.failed is not None:
            raise self.failed
        if self.given_up:
            return
        try:
            self._finish(documents, phrases, parts, files)
        except OSError:
            self._give_up()

    def _finish(self, documents: Documents, phrases: str, parts: KeyParts,
                files: IndexFiles) -> None:
        for file in self.files.values():
            file.close()
        if not self.files and not self.linked:  # (a state without pairs)
            for name in PAIR_TYPES:
                _save(self.folder / f"pairs.{name}", b"")
        for field in dataclasses.fields(parts):
            value = getattr(parts, field.name)
            _save(self.folder / f"parts.{field.name}",
                  (value if isinstance(value, np.ndarray) else np.frombuffer(value, np.uint8))
                  .astype(PART_TYPES[field.name], copy=False))
        if not self.linked:
            _save(self.folder / "starts", np.concatenate([[0], np.cumsum(self.counts)])
                  .astype(np.int64))
        _save(self.folder / "masked", self.masked)
        for name, kind in DELTA_TYPES.items():
            _save(self.folder / f"delta.{name}", self.delta[name].astype(kind, copy=False))
        _save(self.folder / "own", np.array(files.own, dtype=np.int32))
        _save(self.folder / "digests", b"".join(documents.digests))
        _save(self.folder / "files", b"".join(files.shard_digests + files.own_digests))
        meta = {"memo": self.memo.identity(), "engine": self.memo.engine, "phrases": phrases,
                "pairs": self.pairs, "masked": len(self.masked),
                "delta": len(self.delta["numbers"]),
                "report_flags": documents.report_flags, "lengths": documents.lengths,
                "blocks": documents.blocks,
                "shards": files.shards}
        _save(self.folder / "meta.json", json.dumps(meta).encode("utf-8"))
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
        self.given_up = True
        shutil.rmtree(self.folder, ignore_errors=True)


def _save(path: Path, data) -> None:
    """A state file written (bytes, or an array's items)."""
    with open(path, "wb") as file:
        if isinstance(data, bytes):
            file.write(data)
        else:
            data.tofile(file)


def _mapped(path: Path) -> mmap.mmap | bytes:
    """A state file's bytes, mapped (read where they are used: the postings of the keys an
    edit remade, of 85 MB at 100,000 households)."""
    with open(path, "rb") as file:
        return _mapping(file.fileno())


def _mapping(descriptor: int) -> mmap.mmap | bytes:
    """The open file's bytes, mapped (an empty file cannot be)."""
    if not os.fstat(descriptor).st_size:
        return b""
    return mmap.mmap(descriptor, 0, access=mmap.ACCESS_READ)


def _let_go(mapped: mmap.mmap | bytes, start: int = 0, length: int = 0) -> None:
    """Let go of the pages of a mapped file from `start` (`length` bytes; 0: to its end),
    read again from the file if they are needed again."""
    if isinstance(mapped, mmap.mmap) and hasattr(mmap, "MADV_DONTNEED"):
        mapped.madvise(mmap.MADV_DONTNEED, start, length or len(mapped) - start)


def _link(source: Path, target: Path) -> None:
    """`source`'s file in the new state as it is: the same file where the system links files,
    else a copy."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def _nothing_masked() -> np.ndarray:
    return np.zeros(0, dtype=np.int64)


def _no_delta() -> dict[str, np.ndarray]:
    return {name: np.zeros(0, dtype=kind) for name, kind in DELTA_TYPES.items()}


@dataclasses.dataclass
class IndexState:
    """The last build's index: its documents, pairs (the base memory-mapped from the state's
    files), each key's part and what its files were, the digest of the phrase list it was
    made with; and the kinds of this build's documents (`report_flags`: a document whose
    number now has another kind has another digest, and is changed like any other)."""

    documents: Documents
    pairs: "_StatePairs"
    parts: KeyParts
    files: IndexFiles
    phrases: str
    report_flags: list[bool]

    @classmethod
    def load(cls, memo: Memo, report_flags: list[bool]) -> "IndexState | None":
        """The last build's state when it was made beside this memo (`report_flags`: this
        build's documents' kinds); else None."""
        folder = memo.folder / FOLDER
        try:
            meta = json.loads((folder / "meta.json").read_text("utf-8"))
            before = meta["report_flags"]
            if (meta["engine"] != memo.engine or meta["memo"] is None
                    or meta["memo"] != memo.identity()):
                return None
            pairs = _StatePairs(_PairFiles(folder),
                                np.fromfile(folder / "masked", dtype=np.int64),
                                {name: np.fromfile(folder / f"delta.{name}", dtype=kind)
                                 for name, kind in DELTA_TYPES.items()})
            parts = {name: _mapped(folder / f"parts.{name}") if name in ("values", "postings")
                     else np.fromfile(folder / f"parts.{name}", dtype=kind)
                     for name, kind in PART_TYPES.items()}
            own = np.fromfile(folder / "own", dtype=np.int32)
            digests = (folder / "digests").read_bytes()
            files = (folder / "files").read_bytes()
        except (OSError, ValueError, KeyError, TypeError):
            return None
        if not _whole(meta, pairs, parts, len(before), digests, files, own):
            return None
        file_digests = [files[n:n + 16] for n in range(0, len(files), 16)]
        return cls(Documents([digests[n:n + 20] for n in range(0, len(digests), 20)],
                             before, meta["lengths"], meta["blocks"]),
                   pairs, KeyParts(**parts),
                   IndexFiles(meta["shards"], file_digests[:meta["shards"]], own,
                              file_digests[meta["shards"]:]), meta["phrases"], report_flags)

    def changed(self, digests: list[bytes]) -> list[int]:
        """The numbers of the documents that changed since, and of those added after."""
        known = len(self.documents.digests)
        return [number for number, (before, now) in enumerate(zip(self.documents.digests,
                                                                    digests)) if before != now
                ] + list(range(known, len(digests)))

    def holders(self, keys: list[int]) -> dict[int, np.ndarray]:
        """The numbers of the documents holding each of `keys` (key numbers) in this index."""
        wanted = np.unique(np.array(keys, dtype=np.int32))
        pairs = self.pairs.of_keys(wanted, norms(self.documents.lengths,
                                                 self.documents.report_flags))
        bounds = np.searchsorted(pairs.key_ids, np.append(wanted, np.iinfo(np.int32).max))
        return {key: pairs.numbers[bounds[n]:bounds[n + 1]]
                for n, key in enumerate(wanted.tolist())}

    def patched(self, records: dict[int, NumberedKeys], names: list[str],
                writer: "StateWriter | None") -> tuple[list[int], np.ndarray, KeyParts]:
        """The index with the documents of `records` changed to them: the documents' lengths,
        the numbers of the keys whose parts changed, and every key's part. The pairs now go
        to `writer`."""
        documents, known = self.documents, len(self.documents.lengths)
        count = len(self.report_flags)  # (more: added, in `records`; fewer: the last removed)
        lengths = (documents.lengths + [0] * (count - known))[:count]
        for number, record in records.items():
            lengths[number] = record.length
        old_norm = norms(documents.lengths, documents.report_flags)
        norm = norms(lengths, self.report_flags)
        gone = np.zeros(max(count, known), dtype=bool)
        gone[list(records)] = True
        gone[count:] = True
        removed, kept = self.pairs.without(gone, old_norm)  # as they were
        flipped = _no_pairs()
        both = min(count, known)
        stayed = ~gone[:both]
        if not np.array_equal(old_norm[:both][stayed], norm[:both][stayed]):  # the average moved
            flipped = kept.flipped(old_norm, np.concatenate([norm, old_norm[count:]]))
        new = _pairs_of(records, norm)
        now = kept.with_pairs(new)
        if writer is not None:
            writer.keep(now, norm)
        remade = np.union1d(flipped.key_ids, _changed_keys(removed, new))
        if count != known:  # a character a document for the keys in most of them
            remade = np.union1d(remade, self.parts.key_ids[self.parts.dense()])
        # (the documents removed from the end as they were)
        reported = np.array(self.report_flags + documents.report_flags[count:], dtype=bool)
        change = _Change(now, norm, removed, flipped, new, known, len(lengths), reported,
                         np.array(documents.report_flags, dtype=bool))
        parts = self.parts.replaced(remade, change.parts(remade, self.parts, names))
        for mapped in (self.parts.values, self.parts.postings):  # (copied: their pages, all
            _let_go(mapped)  # read, would count as the build's memory until its end)
        return lengths, remade, parts


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
    """A state's base pairs, mapped from its files, and where each key's pairs begin
    (`starts`, by key number): a pair's key is found from its place, its value from the
    norms it is asked with. A patch reads the documents' numbers all, a part at a
    time; each part's pages are let go once read (they stay in the system's file cache), or
    the whole state would count as the build's own memory by the end. The few thousand pairs
    of a changed document are read from the files (READ_BLOCK pairs at most at a time), not
    through the mapping: a page of it touched maps its neighbours too (the system's
    fault-around), and 3,000 pairs spread over 29 million would map most of the 400 MB."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.maps: dict[str, mmap.mmap] = {}
        self.descriptors: dict[str, int] = {}
        for name in PAIR_TYPES:
            self.descriptors[name] = os.open(folder / f"pairs.{name}", os.O_RDONLY)
            self.maps[name] = _mapping(self.descriptors[name])
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
        key_ids = (np.searchsorted(self.starts, index, side="right") - 1).astype(np.int32)
        return _valued(key_ids, {name: self._read_at(name, index) for name in PAIR_TYPES}, norm)

    def of_keys(self, key_ranges: list[tuple[int, int]], norm: np.ndarray,
                masked: np.ndarray) -> Pairs:
        """The pairs of the keys from first to last of each of `key_ranges`, one range after
        the other, but for those at the places `masked` (sorted; see `rows`)."""
        last_key = len(self.starts) - 1
        ranges, key_ids = [], []
        for first, last in key_ranges:  # (a key numbered since holds none)
            first, last = min(first, last_key), min(last, last_key)
            ranges.append((int(self.starts[first]), int(self.starts[last])))
            key_ids.append(np.repeat(np.arange(first, last, dtype=np.int32),
                                     np.diff(self.starts[first:last + 1])))
        index = np.concatenate([np.arange(start, end) for start, end in ranges]
                               or [np.zeros(0, np.int64)])
        kept = ~_among(index, masked)
        return _valued(np.concatenate(key_ids or [np.zeros(0, np.int32)])[kept], {
            name: np.frombuffer(b"".join(self._read(name, start, end) for start, end in ranges),
                                dtype=PAIR_TYPES[name])[kept] for name in PAIR_TYPES}, norm)

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
        for name, mapping in self.maps.items():
            size = np.dtype(PAIR_TYPES[name]).itemsize
            first = start * size // mmap.PAGESIZE * mmap.PAGESIZE
            if end * size > first:
                _let_go(mapping, first, end * size - first)

    def by_parts(self, read: Callable[[slice], np.ndarray]) -> np.ndarray:
        """`read(part)` for each part of the pairs, joined, each part let go once read."""
        results = []
        for part in _slices(len(self)):
            results.append(read(part))
            self.let_go(part.start, min(part.stop, len(self)))
        return np.concatenate(results) if results else read(slice(0, 0))


@dataclasses.dataclass
class _StatePairs:
    """A state's pairs: those of its `base` but at the places `masked` (sorted), with those
    of the `delta` (arrays of DELTA_TYPES, sorted by key and then by document)."""

    base: _PairFiles
    masked: np.ndarray
    delta: dict[str, np.ndarray]

    def without(self, gone: np.ndarray, norm: np.ndarray) -> tuple[Pairs, "_StatePairs"]:
        """The pairs of the documents `gone` (a flag by document number), valued with the
        documents' `norm`, and these pairs without them."""
        base, numbers = self.base, self.base.stored["numbers"]
        found = np.setdiff1d(base.by_parts(lambda part: np.flatnonzero(gone[numbers[part]])
                                           + part.start), self.masked, assume_unique=True)
        leaving = gone[self.delta["numbers"]]
        removed = _joined(base.rows(found, norm), _delta_pairs(self.delta, leaving, norm))
        return removed, _StatePairs(base, np.union1d(self.masked, found),
                                    {name: array[~leaving] for name, array in self.delta.items()})

    def flipped(self, old_norm: np.ndarray, norm: np.ndarray) -> Pairs:
        """The pairs whose value is another with the documents' `norm` than with `old_norm`,
        valued with `norm` (when the average length moved)."""
        base, stored = self.base, self.base.stored

        def flipped_in(arrays: dict[str, np.ndarray], part) -> np.ndarray:
            frequencies, flags, numbers = (arrays[name][part] for name in
                                           ("frequencies", "flags", "numbers"))
            return np.flatnonzero(values_of(frequencies, flags, norm[numbers])
                                  != values_of(frequencies, flags, old_norm[numbers]))

        at = np.setdiff1d(base.by_parts(lambda part: flipped_in(stored, part) + part.start),
                          self.masked, assume_unique=True)
        return _joined(base.rows(at, norm), _delta_pairs(
            self.delta, flipped_in(self.delta, slice(None)), norm))

    def with_pairs(self, new: Pairs) -> "_StatePairs":
        """These pairs with the `new` ones (of documents holding none of these)."""
        delta = {name: np.concatenate([array, getattr(new, name).astype(DELTA_TYPES[name])])
                 for name, array in self.delta.items()}
        order = np.lexsort((delta["numbers"], delta["key_ids"]))
        return _StatePairs(self.base, self.masked,
                           {name: array[order] for name, array in delta.items()})

    def held(self, keys: np.ndarray) -> np.ndarray:
        """How many pairs each of `keys` has."""
        low, high = self.base.key_range(keys)
        delta = self.delta["key_ids"]
        return ((high - low) - (np.searchsorted(self.masked, high)
                                - np.searchsorted(self.masked, low))
                + np.searchsorted(delta, keys, side="right") - np.searchsorted(delta, keys))

    def of_keys(self, keys: np.ndarray, norm: np.ndarray) -> Pairs:
        """Every pair of `keys` (sorted), sorted, valued with the documents' `norm`."""
        return self._merged([(key, key + 1) for key in keys.tolist()],
                            np.isin(self.delta["key_ids"], keys), norm)

    def merged(self, norm: np.ndarray) -> Iterator[Pairs]:
        """All the pairs, sorted, a range of keys at a time (about PART pairs of the base)."""
        starts, delta = self.base.starts, self.delta["key_ids"]
        keys = len(starts) - 1
        end = max(keys, int(delta[-1]) + 1 if len(delta) else 0)
        first = 0
        while first < end:
            last = end if first >= keys else min(keys, max(first + 1, int(np.searchsorted(
                starts, starts[first] + PART, side="right")) - 1))
            low, high = np.searchsorted(delta, [first, last]).tolist()
            yield self._merged([(first, last)], slice(low, high), norm)
            first = last

    def _merged(self, key_ranges: list[tuple[int, int]], in_delta, norm: np.ndarray) -> Pairs:
        """The base's pairs of the keys of `key_ranges` but those masked, with the delta's
        `in_delta` (of the same keys), sorted."""
        kept = self.base.of_keys(key_ranges, norm, self.masked)
        new = _delta_pairs(self.delta, in_delta, norm)
        places = np.searchsorted(_order_of(kept), _order_of(new))
        return Pairs(*(np.insert(getattr(kept, f.name), places, getattr(new, f.name))
                       for f in dataclasses.fields(Pairs)))


def _order_of(pairs: Pairs) -> np.ndarray:
    """A number for each pair in the pairs' order (by key, then by document)."""
    return pairs.key_ids.astype(np.int64) << 32 | pairs.numbers.astype(np.int64)


def _among(index: np.ndarray, places: np.ndarray) -> np.ndarray:
    """Whether each of `index` is one of `places` (sorted)."""
    if not len(places):
        return np.zeros(len(index), dtype=bool)
    return places[np.minimum(np.searchsorted(places, index), len(places) - 1)] == index


def _valued(key_ids: np.ndarray, stored: dict[str, np.ndarray], norm: np.ndarray) -> Pairs:
    """Pairs of keys `key_ids` made of what a state keeps of them (`stored`), valued with the
    documents' `norm`."""
    return Pairs(key_ids=key_ids, **stored, values=values_of(
        stored["frequencies"], stored["flags"], norm[stored["numbers"]]))


def _delta_pairs(delta: dict[str, np.ndarray], index, norm: np.ndarray) -> Pairs:
    """The delta's pairs at `index` (places, flags or a slice), valued with `norm`."""
    taken = {name: array[index] for name, array in delta.items()}
    return _valued(taken.pop("key_ids"), taken, norm)


def _joined(first: Pairs, second: Pairs) -> Pairs:
    """The pairs of `first`, then those of `second`."""
    return Pairs(*(np.concatenate([getattr(first, f.name), getattr(second, f.name)])
                   for f in dataclasses.fields(Pairs)))


def _no_pairs() -> Pairs:
    return _delta_pairs(_no_delta(), slice(None), np.zeros(0))


class _Change:
    """The pairs of one patch, as the keys it reached need them: the pairs `now` (valued with
    the documents' `norm` now), the changed documents' pairs as they were (`removed`) and as
    they are (`new`), and the other pairs whose value `flipped` (with their new values);
    whether each document is a report (`reported`, those removed from the end too) and was one
    (`was_reported`)."""

    def __init__(self, now: _StatePairs, norm: np.ndarray, removed: Pairs, flipped: Pairs,
                 new: Pairs, before: int, documents: int, reported: np.ndarray,
                 was_reported: np.ndarray):
        self.now, self.norm, self.removed, self.new = now, norm, removed, new
        self.flipped = flipped
        self.before, self.documents = before, documents
        self.reported, self.was_reported = reported, was_reported

    def parts(self, remade: np.ndarray, parts: KeyParts, names: list[str]) -> KeyParts:
        """The parts of the keys `remade` now (held by some document). A key in most documents
        before and after has its characters of the changed documents replaced and its counts
        moved, and keeps its best documents unless a changed one is or would be among them;
        any other key is made again from its pairs."""
        held = self.now.held(remade)
        where = np.minimum(np.searchsorted(parts.key_ids, remade), max(len(parts) - 1, 0))
        was_dense = np.zeros(len(remade), dtype=bool)
        if len(parts):
            was_dense = (parts.key_ids[where] == remade) & parts.dense()[where]
        dense = was_dense & (held * 2 > self.documents)
        patched = _DensePatch(self, remade[dense], where[dense], parts)
        again = np.union1d(remade[~dense & (held > 0)], patched.top_changed)
        # a range of keys' pairs at a time (a report added to 10,000 is among the best of the
        # 2,400 keys in most documents: 20 million pairs at once took 300 MB)
        counts = np.cumsum(held[np.searchsorted(remade, again)])  # (`again`: some of `remade`)
        cuts = np.searchsorted(counts, np.arange(PART, int(counts[-1]) if len(counts) else 0,
                                                 PART), side="right")
        made = KeyParts.joined(
            KeyParts.of(_tables(self.now.of_keys(keys, self.norm),
                                self.reported[:self.documents]), names)
            for keys in np.split(again, np.unique(cuts)) if len(keys))
        return made.replaced(np.zeros(0, dtype=np.int32), patched.parts())


class _DensePatch:
    """Keys in most documents before and after a change (one character a document): each
    changed document's character replaced and the counts moved. Their best documents stay
    unless a changed document is or would be among them: those keys are `top_changed`, to be
    made again from their pairs."""

    def __init__(self, change: _Change, keys: np.ndarray, where: np.ndarray, parts: KeyParts):
        self.keys, self.hashes = keys, parts.hashes[where]
        new, width = change.new, change.documents + 1
        added = "A" * (change.documents - change.before)  # (documents added: not there)
        # (documents removed after the others: their characters cut off below)
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
        # (a removed pair counted as the kind its document was: a report dated before others
        # moves them, and where households and reports meet, a number changes kind)
        is_report = np.concatenate([change.was_reported[removed.numbers],
                                    change.reported[flipped.numbers],
                                    change.reported[new.numbers]])
        mine = np.isin(key_ids, keys)
        key_ids, numbers, values, counted, is_report = (
            a[mine] for a in (key_ids, numbers, values, counted, is_report))
        which = np.searchsorted(keys, key_ids)
        texts = np.frombuffer(bytearray(b"".join(  # (writable, copied once)
            (parts.postings_of(w) + added)[:width].encode() for w in where.tolist())),
            dtype=np.uint8)
        here = numbers < change.documents
        texts[which[here] * width + 1 + numbers[here]] = np.where(
            values[here] < 0, ord("A"), ALPHABET_CODES[np.maximum(values[here], 0)])
        self.texts, self.width = texts, width
        moved = [np.bincount(which[is_report == kind], weights=counted[is_report == kind],
                             minlength=len(keys)).astype(np.int64).tolist()
                 for kind in (True, False)]
        self.summaries, top_changed = [], []
        order = np.argsort(which, kind="stable")
        bounds = np.searchsorted(which[order], np.arange(len(keys) + 1)).tolist()
        for number, index in enumerate(where.tolist()):
            reports, households, top = json.loads(parts.value(index))
            mine = order[bounds[number]:bounds[number + 1]]
            if _top_stays(top, numbers[mine].tolist(), values[mine].tolist(),
                          change.reported):
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
                     self.texts[n * width:(n + 1) * width].tobytes())
        return made.parts()


def _top_stays(top: str, numbers: list[int], values: list[int], reported: np.ndarray) -> bool:
    """Whether a key's best documents (`top`, as written) are still its best after the
    documents `numbers` changed to `values` (-1: no longer holding the key): none of them was
    among the best, none now beats the worst of the best, and the best were TOP."""
    best = decoded_top(top)
    if len(best) < TOP:
        return False
    held = {number for number, _ in best}
    def place(number: int, value: int) -> tuple[int, int]:
        return rank(number, value, reported), tie_order(number, reported)

    worst = max(place(number, value) for number, value in best)
    return not any(number in held or (value >= 0 and place(number, value) < worst)
                   for number, value in zip(numbers, values))


def _whole(meta: dict, pairs: _StatePairs, parts: dict, documents: int, digests: bytes,
           files: bytes, own: np.ndarray) -> bool:
    """Whether the state's files are all there as they were written (a file cut short by a
    full disk or a crash is not)."""
    keys, base, masked = len(parts["key_ids"]), pairs.base, pairs.masked
    starts = base.starts
    return (all(len(base.stored[name]) == meta["pairs"] for name in PAIR_TYPES)
            and len(starts) > 0 and starts[0] == 0 and starts[-1] == meta["pairs"]
            and len(masked) == meta["masked"] and int(masked.max(initial=-1)) < meta["pairs"]
            and all(len(array) == meta["delta"] for array in pairs.delta.values())
            and all(len(parts[name]) == keys for name in PART_TYPES
                    if name not in ("values", "postings"))
            and int(parts["value_ends"][-1] if keys else 0) == len(parts["values"])
            and int(parts["postings_ends"][-1] if keys else 0) == len(parts["postings"])
            and len(digests) == 20 * documents and len(meta["lengths"]) == documents
            and len(meta["blocks"]) == documents
            and len(files) == 16 * (meta["shards"] + len(own)))


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


def _tables(pairs: Pairs, reported: np.ndarray) -> Iterator[KeyTable]:
    """The postings of every key of `pairs`, a range of keys at a time (about PART pairs)."""
    start = 0
    while start < len(pairs):
        end = min(start + PART, len(pairs))
        if end < len(pairs):  # on to the end of the last key's pairs
            end = int(np.searchsorted(pairs.key_ids, pairs.key_ids[end - 1], side="right"))
        yield KeyTable(pairs.take(slice(start, end)), reported)
        start = end
