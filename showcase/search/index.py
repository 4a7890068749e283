"""Builds the search index: per-key postings (document, weighted term frequency) sharded into small
script files, one data file per document (for checking phrases and cutting excerpts), the facet
table for filters, and the fold table. A query loads only the shards of its keys and the data of
the documents it shows."""
from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import dataclass, field

from pypinyin import Style, lazy_pinyin

from ..model import Household, HonourList, Report, Site
from ..privacy import unmask_stars
from ..slugs import SUFFIXES
from .normalize import document_keys, fold_table, is_han, unit_count, units

FIELD_WEIGHTS = {"title": 8, "unit": 3, "region": 0, "meta": 0, "body": 1, "pt": 8, "pg": 0}
"""Weights in a document's text frequency (the same in search.js): a word of the title counts as
eight of the text. Pinyin of the title or a household's name (pt) counts as the title; pinyin of
places (pg), the region and the meta fields count only through their flags below."""
FIELD_FLAGS = {"title": 1, "pt": 1, "unit": 2, "region": 4, "meta": 4, "pg": 4}
"""Which boosts a key earns in a document: in the title (1), the unit (2), the region or the
honour/category/tags (4). Stored beside the frequency so the browser ranks candidates nearly as
it will after reading them."""
DATA_KEYS = {"title": "ft", "unit": "fn", "region": "fg", "meta": "fm", "body": "fb"}
"""Short names of the fields in a document's data file (search.js reads the same names)."""
"""A word in the title counts as eight in the text: a report named for the query ranks first."""
K1, B = 1.2, 0.75
SHARD_BYTES = 8192
OWN_FILE_BYTES = 2048
"""Postings longer than this get a file of their own, so a rare key never waits on a common one."""
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_"
CALLBACK = "showcaseSearch.receive"


@dataclass
class SearchDocument:
    """One searchable thing (a report or a household) as the index sees it."""

    kind: str
    url: str
    title: str
    date: str
    region: str
    fields: dict[str, str]
    pinyin: dict[str, list[str]]
    data: dict = field(default_factory=dict)
    facets: dict[str, str] = field(default_factory=dict)


def fnv1a(text: str) -> int:
    """32-bit FNV-1a over code points, computed the same way in search.js."""
    value = 0x811C9DC5
    for char in text:
        value = ((value ^ ord(char)) * 0x01000193) & 0xFFFFFFFF
    return value


def encode_number(value: int) -> str:
    """A number as base-64 digits, five bits each, low bits first; the last digit is below 32."""
    out = []
    while value >= 32:
        out.append(ALPHABET[32 + (value & 31)])
        value >>= 5
    out.append(ALPHABET[value])
    return "".join(out)


_SMALL = [encode_number(n) for n in range(1024)]
"""Most gaps between documents of a key are small: encoded once."""


def _name_pinyin(name: str) -> list[str]:
    """Pinyin a reader may type for a place or a person: syllables, the name joined (溆浦 xupu),
    and the name with its suffix (xupuxian)."""
    syllables = [s for s in lazy_pinyin(name, style=Style.NORMAL, errors="ignore") if s.isalpha()]
    tokens = list(syllables)
    if len(syllables) > 1:
        tokens.append("".join(syllables))
    for suffix in SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            proper = [s for s in lazy_pinyin(name[:-len(suffix)], style=Style.NORMAL,
                                              errors="ignore") if s.isalpha()]
            tokens.append("".join(proper))
            break
    return tokens


def _title_pinyin(title: str) -> list[str]:
    """Syllables of a title and each pair of neighbouring syllables (pingan, jiating)."""
    tokens = []
    for segment in units(title):
        run = [c for c in segment if len(c) == 1 and is_han(c)]
        syllables = [s for s in lazy_pinyin("".join(run), style=Style.NORMAL) if s.isalpha()]
        tokens += syllables + [a + b for a, b in zip(syllables, syllables[1:])]
    return tokens


def _report_document(report: Report, site: Site) -> SearchDocument:
    names = [r.name for r in site.regions.ancestors(report.region)]
    return SearchDocument(
        kind="report", url=report.url, title=report.title, date=report.date.isoformat(),
        region=report.region,
        fields={"title": report.title, "unit": f"{report.unit} {report.author}",
                "region": " ".join(names),
                "meta": " ".join([report.category, *report.tags, str(report.date.year)]),
                "body": report.text},
        pinyin={"pt": _title_pinyin(report.title),
                "pg": [t for n in names for t in _name_pinyin(n)]},
        facets={"category": report.category, "year": str(report.date.year)},
    )


def _household_document(household: Household, honours: HonourList,
                        site: Site) -> SearchDocument:
    names = [r.name for r in site.regions.ancestors(household.region)]
    people = [household.name] + ([household.head] if household.head else [])
    date = honours.date.isoformat() if honours.date else str(honours.year)
    return SearchDocument(
        kind="household", url=household.url, title=household.name, date=date,
        region=household.region,
        fields={"title": " ".join(people), "unit": honours.awarded_by, "region": " ".join(names),
                "meta": " ".join([honours.honour, honours.title, str(honours.year),
                                  *household.tags]),
                "body": household.story_text},
        pinyin={"pt": [t for n in people for t in _name_pinyin(n.removesuffix("家庭"))],
                "pg": [t for n in names for t in _name_pinyin(n)]},
        facets={"honour": honours.honour, "year": str(honours.year)},
    )


def search_documents(site: Site) -> list[SearchDocument]:
    """Reports newest first, then households by list; a document's number is its place here,
    so a lower number is the newer report (the tie-breaker of ranking)."""
    documents = [_report_document(r, site) for r in site.reports]
    for honours in site.honour_lists:
        documents += [_household_document(h, honours, site) for h in honours.households]
    return documents


def _length(document: SearchDocument) -> int:
    """A document's length in units (title and text), for BM25's length normalisation."""
    return max(1, unit_count(document.fields["title"]) + unit_count(document.fields["body"]))


def _weighted_counts(document: SearchDocument) -> tuple[Counter, Counter]:
    """Per key: weighted frequency and boost flags."""
    counts: Counter = Counter()
    flags: Counter = Counter()
    keyed = {name: document_keys(text) for name, text in document.fields.items()}
    keyed.update(document.pinyin)
    for name, keys in keyed.items():
        weight, flag = FIELD_WEIGHTS[name], FIELD_FLAGS.get(name, 0)
        if weight:
            counts.update({key: n * weight for key, n in Counter(keys).items()})
        for key in set(keys):
            counts[key] += 0  # a key of a boost-only field still files the document
            flags[key] |= flag
    return counts, flags


def _postings(documents: list[SearchDocument]) -> tuple[dict[str, str], float]:
    """Each key's documents in order, as (gap, flags and saturated frequency in sevenths) pairs;
    and the average document length, which the browser needs to score the same way."""
    lengths = [_length(d) for d in documents]
    average = sum(lengths) / max(len(lengths), 1)
    parts: dict[str, list[str]] = {}
    last: dict[str, int] = {}
    for number, document in enumerate(documents):  # one at a time: a site's counts at once
        counts, flags = _weighted_counts(document)  # would take gigabytes
        norm = K1 * (1 - B + B * lengths[number] / average)
        for key, frequency in counts.items():
            sevenths = round(frequency * 7 / (frequency + norm))  # saturated, in sevenths of K1+1
            gap = number - last.get(key, -1) - 1
            last[key] = number
            parts.setdefault(key, []).append(
                (_SMALL[gap] if gap < 1024 else encode_number(gap)) +
                ALPHABET[sevenths | flags[key] << 3])
    return {key: "".join(entries) for key, entries in parts.items()}, average


def _script(name: str, payload) -> bytes:
    body = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return unmask_stars(f'{CALLBACK}("{name}",{body});\n').encode("utf-8")


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


def build_search_files(site: Site) -> list[tuple[str, bytes]]:
    """Every file of search/ except the page itself, as (output path, bytes)."""
    documents = search_documents(site)
    postings, average = _postings(documents)
    small = {k: v for k, v in postings.items() if len(v) <= OWN_FILE_BYTES}
    size = sum(len(k.encode()) + len(v) + 6 for k, v in small.items())
    shard_count = max(1, math.ceil(size / SHARD_BYTES))
    shards: list[dict] = [{} for _ in range(shard_count)]
    files = []
    for key, value in postings.items():
        hashed = fnv1a(key)
        if key in small:
            shards[hashed % shard_count][key] = value
        else:
            shards[hashed % shard_count][key] = 0
            files.append((f"search/b/{hashed:08x}.js", _script(f"b/{hashed:08x}", value)))
    files += [(f"search/k/{n}.js", _script(f"k/{n}", shard)) for n, shard in enumerate(shards)]
    for number, document in enumerate(documents):
        data = {"u": document.url, "k": document.kind[0], "t": document.title,
                "d": document.date, "g": document.region,
                **{name: " ".join(tokens) for name, tokens in document.pinyin.items()},
                **{DATA_KEYS[name]: text for name, text in document.fields.items()}}
        files.append((f"search/t/{number}.js", _script(f"t/{number}", data)))
    reports = sum(1 for d in documents if d.kind == "report")
    files.append(("search/m.js", _script("m", {
        "documents": len(documents), "reports": reports, "shards": shard_count,
        "average": round(average, 2)})))
    files.append(("search/f.js", _script("f", _facet_table(documents, site))))
    table = fold_table()
    files.append(("search/fold.js", _script("fold", "".join(s + t for s, t in table.items()))))
    return files
