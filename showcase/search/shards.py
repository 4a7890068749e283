"""The key shards (`k/<n>.js`) and the postings files of common keys (`p/<n>.js`), made from
each key's part of the index (KeyParts): its postings inline, or its counts and best documents
beside a file of its own. The parts are kept key by key, so that a build that changed a few
documents makes again only the parts of the keys those hold, and writes again only the files
holding those parts."""
from __future__ import annotations

import hashlib
import json
import math
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from .encode import script, wrapped
from .postings import KeyTable

SHARD_BYTES = 2048
OWN_FILE_BYTES = 512
"""Postings longer than this get a file of their own (without block hints), so a rare key
never waits on a common one."""


def fnv1a(text: str) -> int:
    """32-bit FNV-1a over code points, computed the same way in static/js/search/load.js."""
    value = 0x811C9DC5
    for char in text:
        value = ((value ^ ord(char)) * 0x01000193) & 0xFFFFFFFF
    return value


@dataclass(frozen=True)
class KeyParts:
    """Every key's part, in the order of the keys' numbers: `values` holds each key's value in
    its shard one after another (a key with a file of its own: without the file's number, which
    depends on the others), `postings` the postings of those with a file of their own."""

    key_ids: np.ndarray
    """int32, ascending."""
    hashes: np.ndarray
    """uint32: each key's fnv1a, which says its shard."""
    sizes: np.ndarray
    """int64: what each key adds to the shards' size (0: it has a file of its own)."""
    values: bytes | bytearray
    """(Or the last build's, mapped from the state's file: state.py.)"""
    value_ends: np.ndarray
    postings: bytes | bytearray
    postings_ends: np.ndarray

    @classmethod
    def of(cls, tables: Iterable[KeyTable], names: list[str]) -> "KeyParts":
        """The parts of every key in `tables` (in the order of the keys' numbers; `names`: each
        key by its number)."""
        made = PartsBuilder()
        for table in tables:
            keys = []  # (key, place, postings, whether it has a file of its own)
            for key_id, place, _ in table:
                dense = table.is_dense(place)
                postings = table.dense(place).encode() if dense else table.entries_of(place)
                keys.append((key_id, place, postings, dense or len(postings) > OWN_FILE_BYTES))
            # the best documents of those with a file of their own, worked out at once
            owned = [place for _, place, _, own in keys if own]
            tops = dict(zip(owned, table.tops(owned)))
            for key_id, place, postings, own in keys:  # (in the order of their numbers)
                if own:
                    summary = json.dumps([*table.counts(place), tops[place]],
                                         separators=(",", ":"))
                    made.add(key_id, fnv1a(names[key_id]), 0, summary.encode(), postings)
                else:
                    value = b'["%s","%s"]' % (postings, table.hints_of(place))
                    made.add(key_id, fnv1a(names[key_id]),
                             len(names[key_id].encode()) + len(value) + 1, value, b"")
        return made.parts()

    @classmethod
    def joined(cls, pieces: Iterable["KeyParts"]) -> "KeyParts":
        """Parts made a range of keys at a time (KeyParts.of each), in the order given, as one
        (each piece let go as soon as it is taken in)."""
        made = PartsBuilder()
        for piece in pieces:
            made.extend(piece)
        return made.parts()

    def __len__(self) -> int:
        return len(self.key_ids)

    def value(self, index: int) -> bytes:
        return self.values[self.value_ends[index - 1] if index else 0:self.value_ends[index]]

    def dense(self) -> np.ndarray:
        """Whether each key is written one character a document (postings.KeyTable.dense: its
        postings begin with "=")."""
        ends = self.postings_ends
        starts = np.concatenate([[0], ends[:-1]]).astype(np.int64)
        first = np.frombuffer(self.postings, dtype=np.uint8)[np.minimum(
            starts, max(len(self.postings) - 1, 0))] if len(self.postings) else starts
        return (self.sizes == 0) & (ends > starts) & (first == ord("="))

    def postings_of(self, index: int) -> str:
        ends = self.postings_ends
        return self.postings[ends[index - 1] if index else 0:ends[index]].decode()

    def replaced(self, remade: np.ndarray, new: "KeyParts") -> "KeyParts":
        """These parts with those of the keys `remade` (numbers) replaced by `new` (a key of
        `remade` not in `new` is held by no document any more)."""
        kept = np.flatnonzero(~np.isin(self.key_ids, remade))
        key_ids = np.concatenate([self.key_ids[kept], new.key_ids])
        order = np.argsort(key_ids, kind="stable")
        source = (order >= len(kept)).astype(np.int8)  # 0: kept from self, 1: from new
        index = np.where(source == 0, kept[np.minimum(order, len(kept) - 1)] if len(kept) else 0,
                         order - len(kept))
        both = (self, new)
        return KeyParts(
            key_ids[order], np.concatenate([self.hashes[kept], new.hashes])[order],
            np.concatenate([self.sizes[kept], new.sizes])[order],
            *_gathered([p.values for p in both], [p.value_ends for p in both], source, index),
            *_gathered([p.postings for p in both], [p.postings_ends for p in both], source, index))


class PartsBuilder:
    """Parts as they are made, key by key, in the order of the keys' numbers (a first build
    of 10,000 reports makes 90,000 keys' parts, 43 MB: kept in arrays, and not copied once
    made)."""

    def __init__(self):
        self.key_ids, self.hashes, self.sizes = array("i"), array("I"), array("q")
        self.values, self.value_ends = bytearray(), array("q")
        self.postings, self.postings_ends = bytearray(), array("q")

    def add(self, key_id: int, hash_: int, size: int, value: bytes, postings: bytes) -> None:
        self.key_ids.append(key_id)
        self.hashes.append(hash_)
        self.sizes.append(size)
        self.values += value
        self.value_ends.append(len(self.values))
        self.postings += postings
        self.postings_ends.append(len(self.postings))

    def extend(self, parts: KeyParts) -> None:
        """Add the parts of keys numbered after those added so far."""
        self.key_ids.frombytes(parts.key_ids.tobytes())
        self.hashes.frombytes(parts.hashes.tobytes())
        self.sizes.frombytes(parts.sizes.tobytes())
        self.value_ends.frombytes((parts.value_ends + len(self.values)).tobytes())
        self.values += parts.values
        self.postings_ends.frombytes((parts.postings_ends + len(self.postings)).tobytes())
        self.postings += parts.postings

    def parts(self) -> KeyParts:
        return KeyParts(np.frombuffer(self.key_ids, dtype=np.int32),
                        np.frombuffer(self.hashes, dtype=np.uint32),
                        np.frombuffer(self.sizes, dtype=np.int64), self.values,
                        np.frombuffer(self.value_ends, dtype=np.int64), self.postings,
                        np.frombuffer(self.postings_ends, dtype=np.int64))


def _gathered(buffers: list[bytes], ends: list[np.ndarray], source: np.ndarray,
              index: np.ndarray) -> tuple[bytes, np.ndarray]:
    """The pieces `index` of `buffers[source]` (each buffer cut at its `ends`) one after
    another, and where each ends: copied a run of neighbouring pieces at a time."""
    if not len(index):
        return b"", np.zeros(0, dtype=np.int64)
    starts = [np.concatenate([[0], e[:-1]]) if len(e) else e for e in ends]
    lengths = np.zeros(len(index), dtype=np.int64)
    for number, buffer_ends in enumerate(ends):
        mine = source == number
        lengths[mine] = buffer_ends[index[mine]] - starts[number][index[mine]]
    breaks = np.flatnonzero((np.diff(source) != 0) | (np.diff(index) != 1)) + 1
    first, last = np.concatenate([[0], breaks]), np.concatenate([breaks, [len(index)]]) - 1
    views, pieces = [memoryview(buffer) for buffer in buffers], []
    for low, high in zip(first.tolist(), last.tolist()):
        number = int(source[low])
        pieces.append(views[number][int(starts[number][index[low]]):
                                    int(ends[number][index[high]])])
    return b"".join(pieces), np.cumsum(lengths)


def shard_count(parts: KeyParts) -> int:
    """Enough shards for SHARD_BYTES of keys each, rounded up to one of eight to sixteen steps
    between two powers of two: a key's shard is its hash modulo the count, so a count moved by
    one puts nearly every key in another shard and every shard is written again (2,900 files at
    10,000 reports); a step is a sixteenth to an eighth of the count, which an edited or added
    report (a few hundred bytes, some ten kilobytes) seldom crosses."""
    needed = max(1, math.ceil(int(parts.sizes.sum()) / SHARD_BYTES))
    step = 1 << max(0, needed.bit_length() - 4)
    return -(-needed // step) * step


@dataclass(frozen=True)
class IndexFiles:
    """What the shards and postings files of one build were: the shard count, each shard's
    digest, the keys with a file of their own in the order of their files, and each file's
    digest. The next build keeps a file that holds no changed key."""

    shards: int
    shard_digests: list[bytes]
    own: np.ndarray
    own_digests: list[bytes]


def _digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


def index_files(parts: KeyParts, names: list[str], earlier: IndexFiles | None,
                remade: np.ndarray, reuse, made: list[IndexFiles]) -> Iterator[tuple[str, bytes]]:
    """The postings files, then the shards, less those kept from the previous output: with
    `earlier` (the last build's) a file none of whose keys was `remade` is kept when
    `reuse.keep_each` finds it as it was made. What the files are now is appended to `made` once
    they are all given."""
    own = np.flatnonzero(parts.sizes == 0)
    own = own[np.argsort(np.array([names[k] for k in parts.key_ids[own].tolist()],
                                  dtype=object), kind="stable")]
    own_ids = parts.key_ids[own]
    changed = set(remade.tolist())
    own_number = dict(zip(own.tolist(), range(len(own))))
    own_digests = []
    kept = _kept_each(reuse, {
        f"search/p/{number}.js": earlier.own_digests[number]
        for number, key_id in enumerate(own_ids.tolist())
        if key_id not in changed and number < len(earlier.own) and earlier.own[number] == key_id
    } if earlier is not None else {})
    for number, index in enumerate(own.tolist()):
        path = f"search/p/{number}.js"
        if path in kept:
            own_digests.append(kept[path])
            continue
        data = script(f"p/{number}", parts.postings_of(index))
        own_digests.append(_noted(reuse, path, data))
        yield path, data
    count = shard_count(parts)
    shard_of = (parts.hashes % count).astype(np.int64)
    order = np.argsort(shard_of, kind="stable")
    bounds = np.searchsorted(shard_of[order], np.arange(count + 1)).tolist()
    same = earlier is not None and earlier.shards == count
    touched = set()
    if same:  # the shards of the remade keys (gone ones too) and of the renumbered own files
        touched = {fnv1a(names[key_id]) % count for key_id in remade.tolist()}
        was = dict(zip(earlier.own.tolist(), range(len(earlier.own))))
        touched.update(shard_of[index] for number, (index, key_id) in
                       enumerate(zip(own.tolist(), own_ids.tolist())) if was.get(key_id) != number)
    shard_digests = []
    kept = _kept_each(reuse, {f"search/k/{shard}.js": earlier.shard_digests[shard]
                              for shard in range(count) if shard not in touched} if same else {})
    for shard in range(count):
        path = f"search/k/{shard}.js"
        if path in kept:
            shard_digests.append(kept[path])
            continue
        members = sorted((names[parts.key_ids[index]], index)
                         for index in order[bounds[shard]:bounds[shard + 1]].tolist())
        text = ",".join(json.dumps(name, ensure_ascii=False) + ":" +
                        _value(parts, index, own_number.get(index)) for name, index in members)
        data = wrapped(f"k/{shard}", "{" + text + "}")
        shard_digests.append(_noted(reuse, path, data))
        yield path, data
    made.append(IndexFiles(count, shard_digests, own_ids, own_digests))


def _value(parts: KeyParts, index: int, own_number: int | None) -> str:
    value = parts.value(index).decode()
    return value if own_number is None else f"[{own_number},{value[1:]}"


def _kept_each(reuse, made_from: dict[str, bytes]) -> dict[str, bytes]:
    """Of the files `made_from` (each path with the digest of the file it was), those kept from
    the previous output as they were, asked in one go (thousands of shards and postings)."""
    if reuse is None or not made_from:
        return {}
    paths = list(made_from)
    missing = set(reuse.keep_each(paths, [made_from[path].hex() for path in paths]))
    return {path: made_from[path] for path in paths if path not in missing}


def _noted(reuse, path: str, data: bytes) -> bytes:
    digest = _digest(data)
    if reuse is not None:
        reuse.note(path, digest.hex())
    return digest
