"""What each page shows, as a digest: a page whose digest is the one its file was rendered with
last time is not rendered again, its file is kept (the build cache's page record, render.py).

A page's digest covers the templates, the engine, the site's settings, and everything in the
page's context, reports and households whole. Templates are watched as they render
(`Recording`): the attributes of `site` a page reads (the section menu reads site.categories,
the home page site.honour_lists) join its digest, and so do the reports of a category or tag
when the page reads them (a list of terms shows their counts); otherwise a term on a page
counts for its name and address, which is what a report page shows of its tags. The static
files a page links to (render.context_for notes them) count for where they are published, and
no other file does: a photo added for one household changes no other page (a picture's
published name is made of its bytes, and its copies of them: the page's own data names it).
Another page (the sitemap) counts for its address."""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from pathlib import Path

import jinja2

from .cache import digest_files, engine_digest
from .memo import digestible
from .model import HonourList, Household, Page, Report, Site, Term


DIGESTED = (Report, Household, HonourList)
"""Parts of the model that carry their own digest, made with them (model.content_digest)."""


LONG = 32
"""Lists at least this long are digested once by identity (`PageDigests.long`), and so are the
tuples a page's context holds (a region's ancestors, the breadcrumb of every page in it)."""


class Recording(jinja2.Environment):
    """A Jinja environment that notes, for the page being rendered, which attributes of the
    site and which terms' reports its templates read."""

    reads: set[tuple[str, str]] | None = None

    def getattr(self, obj, attribute):
        # (some seventy a page: the attribute is taken here, Jinja's own way only when the
        # object has none)
        kind = type(obj)
        if self.reads is not None and (kind is Site or kind is Term):
            if kind is Site:
                self.reads.add(("site", attribute))
            elif attribute == "reports":
                self.reads.add((obj.kind, obj.slug))
        try:
            return getattr(obj, attribute)
        except AttributeError:
            return super().getattr(obj, attribute)


class PageDigests:
    """Digests of a site's pages; parts shared by many pages are digested once."""

    def __init__(self, site: Site, template_dirs: tuple[Path, ...], assets, options: dict):
        self.site = site
        self.known: dict[tuple[int, frozenset | None], bytes] = {}
        """Digests of the site's objects by identity (they live as long as the build), and for
        those holding terms, by what the page reads of terms."""
        self.long: dict[tuple[int, frozenset], tuple[object, bytes, int]] = {}
        """Digests of long lists (a listing's page addresses, a term's reports, shared by many
        pages) and of the context's tuples, by identity, each kept with its list so that no
        other can take its identity."""
        self.terms_seen = 0
        self.terms: dict[tuple[int, bool], bytes] = {}
        """Each term as pages show it, by identity and whether its reports count."""
        self.site_parts: dict[tuple[str, frozenset], bytes] = {}
        self.reads: dict[frozenset, tuple[frozenset, bytes]] = {}
        """What pages' digests take of each way of reading (`_reads`)."""
        self.dataclasses: set[type] = set()
        """The kinds of dataclass met (Region, Pager...), known at once the next time."""
        digest = hashlib.blake2b(digest_size=20)
        digest.update(engine_digest().encode())
        digest_files(digest, list(template_dirs))
        digest.update(digestible((site.config, sorted(options.items()))))
        self.shared = digest.digest()
        self.static = assets.static

    def of(self, page: Page, reads: frozenset[tuple[str, str]]) -> str:
        """The page's digest, given what its templates read when it was last rendered."""
        deep, site_parts = self._reads(reads)
        parts = [self.shared, f"{page.url}\0{page.template}\0".encode()]
        for name, value in page.context.items():
            kind = type(value)
            parts += (name.encode(), value.digest if kind in DIGESTED else
                      self._by_identity(value, deep) if kind is tuple else self._value(value, deep))
        parts.append(site_parts)
        return hashlib.blake2b(b"".join(parts), digest_size=20).hexdigest()

    def _reads(self, reads: frozenset[tuple[str, str]]) -> tuple[frozenset, bytes]:
        """What a page's digest takes of what its templates read: which terms' reports
        (`deep`), and the attributes of the site and where the static files are published,
        digested. Most pages read as many others did (100,000 household pages, one way):
        worked out once for each way."""
        known = self.reads.get(reads)
        if known is None:
            deep = frozenset(read for read in reads if read[0] not in ("site", "asset"))
            known = self.reads[reads] = (deep, b"".join(
                name.encode() + (self._site_part(name, deep) if kind == "site"
                                 else self._value(self.static.get(name), deep))
                for kind, name in sorted(reads) if kind in ("site", "asset")))
        return known

    def _site_part(self, name: str, deep: frozenset) -> bytes:
        """An attribute of the site (the same for every page reading it), digested once."""
        known = self.site_parts.get((name, deep))
        if known is None:
            known = hashlib.blake2b(self._value(getattr(self.site, name, None), deep),
                                    digest_size=20).digest()
            self.site_parts[(name, deep)] = known
        return known

    def _value(self, value, deep: frozenset) -> bytes:
        kind = type(value)
        if kind in DIGESTED:  # most values of most pages (a list's reports)
            return value.digest
        if isinstance(value, str):  # (the commonest of the rest)
            data = value.encode()
            return b"s%d:" % len(data) + data
        if kind is int:  # (as below, sooner: a region page's counts)
            return b"int:%d;" % value
        if kind in self.dataclasses:  # (as below, sooner: a region's children, a pager)
            return self._dataclass(value, deep)
        if kind is Page:  # (its address, as a tuple of it would be: the sitemap's 127,000)
            url, template = value.url.encode(), value.template.encode()
            return b"[s%d:%bs%d:%b]" % (len(url), url, len(template), template)
        if kind is Term:  # (a report page's category and tags)
            self.terms_seen += 1
            whole = (value.kind, value.slug) in deep
            known = self.terms.get((id(value), whole))
            if known is None:  # (its reports hold no term: the same whatever else is deep)
                known = self._value((value.kind, value.name, value.slug,
                                     value.reports if whole else ()), deep)
                self.terms[(id(value), whole)] = known
            return known
        if isinstance(value, (int, float, bool, type(None), dt.date)):
            return f"{kind.__name__}:{value!r};".encode()
        if isinstance(value, (list, tuple)):
            if len(value) < LONG:
                return b"[" + self._items(value, deep) + b"]"
            return self._by_identity(value, deep)
        if isinstance(value, dict):
            return b"{" + b"".join(self._value(k, deep) + self._value(v, deep)
                                   for k, v in value.items()) + b"}"
        if dataclasses.is_dataclass(value):
            self.dataclasses.add(kind)
            return self._dataclass(value, deep)
        return hashlib.blake2b(digestible(value), digest_size=20).digest()

    def _dataclass(self, value, deep: frozenset) -> bytes:
        known = self.known.get((id(value), None)) or self.known.get((id(value), deep))
        if known is None:
            terms_before = self.terms_seen
            fields = [getattr(value, f.name) for f in dataclasses.fields(value)]
            known = hashlib.blake2b(type(value).__name__.encode() + self._value(fields, deep),
                                    digest_size=20).digest()
            # a value holding no term is the same whatever the page reads of terms
            self.known[(id(value), deep if self.terms_seen > terms_before else None)] = known
        return known

    def _items(self, values: list | tuple, deep: frozenset) -> bytes:
        """The items of a list, each as `_value` gives it (the reports most lists hold taken
        without a call each: 170,000 of them in the pages of 10,000 reports)."""
        return b"".join([item.digest if type(item) in DIGESTED else self._value(item, deep)
                         for item in values])

    def _by_identity(self, value: list | tuple, deep: frozenset) -> bytes:
        """A list or tuple shared by many pages, digested once (`long`)."""
        known = self.long.get((id(value), deep))
        if known is None:
            terms_before = self.terms_seen
            digest = hashlib.blake2b(b"[" + self._items(value, deep) + b"]",
                                     digest_size=20).digest()
            known = (value, digest, self.terms_seen - terms_before)
            self.long[(id(value), deep)] = known
        else:  # the terms in it count as seen again (see the dataclasses below)
            self.terms_seen += known[2]
        return known[1]
