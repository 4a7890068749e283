"""Files published as they are (static/ and images beside reports), under content-hashed names
so a new build is never hidden by a stale cache, and the lookups that confine paths from content."""
from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Callable, TypeVar

from .errors import Problems
from .images import Picture, plan_picture
from .load import AssetFile, SiteSources
from .slugs import slugify

HASH_LENGTH = 10
T = TypeVar("T")
R = TypeVar("R")


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


class Lookups:
    """Where what a report or an honour list names is published (another report, a file beside
    the report or under static/, a picture's copies), as the build making it asks, each
    question kept with its answer (`noting`): a result kept from an earlier build still holds
    while every question it asked gets the same answer (`holds`). A file or report added to a
    site of 10,000 reports then makes again only what named it, not every report (each one's
    result was keyed by every address of the site)."""

    def __init__(self, assets: Assets, url_of_report: dict[str, str] | None = None):
        self.answers: dict[str, Callable] = {
            "report": (url_of_report or {}).get, "file": assets.find,
            "picture": assets.pictures.get}
        self.asked: list | None = None

    def report(self, source: str) -> str | None:
        """The address of the report whose source is `source` (None: no such report)."""
        return self._asked("report", source)

    def file(self, reference: str, beside: str | None = None) -> str | None:
        """Where `reference` is published (Assets.find)."""
        return self._asked("file", reference, beside)

    def picture(self, path: str) -> Picture | None:
        """The copies of the picture published at `path` (None: not a resized picture)."""
        return self._asked("picture", path)

    def _asked(self, kind: str, *arguments):
        answer = self.answers[kind](*arguments)
        if self.asked is not None:
            self.asked.append((kind, arguments, answer))
        return answer

    def noting(self, make: Callable[[T, Problems], R]) -> Callable[[T, Problems], tuple[R, list]]:
        """`make`, returning its result with the questions it asked (one item at a time)."""
        def made(item: T, problems: Problems) -> tuple[R, list]:
            self.asked = []
            try:
                return make(item, problems), self.asked
            finally:
                self.asked = None
        return made

    def holds(self, made: tuple[object, list]) -> bool:
        """Whether every question a result (of `noting`) asked has the same answer now."""
        return all(self.answers[kind](*arguments) == answer for kind, arguments, answer in made[1])


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
