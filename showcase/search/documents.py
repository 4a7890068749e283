"""What the index sees of a report or a household: its fields, the pinyin a reader may type for
its names and places, and its body cut into blocks (so a phrase check or an excerpt downloads one
block, not the whole text)."""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
import os
import re
from collections.abc import Callable
from dataclasses import dataclass

from .. import pinyin
from ..memo import Held, Memo, digestible
from ..model import Household, HonourList, Report, Site
from ..slugs import SUFFIXES
from ..text import summarise
from .normalize import is_han, units

BLOCK_CHARACTERS = 320
"""A body block is about this long (a paragraph or two): an excerpt downloads one block."""
_SENTENCE_END = re.compile(r"(?<=[。！？；!?;\n])")


@dataclass
class SearchDocument:
    """One searchable thing (a report or a household) as the index sees it. `fields` are short
    (title, unit, region names, meta: category/tags or honour/list), `blocks` the body."""

    kind: str
    url: str
    date: str
    fields: dict[str, list[str]]
    blocks: list[str]
    opening: str
    pinyin: dict[str, list[str]]


_SYLLABLES: dict[str, tuple[str, ...]] = {}
"""Each text's syllables found in this process, and those earlier builds found (`Syllables`)."""
_FOUND_HERE: list[str] = []
"""The texts of `_SYLLABLES` found in this process since `syllables_found` was last asked (a
forked process starts with none)."""
os.register_at_fork(after_in_child=lambda: _FOUND_HERE.clear())


def _syllables(text: str) -> tuple[str, ...]:
    known = _SYLLABLES.get(text)
    if known is None:
        known = tuple(s for s in pinyin.syllables(text, errors="ignore") if s.isalpha())
        _SYLLABLES[text] = known
        _FOUND_HERE.append(text)
    return known


def syllables_found() -> dict[str, tuple[str, ...]]:
    """The syllables this process found since it was last asked: a worker making documents
    hands them to the build's process, which keeps them for the next build (`Syllables`)."""
    found = {text: _SYLLABLES[text] for text in _FOUND_HERE}
    _FOUND_HERE.clear()
    return found


def learn_syllables(found: dict[str, tuple[str, ...]]) -> None:
    """Take in syllables a worker found (`syllables_found`)."""
    _SYLLABLES.update(found)


class Syllables:
    """The syllables of titles and names earlier builds found, from the memo, and those this
    build adds, kept for the next: pypinyin takes most of a second to load its dictionary of
    phrases, and a build that reads one edited report again needs only the syllables of a
    title and places it has seen before."""

    def __init__(self, memo: Memo):
        self.memo, self.key = memo, memo.key("syllables")
        kept = memo.get(self.key) or {}
        _SYLLABLES.update(kept)
        self.count = len(kept)

    def keep(self) -> None:
        """Keep for the next build all the syllables this process knows, when the memo has
        fewer (new ones found, or a memo removed since an earlier build of the process)."""
        if len(_SYLLABLES) > self.count:
            self.memo.put(self.key, dict(_SYLLABLES))


@functools.lru_cache(maxsize=65536)
def name_pinyin(name: str) -> tuple[str, ...]:
    """Pinyin a reader may type for a place or a person: syllables, the name joined (溆浦 xupu),
    and the name without its suffix (xupuxian, xupu)."""
    syllables = _syllables(name)
    tokens = list(syllables)
    if len(syllables) > 1:
        tokens.append("".join(syllables))
    for suffix in SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            tokens.append("".join(_syllables(name[:-len(suffix)])))
            break
    return tuple(tokens)


def title_pinyin(title: str) -> list[str]:
    """Syllables of a title and each pair of neighbouring syllables (pingan, jiating)."""
    tokens = []
    for segment in units(title):
        syllables = _syllables("".join(c for c in segment if len(c) == 1 and is_han(c)))
        tokens += list(syllables) + [a + b for a, b in zip(syllables, syllables[1:])]
    return tokens


def split_blocks(text: str) -> list[str]:
    """The body in blocks of about BLOCK_CHARACTERS, cut only after a sentence or a line ends,
    so no phrase is ever cut in two (phrases never run across punctuation)."""
    blocks, current = [], ""
    for sentence in _SENTENCE_END.split(text):
        if current and len(current) + len(sentence) > BLOCK_CHARACTERS:
            blocks.append(current)
            current = ""
        current += sentence
    if current.strip():
        blocks.append(current)
    return [b.strip("\n") for b in blocks]


@dataclass(frozen=True)
class Searchable:
    """A searchable thing as every build needs it, cheap to make: its kind, place and facets,
    the fields phrases are drawn from, and a digest of everything its SearchDocument is made
    from. The document itself is made (`document`) only where its keys or files are made
    again: making every report's blocks, opening and pinyin, and digesting them, in every
    build cost seconds at 10,000 reports."""

    kind: str
    region: str
    meta: list[str]
    region_names: list[str]
    facets: dict[str, str]
    digest: bytes
    make: Callable[[], SearchDocument]

    @functools.cached_property
    def document(self) -> SearchDocument:
        return self.make()

    def let_go(self) -> None:
        """Forget the document made: the preview keeps searchables from one build to the next,
        but not every report's text in blocks."""
        self.__dict__.pop("document", None)


def _report_searchables(report: Report, site: Site) -> list[Searchable]:
    names = [r.name for r in site.regions.ancestors(report.region)]
    meta = [report.category, *report.tags, str(report.date.year)]
    digest = hashlib.blake2b(b"report" + report.digest + "\n".join(names).encode(),
                             digest_size=20).digest()
    return [Searchable("report", report.region, meta, names,
                       {"category": report.category, "year": str(report.date.year)}, digest,
                       functools.partial(_report_document, report, meta, names))]


def _report_document(report: Report, meta: list[str], names: list[str]) -> SearchDocument:
    return SearchDocument(
        kind="report", url=report.url, date=report.date.isoformat(),
        fields={"title": [report.title], "unit": [u for u in (report.unit, report.author) if u],
                "region": names, "meta": meta},
        blocks=split_blocks(report.text), opening=report.summary or summarise(report.text),
        pinyin={"pt": title_pinyin(report.title),
                "pg": [t for n in names for t in name_pinyin(n)]},
    )


def _household_searchables(honours: HonourList, site: Site) -> list[Searchable]:
    listed = digestible((honours.date, honours.year, honours.awarded_by, honours.honour,
                         honours.title))
    facets = {"honour": honours.honour, "year": str(honours.year)}
    listed_meta = [honours.honour, honours.title, str(honours.year)]
    # each place's names and their bytes, once for the list (its households share a few
    # villages; 100,000 searchables are made in every build)
    places: dict[str, tuple[list[str], bytes]] = {}
    searchables = []
    for household in honours.households:
        place = places.get(household.region)
        if place is None:
            names = [r.name for r in site.regions.ancestors(household.region)]
            place = places[household.region] = (names, "\n".join(names).encode())
        names = place[0]
        meta = [*listed_meta, *household.tags]
        digest = hashlib.blake2b(b"household" + household.digest + listed + place[1],
                                 digest_size=20).digest()
        searchables.append(Searchable(
            "household", household.region, meta, names, facets, digest,
            functools.partial(_household_document, household, honours, meta, names)))
    return searchables


def _household_document(household: Household, honours: HonourList, meta: list[str],
                        names: list[str]) -> SearchDocument:
    people = [household.name] + ([household.head] if household.head else [])
    date = honours.date.isoformat() if honours.date else str(honours.year)
    return SearchDocument(
        kind="household", url=household.url, date=date,
        fields={"title": people, "unit": [honours.awarded_by] if honours.awarded_by else [],
                "region": names, "meta": meta},
        blocks=[], opening=household.story_text,
        pinyin={"pt": [t for n in people for t in name_pinyin(n.removesuffix("家庭"))],
                "pg": [t for n in names for t in name_pinyin(n)]},
    )


def search_documents(site: Site, known: Held | None = None) -> list[Searchable]:
    """Reports and honour lists' households in the order they were published, the oldest
    first (a list without a date as of its year's end; a list before the reports of its day):
    a document's number is its place here, so a new report or honour list, the newest, takes
    the next numbers and leaves every other document's number, and with it its files and
    postings, as they were (the phrase list's sample, every so many reports from the oldest,
    stays the same too). Which numbers are reports the index says (`index._kind_runs`). Ranking
    breaks ties by `postings.tie_order`, not by the number alone: reports first, then
    households, the newest first in each. With `known` (the preview's, between its builds and
    quick searches: most reports and lists are the same objects from one to the next,
    memo.Held), the searchables of a report or honour list are made once for the object and
    the site's regions."""
    documents = []
    for source, make in _published_order(site):
        if known is None:
            documents += make(source, site)
            continue
        key = f"searchables {id(source)}"
        entry = known.get(key)  # kept with the objects: their identities are not taken over
        if entry is None or entry[0] is not source or entry[1] is not site.regions:
            entry = (source, site.regions, make(source, site))
        known.put(key, entry)
        documents += entry[2]
    return documents


def _published_order(site: Site) -> list[tuple[Report | HonourList, Callable]]:
    """The site's honour lists and reports, each with what makes its searchables, the oldest
    first (a stable sort: lists of a day as the site orders them, reports oldest first)."""
    sources = [(hl, _household_searchables) for hl in site.honour_lists] + \
        [(r, _report_searchables) for r in reversed(site.reports)]
    return sorted(sources, key=lambda source: _published(source[0]))


def _published(source: Report | HonourList) -> tuple[dt.date, int]:
    """When a report or honour list was published, for sorting."""
    if isinstance(source, Report):
        return source.date, 1
    return source.date or dt.date(source.year, 12, 31), 0
