"""Reports (content/**/*.md): front matter checked field by field, then the Markdown rendered
with every image and link between reports resolved (so a broken one is an error, not a 404)."""
from __future__ import annotations

import datetime as dt
import posixpath
import html
import re
from collections import Counter
from dataclasses import dataclass, replace
from urllib.parse import unquote

from . import frontmatter
from .assets import Lookups, leaves_site
from .config import SiteConfig
from .errors import Problems
from .fields import Fields, expect_mapping
from .headings import skips
from .i18n import _
from .images import make_responsive
from .load import SourceText
from .markup import first_paragraph_text, render_markdown
from .memo import Memo
from .model import RegionTree, Report, pack
from .regions import check_region
from .slugs import file_slug, is_safe_slug
from .text import summarise
from .yamlfile import parse_yaml

REPORT_KEYS = ("title", "unit", "author", "date", "region", "category", "tags", "summary",
               "featured", "weight", "cover", "draft", "slug")
_EXTERNAL = re.compile(r"^([a-z][a-z0-9+.-]*:|//|#)", re.I)


@dataclass(frozen=True)
class ReportSource:
    """A report whose front matter is valid, waiting for every slug to be known."""

    source: str
    fields: dict
    lines: dict
    body: str
    body_line: int

    @property
    def folder(self) -> str:
        """The report's folder inside content/ (for images beside it)."""
        return posixpath.dirname(self.source.removeprefix("content/"))


def read_report(source: SourceText, config: SiteConfig, regions: RegionTree,
                problems: Problems) -> ReportSource | None:
    """Check the front matter of one report; None (with problems recorded) if unusable."""
    if not source.text.strip():
        problems.error(source.path, 1, _("the file is empty: a report needs front matter and "
                                         "text"))
        return None
    try:
        parts = frontmatter.split(source.text)
    except frontmatter.FrontMatterError as exc:
        problems.error(source.path, exc.line, str(exc))
        return None
    before = len(problems.errors)
    data = expect_mapping(parse_yaml(parts.front_matter, source.path, problems, first_line=2),
                          source.path, problems, _("the front matter"), first_line=2)
    if data is None:
        return None
    fields = Fields(data, source.path, problems, _("a report"))
    fields.warn_unknown(REPORT_KEYS)
    category = fields.text("category", required=True)
    if category is not None and category not in config.categories:
        fields.error("category", _("the category '{category}' is not one of site.yaml's "
                                   "categories: {categories}").format(
            category=category, categories="、".join(config.categories)))
    slug = fields.text("slug")
    if slug is not None and not is_safe_slug(slug):
        fields.error("slug", _("the slug '{slug}' may hold only lowercase letters, digits and "
                               "hyphens (like xupu-pingan-jiating)").format(slug=slug))
    values = {
        "title": fields.text("title", required=True),
        "unit": fields.text("unit", required=True),
        "date": fields.date("date", required=True),
        "region": check_region(fields, "region", regions),
        "category": category,
        "author": fields.text("author") or "",
        "tags": fields.text_list("tags"),
        "summary": fields.text("summary") or "",
        "featured": fields.flag("featured"),
        "weight": fields.integer("weight") or 0,
        "cover": fields.text("cover") or "",
        "draft": fields.flag("draft"),
        "slug": slug or file_slug(source.path),
    }
    if len(problems.errors) > before:
        return None
    return ReportSource(source.path, values, dict(data.lines), parts.body, parts.body_line)


def without_body(report: ReportSource | None) -> ReportSource | None:
    """The report as the memo keeps it between builds: the body is most of it, and is needed
    only when the report is rendered again (`with_body`)."""
    return None if report is None else replace(report, body="")


def with_body(report: ReportSource, source: SourceText) -> ReportSource:
    """The report with its body, from the file it was read from."""
    return replace(report, body=frontmatter.split(source.text).body)


def is_published(report: ReportSource, include_drafts: bool, today: dt.date) -> bool:
    """Drafts and reports dated after today wait, unless the author asks to see them."""
    return include_drafts or not (report.fields["draft"] or report.fields["date"] > today)


def render_report(report: ReportSource, lookups: Lookups, problems: Problems,
                  memo: Memo | None = None) -> Report:
    """Render the body; addresses are made relative to the report's own page. Where the
    reports and files it names are published is asked of `lookups`."""
    root = "../../"
    fields = report.fields
    occurrences: Counter[str] = Counter()

    def resolve(address: str, tag: str, raw: bool = False) -> str | None:
        if _EXTERNAL.match(address):
            if tag == "img" and re.match(r"(https?:)?//", address):
                problems.warning(report.source, _line_of(report, address), _(
                    "the picture '{address}' is on another site and will not be shown (the "
                    "site loads nothing from elsewhere): save it beside the report")
                    .format(address=address))
            return None
        occurrences[address] += 1
        target, _hash, fragment = address.partition("#")
        target = unquote(target)
        if target.endswith((".md", ".markdown")):
            source = posixpath.normpath(posixpath.join(posixpath.dirname(report.source), target))
            found = lookups.report(source)
        else:
            found = lookups.file(target, beside=report.folder)
        if found is None:
            line = _line_of(report, address, occurrences[address])
            if leaves_site(target, report.folder):
                problems.error(report.source, line, _(
                    "the address '{address}' points outside the site folder: use a file beside "
                    "the report or under static/").format(address=address))
            elif not raw and (tag == "img" or _names_a_file(target)):
                problems.error(report.source, line, _(
                    "the link or image '{address}' points to no file of the site (or to a "
                    "draft)").format(address=address))
            else:
                problems.warning(report.source, line, _(
                    "the link '{address}' is not a file of the site and is published as "
                    "written").format(address=address))
            return None
        return root + found + (f"#{fragment}" if fragment else "")

    rendered = render_markdown(_resolve_raw_html(report.body, resolve), resolve, memo)
    _warn_skipped_headings(report, problems)
    body_html = make_responsive(rendered.html, lookups.picture, root)
    cover = ""
    if fields["cover"]:
        found = lookups.file(fields["cover"], beside=report.folder)
        if found is None:
            message = _("the cover '{cover}' points outside the site folder") \
                if leaves_site(fields["cover"], report.folder) \
                else _("the cover '{cover}' is not a file beside the report or under static/")
            problems.error(report.source, report.lines["cover"],
                           message.format(cover=fields["cover"]))
        cover = found or ""
    return Report(
        source=report.source, packed_html=pack(body_html), packed_text=pack(rendered.text),
        toc=rendered.toc,
        reading_minutes=rendered.reading_minutes, cover=cover,
        summary=fields["summary"] or summarise(first_paragraph_text(rendered.html)),
        **{k: v for k, v in fields.items() if k not in ("cover", "summary")},
    )


def _warn_skipped_headings(report: ReportSource, problems: Problems) -> None:
    """Each heading where the text's outline skips a level, or a second title, at its line,
    saying how to write it (markup.py publishes them shifted, so that the page never skips)."""
    for skip in skips(report.body):
        heading, previous = skip.heading, skip.previous
        if heading.level == 1:
            message = _("this heading ({written}) would be a second title beside the front "
                        "matter's 'title': it is published as ##, and the headings under it a "
                        "level down; begin the text's headings with ##")
        elif previous is None:
            message = _("this heading skips a level ({written} right after the title, with no "
                        "## before it): it is published as ##; write the ## heading it belongs "
                        "under, or make this one ##")
        else:
            message = _("this heading skips a level ({written} after the {previous} heading of "
                        "line {line}, with no {missing} between): it is published as "
                        "{published}; write the {missing} heading it belongs under, or make "
                        "this one {missing}")
        before = {"previous": previous.marker, "line": report.body_line + previous.offset,
                  "missing": "#" * (previous.level + 1)} if previous else {}
        problems.warning(report.source, report.body_line + heading.offset, message.format(
            written=heading.marker, published="#" * skip.published, **before))


_RAW_ADDRESS = re.compile(r'(<(img|a)\b[^>]*?\s(?:src|href)=")([^"]*)(")')


def _resolve_raw_html(source: str, resolve) -> str:
    """Pictures and links an author writes as raw HTML (<img src="images/a.jpg">) are published
    like Markdown ones; one that names no file is kept as written, with a warning (raw HTML is
    the author's own). Done on the source, which Markdown then passes through as it is."""
    def replace(match: re.Match) -> str:
        address = html.unescape(match.group(3))
        found = resolve(address, match.group(2), raw=True) if address else None
        return match.group(0) if found is None else \
            f"{match.group(1)}{html.escape(found)}{match.group(4)}"
    return _RAW_ADDRESS.sub(replace, source)


def _names_a_file(target: str) -> bool:
    """A relative address ending in a file name (images/a.jpg, ../2023/b.md), not a folder."""
    name = target.rstrip("/").rsplit("/", 1)[-1]
    return not target.endswith("/") and not target.startswith("/") and "." in name.strip(".")


def _line_of(report: ReportSource, needle: str, nth: int = 1) -> int:
    """The file line of the nth appearance of `needle` in the body."""
    seen = 0
    for offset, line in enumerate(report.body.split("\n")):
        seen += line.count(needle)
        if seen >= nth:
            return report.body_line + offset
    return report.body_line
