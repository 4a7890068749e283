"""Builds the search index the browser reads (static/js/search/), as small script files:

- `k/<n>.js` key shards: each key with its postings inline, or the number of its own file,
  how many reports and households hold it and its best documents;
- `p/<n>.js` postings of common keys: documents in order, each with its saturated frequency
  and which fields hold the key in one value character (a key in most documents: a value
  character for every document); inline postings also say which body block first holds it;
- `h/<n>.js` one head per document: what a result shows, the fields a phrase is checked
  against, and the opening; `x/<n>-<b>.js` its body blocks, fetched one at a time;
- `c/<n>.js` the Traditional-to-Simplified fold table by code-point page, for the query;
- `m.js` counts and lists, `f.js` the facet table for filters.

A query loads the shards and postings of its keys and, for the results it shows, their heads
and at most a block each: never a whole report."""
from __future__ import annotations

import bisect
import contextlib
import functools
import hashlib
import itertools
import re
from collections.abc import Callable, Collection, Iterator

import numpy as np

from .. import collector
from ..memo import Held, Memo
from ..model import Site
from ..parallel import in_order, in_order_chunks
from .documents import (Searchable, SearchDocument, Syllables, learn_syllables,
                        search_documents, syllables_found)
from .encode import encode_number, script
from .keys import document_record, document_records, document_text, with_phrases
from .lexicon import PhraseFinder, phrase_keys
from .normalize import fold_map, fold_table
from .postings import TRIMMED_EVERY, KeyTable, Postings
from .shards import IndexFiles, KeyParts, index_files
from .state import Documents, IndexState, StateWriter
from .vocabulary import NumberedKeys, Vocabulary, WorkerKeys, WorkerNumbers

FILES_HELD = 256
"""Changed documents whose files, made in workers ahead, wait for their turn in the documents'
order; with more changed, their files are made again then (a mass edit would hold them all)."""
NUMBERED_TOGETHER = 64
"""Records found in workers whose keys new to the vocabulary are numbered in one go."""
ASKED_TOGETHER = 256
"""Documents whose kept records are asked of the memo in one go (not all: they would all be
held at once, beside the postings gathered from them)."""
KEPT_TOGETHER = 256
"""Documents whose files are looked for in the previous output in one go."""
PATCHED_SHARE = 1 / 32
"""The share of the documents past which the last index is not patched with those changed but
made anew (a key held by any of them is made again from its pairs, one key at a time: at 10,000
reports, 1,700 changed took twice the time and four times the memory of making it anew)."""


class _Phrases:
    """The site's phrase list, its finder, and the lists earlier builds used (from the memo):
    a document's kept keys are mended by the phrases that came and went since, not found anew
    (a report edited in the sample the phrases are drawn from may change the list)."""

    def __init__(self, phrases: list[str], memo: Memo | None):
        self.finder, self.set, self.memo = PhraseFinder(phrases), set(phrases), memo
        self.digest = hashlib.blake2b("\n".join(phrases).encode(), digest_size=20).hexdigest()
        self.earlier: dict[str, set[str] | None] = {self.digest: self.set}
        if memo is not None:
            memo.put(memo.key("phrase list", self.digest.encode()), phrases)

    def list_of(self, digest: str) -> set[str] | None:
        if digest not in self.earlier:
            kept = self.memo.get(self.memo.key("phrase list", digest.encode()))
            self.earlier[digest] = None if kept is None else set(kept)
        return self.earlier[digest]


class _Records:
    """The documents' records in one build: kept ones from the memo (mended when the phrase
    list changed since, from the document's text made again: kept with each record, the texts
    were a quarter of what a first build stored and sent between its processes), found ones
    numbered (vocabulary.py) and kept."""

    def __init__(self, memo: Memo | None, phrases: _Phrases, digests: list[bytes],
                 wanted: list[int], vocabulary: Vocabulary):
        """`wanted`: the numbers of the documents whose records will be asked for, in order."""
        self.memo, self.phrases, self.vocabulary = memo, phrases, vocabulary
        self.digests, self.wanted = digests, wanted
        self.window: dict[int, object] = {}
        """Kept records of the documents wanted from the one asked for on, asked together."""

    def _kept(self, number: int):
        if number not in self.window:
            at = bisect.bisect_left(self.wanted, number)
            numbers = self.wanted[at:at + ASKED_TOGETHER]
            self.window = dict(zip(numbers, self.memo.get_each(
                [self.memo.key("search", self.digests[n]) for n in numbers])))
        return self.window.pop(number)

    def of(self, number: int, searchable: Searchable) -> NumberedKeys:
        """Document `number`'s record: kept from an earlier build when it read the same, else
        found."""
        memo, phrases, digest = self.memo, self.phrases, self.digests[number]
        kept = self._kept(number) if memo is not None else None
        if kept is not None:
            listed, record = kept
            if listed == phrases.digest:
                return record
            earlier = phrases.list_of(listed)
            if earlier is not None:
                mended = self.vocabulary.numbered(with_phrases(
                    self.vocabulary.named(record), document_text(searchable.document),
                    earlier - phrases.set, sorted(phrases.set - earlier)))
                if self.vocabulary.kept:
                    memo.put(memo.key("search", digest), (phrases.digest, mended))
                return mended
        return self.found(digest, self.vocabulary.numbered(document_record(
            searchable.document, phrases.finder)))

    def found(self, digest: bytes, numbered: NumberedKeys) -> NumberedKeys:
        """A record found anew, kept."""
        if self.memo is not None and self.vocabulary.kept:
            self.memo.put(self.memo.key("search", digest), (self.phrases.digest, numbered))
        return numbered


def _changed_since(earlier: IndexState, digests: list[bytes], phrases: _Phrases,
                   vocabulary: Vocabulary) -> list[int] | None:
    """The numbers of the documents whose records are not the last index's: changed, added
    after its documents, and those a phrase list changed since touches (`_touched`). None
    when that cannot be told (the last build's phrase list is no longer in the memo), or when
    they are more than PATCHED_SHARE of the documents (a report dated before the others moves
    every newer one)."""
    changed = set(earlier.changed(digests))
    if earlier.phrases != phrases.digest:
        before = phrases.list_of(earlier.phrases)
        if before is None:
            return None
        changed |= {number for number in _touched(earlier, before - phrases.set,
                                                  phrases.set - before, vocabulary)
                    if number < len(digests)}  # (not the last ones, removed)
    return sorted(changed) if len(changed) <= PATCHED_SHARE * len(digests) else None


def _touched(earlier: IndexState, gone: set[str], new: set[str],
             vocabulary: Vocabulary) -> set[int]:
    """The documents of the last index holding a phrase `gone`, or every neighbouring pair of
    a `new` one (a phrase is a run of Han characters, and a document holding it holds its
    pairs as keys): their keys change with the phrase list."""
    known = vocabulary.numbers
    gone_keys = [known[phrase] for phrase in gone if phrase in known]
    new_pairs = [[known.get(phrase[at:at + 2]) for at in range(len(phrase) - 1)]
                 for phrase in sorted(new)]
    new_pairs = [pairs for pairs in new_pairs if None not in pairs]  # (else none holds it)
    holders = earlier.holders(gone_keys + [key for pairs in new_pairs for key in pairs])
    touched = set()
    for key in gone_keys:
        touched.update(holders[key].tolist())
    for pairs in new_pairs:
        touched.update(functools.reduce(np.intersect1d, [holders[key] for key in pairs])
                       .tolist())
    return touched


def _document_file_names(number: int, blocks: int) -> list[str]:
    """A document's head and block files, as named in the index (search/<name>.js)."""
    return [f"h/{number}"] + [f"x/{number}-{block}" for block in range(blocks)]


_DOCUMENT_FILE = re.compile(r"search/[hx]/(\d+)(?:-\d+)?\.js")


def document_number(path: str) -> int | None:
    """The number of the document whose head or block file `path` is (None: another file)."""
    found = _DOCUMENT_FILE.fullmatch(path)
    return int(found[1]) if found else None


def _document_files(number: int, document: SearchDocument) -> list[tuple[str, bytes]]:
    """A document's head and blocks, as files (made in a worker, beside the document's record,
    when that is found in one)."""
    head = {"u": document.url, "k": document.kind[0], "d": document.date, "o": document.opening,
            "n": len(document.blocks),
            **{"f" + name[0]: values for name, values in document.fields.items()}}
    head["m"] = fold_map(document.opening, *[v for vs in document.fields.values() for v in vs])
    head_name, *block_names = _document_file_names(number, len(document.blocks))
    return [(f"search/{head_name}.js", script(head_name, head))] + [
        (f"search/{name}.js", script(name, {"b": text, "m": fold_map(text)}))
        for name, text in zip(block_names, document.blocks)]


def _facet_table(documents: list[Searchable], site: Site) -> dict:
    """Per document: category, honour, year and region numbers, for filters and their chips."""
    regions = {d.region for d in documents}  # (a few hundred places for 100,000 households)
    region_paths = sorted({r.path for path in regions for r in site.regions.ancestors(path)},
                          key=site.regions.position)
    region_number = {p: i for i, p in enumerate(region_paths)}
    table: dict = {"regions": [[site.regions[p].name, region_number.get(site.regions[p].parent, -1)]
                               for p in region_paths]}
    none = encode_number(0)  # (a document without the facet)
    for facet in ("category", "honour", "year"):
        values = sorted({d.facets[facet] for d in documents if facet in d.facets})
        if facet == "category":
            values = [c for c in site.config.categories if c in values]
        code = {v: encode_number(i + 1) for i, v in enumerate(values)}
        table[facet + "s"] = values
        table[facet] = "".join([code.get(d.facets.get(facet), none) for d in documents])
    code = {p: encode_number(region_number[p]) for p in regions}
    table["region"] = "".join([code[d.region] for d in documents])
    return table


def _kind_runs(report_flags: list[bool]) -> list[int]:
    """How the documents fall into households and reports, as the lengths of their runs in
    number order, households first (0 when the first is a report): a few numbers for the
    reader (rank.js), where a flag a document would be 100,000."""
    runs = [len(list(run)) for _, run in itertools.groupby(report_flags)]
    return [0, *runs] if not report_flags or report_flags[0] else runs


def _fold_pages() -> tuple[list[tuple[str, bytes]], list[int]]:
    """The fold table in pages of 256 code points: a query loads the pages of its characters."""
    pages: dict[int, str] = {}
    for source, target in fold_table().items():
        pages[ord(source) >> 8] = pages.get(ord(source) >> 8, "") + source + target
    return ([(f"search/c/{n}.js", script(f"c/{n}", pairs)) for n, pairs in sorted(pages.items())],
            sorted(pages))


def build_search_files(site: Site, memo: Memo | None = None, reuse=None, workers: int = 1,
                       quick: Collection[int] | None = None, known: Held | None = None,
                       write_ahead: Callable[[], Callable[[list], list]] | None = None,
                       pages_done: Callable[[], bool] = lambda: True,
                       ) -> Iterator[tuple[str, bytes]]:
    """Every file of search/ except the page itself, as (output path, bytes), each document's
    head and blocks as soon as it is read, the postings when all are. A document's keys found
    by an earlier build with the same phrases come from `memo`, and beside it the last build's
    index (state.py), changed only where documents changed; a file is not made when
    `reuse.keep_each(paths, digests)` keeps it from the previous output (asked for many files
    at once, those not kept returned; each made one is told to `reuse.note`). With `workers`
    > 1, the keys of documents the memo lacks are found in that many forked processes.
    `quick` (the preview's search after a save, before its whole build): the index made is
    not kept for the next build, and the files of documents the kept index holds as they are
    are left alone (the whole build that follows looks at them all), but for those numbered
    in `quick`, whose files earlier quick searches wrote over. `known`: the preview's
    searchables, kept from one build to the next (search_documents). `write_ahead()`
    (StagedOutput.writer_ahead, when the files go to a staging folder), called before the
    workers fork: the function with which a worker making a document's files in a first build
    of the index writes them there itself. `pages_done()`: whether the build's pages are all
    written (its process's core free for the workers making the key parts, _key_parts)."""
    with collector.paused():  # they live until the index is made
        documents = search_documents(site, known)
    # (not for a quick search: the preview has the syllables from its last whole build, and
    # the next one keeps any new ones)
    syllables = Syllables(memo) if memo is not None and quick is None else None
    try:
        with memo.batched() if memo is not None else contextlib.nullcontext(), \
                collector.freed_memory_reused():
            yield from _files_for(site, documents, memo, reuse, workers, quick, write_ahead,
                                  pages_done)
        if syllables is not None:
            syllables.keep()
    finally:
        if known is not None:
            for searchable in documents:
                searchable.let_go()


def _files_for(site: Site, documents: list[Searchable], memo: Memo | None, reuse, workers: int,
               quick: Collection[int] | None,
               write_ahead: Callable[[], Callable[[list], list]] | None,
               pages_done: Callable[[], bool]) -> Iterator[tuple[str, bytes]]:
    """(build_search_files, once its documents are listed)"""
    digests = [d.digest for d in documents]
    report_flags = [d.kind == "report" for d in documents]
    phrases = _Phrases(phrase_keys(documents, memo), memo)
    vocabulary = Vocabulary(memo)
    earlier = IndexState.load(memo, report_flags) if memo is not None else None
    wanted = (_changed_since(earlier, digests, phrases, vocabulary) if earlier is not None
              else None)
    if wanted is None:
        earlier, wanted = None, list(range(len(documents)))
    records = _Records(memo, phrases, digests, wanted, vocabulary)
    postings, blocks = Postings(memo.folder if memo is not None else None), []
    missing = [] if workers < 2 else _missing(wanted, digests, memo)
    numbering = WorkerNumbers()
    # made before the workers fork; not for changed documents, whose files may be made again
    # (FILES_HELD)
    write = write_ahead() if write_ahead is not None and earlier is None else None

    def found_ahead(numbers: list[int]) -> list[_FoundAhead]:  # in a worker, which makes
        made = [documents[number].document for number in numbers]  # the documents
        texts = [document_text(document) for document in made]
        syllables = [syllables_found()] + [{}] * (len(numbers) - 1)  # (as `made` found them)
        return [(record, write(files) if write is not None else files, found)
                for record, files, found in zip(
                    numbering.numbered_each(document_records(made, phrases.finder, texts)),
                    map(_document_files, numbers, made), syllables)]

    ahead = in_order_chunks(found_ahead, missing, workers)
    writer = None
    try:
        with contextlib.closing(ahead):
            found = _Found(missing, _numbered(records, digests, missing, ahead))
            made: dict[int, list | None] = {}
            if earlier is not None:  # the changed documents first: the last state is patched
                # with them (its pairs merged in a thread, when the changes have grown past a
                # share of them) while every document's files are looked at
                changed = {}
                for number in wanted:
                    changed[number], files = (found.get(number)
                                              or (records.of(number, documents[number]), None))
                    made[number] = files if len(wanted) <= FILES_HELD else None
                writer = _state_writer(memo, records, quick)
                lengths, remade, parts = earlier.patched(changed, records.vocabulary.keys,
                                                         writer)
            waiting: list[_Waiting] = []
            for number, searchable in enumerate(documents):
                if len(waiting) >= KEPT_TOGETHER:
                    yield from _documents_files(waiting, memo, reuse)
                    waiting = []
                files = None
                if earlier is None:
                    record, files = found.get(number) or (records.of(number, searchable), None)
                    postings.add(record, report_flags[number])
                    blocks.append(_blocks(searchable, files))
                elif number in made:
                    files = made.pop(number)
                    blocks.append(_blocks(searchable, files))
                else:  # the same document as the last build's
                    blocks.append(earlier.documents.blocks[number])
                    if quick is not None and number not in quick:
                        continue
                waiting.append((number, searchable, blocks[-1], files))
            yield from _documents_files(waiting, memo, reuse)
        names = records.vocabulary.keys
        if earlier is None:
            writer = _state_writer(memo, records, quick)
            lengths = postings.lengths
            parts = _key_parts(postings, names, writer, np.array(report_flags, dtype=bool),
                               workers if pages_done() else 1)
            del postings  # the gathered pairs go once the parts are made
            remade = np.zeros(0, dtype=np.int32)
        index_made: list[IndexFiles] = []
        yield from index_files(parts, names, earlier and earlier.files, remade, reuse,
                               index_made)
        fold_files, fold_pages = _fold_pages()
        yield from fold_files
        yield "search/m.js", script("m", {
            "documents": len(documents),
            "kinds": "".join(encode_number(n) for n in _kind_runs(report_flags)),
            "shards": index_made[0].shards, "fold": "".join(encode_number(n) for n in fold_pages)})
        yield "search/f.js", script("f", _facet_table(documents, site))
        if writer is not None:
            writer.finish(Documents(digests, report_flags, lengths, blocks), phrases.digest,
                          parts, index_made[0])
            writer = None
    finally:
        if writer is not None:
            writer.abandon()


_FoundAhead = tuple[WorkerKeys, list, dict]
"""What a worker makes of a document: its record numbered by the worker, its files
(_document_files; each a write.Staged when the worker wrote it) and the syllables the worker
found making it (the first document of a chunk has those of the chunk)."""


def _numbered(records: _Records, digests: list[bytes], numbers: list[int],
              ahead: Iterator[_FoundAhead]) -> Iterator[tuple[NumberedKeys, list]]:
    """The records found ahead in workers, numbered as the build's (NUMBERED_TOGETHER at a
    time: their new keys in one go) and kept, each with its files."""
    results = zip(numbers, ahead)
    while group := list(itertools.islice(results, NUMBERED_TOGETHER)):
        numbered = records.vocabulary.translated_each([keys for _, (keys, *_) in group])
        for (number, (_, files, syllables)), record in zip(group, numbered):
            learn_syllables(syllables)
            yield records.found(digests[number], record), files


def _blocks(searchable: Searchable, files: list | None) -> int:
    """How many body blocks a document has (its files, when a worker made them: a head and
    its blocks; else the document, made here)."""
    return len(files) - 1 if files is not None else len(searchable.document.blocks)


def _state_writer(memo: Memo | None, records: _Records,
                  quick: Collection[int] | None) -> StateWriter | None:
    """The writer of the next build's state, when the records are numbered as the memo's and
    this is a whole build."""
    return StateWriter(memo) if (memo is not None and records.vocabulary.kept
                                 and quick is None) else None


def _key_parts(postings: Postings, names: list[str], writer: StateWriter | None,
               reported: np.ndarray, workers: int) -> KeyParts:
    """Every key's part, made a range of keys at a time in `workers` forked processes (once
    the documents' workers had ended and the build's pages were written, a first build's index
    made them alone, on one core: 4 s at 10,000 reports; with the pages still being written,
    as with many households, the workers only take the pages' core), each range's pairs
    written into the new state where they make it (StateWriter.placed)."""
    ranges = postings.ranges(len(names))
    counts = postings.pair_counts(len(names))
    starts = np.concatenate([[0], np.cumsum(counts)])
    write = writer.placed(counts) if writer is not None else None

    def made(keys: tuple[int, int]) -> tuple[bool, KeyParts]:
        pairs = postings.pairs_of(*keys)
        written = write is None or write(int(starts[keys[0]]), pairs)
        return written, KeyParts.of([KeyTable(pairs, reported)], names)

    def pieces() -> Iterator[KeyParts]:
        # one range at a time when not forked (all their pairs at once would be the peak)
        for number, (written, piece) in enumerate(
                in_order(made, ranges, workers, RANGES_FORKED_AT), 1):
            if not written:  # (a full disk: no state kept)
                writer.abandon()
            yield piece
            if number % TRIMMED_EVERY == 0:
                collector.release_free_memory()

    try:
        return KeyParts.joined(pieces())
    finally:
        postings.close()


RANGES_FORKED_AT = 8
"""Ranges of keys from which their parts are made in workers (each is some 30 ms of work)."""


def _missing(wanted: list[int], digests: list[bytes], memo: Memo | None) -> list[int]:
    """The numbers of the documents `wanted` whose keys the memo lacks (found in workers, ahead
    of the build's own loop)."""
    if memo is None:
        return wanted
    keys = [memo.key("search", digests[number]) for number in wanted]
    stored = memo.stored(keys)
    return [number for number, key in zip(wanted, keys) if key not in stored]


_Waiting = tuple[int, Searchable, int, "list[tuple[str, bytes]] | None"]
"""A document whose files are to be written or kept: its number, itself, its number of blocks
and its files, when made already (in a worker)."""


def _documents_files(documents: list[_Waiting], memo: Memo | None,
                     reuse) -> Iterator[tuple[str, bytes]]:
    """The documents' heads and blocks, less those kept from the previous output as they are
    (a document is made only when one of its files is not)."""
    if reuse is None:
        for number, searchable, _, made in documents:
            yield from made or _document_files(number, searchable.document)
        return
    base = memo.key("search files").encode()  # (the engine's, in the build's language)
    made_from = [hashlib.blake2b(b"%s%s%d" % (base, searchable.digest, number),
                                 digest_size=20).hexdigest()
                 for number, searchable, _, _ in documents]  # (each digest is 20 bytes)
    paths = [[f"search/{name}.js" for name in _document_file_names(number, blocks)]
             for number, _, blocks, _ in documents]
    missing = set(reuse.keep_each([path for names in paths for path in names],
                                  [digest for digest, names in zip(made_from, paths)
                                   for _ in names]))
    for (number, searchable, _, made), digest, names in zip(documents, made_from, paths):
        if missing.isdisjoint(names):
            continue
        for path, data in made or _document_files(number, searchable.document):
            if path in missing:
                reuse.note(path, digest)
                yield path, data


class _Found:
    """Records found ahead (in worker processes), taken in document order as the build
    reaches them."""

    def __init__(self, numbers: list[int], results: Iterator[tuple[NumberedKeys, list]]):
        self.numbers, self.results = set(numbers), results

    def get(self, number: int) -> tuple[NumberedKeys, list] | None:
        """The document's record and its files (see _document_files)."""
        return next(self.results) if number in self.numbers else None
