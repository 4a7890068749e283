"""What the index sees of a report or a household: its fields, the pinyin a reader may type for
its names and places, and its body cut into blocks (so a phrase check or an excerpt downloads one
block, not the whole text)."""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from pypinyin import Style, lazy_pinyin

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
    region: str
    fields: dict[str, list[str]]
    blocks: list[str]
    opening: str
    pinyin: dict[str, list[str]]
    facets: dict[str, str] = field(default_factory=dict)


@functools.lru_cache(maxsize=65536)
def _syllables(text: str) -> tuple[str, ...]:
    return tuple(s for s in lazy_pinyin(text, style=Style.NORMAL, errors="ignore") if s.isalpha())


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


def _report_document(report: Report, site: Site) -> SearchDocument:
    names = [r.name for r in site.regions.ancestors(report.region)]
    return SearchDocument(
        kind="report", url=report.url, date=report.date.isoformat(),
        region=report.region,
        fields={"title": [report.title], "unit": [u for u in (report.unit, report.author) if u],
                "region": names,
                "meta": [report.category, *report.tags, str(report.date.year)]},
        blocks=split_blocks(report.text), opening=report.summary or summarise(report.text),
        pinyin={"pt": title_pinyin(report.title),
                "pg": [t for n in names for t in name_pinyin(n)]},
        facets={"category": report.category, "year": str(report.date.year)},
    )


def _household_document(household: Household, honours: HonourList,
                        site: Site) -> SearchDocument:
    names = [r.name for r in site.regions.ancestors(household.region)]
    people = [household.name] + ([household.head] if household.head else [])
    date = honours.date.isoformat() if honours.date else str(honours.year)
    return SearchDocument(
        kind="household", url=household.url, date=date,
        region=household.region,
        fields={"title": people, "unit": [honours.awarded_by] if honours.awarded_by else [],
                "region": names,
                "meta": [honours.honour, honours.title, str(honours.year), *household.tags]},
        blocks=[], opening=household.story_text,
        pinyin={"pt": [t for n in people for t in name_pinyin(n.removesuffix("家庭"))],
                "pg": [t for n in names for t in name_pinyin(n)]},
        facets={"honour": honours.honour, "year": str(honours.year)},
    )


def search_documents(site: Site) -> list[SearchDocument]:
    """Reports newest first, then households by list; a document's number is its place here,
    so a lower number is the newer report (the tie-breaker of ranking)."""
    documents = [_report_document(r, site) for r in site.reports]
    for honours in site.honour_lists:
        documents += [_household_document(h, honours, site) for h in honours.households]
    return documents
