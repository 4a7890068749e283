"""serve: the same build function plus a file watcher and live reload (MkDocs' serve, Zola's
overlay). A failed build shows its problems in the browser and the server keeps running."""
from __future__ import annotations

import html
import mimetypes
import shutil
import tempfile
from pathlib import Path

from . import commands
from .errors import ContentError, ShowcaseError
from .privacy import mask_personal_data

WATCHED = ("site.yaml", "content", "data", "templates", "static")


class Preview:
    """The site being previewed: rebuilt into a private folder, served from there."""

    def __init__(self, site_dir: Path, out_dir: Path):
        self.site_dir, self.out_dir = site_dir, out_dir
        self.failure: list[str] = []

    def rebuild(self) -> None:
        try:
            outcome = commands.build(self.site_dir, self.out_dir, drafts=True)
        except ContentError as exc:
            self.failure = [mask_personal_data(str(p)) for p in exc.problems]
        except ShowcaseError as exc:
            self.failure = [f"error: {exc}"]
        else:
            self.failure = []
            for warning in outcome.warnings:
                print(mask_personal_data(str(warning)), flush=True)
            print(f"built {outcome.pages} pages", flush=True)
            return
        print("\n".join(self.failure), flush=True)

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


def serve(site_dir: Path, host: str, port: int) -> None:
    """Build, serve at http://host:port/, rebuild on every change until interrupted."""
    from livereload import Server

    out_dir = Path(tempfile.mkdtemp(prefix="showcase-preview-"))
    preview = Preview(site_dir, out_dir / "site")
    preview.rebuild()
    server = Server(app=preview)
    for name in WATCHED:
        server.watch(str(site_dir / name), preview.rebuild, delay=0.3)
    try:
        server.serve(host=host, port=port, open_url_delay=None, restart_delay=0)
    finally:
        shutil.rmtree(out_dir, ignore_errors=True)
