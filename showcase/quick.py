"""The preview's first answer to a saved report: its own page, made from the last build's model
with only that one file read, checked and converted again, and served before the whole (cached)
build runs. On a site of thousands of reports the whole build takes seconds; this takes a few
milliseconds. What other pages show of the report (lists, the feed, the search index) follows
with the whole build, which also makes this page again and finds it the same."""
from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from .assets import Assets
from .audit import OutputAudit
from .errors import Problems
from .load import read_text, template_folders
from .model import Page, Report, Site
from .privacy import masked, personal_data_in
from .render import make_environment, render_page
from .reports import read_report, render_report

PLACE_FIELDS = ("slug", "date", "category", "tags", "region", "draft")
"""What decides a report page's neighbours, related reports, breadcrumb and terms: when a save
changes one of them, the page waits for the whole build, which places the report anew."""


@dataclass
class LastBuild:
    """What the preview's last successful build made: its model and published files."""

    site: Site
    assets: Assets
    site_dir: Path
    out_dir: Path
    environment: object = field(default=None, repr=False)

    @functools.cached_property
    def pages_by_source(self) -> dict[str, Page]:
        """Each report's page, by the report's file (relative to the site)."""
        return {page.context["report"].source: page for page in self.site.pages
                if page.template == "report.html"}


def report_page(last: LastBuild, file: Path) -> tuple[str, bytes] | None:
    """Write the saved report `file`'s page into the output as the whole build would make it,
    and return its path there and its bytes; None, with nothing written, when the page cannot be made alone:
    a new or unreadable report, any problem the file now has (the whole build reports it),
    or a change of its place among the others (PLACE_FIELDS)."""
    root = last.site_dir.resolve()
    try:
        path = file.resolve().relative_to(root).as_posix()
    except ValueError:
        return None
    page = last.pages_by_source.get(path)
    if page is None:
        return None
    report = _read_again(last, root, file, page.context["report"])
    if report is None:
        return None
    page = replace(page, context={**page.context, "report": report})
    if last.environment is None:
        last.environment = make_environment(template_folders(root))
    try:
        _, data, _ = render_page(last.environment, page, last.site, last.assets)
    except Exception:  # a template's fault: the whole build reports it
        return None
    audit = OutputAudit(last.site.config.allowed_numbers(), "output")
    audit.check(page.output_path, data)
    if audit.problems:
        return None
    _replace_file(last.out_dir / page.output_path, data)
    return page.output_path, data


def _read_again(last: LastBuild, root: Path, file: Path, old: Report) -> Report | None:
    """The report read, guarded, checked and converted as validate does; None on any error or
    when its place among the others changed."""
    config, problems = last.site.config, Problems()
    source = read_text(root, file, problems)
    if source is None:
        return None
    source = masked(source, personal_data_in(source, config.privacy, config.allowed_numbers(),
                                             problems))
    checked = read_report(source, config, last.site.regions, problems)
    if checked is None or problems.errors or \
            any(_same_kind(checked.fields[name], getattr(old, name)) != getattr(old, name)
                for name in PLACE_FIELDS):
        return None
    url_of = {report.source: report.url for report in last.site.reports}
    report = render_report(checked, url_of, last.assets, problems)
    return None if problems.errors else report


def _same_kind(value, like):
    """A front-matter value as the model holds it (lists become tuples)."""
    return tuple(value) if isinstance(like, tuple) else value


def _replace_file(target: Path, data: bytes) -> None:
    """Replace the file at once: a page requested meanwhile is the old one or the new one."""
    temporary = target.with_name(f".quick-{target.name}")
    try:
        temporary.write_bytes(data)
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
