"""Model stage: from validated content to the whole site, taxonomies, roll-ups and the list of
pages to render. Decides every page that exists; the renderer never does (STYLE 5)."""
from __future__ import annotations

import heapq
import itertools
from collections import Counter
from dataclasses import replace

from .memo import Memo, kept
from .model import COUNTY_DEPTH, HonourList, Household, Page, Report, Site, Term
from .pagination import paginate
from .slugs import unique_slugs
from .validate import Content

LATEST_ON_HOME = 6
RELATED_COUNT = 5
FEED_SIZE = 50
HOUSEHOLDS_INLINE = 500
"""A region page lists its households when there are at most this many; else per sub-region."""


def newest_first(reports) -> tuple[Report, ...]:
    return tuple(sorted(reports, key=lambda r: (r.date, r.slug), reverse=True))


def build_site(content: Content, memo: Memo | None = None) -> Site:
    """The model the pages are made from; the terms' slugs (pinyin) and the related reports
    from `memo` when an earlier build had the same terms and reports."""
    return with_pages(site_model(content, memo), memo)


def site_model(content: Content, memo: Memo | None = None) -> Site:
    """The model without its pages (`with_pages`): all the search index needs, so that a build
    can begin it before the pages are listed."""
    reports = newest_first(content.reports)
    tree = content.regions

    def slugs(names: list[str]) -> dict[str, str]:
        return kept(memo, "term slugs", sorted(names), lambda: unique_slugs(names))

    categories = _terms("categories", reports, lambda r: [r.category], slugs,
                        content.config.categories)
    tags = _terms("tags", reports, lambda r: r.tags, slugs)
    years = _terms("years", reports, lambda r: [str(r.date.year)], slugs)
    years = tuple(sorted(years, key=lambda t: t.name, reverse=True))

    region_reports: dict[str, list[Report]] = {}
    for report in reports:
        for region in tree.ancestors(report.region):
            region_reports.setdefault(region.path, []).append(report)
    households = [h for hl in content.honour_lists for h in hl.households]
    region_households: dict[str, list[Household]] = {}
    for household in sorted(households, key=lambda h: tree.position(h.region)):
        for region in tree.ancestors(household.region):
            region_households.setdefault(region.path, []).append(household)
    families: dict[tuple[str, str], list[Household]] = {}
    for household in households:
        families.setdefault((household.name, household.region), []).append(household)
    # a family honoured by several lists is known by its name and place; two families of one
    # name in one place (their ids written to tell them apart) cannot be told apart in another
    # list, so neither is linked to any other list's household
    families = {key: same for key, same in families.items()
                if len({h.list_slug for h in same}) == len(same)}

    site = Site(
        config=content.config, regions=tree, reports=reports,
        honour_lists=tuple(sorted(content.honour_lists, key=lambda hl: (-hl.year, hl.slug))),
        categories=categories, tags=tags, years=years,
        region_reports={k: tuple(v) for k, v in region_reports.items()},
        region_households={k: tuple(v) for k, v in region_households.items()},
        households_by_family={k: tuple(v) for k, v in families.items()},
    )
    return site


def with_pages(site: Site, memo: Memo | None = None) -> Site:
    """The model with its pages listed, each with what its template is given."""
    return replace(site, pages=tuple(_pages(site, memo)))


def _terms(kind: str, reports, names_of, slugs_of, declared=()) -> tuple[Term, ...]:
    """Terms in declared order first (categories), then by number of reports and name."""
    filed: dict[str, list[Report]] = {}
    for report in reports:
        for name in names_of(report):
            filed.setdefault(name, []).append(report)
    slugs = slugs_of(list(filed))
    order = {name: i for i, name in enumerate(declared)}
    names = sorted(filed, key=lambda n: (order.get(n, len(order)), -len(filed[n]), n))
    return tuple(Term(kind, n, slugs[n], tuple(filed[n])) for n in names)


def figures(site: Site) -> dict[str, int]:
    """Headline figures for the home page."""
    places = {r.region for r in site.reports}
    places |= {h.region for hl in site.honour_lists for h in hl.households}
    counties = {"/".join(p.split("/")[:COUNTY_DEPTH]) for p in places
                if p.count("/") + 1 >= COUNTY_DEPTH}
    return {
        "reports": len(site.reports),
        "households": sum(len(hl.households) for hl in site.honour_lists),
        "counties": len(counties),
        "lists": len(site.honour_lists),
    }


def chart_data(site: Site) -> dict[str, list[tuple[str, int]]]:
    """What the home page draws: households honoured per year and per county, reports per
    category."""
    per_year = Counter()
    per_county = Counter()
    for honour_list in site.honour_lists:
        per_year[f"{honour_list.year}年"] += len(honour_list.households)
        for household in honour_list.households:
            county = "/".join(household.region.split("/")[:COUNTY_DEPTH])
            per_county[county] += 1
    return {
        "years": sorted(per_year.items()),
        "counties": [(site.regions[c].name, n) for c, n in
                     sorted(per_county.items(), key=lambda item: (-item[1], item[0]))],
        "categories": [(t.name, len(t.reports)) for t in site.categories],
    }


def region_chart(site: Site, region) -> list[tuple[str, int]]:
    """Households honoured in each region directly below `region`."""
    return [(site.regions[c].name, len(site.region_households.get(c, ())))
            for c in region.children if site.region_households.get(c)]


def featured(site: Site) -> list[Report]:
    return sorted((r for r in site.reports if r.featured),
                  key=lambda r: (r.weight, -r.date.toordinal(), r.slug))


def related_reports(site: Site, memo: Memo | None = None) -> dict[str, list[Report]]:
    """Each report's related reports, by slug: those sharing most tags with it, then the newest,
    then by slug. Slugs are unique (validation refuses two reports at one address). Kept in
    `memo` by report number for the same slugs, tags and dates in the same order: an edit of a
    report's text changes none of them, and 10,000 reports are not ranked again (0.2 s)."""
    reports = site.reports
    numbers = kept(memo, "related reports",
                   [(r.slug, r.tags, r.date.toordinal()) for r in reports],
                   lambda: _related_numbers(reports))
    return {report.slug: [reports[n] for n in chosen] for report, chosen in zip(reports, numbers)}


def _related_numbers(reports: tuple[Report, ...]) -> list[list[int]]:
    """(related_reports, each report's by their numbers) Reports with the same tags form a
    group, so a report looks at the groups that share a tag with it rather than at every
    report, and one ranking serves the whole group."""
    groups: dict[tuple[str, ...], list[Report]] = {}
    for report in reports:
        if report.tags:
            groups.setdefault(tuple(sorted(report.tags)), []).append(report)
    members = [sorted(group, key=_newest_then_slug) for group in groups.values()]
    groups_with: dict[str, list[int]] = {}
    for number, tags in enumerate(groups):
        for tag in tags:  # a tag written twice counts twice, as it files the report twice
            groups_with.setdefault(tag, []).append(number)
    number_of = {report.slug: number for number, report in enumerate(reports)}
    rankings: dict[frozenset[str], list[Report]] = {}
    related = []
    for report in reports:
        mine = frozenset(report.tags)
        if mine not in rankings:
            # one more than shown: the report itself may be among them
            rankings[mine] = _most_shared(mine, members, groups_with, RELATED_COUNT + 1)
        related.append([number_of[r.slug] for r in rankings[mine]
                        if r.slug != report.slug][:RELATED_COUNT])
    return related


def _newest_then_slug(report: Report):
    return -report.date.toordinal(), report.slug


def _most_shared(tags: frozenset[str], members: list[list[Report]],
                 groups_with: dict[str, list[int]], count: int) -> list[Report]:
    """The first `count` reports by tags shared with `tags`, newest first among equals."""
    shared = Counter()
    for tag in tags:
        shared.update(groups_with.get(tag, ()))
    by_shared: dict[int, list[int]] = {}
    for number, times in shared.items():
        by_shared.setdefault(times, []).append(number)
    chosen: list[Report] = []
    for times in sorted(by_shared, reverse=True):
        merged = heapq.merge(*(members[n] for n in by_shared[times]), key=_newest_then_slug)
        chosen += itertools.islice(merged, count - len(chosen))
        if len(chosen) == count:
            break
    return chosen


def _listing(base: str, template: str, items, **context) -> list[Page]:
    return [Page(pager.url, template, {**context, "pager": pager})
            for pager in paginate(items, base)]


def _pages(site: Site, memo: Memo | None) -> list[Page]:
    pages = [Page("", "index.html", {"featured": featured(site), "figures": figures(site),
                                     "latest": site.reports[:LATEST_ON_HOME],
                                     "charts": chart_data(site)})]
    pages += _listing("reports/", "reports.html", site.reports, heading="全部报告")
    category_of = {t.name: t for t in site.categories}
    tag_of = {t.name: t for t in site.tags}
    related_of = related_reports(site, memo)
    for index, report in enumerate(site.reports):
        newer = site.reports[index - 1] if index > 0 else None
        older = site.reports[index + 1] if index + 1 < len(site.reports) else None
        pages.append(Page(report.url, "report.html", {
            "report": report, "newer": newer, "older": older,
            "related": related_of[report.slug],
            "breadcrumb": site.regions.ancestors(report.region),
            "category": category_of[report.category], "tags": [tag_of[t] for t in report.tags],
        }))
    for kind, heading, terms in (("categories", "栏目", site.categories), ("tags", "标签", site.tags),
                                 ("years", "年份", site.years)):
        pages.append(Page(f"{kind}/", "terms.html", {"heading": heading, "terms": terms}))
        for term in terms:
            pages += _listing(term.url, "reports.html", term.reports, heading=term.name,
                              term=term)
    pages += _region_pages(site)
    pages.append(Page("honours/", "honours.html", {}))
    list_of = {hl.slug: hl for hl in site.honour_lists}
    for honour_list in site.honour_lists:
        pages.append(Page(honour_list.url, "honour_list.html",
                          honour_list_context(site, honour_list)))
        for household in honour_list.households:
            pages.append(Page(household.url, "household.html", {
                "household": household, "honour_list": honour_list,
                "breadcrumb": site.regions.ancestors(household.region),
                "other_honours": [(h, list_of[h.list_slug]) for h in
                                  site.households_by_family.get(
                                      (household.name, household.region), ())
                                  if h.id != household.id]}))
    pages.append(Page("search/", "search.html", {}))
    pages.append(Page("404.html", "404.html", {}))
    pages.append(Page("feed.xml", "feed.xml", {"entries": site.reports[:FEED_SIZE]}))
    pages.append(Page("sitemap.xml", "sitemap.xml", {}))
    pages.append(Page("robots.txt", "robots.txt", {}))
    return pages


def honour_list_context(site: Site, honour_list: HonourList) -> dict:
    """What an honour list's page shows (also made alone by the preview: quick.py)."""
    return {"honour_list": honour_list,
            "groups": _group_by_region(site, honour_list.households),
            "common_region": _common_region([h.region for h in honour_list.households])}


def _region_pages(site: Site) -> list[Page]:
    used = [site.regions[p] for p in site.regions.regions
            if p in site.region_reports or p in site.region_households]
    pages = [Page("regions/", "regions.html", {"regions": used, "counts": _counts(site, used)})]
    for region in used:
        households = site.region_households.get(region.path, ())
        children = [site.regions[c] for c in region.children
                    if c in site.region_reports or c in site.region_households]
        pages += _listing(region.url, "region.html", site.region_reports.get(region.path, ()),
                          region=region, children=children, counts=_counts(site, children),
                          household_count=len(households),
                          chart=region_chart(site, region),
                          breadcrumb=site.regions.ancestors(region.path),
                          groups=_group_by_region(site, households)
                          if len(households) <= HOUSEHOLDS_INLINE else [])
    return pages


def _counts(site: Site, regions) -> dict[str, tuple[int, int]]:
    """Reports and households in each of these regions (a page shows the numbers, not the
    whole site's lists, and depends on nothing more)."""
    return {r.path: (len(site.region_reports.get(r.path, ())),
                     len(site.region_households.get(r.path, ()))) for r in regions}


def _group_by_region(site: Site, households) -> list[tuple[str, list[Household]]]:
    """Households grouped under their region path, in the tree's order."""
    groups: dict[str, list[Household]] = {}
    for household in households:  # (each group in the list's order)
        groups.setdefault(household.region, []).append(household)
    return sorted(groups.items(), key=lambda group: site.regions.position(group[0]))


def _common_region(paths: list[str]) -> str:
    """The deepest region holding all of `paths` ('' if they share none)."""
    if not paths:
        return ""
    parts = [p.split("/") for p in paths]
    common = []
    for level in zip(*parts):
        if len(set(level)) > 1:
            break
        common.append(level[0])
    return "/".join(common)
