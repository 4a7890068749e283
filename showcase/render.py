"""Render stage: one page of the model to bytes through Jinja, alone, so pages can be rendered
in parallel (--jobs) and, later, only those a change touches."""
from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import jinja2
from markupsafe import Markup, escape

from .assets import Assets
from .charts import bar_chart
from .dependencies import Recording
from .images import img_attributes
from .model import Page, Site
from .offline import offline_page
from .parallel import quiet_worker
from .privacy import unmask_stars
from .text import chinese_date

CHUNK = 64
HELPED_AT_LEAST = 256
"""Pages left to render from which a core come spare takes a share of them (forking the build's
process for fewer is not worth it)."""
CONTENT_SECURITY_POLICY = ("default-src 'none'; script-src 'self'; style-src 'self'; "
                           "img-src 'self' data:; font-src 'self'; connect-src 'self'; "
                           "media-src 'self'; base-uri 'none'; form-action 'self'")
"""Every page may use only the site's own files: no inline script, no style attributes, nothing
from elsewhere, so even HTML the sanitizer let through cannot run code."""


def make_environment(template_dirs: tuple[Path, ...], auto_reload: bool = True) -> Recording:
    """Templates of the site first, the repository's behind them; autoescaped, undefined is loud.
    Without `auto_reload` (one build's rendering), a template is read once, not looked at again
    on the disk for each page (three times a page, with the layout and the macros: 4% of the
    build's own process at 20,000 households), and an edit made while the build runs reaches
    the next build, not half of the pages of this one."""
    env = Recording(
        loader=jinja2.FileSystemLoader([str(d) for d in template_dirs]),
        autoescape=jinja2.select_autoescape(["html", "xml"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
        auto_reload=auto_reload,
    )
    env.filters["date_cn"] = chinese_date
    env.globals["bar_chart"] = bar_chart
    return env


def root_of(page: Page, site: Site, offline: bool = False) -> str:
    """The relative way from a page back to the site root ('./', '../', '../../')."""
    if page.url == "404.html" and site.config.base_url and not offline:
        # a host serves 404.html at any depth: only a rooted path finds the assets from there
        # (a copy opened from disk has no host: its 404.html is a page like the others)
        return urlsplit(site.config.base_url).path
    depth = page.output_path.count("/")
    return "../" * depth if depth else "./"


def context_for(page: Page, site: Site, assets: Assets, offline: bool = False,
                reads: set | None = None) -> dict:
    """What a template sees: the page's own data and a few helpers, built in one place. The
    static files it links to are noted in `reads` (see dependencies.py)."""
    root = root_of(page, site, offline)

    def published(name: str) -> str:
        if reads is not None:
            reads.add(("asset", name))
        return assets.static[name]

    def asset(name: str) -> str:
        return root + published(name)

    def absolute(url: str) -> str:
        return site.config.base_url + url

    def picture(url: str, alt: str, css_class: str = "", lazy: bool = False) -> Markup:
        """An <img> of a published file, with its smaller copies when it has them."""
        shown = assets.pictures.get(url)
        attributes = img_attributes(shown, root, lazy) if shown else \
            f'src="{escape(root + url)}"' + (' loading="lazy"' if lazy else "")
        css = f' class="{escape(css_class)}"' if css_class else ""
        return Markup(f'<img{css} {attributes} alt="{escape(alt)}">')

    def absolute_asset(name: str) -> str:
        """A static file's address for other sites (link previews): absolute when a base URL is
        known, else relative."""
        return absolute(published(name)) if site.config.base_url else asset(name)

    return {**page.context, "site": site, "config": site.config, "page": page, "root": root,
            "asset": asset, "absolute": absolute, "absolute_asset": absolute_asset,
            "picture": picture,
            "content_security_policy": Markup(CONTENT_SECURITY_POLICY)}


Rendered = tuple[Page, bytes, frozenset]
"""A page, its bytes (or what a helper's `written` gave back for them: render_site), and what
its templates read of the site (see dependencies.py)."""


def render_page(env: Recording, page: Page, site: Site, assets: Assets,
                offline: bool = False) -> Rendered:
    """The page's bytes; `offline` (build --offline) for a copy opened from disk, whose HTML
    pages link to files (offline.py)."""
    template = env.get_template(page.template)
    env.reads = set()
    try:
        text = unmask_stars(template.render(context_for(page, site, assets, offline,
                                                        env.reads)))
        if offline and page.output_path.endswith(".html"):
            text = offline_page(text)
        return page, text.encode("utf-8"), frozenset(env.reads)
    finally:
        env.reads = None


def render_site(site: Site, template_dirs: tuple[Path, ...], assets: Assets,
                jobs: int = 1, wanted: list[int] | None = None, offline: bool = False,
                spare_core: Callable[[], bool] | None = None,
                written: Callable[[str, bytes], object] | None = None) -> Iterator[Rendered]:
    """The site's pages (those numbered in `wanted`, else all), one at a time as they are
    rendered (the caller writes each away); with jobs > 1, in that many processes. Rendered
    here, with `spare_core()` saying when another core has come free (the search index made)
    and `written(path, data)` writing a page from another process: from then on a forked
    helper renders the pages from the far end, and its pages come among the build's own, each
    with what `written` gave back in place of its bytes."""
    wanted = list(range(len(site.pages))) if wanted is None else wanted
    if jobs <= 1 or len(wanted) <= CHUNK:
        env = make_environment(template_dirs, auto_reload=False)
        if spare_core is None or written is None:
            for number in wanted:
                yield render_page(env, site.pages[number], site, assets, offline)
            return
        yield from _from_both_ends(env, site, assets, offline, wanted, spare_core, written)
        return
    chunks = [wanted[i:i + CHUNK] for i in range(0, len(wanted), CHUNK)]
    with ProcessPoolExecutor(max_workers=jobs, initializer=_start_worker,
                             initargs=(site, template_dirs, assets, offline)) as pool:
        for part in pool.map(_render_chunk, chunks):
            for number, data, reads in part:
                yield site.pages[number], data, reads


def _from_both_ends(env: Recording, site: Site, assets: Assets, offline: bool,
                    wanted: list[int], spare_core: Callable[[], bool],
                    written: Callable[[str, bytes], object]) -> Iterator[Rendered]:
    """(render_site, with a core that may come spare) The build takes the wanted pages from
    the front, a helper forked once a core is spare from the back, each taking the next under
    a lock shared with the other, until they meet; the helper's pages are taken between the
    build's own as they come (what is done with each, noting it in the page record, is not
    all left to the end). The helper is only help: a page it did not hand back (it failed,
    or was stopped) is rendered here, its error raised here."""
    context = multiprocessing.get_context("fork")
    ends, lock = context.RawArray("q", [0, len(wanted)]), context.Lock()
    helper = receive = None
    helped: set[int] = set()

    def handed_back(wait: bool) -> Iterator[Rendered]:
        """The helper's pages it has sent (`wait`: all it will send, until it ends)."""
        nonlocal receive
        while receive is not None and (wait or receive.poll()):
            try:
                pages = receive.recv()
            except EOFError:  # (it has ended)
                receive = None
                return
            for at, (data, reads) in pages:
                helped.add(at)
                yield site.pages[wanted[at]], data, reads

    try:
        while True:
            with lock:
                front = ends[0]
                if front >= ends[1]:
                    break
                ends[0] = front + 1
            yield render_page(env, site.pages[wanted[front]], site, assets, offline)
            if front % HANDED_BACK_EVERY:  # (looked at every so many pages: each look at a
                continue  # pipe is a system call, 2 us: 0.3 s over 127,000 pages)
            if helper is None and ends[1] - front > HELPED_AT_LEAST and spare_core():
                receive, send = context.Pipe(duplex=False)
                helper = context.Process(target=_render_from_back, args=(
                    env, site, assets, offline, wanted, ends, lock, written, send), daemon=True)
                helper.start()
                send.close()
            yield from handed_back(wait=False)
        yield from handed_back(wait=True)
        for at in range(front, len(wanted)):
            if at not in helped:
                yield render_page(env, site.pages[wanted[at]], site, assets, offline)
    finally:
        if helper is not None:
            if helper.is_alive():
                helper.terminate()
            helper.join()


HANDED_BACK_EVERY = 64
"""Pages a helper renders between two handings back of what it made of them, and the build
between two looks for a spare core and for what the helper handed back."""


def _render_from_back(env: Recording, site: Site, assets: Assets, offline: bool,
                      wanted: list[int], ends, lock, written: Callable[[str, bytes], object],
                      send) -> None:
    """In the helper: the wanted pages from the back, each written away (`written`), until
    the build's own rendering is reached; what it made of each sent back with its place,
    HANDED_BACK_EVERY at a time."""
    quiet_worker()
    done = []
    try:
        while True:
            with lock:
                back = ends[1] - 1
                if back < ends[0]:
                    break
                ends[1] = back
            page, data, reads = render_page(env, site.pages[wanted[back]], site, assets, offline)
            done.append((back, (written(page.output_path, data), reads)))
            if len(done) == HANDED_BACK_EVERY:
                send.send(done)
                done = []
    except Exception:  # the pages done go back; the build renders the one that failed again,
        pass  # and meets its error there, to report it as its own
    send.send(done)
    send.close()


_worker: dict = {}
"""Per-process state of a render worker (set once by the pool initializer, never in the parent)."""


def _start_worker(site: Site, template_dirs: tuple[Path, ...], assets: Assets,
                  offline: bool) -> None:
    env = make_environment(template_dirs, auto_reload=False)
    _worker.update(site=site, assets=assets, env=env, offline=offline)


def _render_chunk(numbers: list[int]) -> list[tuple[int, bytes, frozenset]]:
    site, env, assets = _worker["site"], _worker["env"], _worker["assets"]
    return [(number, *render_page(env, site.pages[number], site, assets, _worker["offline"])[1:])
            for number in numbers]

