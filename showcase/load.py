"""Load stage: read a site folder from disk into plain text and file lists. The only reader of input.

Everything after this stage works on strings, so tests can build a site without a file system.
"""
from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import ContentError, Problem, Problems
from .i18n import _
from .images import picture_size

if TYPE_CHECKING:
    from .cache import InputDigests

REPOSITORY = Path(__file__).resolve().parent.parent
"""The repository's own site: templates and static files a site lacks fall back to it."""


@dataclass(frozen=True)
class SourceText:
    """A text file of the site, decoded, with `path` relative to the site (for messages)."""

    path: str
    text: str
    digest: bytes = b""
    """The digest of the file's bytes (`bytes_digest`), which keys what is made of it in the
    memo; empty for a text not read from a file (keyed by the text itself)."""


class UnreadText(SourceText):
    """A text file unchanged since the last build read it (its digest is the one recorded):
    read only when something not kept in the memo is made of it. A build with one report
    changed among 10,000 reads one file, not 50 MB."""

    def __init__(self, path: str, file: Path, digest: bytes):
        object.__setattr__(self, "path", path)
        object.__setattr__(self, "digest", digest)
        object.__setattr__(self, "file", file)

    def __getattr__(self, name: str):
        if name != "text":
            raise AttributeError(name)
        try:
            data = self.file.read_bytes()
        except OSError as exc:
            raise ContentError([Problem(self.path, 0, _("cannot read the file: {reason}")
                                        .format(reason=exc.strerror))]) from exc
        if bytes_digest(data) != self.digest:
            raise ContentError([Problem(self.path, 1, _(
                "the file changed while the site was being built: build again"))])
        # (what decoding finds was found by the build that recorded the file, and is told
        # again from its record)
        text = decode(data, self.path, Problems())
        object.__setattr__(self, "text", text)
        return text


def bytes_digest(data: bytes) -> bytes:
    """The digest of a file's content (cache.InputDigests keeps it for each input)."""
    return hashlib.blake2b(data, digest_size=20).digest()


@dataclass(frozen=True)
class AssetFile:
    """A file copied as is: `name` relative to its folder (static/ or content/), with its hash."""

    name: str
    source: Path
    digest: str
    size: tuple[int, int] | None = None
    """Width and height, for a picture that can be resized."""


@dataclass(frozen=True)
class SiteSources:
    """Everything the build reads, gathered before anything is parsed."""

    root: Path
    config: SourceText | None
    regions: SourceText | None
    reports: tuple[SourceText, ...]
    honour_lists: tuple[SourceText, ...]
    static_files: tuple[AssetFile, ...]
    content_files: tuple[AssetFile, ...]
    template_dirs: tuple[Path, ...]
    unreadable: frozenset[str] = frozenset()
    """Files that exist but could not be read or decoded (already reported)."""


def decode(data: bytes, path: str, problems: Problems) -> str | None:
    """Decode UTF-8 (a BOM is dropped, CRLF and CR become LF); name GBK files as such."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        try:
            data.decode("gb18030")
            message = _("the file is not UTF-8 text. It looks like GBK (saved by a Windows "
                        "program): open it and save it again as UTF-8 (in Notepad: Save As, "
                        "Encoding: UTF-8)")
        except UnicodeDecodeError:
            message = _("the file is not UTF-8 text: open it and save it again as UTF-8 (in "
                        "Notepad: Save As, Encoding: UTF-8)")
        problems.error(path, line, message)
        return None
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return strip_control_characters(text, path, problems)


CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
"""Invisible characters that Word and old systems leave in pasted text; no page or feed may
carry them (XML forbids most of them)."""


def strip_control_characters(text: str, path: str, problems: Problems, line: int = 1) -> str:
    """Remove them, telling the author where each line had some."""
    if CONTROL.search(text) is None:  # (most texts: looked through once, not twice)
        return text
    for match in CONTROL.finditer(text):
        at = line + text.count("\n", 0, match.start())
        problems.warning(path, at, _("an invisible control character (U+{code}) was removed")
                         .format(code=f"{ord(match.group()):04X}"))
    return CONTROL.sub("", text)


def read_text(root: Path, file: Path, problems: Problems,
              inputs: "InputDigests | None" = None) -> SourceText | None:
    """The file decoded (None: it could not be, and `problems` says why). With `inputs`
    (cache.InputDigests), a file as the last build read it is not read now (UnreadText), what
    decoding it found is told again, and a file read is recorded there."""
    rel = file.relative_to(root).as_posix()
    try:
        known = inputs.unchanged(file) if inputs is not None else None
        if known is not None:
            digest, found = known
            problems.extend(found)
            return UnreadText(rel, file, digest)
        data = file.read_bytes()
    except OSError as exc:
        problems.error(rel, 0, _("cannot read the file: {reason}").format(reason=exc.strerror))
        return None
    found = Problems()
    text = decode(data, rel, found)
    problems.extend(found.items)
    if text is None:
        return None
    digest = bytes_digest(data)
    if inputs is not None:
        inputs.read(file, digest, found.items)
    return SourceText(rel, text, digest)


def _within(root: Path, path: Path) -> bool:
    """Whether `path`, links followed, stays inside `root` (a link may not lead out of the site)."""
    real = path.resolve()
    return real == root or root in real.parents


def files_under(folder: Path, root: Path, problems: Problems,
                suffixes: tuple[str, ...] | None = None,
                exclude: tuple[str, ...] = ()) -> list[Path]:
    """Files below `folder` in a stable order (each folder's files by name, then its folders
    by name), hidden ones left out. Links are followed while they stay inside `root`; one that
    leads outside is an error, never silently read or skipped."""
    if not folder.is_dir():
        return []
    found: list[Path] = []
    visited: set[Path] = set()

    def walk(here: Path) -> None:
        real = here.resolve()
        if real in visited:  # a link back up the tree: walked already
            return
        visited.add(real)
        inside = real == root or root in real.parents
        try:
            with os.scandir(here) as listed:
                entries = sorted(listed, key=lambda entry: entry.name)
        except OSError:
            return  # (a folder that cannot be listed is passed over, as os.walk does)
        folders = []
        for entry in entries:
            name = entry.name
            if _is_folder(entry):
                if not name.startswith(".") and _allowed(here / name, root, problems):
                    folders.append(here / name)
                continue
            suffix = _suffix(name)
            if name.startswith(".") or suffix in exclude or \
                    (suffixes is not None and suffix not in suffixes):
                continue
            # a file that is not a link, in a folder inside the site, is inside it (the entry
            # knows whether it is a link: no look at the disk for each of 10,000 reports)
            if (inside and not entry.is_symlink()) or _allowed(here / name, root, problems):
                found.append(here / name)
        for subfolder in folders:
            walk(subfolder)

    walk(folder)
    return found


def _is_folder(entry: os.DirEntry) -> bool:
    """A folder, or a link to one."""
    try:
        return entry.is_dir()
    except OSError:
        return False


def _suffix(name: str) -> str:
    """A file name's suffix in lower case, as pathlib gives it ('' for 'a.' or '.a')."""
    dot = name.rfind(".")
    return name[dot:].lower() if 0 < dot < len(name) - 1 else ""


def _allowed(path: Path, root: Path, problems: Problems) -> bool:
    if _within(root, path):
        return True
    problems.error(path.relative_to(root).as_posix(), 1,
                   _("this is a link to a place outside the site folder; copy the file or "
                     "folder into the site instead"))
    return False


def _asset(folder: Path, file: Path, inputs: "InputDigests | None") -> AssetFile:
    """A file published as it is, under a name holding its digest, with its size if it is a
    picture: with `inputs`, those the build cache recalls for a file unchanged since (a site's
    photos are not read or opened again at every build; without the cache, the same digest of
    its bytes)."""
    if inputs is None:
        digest, size = bytes_digest(file.read_bytes()), picture_size(file)
    else:
        digest, size = inputs.of(file), inputs.picture_size(file, picture_size)
    return AssetFile(file.relative_to(folder).as_posix(), file, digest.hex(), size)


def _static_files(root: Path, problems: Problems,
                  inputs: "InputDigests | None") -> tuple[AssetFile, ...]:
    """The site's static files over the repository's: a site replaces a file by its name."""
    chosen: dict[str, AssetFile] = {}
    for base in dict.fromkeys((REPOSITORY, root)):
        folder = base / "static"
        for file in files_under(folder, base, problems):
            asset = _asset(folder, file, inputs)
            chosen[asset.name] = asset
    return tuple(chosen[name] for name in sorted(chosen))


def template_folders(root: Path) -> tuple[Path, ...]:
    """The site's templates first, the repository's behind them (a site replaces one by name)."""
    return tuple(dict.fromkeys((root / "templates", REPOSITORY / "templates")))


def load_site(root: Path, problems: Problems,
              inputs: "InputDigests | None" = None) -> SiteSources:
    """Read the site at `root`; unreadable or undecodable files are recorded in `problems`.
    With `inputs` (the build cache's), reports and honour lists unchanged since the last build
    are read only when needed (read_text), and other files' digests are recalled."""
    root = root.resolve()
    unreadable: set[str] = set()

    def read(file: Path, inputs: "InputDigests | None" = None) -> SourceText | None:
        text = read_text(root, file, problems, inputs)
        if text is None:
            unreadable.add(file.relative_to(root).as_posix())
        return text

    def optional(rel: str) -> SourceText | None:
        file = root / rel
        return read(file) if file.is_file() and _allowed(file, root, problems) else None

    def texts(folder: Path, suffixes: tuple[str, ...]) -> tuple[SourceText, ...]:
        found = (read(f, inputs) for f in files_under(folder, root, problems, suffixes))
        return tuple(t for t in found if t is not None)

    content = root / "content"
    sources = SiteSources(
        root=root,
        config=optional("site.yaml"),
        regions=optional("data/regions.yaml"),
        reports=texts(content, (".md", ".markdown")),
        honour_lists=texts(root / "data" / "households", (".yaml", ".yml")),
        static_files=_static_files(root, problems, inputs),
        content_files=tuple(_asset(content, f, inputs) for f in
                            files_under(content, root, problems, exclude=(".md", ".markdown"))),
        template_dirs=template_folders(root),
    )
    return replace(sources, unreadable=frozenset(unreadable))
