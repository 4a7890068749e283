"""What the last build's index was made of, kept in the site's `.cache/search/`: every
(key, document) pair sorted as the postings are, each key's part of the files (shards.py) and
what the files were. A build whose documents are the last build's, in the same order, with some
of them changed, takes the pairs of those out, puts their new ones in, and makes again only the
parts of the keys that changed: the index of a site of 10,000 reports is not assembled anew for
one edited report. Anything else (a document added, removed or moved, another phrase list, a
new memo) is a build from the start.

The pairs' key numbers are the memo's (vocabulary.py), so the state is valid only beside the
memo it was made with: a token kept in both says so."""
from __future__ import annotations

import dataclasses
import json
import os
import secrets
import shutil
from pathlib import Path

import numpy as np

from ..memo import Memo
from .postings import PART, KeyTable, Pairs, norms, values_of
from .shards import IndexFiles, KeyParts
from .vocabulary import NumberedKeys

FOLDER = "search"
PAIR_TYPES = {"key_ids": np.int32, "numbers": np.int32, "frequencies": np.uint16,
              "flags": np.uint8, "hints": np.uint16, "values": np.uint8}
PART_TYPES = {"key_ids": np.int32, "hashes": np.uint32, "sizes": np.int64,
              "values": np.uint8, "value_ends": np.int64, "postings": np.uint8,
              "postings_ends": np.int64}


@dataclasses.dataclass
class Documents:
    """The documents an index was made of: each one's digest (what its record was filed under),
    kind and body length."""

    digests: list[bytes]
    report_flags: list[bool]
    lengths: list[int]


class StateWriter:
    """A new state, written as the build makes it (the pairs a range at a time, never all
    held) into a folder of its own, and put in place by `finish`."""

    def __init__(self, memo: Memo):
        self.memo = memo
        self.final = memo.folder / FOLDER
        for leftover in memo.folder.glob(f"{FOLDER}.*-*"):  # of builds stopped midway
            shutil.rmtree(leftover, ignore_errors=True)
        self.folder = memo.folder / f"{FOLDER}.new-{os.getpid()}"
        self.folder.mkdir(parents=True)
        self.files = {name: open(self.folder / f"pairs.{name}", "wb") for name in PAIR_TYPES}
        self.pairs = 0

    def add(self, pairs: Pairs) -> None:
        for name, file in self.files.items():
            getattr(pairs, name).astype(PAIR_TYPES[name], copy=False).tofile(file)
        self.pairs += len(pairs)

    def finish(self, documents: Documents, phrases: str, parts: KeyParts,
               files: IndexFiles) -> None:
        for file in self.files.values():
            file.close()
        for field in dataclasses.fields(parts):
            value = getattr(parts, field.name)
            (np.frombuffer(value, dtype=np.uint8) if isinstance(value, bytes) else value).astype(
                PART_TYPES[field.name], copy=False).tofile(self.folder / f"parts.{field.name}")
        np.array(files.own, dtype=np.int32).tofile(self.folder / "own")
        (self.folder / "digests").write_bytes(b"".join(documents.digests))
        (self.folder / "files").write_bytes(b"".join(files.shard_digests + files.own_digests))
        token = secrets.token_hex(16)
        meta = {"token": token, "phrases": phrases, "pairs": self.pairs,
                "report_flags": documents.report_flags, "lengths": documents.lengths,
                "shards": files.shards}
        (self.folder / "meta.json").write_text(json.dumps(meta), "utf-8")
        retired = self.final.with_name(f"{FOLDER}.old-{os.getpid()}")
        try:
            os.rename(self.final, retired)
        except OSError:
            pass  # none yet
        os.rename(self.folder, self.final)
        shutil.rmtree(retired, ignore_errors=True)
        self.memo.put(self.memo.key("search state"), token)

    def abandon(self) -> None:
        for file in self.files.values():
            file.close()
        shutil.rmtree(self.folder, ignore_errors=True)


@dataclasses.dataclass
class IndexState:
    documents: Documents
    pairs: Pairs
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
                    or memo.get(memo.key("search state")) != meta["token"]):
                return None
            pairs = Pairs(**{name: np.fromfile(folder / f"pairs.{name}", dtype=kind)
                             for name, kind in PAIR_TYPES.items()})
            parts = {name: np.fromfile(folder / f"parts.{name}", dtype=kind)
                     for name, kind in PART_TYPES.items()}
            parts["values"], parts["postings"] = (parts["values"].tobytes(),
                                                  parts["postings"].tobytes())
            own = np.fromfile(folder / "own", dtype=np.int32)
            digests = (folder / "digests").read_bytes()
            files = (folder / "files").read_bytes()
        except (OSError, ValueError, KeyError, TypeError):
            return None
        if not _whole(meta, pairs, parts, len(report_flags), digests, files, own):
            return None
        file_digests = [files[n:n + 16] for n in range(0, len(files), 16)]
        return cls(Documents([digests[n:n + 20] for n in range(0, len(digests), 20)],
                             report_flags, meta["lengths"]),
                   pairs, KeyParts(**parts),
                   IndexFiles(meta["shards"], file_digests[:meta["shards"]], own,
                              file_digests[meta["shards"]:]))

    def changed(self, digests: list[bytes]) -> list[int]:
        """The numbers of the documents that changed since."""
        return [number for number, (before, now) in enumerate(zip(self.documents.digests,
                                                                    digests)) if before != now]

    def patched(self, records: dict[int, NumberedKeys], names: list[str]
                ) -> tuple[Pairs, list[int], np.ndarray, KeyParts]:
        """The pairs with the documents of `records` changed to them, the documents' lengths,
        the numbers of the keys whose parts had to be made again, and every key's part."""
        documents = self.documents
        lengths = list(documents.lengths)
        for number, record in records.items():
            lengths[number] = record.length
        old_norm = norms(documents.lengths, documents.report_flags)
        norm = norms(lengths, documents.report_flags)
        gone = np.zeros(len(lengths), dtype=bool)
        gone[list(records)] = True
        removed = gone[self.pairs.numbers]
        remade = [self.pairs.key_ids[removed]]
        pairs = self.pairs.take(np.flatnonzero(~removed))
        new = _pairs_of(records, norm)
        remade.append(new.key_ids)
        low = np.searchsorted(pairs.key_ids, new.key_ids, side="left")
        high = np.searchsorted(pairs.key_ids, new.key_ids, side="right")
        numbers = pairs.numbers
        at = [start + int(np.searchsorted(numbers[start:end], number)) for start, end, number in
              zip(low.tolist(), high.tolist(), new.numbers.tolist())]
        pairs = Pairs(*(np.insert(getattr(pairs, f.name), at, getattr(new, f.name))
                        for f in dataclasses.fields(pairs)))
        if not np.array_equal(old_norm[~gone], norm[~gone]):  # the average length moved
            values = np.empty_like(pairs.values)
            for start in range(0, len(pairs), PART):
                part = slice(start, start + PART)
                values[part] = values_of(pairs.frequencies[part], pairs.flags[part],
                                         norm[pairs.numbers[part]])
            remade.append(pairs.key_ids[values != pairs.values])
            pairs = dataclasses.replace(pairs, values=values)
        remade = np.unique(np.concatenate(remade))
        tables = _tables(pairs, remade, len(lengths), sum(documents.report_flags))
        return pairs, lengths, remade, self.parts.replaced(remade, KeyParts.of(tables, names))


def _whole(meta: dict, pairs: Pairs, parts: dict, documents: int, digests: bytes, files: bytes,
           own: np.ndarray) -> bool:
    """Whether the state's files are all there as they were written (a file cut short by a
    full disk or a crash is not)."""
    keys = len(parts["key_ids"])
    return (all(len(getattr(pairs, name)) == meta["pairs"] for name in PAIR_TYPES)
            and all(len(parts[name]) == keys for name in PART_TYPES
                    if name not in ("values", "postings"))
            and int(parts["value_ends"][-1] if keys else 0) == len(parts["values"])
            and int(parts["postings_ends"][-1] if keys else 0) == len(parts["postings"])
            and len(digests) == 20 * documents and len(meta["lengths"]) == documents
            and len(files) == 16 * (meta["shards"] + len(own)))


def _pairs_of(records: dict[int, NumberedKeys], norm: np.ndarray) -> Pairs:
    """The pairs of some documents' records, sorted."""
    arrays = {name: [] for name in PAIR_TYPES if name != "values"}
    for number, record in records.items():
        key_ids = np.frombuffer(record.numbers, dtype=np.int32)
        arrays["key_ids"].append(key_ids)
        arrays["numbers"].append(np.full(len(key_ids), number, dtype=np.int32))
        arrays["frequencies"].append(np.frombuffer(record.frequencies, dtype=np.uint16))
        arrays["flags"].append(np.frombuffer(record.flags, dtype=np.uint8))
        arrays["hints"].append(np.frombuffer(record.hints, dtype=np.uint16))
    joined = {name: np.concatenate(parts) if parts else np.zeros(0, dtype=PAIR_TYPES[name])
              for name, parts in arrays.items()}
    order = np.lexsort((joined["numbers"], joined["key_ids"]))
    joined = {name: array[order] for name, array in joined.items()}
    return Pairs(**joined, values=values_of(joined["frequencies"], joined["flags"],
                                            norm[joined["numbers"]]))


def _tables(pairs: Pairs, key_ids: np.ndarray, documents: int, reports: int):
    """The postings of the keys `key_ids`, a few at a time (about PART pairs)."""
    low = np.searchsorted(pairs.key_ids, key_ids, side="left")
    high = np.searchsorted(pairs.key_ids, key_ids, side="right")
    held = high > low
    low, high = low[held], high[held]
    first = 0
    sizes = (high - low).tolist()
    while first < len(low):
        last, total = first, 0
        while last < len(low) and (total == 0 or total + sizes[last] <= PART):
            total += sizes[last]
            last += 1
        index = np.concatenate([np.arange(a, b) for a, b in zip(low[first:last].tolist(),
                                                                high[first:last].tolist())])
        yield KeyTable(pairs.take(index), documents, reports)
        first = last
