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
import itertools
import math
import re
from collections import Counter
from collections.abc import Iterator

from ..model import Site
from .documents import SearchDocument, search_documents
from .encode import ALPHABET, decode_number, encode, encode_number, script
from .lexicon import phrase_finder, phrase_keys
from .normalize import document_keys, fold, fold_map, fold_table, unit_count

FLAG_TITLE, FLAG_PLACE, FLAG_META = 1, 2, 4
"""Which fields hold a key: the title (a household's name), the unit or region (the document's
own place), the meta fields (category, tags, honour, list title, year)."""
FIELD_FLAGS = {"title": FLAG_TITLE, "pt": FLAG_TITLE, "unit": FLAG_PLACE, "region": FLAG_PLACE,
               "pg": FLAG_PLACE, "meta": FLAG_META}
K1, B = 1.2, 0.75
TITLE_BONUS, PLACE_BONUS, HOUSEHOLD_PLACE_BONUS, META_BONUS = 3, 1.5, 1, 0.5
"""A key in the title or name, the unit or region (a report's own place counts more than a
household's), the meta fields: what static/js/search/rank.js adds to the text's frequency."""
SHARD_BYTES = 2048
OWN_FILE_BYTES = 512
"""Postings longer than this get a file of their own (without block hints), so a rare key
never waits on a common one."""
TOP = 32
"""A key with a file of its own also keeps its best documents in its shard, with their block
hints: a search for one common word ranks those and never loads the whole list."""


def _score(value: int, report: bool) -> float:
    """A document's score for a key from its posting value (rank.js termScore, without idf)."""
    flags = value >> 3
    return ((value & 7) / 7 * (K1 + 1) + (TITLE_BONUS if flags & FLAG_TITLE else 0)
            + ((PLACE_BONUS if report else HOUSEHOLD_PLACE_BONUS) if flags & FLAG_PLACE else 0)
            + (META_BONUS if flags & FLAG_META else 0))


_SCORES = {kind: [_score(value, kind) for value in range(64)] for kind in (True, False)}


def fnv1a(text: str) -> int:
    """32-bit FNV-1a over code points, computed the same way in static/js/search/load.js."""
    value = 0x811C9DC5
    for char in text:
        value = ((value ^ ord(char)) * 0x01000193) & 0xFFFFFFFF
    return value


def _body(document: SearchDocument) -> list[str]:
    """The texts a document's body is matched in: a report's blocks, a household's story."""
    return document.blocks if document.kind == "report" else [document.opening]


class _Postings:
    """Postings gathered one document at a time (a whole site's counts at once would take
    gigabytes). Per key one list: [last document, encoded entries, their block hints, how many],
    the entries and hints as bytes (one byte a character: a few bytes an entry, not an object)."""

    def __init__(self, documents: list[SearchDocument], phrases: list[str]):
        self.keyed: dict[str, list] = {}
        self.documents = len(documents)
        self.reports = sum(1 for d in documents if d.kind == "report")
        self.report_counts: dict[str, int] = {}
        self.find_phrases = phrase_finder(phrases)
        self.lengths = [sum(map(unit_count, _body(d))) for d in documents]
        self.average = {}
        for kind in ("report", "household"):
            lengths = [n for n, d in zip(self.lengths, documents) if d.kind == kind]
            self.average[kind] = max(1.0, sum(lengths) / max(1, len(lengths)))

    def keys(self, text: str) -> list[str]:
        return document_keys(text) + self.find_phrases(fold(text))

    def add(self, number: int, document: SearchDocument) -> None:
        counts: Counter = Counter()
        first_block: dict[str, int] = {}
        blocks = _body(document)
        for block_number in range(len(blocks) - 1, -1, -1):  # the first block a key is in wins
            keys = self.keys(blocks[block_number])
            counts.update(keys)
            first_block.update(dict.fromkeys(keys, block_number + 1))
        flags: Counter = Counter()
        for name, values in document.fields.items():
            for key in set(self.keys(" | ".join(values))):
                flags[key] |= FIELD_FLAGS[name]
        for name, tokens in document.pinyin.items():
            for key in set(tokens):
                flags[key] |= FIELD_FLAGS[name]
        norm = K1 * (1 - B + B * self.lengths[number] / self.average[document.kind])
        sevenths = {f: math.ceil(f * 7 / (f + norm)) for f in set(counts.values())}
        sevenths[0] = 0
        keyed, counts_get, flags_get, first_get = self.keyed, counts.get, flags.get, first_block.get
        for key in counts.keys() | flags.keys():
            value = sevenths[counts_get(key, 0)] | flags_get(key, 0) << 3
            hint = first_get(key, 0)
            state = keyed.get(key)
            if state is None:
                state = keyed[key] = [-1, bytearray(), bytearray(), 0]
            state[1] += _number_bytes(number - state[0] - 1)
            state[1] += _VALUE_BYTES[value]
            state[2] += _number_bytes(hint)
            state[0] = number
            state[3] += 1
        if number + 1 == self.reports:
            self.report_counts = {key: state[3] for key, state in keyed.items()}

    def top(self, key: str) -> str:
        """The key's best documents (ties: the lower number), in order, with block hints.
        Scores take few values, so the best are found a value at a time, the lowest numbers
        first, without scoring every entry one by one."""
        _, entries, hints, _ = self.keyed[key]
        pairs = _ENTRY.findall(entries)
        numbers = list(itertools.accumulate([_step(gap) for gap, _ in pairs], initial=-1))[1:]
        values = b"".join(value for _, value in pairs)
        split = bisect.bisect_left(numbers, self.reports)  # reports come first
        classes = sorted(((-_SCORES[report][_VALUE_OF[char]], report, char)
                          for report, part in ((True, values[:split]), (False, values[split:]))
                          for char in set(part)))
        chosen: list[int] = []
        for score in sorted({c[0] for c in classes}):
            found = []
            for _, report, char in (c for c in classes if c[0] == score):
                start, end = (0, split) if report else (split, len(values))
                at, taken = values.find(char, start, end), 0
                while at >= 0 and taken < TOP:  # the lowest numbers of this value
                    found.append(at)
                    taken += 1
                    at = values.find(char, at + 1, end)
            chosen += sorted(found)[:TOP - len(chosen)]
            if len(chosen) >= TOP:
                break
        hint_list = _NUMBER.findall(hints)
        out, last = [], -1
        for index in sorted(chosen):
            out.append(encode(numbers[index] - last - 1) + chr(values[index]) + hint_list[index].decode())
            last = numbers[index]
        return "".join(out)

    def counts(self, key: str) -> list[int]:
        """How many reports and households hold the key."""
        reports = self.report_counts.get(key, 0)
        return [reports, self.keyed[key][3] - reports]


_NUMBER_BYTES = [encode(n).encode() for n in range(1024)]
_VALUE_BYTES = [char.encode() for char in ALPHABET]
_ENDS, _GOES_ON = (re.escape(ALPHABET[:32].encode()), re.escape(ALPHABET[32:].encode()))
_NUMBER = re.compile(b"[" + _GOES_ON + b"]*[" + _ENDS + b"]")
_ENTRY = re.compile(b"([" + _GOES_ON + b"]*[" + _ENDS + b"])(.)", re.DOTALL)
"""An entry: a number (digits of 32 and above go on, one below ends it), then a value."""
_STEPS = {encode(n).encode(): n + 1 for n in range(1024)}
"""A small gap's encoding to the step it makes (gap + 1)."""
_VALUE_OF = {ord(char): value for value, char in enumerate(ALPHABET)}
"""A value character's code (what indexing bytes gives) to the value."""


def _number_bytes(value: int) -> bytes:
    return _NUMBER_BYTES[value] if value < 1024 else encode_number(value).encode()


def _step(gap: bytes) -> int:
    return _STEPS.get(gap) or decode_number(gap.decode()) + 1


def _dense(entries: bytes, documents: int) -> str:
    """A key in most documents as one value character per document ("A", value 0: not there),
    after "=": about half the size of its entries."""
    out = bytearray(b"A" * documents)
    number = -1
    for gap, value in _ENTRY.findall(entries):
        number += _step(gap)
        out[number] = value[0]
    return "=" + out.decode()


def _shards(postings: _Postings) -> tuple[list[tuple[str, bytes]], int]:
    """Key shards and postings files; keys are spread over shards by their hash."""
    inline, own = {}, []
    for key, (_, entries, hints, count) in postings.keyed.items():
        if count * 2 > postings.documents:
            own.append((key, _dense(entries, postings.documents)))
        elif len(entries) <= OWN_FILE_BYTES:
            inline[key] = [entries.decode(), hints.decode()]
        else:
            own.append((key, entries.decode()))
    size = sum(len(k.encode()) + len(v[0]) + len(v[1]) + 8 for k, v in inline.items())
    count = max(1, math.ceil(size / SHARD_BYTES))
    shards: list[dict] = [{} for _ in range(count)]
    for key, value in inline.items():
        shards[fnv1a(key) % count][key] = value
    files = []
    for number, (key, value) in enumerate(sorted(own)):
        shards[fnv1a(key) % count][key] = [number, *postings.counts(key), postings.top(key)]
        files.append((f"search/p/{number}.js", script(f"p/{number}", value)))
    files += [(f"search/k/{n}.js", script(f"k/{n}", shard)) for n, shard in enumerate(shards)]
    return files, count


def _document_files(number: int, document: SearchDocument) -> list[tuple[str, bytes]]:
    head = {"u": document.url, "k": document.kind[0], "d": document.date, "o": document.opening,
            "n": len(document.blocks),
            **{"f" + name[0]: values for name, values in document.fields.items()}}
    head["m"] = fold_map(document.opening, *[v for vs in document.fields.values() for v in vs])
    files = [(f"search/h/{number}.js", script(f"h/{number}", head))]
    for block_number, text in enumerate(document.blocks):
        name = f"x/{number}-{block_number}"
        files.append((f"search/{name}.js", script(name, {"b": text, "m": fold_map(text)})))
    return files


def _facet_table(documents: list[SearchDocument], site: Site) -> dict:
    """Per document: category, honour, year and region numbers, for filters and their chips."""
    region_paths = sorted({p for d in documents for p in _with_ancestors(d.region)},
                          key=site.regions.position)
    region_number = {p: i for i, p in enumerate(region_paths)}
    table: dict = {"regions": [[site.regions[p].name, region_number.get(site.regions[p].parent, -1)]
                               for p in region_paths]}
    for facet in ("category", "honour", "year"):
        values = sorted({d.facets[facet] for d in documents if facet in d.facets})
        if facet == "category":
            values = [c for c in site.config.categories if c in values]
        number = {v: i for i, v in enumerate(values)}
        table[facet + "s"] = values
        table[facet] = "".join(encode_number(number[d.facets[facet]] + 1 if facet in d.facets
                                             else 0) for d in documents)
    table["region"] = "".join(encode_number(region_number[d.region]) for d in documents)
    return table


def _with_ancestors(path: str) -> list[str]:
    parts = path.split("/")
    return ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]


def _fold_pages() -> tuple[list[tuple[str, bytes]], list[int]]:
    """The fold table in pages of 256 code points: a query loads the pages of its characters."""
    pages: dict[int, str] = {}
    for source, target in fold_table().items():
        pages[ord(source) >> 8] = pages.get(ord(source) >> 8, "") + source + target
    return ([(f"search/c/{n}.js", script(f"c/{n}", pairs)) for n, pairs in sorted(pages.items())],
            sorted(pages))


def build_search_files(site: Site) -> Iterator[tuple[str, bytes]]:
    """Every file of search/ except the page itself, as (output path, bytes), each document's
    head and blocks as soon as it is read, the postings when all are."""
    documents = search_documents(site)
    phrases = phrase_keys(documents)
    postings = _Postings(documents, phrases)
    for number, document in enumerate(documents):
        postings.add(number, document)
        yield from _document_files(number, document)
    shard_files, shard_count = _shards(postings)
    fold_files, fold_pages = _fold_pages()
    yield from shard_files + fold_files
    yield "search/m.js", script("m", {
        "documents": len(documents), "reports": postings.reports, "shards": shard_count,
        "fold": "".join(encode_number(n) for n in fold_pages)})
    yield "search/f.js", script("f", _facet_table(documents, site))
