"""The site model: plain frozen data (reports, honour lists, households, regions, terms, pages).

Built from validated input without any I/O, so a test can make a whole site from strings; the
renderer receives it whole and can render any one page alone.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import pickle
import zlib
from dataclasses import dataclass, field
from typing import Any

from .config import SiteConfig
from .markup import TocEntry


def content_digest(value) -> bytes:
    """A digest of what a report, household or honour list holds, made once when it is made and
    kept with it (also in the memo): the page record compares every page by what it shows
    (dependencies.py), and pickling each report's text and HTML for that in every build cost
    seconds at thousands of reports. Texts are digested as UTF-8, the parts that carry a
    digest of their own (a list's households) by it, the rest pickled with protocol 0
    (memo.digestible says why)."""
    digest = hashlib.blake2b(type(value).__name__.encode(), digest_size=20)
    rest = []
    for field_ in dataclasses.fields(value):
        item = getattr(value, field_.name)
        if isinstance(item, (str, bytes)):
            data = item.encode() if isinstance(item, str) else item
            digest.update(b"%s:%d:" % (field_.name.encode(), len(data)) + data)
        elif isinstance(item, tuple) and item and all(isinstance(part, _Digested)
                                                       for part in item):
            digest.update(b"".join(part.digest for part in item))
        elif field_.name != "digest":
            rest.append((field_.name, item))
    digest.update(pickle.dumps(rest, protocol=0))
    return digest.digest()


class _Digested:
    """A frozen dataclass with its `digest` (content_digest) set as it is made, so that
    `dataclasses.replace` gives a copy with its own."""

    def __post_init__(self):
        object.__setattr__(self, "digest", content_digest(self))


DIGEST = field(default=b"", init=False, repr=False, compare=False)


def pack(text: str) -> bytes:
    """A report's HTML or text as the model holds it: UTF-8, compressed. The model holds every
    report while the pages are rendered, and a Chinese text as a Python string takes two bytes
    a character; packed, about half a byte, and it is read back (`unpack`) only for the few
    pages and search documents that show it."""
    return zlib.compress(text.encode(), 1)


def unpack(packed: bytes) -> str:
    return zlib.decompress(packed).decode()


COUNTY_DEPTH = 3
"""Province 1, city 2, county 3: the level the home page counts as 'counties covered'."""


@dataclass(frozen=True)
class Region:
    """One node of the administrative tree (行政区划): 湖南省/怀化市/溆浦县."""

    name: str
    path: str
    slug_path: str
    parent: str | None
    children: tuple[str, ...] = ()

    @property
    def depth(self) -> int:
        return self.path.count("/") + 1

    @property
    def url(self) -> str:
        return f"regions/{self.slug_path}/"


@dataclass(frozen=True)
class RegionTree:
    """All regions by path, in the authors' order (depth first)."""

    regions: dict[str, Region]
    failed: bool = False
    """regions.yaml could not be read: region checks are skipped (its error says why)."""
    positions: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "positions", {path: i for i, path in enumerate(self.regions)})
        object.__setattr__(self, "_lines", {})

    def __getstate__(self):
        """Pickled (for memo keys too) without the ancestors asked for so far (`_lines`)."""
        return {name: value for name, value in self.__dict__.items() if name != "_lines"}

    def __setstate__(self, state):
        self.__dict__.update(state, _lines={})

    def __contains__(self, path: str) -> bool:
        return path in self.regions

    def __getitem__(self, path: str) -> Region:
        return self.regions[path]

    def ancestors(self, path: str) -> tuple[Region, ...]:
        """The region and all above it, top first."""
        line = self._lines.get(path)
        if line is None:  # each region's asked for once (by every report and household)
            parts = path.split("/")
            line = tuple(self.regions["/".join(parts[:i])] for i in range(1, len(parts) + 1))
            self._lines[path] = line
        return line

    def roots(self) -> list[Region]:
        return [r for r in self.regions.values() if r.parent is None]

    def position(self, path: str) -> int:
        """Where the region stands in the authors' order, for sorting by region."""
        return self.positions[path]


@dataclass(frozen=True)
class Report(_Digested):
    """An experience report, typical case, plan, summary or news item (one Markdown file)."""

    source: str
    slug: str
    title: str
    unit: str
    date: dt.date
    region: str
    category: str
    packed_html: bytes
    """The body as HTML (`body_html`), packed."""
    packed_text: bytes
    """The body as plain text (`text`), packed: what search and summaries read."""
    author: str = ""
    tags: tuple[str, ...] = ()
    summary: str = ""
    featured: bool = False
    weight: int = 0
    cover: str = ""
    draft: bool = False
    toc: tuple[TocEntry, ...] = ()
    reading_minutes: int = 1
    digest: bytes = DIGEST

    @property
    def url(self) -> str:
        return f"reports/{self.slug}/"

    @property
    def body_html(self) -> str:
        return unpack(self.packed_html)

    @property
    def text(self) -> str:
        return unpack(self.packed_text)


@dataclass(frozen=True)
class Household(_Digested):
    """A model household (示范户) as one honour list names it."""

    id: str
    name: str
    region: str
    list_slug: str
    source: str
    line: int
    """Where its identity is written, for messages: its `id:` line, else its first line."""
    head: str = ""
    members: int | None = None
    tags: tuple[str, ...] = ()
    story_html: str = ""
    story_text: str = ""
    photo: str = ""
    id_derived: bool = True
    digest: bytes = DIGEST

    @property
    def url(self) -> str:
        return f"households/{self.id}/"


@dataclass(frozen=True)
class HonourList(_Digested):
    """A list of households on whom one title was conferred (名单), one YAML file."""

    slug: str
    source: str
    title: str
    honour: str
    year: int
    awarded_by: str
    date: dt.date | None
    households: tuple[Household, ...]
    document: str = ""
    digest: bytes = DIGEST

    @property
    def url(self) -> str:
        return f"honours/{self.slug}/"


@dataclass(frozen=True)
class Term:
    """A category, tag or year, with the published reports filed under it (newest first)."""

    kind: str
    name: str
    slug: str
    reports: tuple[Report, ...]

    @property
    def url(self) -> str:
        return f"{self.kind}/{self.slug}/"


@dataclass(frozen=True)
class Page:
    """One output file: where it goes, which template renders it, and what it shows."""

    url: str
    template: str
    context: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    @property
    def output_path(self) -> str:
        return self.url + "index.html" if self.url.endswith("/") or not self.url else self.url


@dataclass(frozen=True)
class Site:
    """The whole site, gathered before anything is rendered."""

    config: SiteConfig
    regions: RegionTree
    reports: tuple[Report, ...]
    honour_lists: tuple[HonourList, ...]
    categories: tuple[Term, ...]
    tags: tuple[Term, ...]
    years: tuple[Term, ...]
    region_reports: dict[str, tuple[Report, ...]]
    region_households: dict[str, tuple[Household, ...]]
    households_by_family: dict[tuple[str, str], tuple[Household, ...]]
    pages: tuple[Page, ...] = ()
