"""serve: the same build function, run on every save (watchdog tells of saves as they happen)
in a thread of its own, with live reload (MkDocs' serve, Zola's overlay). Pages are served all
the while from the last build; the browser is told to reload as soon as the new pages are live,
and the search index follows. A failed build shows its problems in the browser and the server
keeps running."""
from __future__ import annotations

import html
import mimetypes
import os
import shutil
import signal
import socket
import tempfile
import threading
import time
from pathlib import Path

from . import commands
from .errors import ContentError, ShowcaseError, Superseded, UsageError
from .i18n import _
from .memo import Held
from .privacy import mask_personal_data
from .quick import LastBuild, Quick, quick_pages, quick_search

WATCHED = ("site.yaml", "content", "data", "templates", "static")
SETTLE_SECONDS = 0.05
"""An editor saves a file in a few steps (write, rename): the build starts once they are done."""
STOP_SECONDS = 30
"""How long a stopped preview waits for the build under way to give up (it looks for a newer
save often, but not while it reads and checks the content) before removing its folder."""
QUIET_SECONDS = 2.0
"""After a quick page, the whole build waits this long for another save: an author saving on
gets each save's quick page at once, and the other pages when they pause."""


def _quick_failed(exc: Exception) -> None:
    """A quick page or search that failed never stops the preview (the whole build that follows
    makes every file), but it is told: it is a fault, to be reported."""
    print(mask_personal_data(_("the quick update after the save stopped ({error}); the whole "
                               "build that follows makes every file")
                             .format(error=f"{type(exc).__name__}: {exc}")), flush=True)


class Preview:
    """The site being previewed: rebuilt into a private folder, served from there."""

    def __init__(self, site_dir: Path, out_dir: Path):
        self.site_dir, self.out_dir = site_dir, out_dir
        self.watched_root = site_dir.resolve()
        self.failure: list[str] = []
        self.saved = threading.Event()
        self.reload = lambda: None
        """Tells the browsers showing the preview to reload (set by `serve`)."""
        self.held = Held()
        """The results of the last build, kept in memory for the next."""
        self.last: LastBuild | None = None
        """The last successful build's model, for quick pages (quick.py)."""
        self.quick: list[tuple[str, bytes]] | None = None
        """The pages made quickly for the save being built, and their bytes."""
        self.live = False
        """Whether the build under way has put its pages in place."""
        self.quiet_seconds = QUIET_SECONDS
        self.stopping = False
        self._saved_paths: set[str] = set()
        self._saved_lock = threading.Lock()

    def note_saved(self, path: str) -> None:
        """A file the site is built from was saved (watchdog's thread)."""
        with self._saved_lock:
            self._saved_paths.add(path)
        self.saved.set()

    def _take_saved(self) -> list[str]:
        with self._saved_lock:
            paths, self._saved_paths = sorted(self._saved_paths), set()
        return paths

    def rebuild(self, saved: list[str] = (), jobs: int = 1) -> None:
        """Build again after `saved` changed; a single saved report's or honour list's pages
        are served first. With `jobs` > 1 only while no other thread runs (the workers are
        forked)."""
        quick = self._quick_pages(saved)
        self.quick = None if quick is None else quick.files
        if quick is not None:
            self.last.site = quick.site  # what the output now shows
            self.reload()
            self._quick_search(quick.site)
            if self.saved.wait(self.quiet_seconds):  # saving on: the next save's quick page
                return  # need not wait for a whole build, which the next save runs anyway
        self.live = False
        try:
            outcome = commands.build(self.site_dir, self.out_dir, drafts=True, use_cache=True,
                                     pages_first=self._pages_live, superseded=self.saved.is_set,
                                     held=self.held, jobs=jobs)
        except Superseded:
            if self.live:  # its pages went live: the model held is no longer theirs
                self.last = None
            return
        except ContentError as exc:
            self.failure = [mask_personal_data(str(p)) for p in exc.problems]
        except ShowcaseError as exc:
            self.failure = [_("error: {message}").format(message=exc)]
        except Exception as exc:  # the preview keeps running whatever happened to one build
            self.failure = [_("error: the build stopped unexpectedly ({error}); save again to "
                              "retry").format(error=f"{type(exc).__name__}: {exc}")]
        else:
            self.failure = []
            if outcome.site is not None:
                self.last = LastBuild(outcome.site, outcome.assets, self.site_dir, self.out_dir,
                                      held=self.held)
            for warning in outcome.warnings:
                print(mask_personal_data(str(warning)), flush=True)
            print(_("built {pages} pages").format(pages=outcome.pages), flush=True)
            if self.last is not None and not self.saved.is_set():
                self.last.read_ahead()
            return
        print("\n".join(self.failure), flush=True)
        self.reload()  # to the problems page

    def _quick_pages(self, saved: list[str]) -> Quick | None:
        """One report or honour list saved, with the last build shown: its pages, written at
        once. (An editor that saves through a temporary file renamed over the file leaves that
        file's name among the saved paths: one that is gone and is not content is left out.)"""
        content = (".md", ".markdown", ".yaml", ".yml")
        saved = [path for path in saved if path.endswith(content) or os.path.exists(path)]
        if len(saved) != 1 or self.failure or self.last is None:
            return None
        try:
            return quick_pages(self.last, Path(saved[0]))
        except Exception as exc:  # (a problem with the file gives None: the build tells it)
            _quick_failed(exc)
            return None

    def _quick_search(self, site) -> None:
        """The search files that change with the quick pages, before the whole build."""
        try:
            quick_search(self.last, site)
        except Exception as exc:
            _quick_failed(exc)

    def _pages_live(self, changed: list[str]) -> None:
        """The whole build's pages are live: the browsers reload when it changed a file (the
        quick page, made again the same, is not one) or it mends a failed build."""
        self.live = True
        if self.failure or changed:
            self.failure = []
            self.reload()

    def watch(self) -> None:
        """Build again after every save, for as long as the preview runs (in its own thread:
        pages are served meanwhile)."""
        while not self.stopping:
            self.saved.wait()
            time.sleep(SETTLE_SECONDS)
            if self.stopping:
                return
            self.saved.clear()
            self.rebuild(self._take_saved())

    def stop(self) -> None:
        """No build starts from now on, and one under way gives up at its next look for a newer
        save (before its pages go live, or between its search files)."""
        self.stopping = True
        self.saved.set()

    def is_input(self, path: str) -> bool:
        """Whether a changed path is one the site is built from (not the cache or the output,
        not a hidden or backup file an editor leaves)."""
        try:
            parts = Path(path).resolve().relative_to(self.watched_root).parts
        except ValueError:
            return False
        return bool(parts) and parts[0] in WATCHED and not any(
            part.startswith(".") or part.endswith("~") for part in parts)

    def __call__(self, environ, start_response):
        """A WSGI app: the problems page while the last build failed, else the built files."""
        path = environ.get("PATH_INFO", "/")
        if self.failure and (path.endswith("/") or path.endswith(".html")):
            return _respond(start_response, "500 Build failed", _problems_page(self.failure))
        file = self._file_for(path)
        if file is None:
            missing = self.out_dir / "404.html"
            body = missing.read_bytes() if missing.is_file() else b"not found"
            return _respond(start_response, "404 Not Found", body)
        kind = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        body = file.read_bytes()
        if kind == "text/html":
            body = _allow_live_reload(body)
        return _respond(start_response, "200 OK", body, kind)

    def _file_for(self, path: str) -> Path | None:
        root = self.out_dir.resolve()
        target = (root / path.lstrip("/")).resolve()
        if target != root and root not in target.parents:
            return None
        if target.is_dir():
            target = target / "index.html"
        return target if target.is_file() else None


def _allow_live_reload(page: bytes) -> bytes:
    """The preview's reload script is inline and talks over a WebSocket: only the preview's
    pages relax the Content-Security-Policy for it; the built site never does."""
    return page.replace(b"script-src 'self'", b"script-src 'self' 'unsafe-inline'", 1) \
               .replace(b"connect-src 'self'", b"connect-src 'self' ws: wss:", 1)


def _respond(start_response, status: str, body: bytes, kind: str = "text/html") -> list[bytes]:
    if kind.startswith("text/") or kind in ("application/xml", "application/javascript"):
        kind += "; charset=utf-8"
    start_response(status, [("Content-Type", kind), ("Content-Length", str(len(body)))])
    return [body]


def _problems_page(problems: list[str]) -> bytes:
    items = "\n".join(f"<li><code>{html.escape(p)}</code></li>" for p in problems)
    return (f"<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
            f"<title>构建失败 Build failed</title></head><body style=\"font-size:18px;"
            f"line-height:1.7;padding:1rem\"><h1>构建失败：请修改以下问题</h1>"
            f"<p>The build failed. Fix these and save; the page reloads by itself.</p>"
            f"<ul>{items}</ul></body></html>").encode("utf-8")


def serve(site_dir: Path, host: str, port: int, first_jobs: int = 1) -> None:
    """Build, serve at http://host:port/, rebuild on every change until stopped (Ctrl+C, or
    SIGTERM as a service manager or `kill` sends it; the private folder goes either way). The
    first build, before the server's and watchdog's threads start, works in `first_jobs`
    processes; the later ones in the thread beside them, in one."""
    from livereload import Server
    from livereload.handlers import LiveReloadHandler
    from tornado.ioloop import IOLoop
    from watchdog.events import FileSystemEventHandler
    from watchdog.observers import Observer

    _refuse_busy(host, port)
    print(_("serving {site} at http://{host}:{port}/ (Ctrl+C to stop)")
          .format(site=site_dir, host=host, port=port), flush=True)
    signal.signal(signal.SIGTERM, _stop)
    out_dir = Path(tempfile.mkdtemp(prefix="showcase-preview-"))
    observer = Observer()
    builds = None
    try:
        preview = Preview(site_dir, out_dir / "site")
        preview.rebuild(jobs=first_jobs)
        loop = IOLoop.current()
        preview.reload = lambda: loop.add_callback(LiveReloadHandler.reload_waiters, "*")

        class Saved(FileSystemEventHandler):
            def on_any_event(self, event):
                if event.event_type in ("opened", "closed_no_write") or \
                        (event.is_directory and event.event_type == "modified"):
                    return  # a folder's change of content comes with its files' own events
                for path in (event.src_path, getattr(event, "dest_path", "")):
                    if path and preview.is_input(str(path)):
                        preview.note_saved(str(path))

        observer.schedule(Saved(), str(site_dir), recursive=True)
        observer.start()
        builds = threading.Thread(target=preview.watch, daemon=True)
        builds.start()
        Server(app=preview, watcher=_no_polling()).serve(
            host=host, port=port, open_url_delay=None, restart_delay=0)
    except KeyboardInterrupt:  # stopped during the first build (livereload catches it after)
        pass
    finally:
        if observer.is_alive():
            observer.stop()
        if builds is not None:  # its build must not write on while the folder is removed
            preview.stop()
            builds.join(STOP_SECONDS)
        shutil.rmtree(out_dir, ignore_errors=True)
        print(_("the preview has stopped"), flush=True)


def _refuse_busy(host: str, port: int) -> None:
    """A port another program (or another preview) listens on is said in one line before any
    work, not found by the server after the first build."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise UsageError(_("cannot listen at {host}:{port} ({reason}): another program, "
                               "perhaps another preview, is using it; give another port, "
                               "like --port {other}").format(host=host, port=port,
                                                            reason=exc.strerror,
                                                            other=port + 1)) from None


def _stop(signum, frame) -> None:
    """SIGTERM stops the preview as Ctrl+C does, its private folder removed."""
    raise KeyboardInterrupt


def _no_polling():
    from livereload.watcher import Watcher

    class NoPolling(Watcher):
        """livereload's own watcher, idle: it would poll every file every 0.8 s in the thread
        that serves pages (and watch the working folder when given nothing to watch)."""

        def watch(self, *args, **kwargs):
            pass

        def start(self, callback):
            return True

        def examine(self):
            return None, None

    return NoPolling()
