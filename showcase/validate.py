"""Validate stage: every input file checked into typed objects, every problem of the build
collected (Zola's messages, MkDocs' collected config errors) before anything is rendered."""
from __future__ import annotations

import datetime as dt
import hashlib
import posixpath
from dataclasses import dataclass, replace

from .assets import Assets, Lookups, plan_assets
from .config import SiteConfig, parse_config
from .errors import Problems
from .honours import read_honour_list, refuse_duplicate_households
from .i18n import _
from .load import SiteSources, SourceText
from .memo import Memo, digestible, remembered, remembered_each
from .model import HonourList, RegionTree, Report
from .privacy import guard_file_name, masked, personal_data_in
from .regions import REGIONS_FILE, parse_regions
from .reports import (ReportSource, is_published, read_report, render_report, with_body,
                      without_body)
from .slugs import slugify


LISTS_FORKED_AT = 8
"""Honour lists to read from which they are read in worker processes: a list is tens or hundreds
of households, where a report is one text (parallel.FORK_AT_LEAST). 170 lists of 20,000
households were read in the build's own process, six seconds with the other core idle."""


@dataclass(frozen=True)
class Content:
    """The validated input of one build: what the model is made from."""

    config: SiteConfig
    regions: RegionTree
    reports: tuple[Report, ...]
    honour_lists: tuple[HonourList, ...]
    assets: Assets


def validate(sources: SiteSources, problems: Problems, *, include_drafts: bool = False,
             today: dt.date | None = None, memo: Memo | None = None, jobs: int = 1) -> Content:
    """Check everything; the returned content is only trustworthy if `problems` has no errors.
    A file checked by an earlier build against the same settings, and Markdown converted by
    one, are taken from `memo`; the rest is done in `jobs` processes when there is much of it."""
    today = today or dt.date.today()
    sources, config, checked = _guard_personal_data(sources, problems, memo, jobs)
    regions = remembered(memo, "regions", (sources.regions,), problems,
                         lambda found: parse_regions(sources.regions, found))
    if REGIONS_FILE in sources.unreadable:
        regions = replace(regions, failed=True)
    elif sources.regions is None and (sources.reports or sources.honour_lists):
        problems.error(REGIONS_FILE, 1, _("the site has no data/regions.yaml: every report "
                                          "and household names a region from it"))
    assets = plan_assets(sources)
    # the regions as the text they are made from, once: it is big
    regions_read = _digest(sources.regions, regions.failed)
    settings = _digest(config, regions_read)
    # each result keyed by the key of the one it is made from (and what else it reads)
    read_keys = [memo.key("report", checked[s.path].encode(), settings)
                 for s in sources.reports] if memo else []
    read_key_of = dict(zip((s.path for s in sources.reports), read_keys))
    source_of = {s.path: s for s in sources.reports}
    drafts = remembered_each(memo, read_keys, list(sources.reports),
                             lambda s, found: without_body(read_report(s, config, regions, found)),
                             problems, jobs)
    drafts = [r for r in drafts if r]
    published = _settle_slugs([r for r in drafts if is_published(r, include_drafts, today)],
                              problems)
    _refuse_duplicates([(r.fields["slug"], r.source, r.lines.get("slug", 1)) for r in published],
                       problems, _("duplicate slug '{key}': {first} already publishes "
                                   "reports/{key}/; set a different 'slug:' in one of them"))
    url_of = {r.source: f"reports/{r.fields['slug']}/" for r in published}
    # what links and pictures are found in, asked as each report and list is made: a kept one
    # holds while its questions have the same answers (a report as read is changed after only
    # by _settle_slugs: its own address joins its key)
    lookups = Lookups(assets, url_of)
    rendered_keys = [memo.key("rendered report", read_key_of[r.source].encode(),
                              url_of[r.source].encode()) for r in published] if memo else []
    reports = [report for report, _asked in remembered_each(
        memo, rendered_keys, published,
        lookups.noting(lambda r, found: render_report(with_body(r, source_of[r.source]),
                                                      lookups, found, memo)),
        problems, jobs, holds=lookups.holds)]
    list_keys = [memo.key("honour list", checked[s.path].encode(), regions_read)
                 for s in sources.honour_lists] if memo else []
    lists = remembered_each(
        memo, list_keys, list(sources.honour_lists),
        lookups.noting(lambda s, found: read_honour_list(s, regions, lookups, found, memo)),
        problems, jobs, LISTS_FORKED_AT, holds=lookups.holds)
    honour_lists = [hl for hl, _asked in lists if hl is not None]
    _refuse_duplicates([(hl.slug, hl.source, 1) for hl in honour_lists], problems,
                       _("duplicate honour list address '{key}': {first} already publishes "
                         "honours/{key}/; rename one of the two files"))
    refuse_duplicate_households(honour_lists, problems)
    _warn_unpublished(drafts, published, problems, include_drafts)
    return Content(config, regions, tuple(reports), tuple(honour_lists), assets)


def _digest(*values) -> bytes:
    """What a file is checked against (settings, regions, files), digested once for all."""
    return hashlib.blake2b(digestible(values)).digest()


def _guard_personal_data(sources: SiteSources, problems: Problems, memo: Memo | None,
                         jobs: int) -> tuple[SiteSources, SiteConfig, dict[str, str]]:
    """Look for personal data in every text and file name before anything is parsed, so that
    with privacy: mask nothing downstream ever sees the real number. Also returned: each
    report's and honour list's memo key for the check (empty without a memo), of which the
    later stages' keys are made (the masked text is the source, the settings and the check's
    findings)."""
    checked: dict[str, str] = {}
    settings = parse_config(sources.config, Problems(), "site.yaml" in sources.unreadable)
    mode, allowed = settings.privacy, settings.allowed_numbers()
    guard = _digest(mode, sorted(allowed))

    def guarded(texts: list[SourceText]) -> list[SourceText]:
        keys = [memo.key("personal data", guard, s.path.encode(), _content_of(s))
                for s in texts] if memo else []
        checked.update(zip((s.path for s in texts), keys))
        findings = remembered_each(memo, keys, texts,
                                   lambda s, found: personal_data_in(s, mode, allowed, found),
                                   problems, jobs)
        return list(map(masked, texts, findings))

    for name in [s.path for s in (*sources.reports, *sources.honour_lists)] + \
            [f"content/{f.name}" for f in sources.content_files]:
        guard_file_name(name, allowed, problems)
    def one(source: SourceText | None) -> SourceText | None:
        return None if source is None else guarded([source])[0]

    sources = replace(
        sources, config=one(sources.config), regions=one(sources.regions),
        reports=tuple(guarded(list(sources.reports))),
        honour_lists=tuple(guarded(list(sources.honour_lists))))
    return (sources, parse_config(sources.config, problems, "site.yaml" in sources.unreadable),
            checked)


def _content_of(source: SourceText) -> bytes:
    """What a file's memo keys are made from: the digest of its bytes, when it was read from
    one (a file unchanged since the last build is then not read at all), else its text."""
    return b"file " + source.digest if source.digest else b"text " + source.text.encode()


def _settle_slugs(reports: list[ReportSource], problems: Problems) -> list[ReportSource]:
    """Reports whose file names give the same slug (2023/summary.md, 2024/summary.md) get their
    folder's name in front; a slug the author wrote is never changed."""
    written = {r.fields["slug"] for r in reports if "slug" in r.lines}
    derived: dict[str, list[ReportSource]] = {}
    for report in reports:
        if "slug" not in report.lines:
            derived.setdefault(report.fields["slug"], []).append(report)
    renamed = {}
    for slug, group in derived.items():
        if len(group) == 1 and slug not in written:
            continue
        folders = [slugify(posixpath.basename(r.folder)) if r.folder else "content" for r in group]
        if len(set(folders)) < len(group):
            continue  # same folder: only the author can choose; reported as a duplicate slug
        for report, folder in zip(group, folders):
            new = f"{folder}-{slug}"
            problems.warning(report.source, 1, _("another report also takes the address "
                                                 "reports/{slug}/; this one is published at "
                                                 "reports/{new}/ (set 'slug:' to choose)")
                             .format(slug=slug, new=new))
            renamed[report.source] = replace(report, fields={**report.fields, "slug": new})
    return [renamed.get(r.source, r) for r in reports]


def _refuse_duplicates(claims: list[tuple[str, str, int]], problems: Problems,
                       message: str) -> None:
    """Two items that would publish at the same address: an error at each, naming the other
    (`message` says so, given the {key} and the {first} place that claims it)."""
    by_key: dict[str, list[tuple[str, int]]] = {}
    for key, path, line in claims:
        by_key.setdefault(key, []).append((path, line))
    for key, places in by_key.items():
        for path, line in places[1:] if len(places) > 1 else ():
            first_path, first_line = places[0]
            problems.error(path, line, message.format(key=key,
                                                      first=f"{first_path}:{first_line}"))


def _warn_unpublished(drafts: list[ReportSource], published: list[ReportSource],
                      problems: Problems, include_drafts: bool) -> None:
    if include_drafts:
        return
    shown = {r.source for r in published}
    for report in drafts:
        if report.source in shown or report.fields["draft"]:
            continue
        problems.warning(report.source, report.lines.get("date", 1),
                         _("dated {date}, after today: not published until then (use --drafts "
                           "to preview it)").format(date=report.fields["date"]))
