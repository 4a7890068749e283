"""Write stage: the one place that touches the output folder. The site is written file by file
into a temporary folder beside it and swapped in whole, so a failed or killed build never leaves
half a site."""
from __future__ import annotations

import contextlib
import ctypes
import itertools
import multiprocessing
import os
import shutil
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import rjsmin

from .audit import OutputAudit
from .errors import ShowcaseError, UsageError
from .images import write_copy

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


class OutputError(ShowcaseError):
    """Raised when the output cannot be written (two pages on one path, an unwritable folder)."""


def check_output_folder(out_dir: Path, site_dir: Path) -> None:
    """Refuse an output folder whose replacement would destroy something else: the site itself,
    a folder holding it, or a folder of other files (a build replaces the whole folder)."""
    out_dir, site_dir = out_dir.resolve(), site_dir.resolve()
    if out_dir == site_dir or out_dir in site_dir.parents:
        raise UsageError(f"the output folder {out_dir} would replace the site itself; "
                          "choose another --out")
    for name in ("content", "data", "templates", "static"):
        source = site_dir / name
        if out_dir == source or source in out_dir.parents:
            raise UsageError(f"the output folder {out_dir} is inside the site's {name}/ folder; "
                              "choose another --out")
    if out_dir.is_file():
        raise UsageError(f"the output path {out_dir} is a file, not a folder")
    if out_dir.is_dir() and any(out_dir.iterdir()) and not (
            (out_dir / "index.html").is_file() and (out_dir / "404.html").is_file()):
        raise UsageError(f"the folder {out_dir} holds files that are not a site built by "
                          "showcase, and a build replaces the whole folder; choose an empty or "
                          "new folder for --out")


@dataclass
class ChildOutcome:
    """What a child writer did: how many files, and the audit's problems in them."""

    files: int = 0
    problems: list = field(default_factory=list)


class StagedOutput:
    """The new site, written file by file into a temporary folder beside `out_dir` as it is
    made (nothing is held in memory), and swapped in whole by `commit`. Leaving the `with`
    block any other way removes the folder: the previous output stays exactly as it was."""

    def __init__(self, out_dir: Path, folder: str = ""):
        """With `folder` ("search"), only that folder of the site is made anew and swapped in;
        paths are still given from the site's root."""
        self.prefix = f"{folder}/" if folder else ""
        out_dir = out_dir / folder if folder else out_dir
        self.out_dir = out_dir.resolve()
        self.staging = self.out_dir  # made in __enter__, under a name of its own
        self.claimed: dict[str, str] = {}
        self.folders: set[str] = set()
        self.unchanged = 0
        self.kept = 0
        """Pages kept from the previous output without being made again (`keep`)."""
        self.changed: list[str] = []
        """The files this process wrote or copied other than the previous output had them."""

    def __enter__(self) -> "StagedOutput":
        try:
            self.out_dir.parent.mkdir(parents=True, exist_ok=True)
            _remove_leftovers(self.out_dir)
            self.staging = _unique(self.out_dir, "new")
            self.staging.mkdir()
        except OSError as exc:
            raise OutputError(f"cannot write the output to {self.out_dir}: {exc}") from exc
        return self

    def __exit__(self, kind, value, traceback) -> None:
        if kind is not None:
            shutil.rmtree(self.staging, ignore_errors=True)
        if isinstance(value, OSError):
            raise OutputError(f"cannot write the output to {self.out_dir}: {value}") from value

    def _claim(self, path: str) -> None:
        """A path claimed twice (case-insensitively: many hosts ignore case) is refused."""
        key = path.lower()
        if key in self.claimed:
            raise OutputError(f"two outputs claim the same path: {self.claimed[key]} and {path}")
        self.claimed[key] = path

    def _target(self, path: str) -> str:
        """Where `path` goes, claimed."""
        self._claim(path)
        target = self.staged(path)
        folder = os.path.dirname(target)
        if folder not in self.folders:
            os.makedirs(folder, exist_ok=True)
            self.folders.add(folder)
        return target

    def staged(self, path: str) -> str:
        """Where `path` (from the site's root) stands in the staging folder."""
        return f"{self.staging}/{path.removeprefix(self.prefix)}"

    def _previous(self, path: str) -> str:
        """Where `path` stands in the previous output."""
        return f"{self.out_dir}/{path.removeprefix(self.prefix)}"

    def write(self, path: str, data: bytes) -> None:
        self.write_over(path, self._target(path), data)

    def _keep(self, path: str, target: str, data: bytes | None = None) -> bool:
        """Link the previous output's file into the new site when it is the same (`data`, or,
        without it, a file whose name already says what it holds), so an unchanged file keeps
        its modification time and a deploy that compares them (rsync) sends nothing."""
        previous = self._previous(path)
        try:
            if data is not None:
                if os.stat(previous).st_size != len(data):
                    return False
                with open(previous, "rb") as file:
                    if file.read() != data:
                        return False
            os.link(previous, target)
        except OSError:
            return False
        self.unchanged += 1
        return True

    def keep(self, path: str, size: int | None = None, mtime_ns: int | None = None) -> bool:
        """Link the previous output's file into the new site (when given, only if it still has
        this size and time: nobody has touched it since it was written); whether it was."""
        if size is not None:
            try:
                stat = os.stat(self._previous(path))
            except OSError:
                return False
            if (stat.st_size, stat.st_mtime_ns) != (size, mtime_ns):
                return False
        target = self._target(path)
        if self._keep(path, target):
            self.kept += 1
            return True
        del self.claimed[path.lower()]  # to be written after all
        return False

    def write_all(self, files: Iterable[tuple[str, bytes]], audit: OutputAudit) -> int:
        """Write each file as it comes, the audit reading it first; how many there were."""
        count = 0
        for path, data in files:
            audit.check(path, data)
            self.write(path, data)
            count += 1
        return count

    @contextlib.contextmanager
    def in_child(self, make_files: Callable[[], Iterable[tuple[str, bytes]]], audit: OutputAudit):
        """Write `make_files()` from a forked process while the caller writes the rest, then
        take over what it wrote and the audit's findings in it (a path both claimed is refused).
        The child sees the parent's memory as it was: nothing is copied to it."""
        receive, send = multiprocessing.Pipe(duplex=False)
        child = multiprocessing.get_context("fork").Process(
            target=self._write_in_child, args=(make_files, audit, send))  # may fork workers
        child.start()
        send.close()
        outcome = ChildOutcome()
        try:
            yield outcome
        except BaseException:
            child.terminate()
            child.join()
            raise
        try:
            result = receive.recv()
        except EOFError:
            result = "the process stopped"
        child.join()
        if not isinstance(result, tuple):
            raise OutputError(f"writing the search index failed: {result}")
        claimed, outcome.problems, unchanged = result
        self.unchanged += unchanged
        for path in claimed.values():
            self._claim(path)
        outcome.files = len(claimed)

    def _write_in_child(self, make_files, audit: OutputAudit, send) -> None:
        """In the forked process: write the files, send back their paths and the findings."""
        try:
            self.claimed, self.unchanged = {}, 0
            self.write_all(make_files(), audit)
            send.send((self.claimed, audit.problems, self.unchanged))
        except BaseException as exc:  # the parent raises it as the build's error
            send.send(f"{type(exc).__name__}: {exc}")
        finally:
            send.close()

    def copy(self, files: tuple[tuple[str, Path, int | None], ...]) -> None:
        """Copied files, resized where a width is given; the site's scripts without their
        comments and indentation, which readers would download on every page."""
        for path, source, width in files:
            target = self._target(path)
            if path.startswith("static/") and path.endswith(".js") and width is None:
                self.write_over(path, target, rjsmin.jsmin(source.read_text("utf-8")).encode())
            elif not self._keep(path, target):  # the name holds the content hash (and width)
                self.changed.append(path)
                if width is not None:
                    write_copy(source, Path(target), width)
                else:
                    shutil.copyfile(source, target)

    def write_over(self, path: str, target: str, data: bytes) -> None:
        """Write to a target already claimed, unless the previous output holds the same."""
        if not self._keep(path, target, data):
            self.changed.append(path)
            with open(target, "wb") as file:
                file.write(data)

    def carry(self, folder: str) -> None:
        """Move what the previous output holds in `folder` and the new site does not into the
        new site: the preview's pages go live while their search index is still being made."""
        previous = self.out_dir / folder
        if not previous.is_dir():
            return
        (self.staging / folder).mkdir(parents=True, exist_ok=True)
        for entry in os.scandir(previous):
            path = f"{folder}/{entry.name}"
            if path.lower() not in self.claimed:
                os.rename(entry.path, self.staging / path)

    def commit(self) -> None:
        _swap(self.staging, self.out_dir)


_builds = itertools.count()


def _unique(out_dir: Path, kind: str) -> Path:
    """A name beside the output for a new or a retired site, never used before by this process
    (the previous build's may still be being removed)."""
    return out_dir.with_name(f".{out_dir.name}.{kind}-{os.getpid()}-{next(_builds)}")


def _remove_leftovers(out_dir: Path) -> None:
    """Temporary folders of builds that were killed before they could clean up."""
    for leftover in out_dir.parent.glob(f".{out_dir.name}.*-*"):
        if leftover.name.rsplit(".", 1)[-1].split("-")[0] in ("new", "old"):
            shutil.rmtree(leftover, ignore_errors=True)


def _swap(staging: Path, out_dir: Path) -> None:
    """Put the new site in place. Where the system can exchange two folders in one step
    (Linux renameat2), a reader or a kill never sees a moment without a complete site."""
    if not out_dir.exists():
        staging.rename(out_dir)
        return
    if _exchange(staging, out_dir):
        _remove_later(staging)  # now holds the previous site
        return
    retired = _unique(out_dir, "old")
    out_dir.rename(retired)
    staging.rename(out_dir)
    _remove_later(retired)


def _remove_later(folder: Path) -> None:
    """Remove the previous site while the new one is already in use (the preview's reload
    does not wait for it); the program still waits for it before it ends."""
    threading.Thread(target=shutil.rmtree, args=(folder,), kwargs={"ignore_errors": True}).start()


def _exchange(first: Path, second: Path) -> bool:
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    return renameat2(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second),
                     _RENAME_EXCHANGE) == 0
