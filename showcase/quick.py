"""The preview's first answer to a save: the saved report's page, or the saved honour list's
page and the pages of its households that changed, made from the last build's model with only
that one file read, checked and converted again, and served before the whole (cached) build
runs; then the search files that change with it (`quick_search`). On a site of thousands of
reports the whole build takes many seconds; the page takes a fraction of one. What other pages
show of the file (lists, region pages, the feed) follows with the whole build, which also makes
these files again and finds them the same."""
from __future__ import annotations

import functools
from dataclasses import dataclass, field, replace
from pathlib import Path

from .assemble import honour_list_context
from .assets import Assets, Lookups
from .audit import OutputAudit
from .cache import OutputRecord, write_whole
from .errors import Problems
from .honours import read_honour_list
from .load import SourceText, read_text, template_folders
from .memo import Held, Memo
from .model import HonourList, Page, Report, Site
from .privacy import masked, personal_data_in
from .render import make_environment, render_page
from .reports import read_report, render_report
from .search.index import build_search_files, document_number

PLACE_FIELDS = ("slug", "date", "category", "tags", "region", "draft")
"""What decides a report page's neighbours, related reports, breadcrumb and terms: when a save
changes one of them, the page waits for the whole build, which places the report anew."""
LIST_FIELDS = ("title", "honour", "year", "awarded_by", "date", "document")
"""An honour list's own details, which each of its households' pages shows."""
SHOWN_BY = {"report.html": "report", "honour_list.html": "honour_list",
            "household.html": "household"}
"""The pages made from one file, by template: what in their context the file gives."""


@dataclass(frozen=True)
class Quick:
    """The pages made at once for a save, and the last build's model with the saved file's
    new content (what the search index is made from)."""

    files: list[tuple[str, bytes]]
    site: Site


@dataclass
class LastBuild:
    """What the preview's last successful build made: its model and published files."""

    site: Site
    assets: Assets
    site_dir: Path
    out_dir: Path
    environment: object = field(default=None, repr=False)
    searched: set[int] = field(default_factory=set)
    """The search documents whose files quick searches since the build wrote over."""
    written: set[str] = field(default_factory=set)
    """The search files quick searches since the build wrote over."""
    held: Held | None = field(default=None, repr=False)
    """The preview's results kept between builds (with what is searched of each report and
    list: search_documents)."""

    @functools.cached_property
    def search_record(self) -> OutputRecord:
        """What the last build's search files were made from (read once for all saves)."""
        return OutputRecord(self.site_dir, self.out_dir, "search")

    def read_ahead(self) -> None:
        """Read now, while the author writes, what the next save's quick answers read: the
        search record of a site of 100,000 households took most of a second of the first
        quick search after each whole build."""
        for name in ("search_record", "pages_by_source"):
            getattr(self, name)

    @functools.cached_property
    def pages_by_source(self) -> dict[str, list[Page]]:
        """The pages each report or honour list file gives (relative to the site)."""
        pages: dict[str, list[Page]] = {}
        for page in self.site.pages:
            if page.template in SHOWN_BY:
                pages.setdefault(page.context[SHOWN_BY[page.template]].source, []).append(page)
        return pages


def quick_pages(last: LastBuild, file: Path) -> Quick | None:
    """Write the pages of the saved `file` into the output as the whole build would make them;
    None, with nothing written, when they cannot be made alone: a new or unreadable file, any
    problem the file now has (the whole build reports it), or a change that moves what it holds
    among the rest (PLACE_FIELDS; a household added, removed, renamed or moved)."""
    root = last.site_dir.resolve()
    try:
        path = file.resolve().relative_to(root).as_posix()
    except ValueError:
        return None
    pages = last.pages_by_source.get(path)
    if not pages:
        return None
    problems = Problems()
    source = read_text(root, file, problems)
    if source is None:
        return None
    config = last.site.config
    source = masked(source, personal_data_in(source, config.privacy, config.allowed_numbers(),
                                             problems))
    made = _report_page(last, source, pages[0], problems) if pages[0].template == "report.html" \
        else _honour_list_pages(last, source, pages, problems)
    if made is None or problems.errors:
        return None
    files = _rendered(last, root, made)
    return None if files is None else Quick(files, _with(last.site, made[0].context))


def _with(site: Site, context: dict) -> Site:
    """The site with the report or honour list of a page made again in its place."""
    if "report" in context and "honour_list" not in context:
        new = context["report"]
        return replace(site, reports=tuple(new if r.source == new.source else r
                                           for r in site.reports))
    new = context["honour_list"]
    return replace(site, honour_lists=tuple(new if hl.source == new.source else hl
                                            for hl in site.honour_lists))


def quick_search(last: LastBuild, site: Site) -> bool:
    """Write the search files that change with the saved file into the output, each in place
    as a whole (temporary name, then renamed); whether they were. The index is made as the
    whole build makes it, from the last build's kept index (search/state.py, which it leaves as
    it is for the whole build), with only the changed documents' files looked at, so it takes a
    second or a few where the whole build takes many; none is written if one would hold
    personal data. A file the saved one no longer needs (a block fewer) stays until the whole
    build, which makes the folder anew."""
    memo = Memo(last.site_dir)
    try:
        reuse = _InPlace(last.search_record, last.written)
        files = list(build_search_files(site, memo, reuse, quick=last.searched,
                                        known=last.held))
    finally:
        memo.close()
    audit = OutputAudit(site.config.allowed_numbers(), "output")
    for path, data in files:
        audit.check(path, data)
    if audit.problems:
        return False
    for path, data in files:
        write_whole(last.out_dir / path, data)
    last.searched.update(number for path, _ in files
                         if (number := document_number(path)) is not None)
    last.written.update(path for path, _ in files)
    return True


class _InPlace:
    """The previous output as the whole build's search index sees it (commands._Reuse), for
    files written over in place: a file is kept where it is when the last whole build made it
    from the same and no quick search since has written over it (`written`: the preview's
    folder is its own, and the whole build that follows looks at every file). Nothing is
    looked at on the disk: at 100,000 households, a save's index keeps some 14,000 files."""

    def __init__(self, record: OutputRecord, written: set[str]):
        self.record, self.written = record, written

    def keep_each(self, paths: list[str], digests: list[str]) -> list[str]:
        """Which of `paths` (made from `digests`) are not kept."""
        return [path for path, kept in zip(paths, self.record.kept_each(paths, digests))
                if kept is None or path in self.written]

    def note(self, path: str, digest: str) -> None:
        """(The whole build that follows keeps its own record.)"""


def _report_page(last: LastBuild, source: SourceText, page: Page,
                 problems: Problems) -> list[Page] | None:
    """The report's page with the report read again, as validate does."""
    old: Report = page.context["report"]
    checked = read_report(source, last.site.config, last.site.regions, problems)
    if checked is None or problems.errors or \
            any(_same_kind(checked.fields[name], getattr(old, name)) != getattr(old, name)
                for name in PLACE_FIELDS):
        return None
    url_of = {report.source: report.url for report in last.site.reports}
    report = render_report(checked, Lookups(last.assets, url_of), problems)
    return [replace(page, context={**page.context, "report": report})]


def _honour_list_pages(last: LastBuild, source: SourceText, pages: list[Page],
                       problems: Problems) -> list[Page] | None:
    """The list's page and those of its households that changed (all of them when the list's
    own details did), the list read again as validate does; the same households, in the same
    places and order, or none."""
    old: HonourList = pages[0].context["honour_list"]
    new = read_honour_list(source, last.site.regions, Lookups(last.assets), problems)
    if new is None or problems.errors or _who_where(new) != _who_where(old):
        return None
    details_changed = any(getattr(new, name) != getattr(old, name) for name in LIST_FIELDS)
    was = {household.id: household for household in old.households}
    now = {household.id: household for household in new.households}
    made = [replace(pages[0], context=honour_list_context(last.site, new))]
    for page in pages[1:]:
        household = now[page.context["household"].id]
        if details_changed or household.digest != was[household.id].digest:
            made.append(replace(page, context={**page.context, "household": household,
                                               "honour_list": new}))
    return made


def _who_where(honour_list: HonourList) -> list[tuple[str, str, str]]:
    """Each household's address, name and place: what pages other than the list's show."""
    return [(h.id, h.name, h.region) for h in honour_list.households]


def _rendered(last: LastBuild, root: Path, pages: list[Page]) -> list[tuple[str, bytes]] | None:
    """Render and audit every page, then write them all; None, with nothing written, if one
    fails (a template's fault, personal data in the output: the whole build reports it)."""
    if last.environment is None:
        last.environment = make_environment(template_folders(root))
    audit = OutputAudit(last.site.config.allowed_numbers(), "output")
    files = []
    for page in pages:
        try:
            _, data, _ = render_page(last.environment, page, last.site, last.assets)
        except Exception:
            return None
        audit.check(page.output_path, data)
        files.append((page.output_path, data))
    if audit.problems:
        return None
    for path, data in files:
        write_whole(last.out_dir / path, data)
    return files


def _same_kind(value, like):
    """A front-matter value as the model holds it (lists become tuples)."""
    return tuple(value) if isinstance(like, tuple) else value
