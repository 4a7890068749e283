"""The commands behind the command line (build, check): thin sequences of the pipeline stages
load -> validate -> model -> render -> write."""
from __future__ import annotations

import datetime as dt
import functools
import io
import multiprocessing
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import jinja2

from . import collector
from .assemble import site_model, with_pages
from .assets import Assets
from .audit import OutputAudit
from .cache import BuildCache, InputDigests, OutputRecord, listing_total
from .config import is_valid_base_url, normalise_base_url
from .dependencies import PageDigests
from .errors import ContentError, Problem, Problems, Superseded, UsageError
from .i18n import _
from .load import SiteSources, load_site
from .memo import Held, Memo
from .model import Site
from .progress import Progress
from .render import Rendered, render_site
from .search.index import build_search_files
from .validate import validate
from .write import ListedAhead, StagedOutput, check_output_folder, finish_interrupted


@dataclass(frozen=True)
class Outcome:
    """What a successful build or check tells the author."""

    site: Site | None
    """None when nothing had changed since the last build, which was not done again."""
    pages: int
    files: int
    warnings: list[Problem]
    unchanged: int = 0
    """Pages and files the same as in the previous output, left as they were."""
    assets: Assets | None = None
    """Where the site's files are published (for the preview's quick pages, quick.py)."""


def _site_folder(site_dir: Path) -> Path:
    if not site_dir.is_dir():
        raise UsageError(_("the site folder {folder} does not exist").format(folder=site_dir))
    return site_dir


def _prepare(site_dir: Path, *, drafts: bool, base_url: str | None, today: dt.date | None,
             memo: Memo | None = None, jobs: int = 1, inputs: InputDigests | None = None):
    """Load, validate and model the site (its pages not listed yet: `with_pages`); raises
    ContentError with every problem found. `inputs`: the files as the last build read them
    (with the memo: unchanged texts are read only when needed, load.read_text)."""
    problems = Problems()
    sources = load_site(_site_folder(site_dir), problems, inputs)
    content = validate(sources, problems, include_drafts=drafts, today=today, memo=memo,
                       jobs=jobs)
    if base_url is not None:
        url = normalise_base_url(base_url)
        if url and not is_valid_base_url(url):
            raise UsageError(_("--base-url must start with http:// or https://, not '{url}'")
                             .format(url=base_url))
        content = replace(content, config=replace(content.config, base_url=url))
    problems.raise_if_errors()
    # the model holds what is rendered from here on: the source texts are let go
    sources = replace(sources, reports=(), honour_lists=())
    with collector.paused():
        site = site_model(content, memo)
    return sources, content, site, problems


def _render(sources: SiteSources, content, site: Site, jobs: int,
            wanted: list[int] | None = None, offline: bool = False,
            spare_core: Callable[[], bool] | None = None,
            written: Callable[[str, bytes], object] | None = None) -> Iterator[Rendered]:
    """The rendered pages, one at a time; a template's fault becomes the author's error."""
    try:
        yield from render_site(site, sources.template_dirs, content.assets, jobs, wanted,
                               offline, spare_core, written)
    except jinja2.TemplateSyntaxError as exc:
        raise ContentError([Problem(_template_name(exc.filename or exc.name, sources.root),
                                    exc.lineno or 0, _("template syntax: {message}")
                                    .format(message=exc.message))]) from exc
    except jinja2.TemplateError as exc:
        raise ContentError([Problem("templates", 0, _("template: {message}")
                                    .format(message=exc))]) from exc


def _template_name(filename: str | None, root: Path) -> str:
    if not filename:
        return "templates"
    path = Path(filename)
    try:
        return path.resolve().relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


@collector.given_back
def build(site_dir: Path, out_dir: Path, *, drafts: bool = False, base_url: str | None = None,
          jobs: int = 1, today: dt.date | None = None, progress: Progress | None = None,
          use_cache: bool = False, pages_first: Callable[[list[str]], None] | None = None,
          superseded: Callable[[], bool] = lambda: False, held: Held | None = None,
          offline: bool = False) -> Outcome:
    """Build the site into `out_dir`, each file written away as it is made and audited for
    personal data; on any error the previous output stays as it was. With `use_cache`, a build
    that would make exactly what the last one made (see cache.py) does nothing (not under the
    preview, whose builds follow saves), and work whose inputs did not change is not done again
    (memo.py, the page record).

    With `pages_first` (the preview), the pages go live first, beside the previous search
    index, `pages_first(paths)` is called with the paths of the files that changed, and then
    the search index is made and swapped in, unless `superseded()` says a newer build is
    wanted first (Superseded is raised). With `held`, the memo's results are kept in memory
    for the next build (memo.Held). With `offline`, every link of the pages names a file, for a
    copy opened from disk (offline.py)."""
    progress = progress or Progress(io.StringIO())
    check_output_folder(out_dir, site_dir)
    finish_interrupted(out_dir)
    cache = None
    if use_cache and today is None and pages_first is None:  # the preview builds on every save
        progress.stage(_("comparing with the last build"))
        cache = BuildCache(site_dir, out_dir, {"drafts": drafts, "base_url": base_url,
                                               "offline": offline}, jobs)
        previous = cache.previous()
        if previous is not None:
            return Outcome(None, previous.pages, previous.files, previous.warnings,
                           previous.pages + previous.files)
    progress.stage(_("reading and checking the content"))
    memo = Memo(site_dir, held) if use_cache else None
    inputs = cache.inputs if cache is not None else InputDigests(site_dir) if use_cache else None
    # the output is looked at meanwhile (not by the preview, whose server has threads)
    listed = (ListedAhead(out_dir, listing_total if use_cache else None)
              if jobs > 1 and pages_first is None else None)
    try:
        sources, content, site, problems = _prepare(site_dir, drafts=drafts, base_url=base_url,
                                                    today=today, memo=memo, jobs=jobs,
                                                    inputs=inputs)
    except BaseException:
        if listed is not None:
            listed.close()
        raise
    if pages_first is not None and superseded():
        raise Superseded("a newer save came in while the content was read")
    audit = OutputAudit(content.config.allowed_numbers(), out_dir.as_posix())
    # not the date: which reports it publishes reaches the pages through the model, and the
    # first build of each day would otherwise render every page again
    options = {"drafts": drafts, "base_url": base_url, "offline": offline}
    with StagedOutput(out_dir, listed=listed) as staging:

        def write_pages(spare_core: Callable[[], bool] | None = None) -> int:
            """The pages listed, those not kept rendered, and written (with a helper once
            `spare_core()` says another core has come free)."""
            nonlocal site
            with collector.paused():
                site = with_pages(site, memo)
            progress.stage(_("pages"), len(site.pages))
            helper = {} if spare_core is None else {
                "spare_core": spare_core, "written": functools.partial(
                    staging.written_apart, audit=audit)}
            if use_cache:
                record = OutputRecord(site_dir, out_dir, "pages")
                digests = PageDigests(site, sources.template_dirs, content.assets, options)
                pages = _noted(_render(sources, content, site, max(1, jobs - 1),
                                       _pages_to_render(site, record, digests, staging, progress),
                                       offline, **helper), record, digests)
            else:
                pages = ((page.output_path, data) for page, data, _reads in
                         _render(sources, content, site, max(1, jobs - 1), offline=offline,
                                 **helper))
            pages = _counted(pages, progress)
            if pages_first is not None:
                pages = _unless(superseded, pages)
            count = staging.write_all(pages, audit)
            if use_cache:  # (while the search index is made: a page moved in keeps its size
                record.save(staging.stat)  # and time, and one not is rendered again)
            return count

        def copy_files() -> None:
            progress.stage(_("copying files"))
            staging.copy(content.assets.files)

        if pages_first is not None:
            written = write_pages()
            staging.carry("search")
            copy_files()
        elif jobs > 1:  # the search index in a process of its own, beside the rendering
            # (begun from the model before the pages are listed: it reads none of them)
            pages_written = multiprocessing.get_context("fork").Event()
            index_files = functools.partial(_search_files, site, memo, staging, site_dir,
                                            out_dir, jobs, audit, pages_written.is_set)
            with staging.in_child(index_files, audit) as index:
                written = write_pages(index.finished)
                pages_written.set()
                copy_files()  # (while the search index is made, which mostly ends last)
                progress.stage(_("search index"))
            written += index.files
            audit.problems += index.problems
        else:
            written = write_pages()
            copy_files()
            progress.stage(_("search index"))
            written += staging.write_all(_search_files(site, memo, staging, site_dir, out_dir),
                                         audit)
        _stop_on(audit, problems)
        staging.commit()
    if pages_first is not None:
        pages_first(staging.changed)
        written += _search_folder(site, site_dir, out_dir, memo, audit, problems, progress,
                                  superseded)
    if memo is not None:
        memo.close()
    made = written + staging.kept  # the site's pages and search files, whether written or kept
    if cache is not None:
        cache.remember(made, len(content.assets.files), problems.warnings, staging)
    elif inputs is not None:
        inputs.save()
    return Outcome(site, made, len(content.assets.files), problems.warnings, staging.unchanged,
                   content.assets)


def _search_folder(site: Site, site_dir: Path, out_dir: Path, memo: Memo | None,
                   audit: OutputAudit, problems: Problems, progress: Progress,
                   superseded: Callable[[], bool]) -> int:
    """Make the search index and swap in the site's search/ folder (the search page as it
    is); how many files it has."""
    progress.stage(_("search index"))

    def files():
        for file in _search_files(site, memo, index, site_dir, out_dir):
            if superseded():
                raise Superseded("a newer save came in before the search index was done")
            yield file

    with StagedOutput(out_dir, "search") as index:
        index.keep("search/index.html")
        written = index.write_all(files(), audit)
        _stop_on(audit, problems)
        index.commit()
    return written + index.kept


def _search_files(site: Site, memo: Memo | None, staging: StagedOutput, site_dir: Path,
                  out_dir: Path, workers: int = 1, audit: OutputAudit | None = None,
                  pages_done: Callable[[], bool] = lambda: True,
                  ) -> Iterator[tuple[str, bytes]]:
    """The search index's files; with the cache, a document's files are kept from the previous
    output when the document and its number are as they were (the record is kept by the
    process writing them, as they stand in the staging folder). With `audit`, the workers
    finding documents' keys audit and write their files themselves; `pages_done()` says
    whether the build's pages are written (build_search_files)."""
    write_ahead = functools.partial(staging.writer_ahead, audit) if audit is not None else None
    if memo is None:
        yield from build_search_files(site, memo, workers=workers, write_ahead=write_ahead,
                                      pages_done=pages_done)
        return
    record = OutputRecord(site_dir, out_dir, "search")
    yield from build_search_files(site, memo, _Reuse(record, staging), workers, known=memo.held,
                                  write_ahead=write_ahead, pages_done=pages_done)
    record.save(staging.stat)


class _Reuse:
    """What build_search_files asks of the previous output: keep files, note a file made."""

    def __init__(self, record: OutputRecord, staging: StagedOutput):
        self.record, self.staging = record, staging

    def keep_each(self, paths: list[str], digests: list[str]) -> list[str]:
        """Keep each of `paths` (made from `digests`) that the previous output has as it was
        made, in one go; those not kept."""
        return self.staging.keep_each(paths, self.record.kept_each(paths, digests))

    def note(self, path: str, digest: str) -> None:
        self.record.note(path, digest)


def _pages_to_render(site: Site, record: OutputRecord, digests: PageDigests, staging: StagedOutput,
                     progress: Progress) -> list[int]:
    """The numbers of the pages to render: those not kept, as they are, from the last build
    (looked for all in one go)."""
    pages = site.pages
    paths = [page.output_path for page in pages]
    reads = list(map(record.reads_of, paths))
    recorded = [number for number, read in enumerate(reads) if read is not None]
    kept = [paths[number] for number in recorded]
    missing = set(staging.keep_each(kept, record.kept_each(
        kept, [digests.of(pages[number], reads[number]) for number in recorded])))
    progress.advance(len(kept) - len(missing))
    return [number for number, (path, read) in enumerate(zip(paths, reads))
            if read is None or path in missing]


def _noted(pages: Iterator[Rendered], record: OutputRecord,
           digests: PageDigests) -> Iterator[tuple[str, bytes]]:
    """The rendered pages as files, each noted in the page record with what it read."""
    for page, data, reads in pages:
        record.note(page.output_path, digests.of(page, reads), reads)
        yield page.output_path, data


def _unless(superseded: Callable[[], bool], pages: Iterator) -> Iterator:
    """The preview's pages, stopped (Superseded, before any goes live) when a newer save came
    in: its quick page need not wait for pages that are out of date already."""
    for page in pages:
        if superseded():
            raise Superseded("a newer save came in before the pages were done")
        yield page


def _counted(pages: Iterator, progress: Progress):
    for page in pages:
        yield page
        progress.advance()


@collector.given_back
def check(site_dir: Path, *, today: dt.date | None = None) -> Outcome:
    """Everything a build does except writing: content, links, templates and the rendered
    pages' personal-data audit (the search index is left to build, to keep check quick; it only
    re-arranges guarded content)."""
    sources, content, site, problems = _prepare(site_dir, drafts=False, base_url=None,
                                                today=today)
    site = with_pages(site)
    audit = OutputAudit(content.config.allowed_numbers(), "output")
    pages = 0
    for page, data, _reads in _render(sources, content, site, jobs=1):
        audit.check(page.output_path, data)
        pages += 1
    _stop_on(audit, problems)
    return Outcome(site, pages, len(content.assets.files), problems.warnings)


def _stop_on(audit: OutputAudit, problems: Problems) -> None:
    """Stop before anything is swapped in if an output holds personal data (see audit.py); the
    warnings found so far are reported with the errors."""
    if audit.problems:
        raise ContentError(problems.items + audit.problems)
