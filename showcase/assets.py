"""Files published as they are (static/ and images beside reports), under content-hashed names
so a new build is never hidden by a stale cache, and the lookups that confine paths from content."""
from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .images import Picture, plan_picture
from .load import AssetFile, SiteSources
from .slugs import slugify

HASH_LENGTH = 10


def hashed_name(name: str, digest: str) -> str:
    path = PurePosixPath(name)
    return str(path.with_name(f"{path.stem}.{digest[:HASH_LENGTH]}{path.suffix}"))


@dataclass(frozen=True)
class Assets:
    """Where each static and content file is published (paths relative to the output root);
    `files` are (output path, source, width to resize to or None)."""

    static: dict[str, str]
    content: dict[str, str]
    files: tuple[tuple[str, Path, int | None], ...]
    pictures: dict[str, Picture]
    """Resizable pictures by their published path."""

    def published(self) -> tuple:
        """What a page or a text made with these files depends on: where each is published
        and each picture's copies, not where its source lies (a site folder or a checkout of
        showcase moved elsewhere builds the same pages, and the memo's results still hold)."""
        return (self.static, self.content, self.pictures,
                tuple((path, width) for path, _source, width in self.files))

    def find(self, reference: str, beside: str | None = None) -> str | None:
        """Output path of `reference`, looked up beside a content file (a folder under content/),
        then under static/. References that leave those folders are never found."""
        reference = reference.split("#", 1)[0].split("?", 1)[0]
        if not reference or reference.startswith("/") or "\\" in reference:
            return None
        if beside is not None:
            inside = _inside(posixpath.join(beside, reference))
            if inside in self.content:
                return self.content[inside]
        inside = _inside(reference)
        return self.static.get(inside) if inside else None


def leaves_site(reference: str, beside: str = "") -> bool:
    """Whether a path written in content points outside the site (../.., /etc, C:\\)."""
    reference = reference.split("#", 1)[0].split("?", 1)[0].replace("\\", "/")
    if reference.startswith("/") or re.match(r"[A-Za-z]:", reference):
        return True
    return _inside(posixpath.join(beside, reference)) is None and \
        _inside(reference) is None


def _inside(path: str) -> str | None:
    normal = posixpath.normpath(path)
    return None if normal.startswith("../") or normal in ("..", ".") else normal


def ascii_name(name: str) -> str:
    """Authors' file names (名单.txt) in pinyin, so every host and old phone handles the address."""
    path = PurePosixPath(name)
    folders = [slugify(part) for part in path.parent.parts]
    return str(PurePosixPath(*folders, slugify(path.stem) + path.suffix.lower()))


def _publish(files: tuple[AssetFile, ...], folder: str,
             rename=lambda name: name) -> dict[str, tuple[str, AssetFile]]:
    return {f.name: (f"{folder}/{hashed_name(rename(f.name), f.digest)}", f) for f in files}


def plan_assets(sources: SiteSources) -> Assets:
    static = _publish(sources.static_files, "static")
    content = _publish(sources.content_files, "media", ascii_name)
    # equal output paths mean equal pinyin and equal content hash: the same bytes, published once
    published = dict([*static.values(), *content.values()])
    pictures = {out: plan_picture(out, f.size) for out, f in published.items() if f.size}
    files = {out: (f.source, None) for out, f in published.items()}
    for picture in pictures.values():
        for path, width in picture.copies:
            files.setdefault(path, (files[picture.copies[-1][0]][0], width))
    return Assets(
        static={name: out for name, (out, _) in static.items()},
        content={name: out for name, (out, _) in content.items()},
        files=tuple((out, source, width) for out, (source, width) in sorted(files.items())),
        pictures=pictures,
    )
