"""Write stage: the one place that touches the output folder. The new and changed files are
written one by one into a temporary folder beside it; only when the whole site is made and
checked are they moved in (and the files it no longer has removed), so a failed build never
leaves half a site, and one stopped while they are moved is finished by the next build."""
from __future__ import annotations

import collections
import contextlib
import functools
import itertools
import multiprocessing
import os
import shutil
import threading
from array import array
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import NamedTuple

import rjsmin

from . import collector
from .audit import OutputAudit
from .errors import ShowcaseError, UsageError
from .i18n import _
from .images import write_copy


class OutputError(ShowcaseError):
    """Raised when the output cannot be written (two pages on one path, an unwritable folder)."""


def check_output_folder(out_dir: Path, site_dir: Path) -> None:
    """Refuse an output folder whose replacement would destroy something else: the site itself,
    a folder holding it, or a folder of other files (a build replaces the whole folder)."""
    out_dir, site_dir = out_dir.resolve(), site_dir.resolve()
    if out_dir == site_dir or out_dir in site_dir.parents:
        raise UsageError(_("the output folder {folder} would replace the site itself; choose "
                           "another --out").format(folder=out_dir))
    for name in ("content", "data", "templates", "static"):
        source = site_dir / name
        if out_dir == source or source in out_dir.parents:
            raise UsageError(_("the output folder {folder} is inside the site's {name}/ "
                               "folder; choose another --out").format(folder=out_dir, name=name))
    if out_dir.is_file():
        raise UsageError(_("the output path {path} is a file, not a folder").format(path=out_dir))
    if out_dir.is_dir() and any(out_dir.iterdir()) and not (
            (out_dir / "index.html").is_file() and (out_dir / "404.html").is_file()):
        raise UsageError(_("the folder {folder} holds files that are not a site built by "
                           "showcase, and a build replaces the whole folder; choose an empty or "
                           "new folder for --out").format(folder=out_dir))


@dataclass
class ChildOutcome:
    """What a child writer did: how many files, and the audit's problems in them."""

    receive: multiprocessing.connection.Connection
    files: int = 0
    problems: list = field(default_factory=list)

    def finished(self) -> bool:
        """Whether the child has done its work (it waits to hand it over: its core is free)."""
        return self.receive.poll()


class Staged(NamedTuple):
    """A file a worker wrote into the staging folder itself (`StagedOutput.writer_ahead`,
    `written_apart`), standing in for its bytes: its size and time as written (`_joined`;
    LEFT: the previous output has it as it is), and what the audit found in it."""

    joined: int
    problems: list


LEFT = -1
"""(Staged) Not written: the previous output's file is the same."""


class StagedOutput:
    """The new site, its new and changed files written one by one into a temporary folder
    beside `out_dir` as they are made (nothing is held in memory), the files the same as in the
    previous output left where they are (so they keep their modification time, and an rsync
    deploy sends nothing for them). `commit` moves the new files in and removes those the site
    no longer has; leaving the `with` block any other way removes the temporary folder: the
    previous output stays exactly as it was."""

    def __init__(self, out_dir: Path, folder: str = "", listed: "ListedAhead | None" = None):
        """With `folder` ("search"), only that folder of the site is made anew; paths are still
        given from the site's root. `listed`: the output's listing, begun ahead."""
        self.listed = listed
        self.prefix = f"{folder}/" if folder else ""
        out_dir = out_dir / folder if folder else out_dir
        self.out_dir = out_dir.resolve()
        self.staging = self.out_dir  # made in __enter__, under a name of its own
        self.claimed: dict[str, str] = {}
        self.left: set[str] = set()
        """The files of the previous output left as they are (claimed as the new site's)."""
        self.spared: list[str] = []
        """Folders of the previous output left whole, whatever this build claims (`carry`)."""
        self.folders: set[str] = set()
        self._listing: dict[str, tuple[int, int]] | None = None
        self.before_total: int | None = None
        """The previous output's files added up (ListedAhead's `total`), when listed ahead."""
        self.replaced: dict[str, tuple[int, int]] = {}
        self.added: dict[str, tuple[int, int]] = {}
        """What the commit changed: the previous output's files it removed or wrote over, as
        they were listed, and the files it moved in, as they are (the build record adds up
        those alone)."""
        self.unchanged = 0
        self.kept = 0
        """Pages kept from the previous output without being made again (`keep`)."""
        self.changed: list[str] = []
        """The files this process wrote or copied other than the previous output had them."""
        self.written: dict[str, int] = {}
        """The size and time of each file in the staging folder (by its path there), taken as
        it was written, in one number (`_joined`: 19 MB for 340,000 files, not 48 MB as pairs):
        the build record needs them, and a first build need not list again the 143,000 files
        it has just written (359,000 with 100,000 households: seconds, and far longer when the
        system has dropped its records of them)."""

    def __enter__(self) -> "StagedOutput":
        try:
            self.out_dir.parent.mkdir(parents=True, exist_ok=True)
            finish_interrupted(self.out_dir)
            if self.listed is None:
                self._listing = listing(self.out_dir)
            self.staging = _unique(self.out_dir, "new")
            self.staging.mkdir()
        except OSError as exc:
            raise OutputError(_("cannot write the output to {folder}: {reason}")
                              .format(folder=self.out_dir, reason=exc)) from exc
        return self

    @property
    def before(self) -> dict[str, tuple[int, int]]:
        """The previous output's files (from `out_dir`) with their size and time, listed once
        when the build begins: what is kept, left or removed is decided from it, not by asking
        the disk again for each of tens of thousands of files. Listed ahead (ListedAhead), it
        is taken when first asked for, by the build and by the search process it forks
        meanwhile: neither waits for it before it must."""
        if self._listing is None:  # (an OSError here is the `with` block's: see __exit__)
            ahead = self.listed.result()
            self._listing, self.before_total = ((listing(self.out_dir), None) if ahead is None
                                                else ahead)
        return self._listing

    def __exit__(self, kind, value, traceback) -> None:
        if self.listed is not None:
            self.listed.close()
        if kind is not None and not (self.staging / GONE).is_file():  # (else: to be finished)
            shutil.rmtree(self.staging, ignore_errors=True)
        if isinstance(value, OSError):
            raise OutputError(_("cannot write the output to {folder}: {reason}")
                              .format(folder=self.out_dir, reason=value)) from value

    def _claim(self, path: str) -> None:
        """A path claimed twice (case-insensitively: many hosts ignore case) is refused."""
        key = path.lower()
        if key in self.claimed:
            raise OutputError(_("two outputs claim the same path: {first} and {second}")
                              .format(first=self.claimed[key], second=path))
        self.claimed[key] = path

    def _claim_each(self, paths: list[str], keys: list[str]) -> None:
        """_claim for many paths, `keys` their lower case."""
        twice = self.claimed.keys() & keys
        if not twice and len(set(keys)) < len(keys):  # two of these on one path
            twice = {key for key, count in collections.Counter(keys).items() if count > 1}
            self.claimed.update(zip(keys, paths))  # (the message names the last of them)
        if twice:
            key = min(twice)
            raise OutputError(_("two outputs claim the same path: {first} and {second}")
                              .format(first=self.claimed[key], second=paths[keys.index(key)]))
        self.claimed.update(zip(keys, paths))

    def _staging_path(self, path: str) -> str:
        """Where `path` is written in the staging folder (its folder made)."""
        target = f"{self.staging}/{path.removeprefix(self.prefix)}"
        folder = os.path.dirname(target)
        if folder not in self.folders:
            try:  # (most folders are new, in one made already: one call, where makedirs
                os.mkdir(folder)  # looks at each folder above it first)
            except FileNotFoundError:
                os.makedirs(folder, exist_ok=True)
            except FileExistsError:
                pass
            self.folders.add(folder)
        return target

    def staged(self, path: str) -> str:
        """Where the file of `path` (from the site's root) stands until the commit: in the
        previous output when it is left there, else in the staging folder."""
        where = self.out_dir if path in self.left else self.staging
        return f"{where}/{path.removeprefix(self.prefix)}"

    def stat(self, path: str) -> tuple[int, int] | None:
        """The size and time of the file of `path` where it stands until the commit (None when
        there is none): a file moved in keeps both."""
        name = path.removeprefix(self.prefix)
        if path in self.left:
            return self.before.get(name)
        if name in self.written:
            return _split(self.written[name])
        try:
            stat = os.stat(self.staged(path))
        except OSError:
            return None
        return stat.st_size, stat.st_mtime_ns

    def _before(self, path: str) -> tuple[int, int] | None:
        """The size and time of `path`'s file in the previous output (None: none there, or a
        link to nothing)."""
        before = self.before.get(path.removeprefix(self.prefix))
        return None if before is None or before[0] < 0 else before

    def _previous(self, path: str) -> str:
        """Where `path` stands in the previous output."""
        return f"{self.out_dir}/{path.removeprefix(self.prefix)}"

    def write(self, path: str, data: bytes) -> None:
        self._claim(path)
        if not self._same(path, data):
            self._noted(path, _joined(*_written_file(self._staging_path(path), data)))

    def _noted(self, path: str, joined: int) -> None:
        """`path` written into the staging folder, with this size and time."""
        self.changed.append(path)
        self.written[path.removeprefix(self.prefix)] = joined

    def writer_ahead(self, audit: OutputAudit) -> Callable[[list], list]:
        """What a worker about to be forked by the process writing calls with the files it
        makes (`_written_ahead`); the previous output's listing is taken first, here (only
        the build and one process it forks take it)."""
        return functools.partial(self._written_ahead, self.before, audit=audit)

    def _written_ahead(self, before: dict[str, tuple[int, int]], files: list[tuple[str, bytes]],
                       audit: OutputAudit) -> list[tuple[str, bytes | Staged]]:
        """In the worker: `files` audited and written into the staging folder here, each given
        back as a `Staged` for `write_all` to take, when the previous output (`before`) has
        none of them (none is to be kept, nor compared); else as they are. Tens of thousands
        of search files are written by the workers that make them, not all by the one process
        waiting for them."""
        prefix = self.prefix
        if any(path.removeprefix(prefix) in before for path, _ in files):
            return files
        return [(path, self._staged(path, data, audit)) for path, data in files]

    def written_apart(self, path: str, data: bytes, audit: OutputAudit) -> Staged:
        """In a process forked by the one writing once it has begun (render.py's helper):
        the file audited and written into the staging folder, unless the previous output
        (listed by then) has it as it is; a `Staged` for `write_all` to take."""
        return self._staged(path, data, audit, left=self._unchanged(path, data))

    def _staged(self, path: str, data: bytes, audit: OutputAudit, left: bool = False) -> Staged:
        known = len(audit.problems)
        audit.check(path, data)
        problems = audit.problems[known:]
        del audit.problems[known:]
        return Staged(LEFT if left else _joined(*_written_file(self._staging_path(path), data)),
                      problems)

    def _same(self, path: str, data: bytes | None = None) -> bool:
        """Leave the previous output's file as it is when it is the same (`data`, or, without
        it, a file whose name already says what it holds)."""
        if not self._unchanged(path, data):
            return False
        self._leave(path)
        return True

    def _unchanged(self, path: str, data: bytes | None) -> bool:
        """(_same, without leaving the file)"""
        before = self._before(path)
        if before is None or (data is not None and before[0] != len(data)):
            return False
        if data is not None:
            try:
                with open(self._previous(path), "rb") as file:
                    return file.read() == data
            except OSError:
                return False
        return True

    def _leave(self, path: str) -> None:
        self.left.add(path)
        self.unchanged += 1

    def keep(self, path: str, size: int | None = None, mtime_ns: int | None = None) -> bool:
        """Leave the previous output's file as it is (when given, only if it still has this
        size and time: nobody has touched it since it was written); whether it was."""
        wanted = self._before(path) if size is None else (size, mtime_ns)
        return wanted is not None and not self.keep_each([path], [wanted])

    def keep_each(self, paths: list[str],
                  sizes_and_times: list[tuple[int, int] | None]) -> list[str]:
        """`keep` each file that still has its size and time (None: not to be kept), in one go
        (thousands of search files, every page); the paths not kept."""
        before, prefix = self.before, self.prefix
        names = [path.removeprefix(prefix) for path in paths] if prefix else paths
        if None not in sizes_and_times and list(map(before.get, names)) == sizes_and_times \
                and min(map(itemgetter(0), sizes_and_times), default=0) >= 0:
            kept, missing = paths, []  # (as most are: looked at in bulk)
        else:
            kept, missing = [], []
            for path, name, wanted in zip(paths, names, sizes_and_times):
                if wanted is not None and wanted[0] >= 0 and before.get(name) == wanted:
                    kept.append(path)
                else:
                    missing.append(path)
        self._claim_each(kept, list(map(str.lower, kept)))
        self.left.update(kept)
        self.unchanged += len(kept)
        self.kept += len(kept)
        return missing

    def write_all(self, files: Iterable[tuple[str, bytes | Staged]], audit: OutputAudit) -> int:
        """Write each file as it comes, the audit reading it first (a `Staged` one is taken as
        its worker wrote it); how many there were."""
        count = 0
        for path, data in files:
            if type(data) is Staged:  # (written by a worker, audited there)
                audit.problems += data.problems
                self._claim(path)
                if data.joined == LEFT:
                    self._leave(path)
                else:
                    self._noted(path, data.joined)
            else:
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
        outcome = ChildOutcome(receive)
        try:
            yield outcome
        except BaseException:
            child.terminate()
            child.join()
            raise
        try:
            result = receive.recv()
        except EOFError:
            result = _("the process stopped")
        child.join()
        if not isinstance(result, tuple):
            raise OutputError(_("writing the search index failed: {reason}")
                              .format(reason=result))
        claimed, changed, outcome.problems, unchanged, staged = result
        self.written.update((path, _joined(size, mtime)) for path, size, mtime in _rows(staged))
        paths = claimed.split("\0") if claimed else []
        self._claim_each(paths, claimed.lower().split("\0") if claimed else [])
        self.unchanged += unchanged
        self.left.update(paths)
        self.left.difference_update(changed)
        outcome.files = len(paths)

    def _write_in_child(self, make_files, audit: OutputAudit, send) -> None:
        """In the forked process: write the files, send back their paths and the findings."""
        try:
            if self.listed is not None:
                self.listed.read_here()
            self.claimed, self.left, self.unchanged, self.changed = {}, set(), 0, []
            self.written = {}
            self.write_all(make_files(), audit)
            # every path in one string, those written apart (the rest are left): hundreds of
            # thousands of paths sent as one object, not each as one
            send.send(("\0".join(self.claimed.values()), self.changed, audit.problems,
                       self.unchanged,
                       _columns(self.written, [joined >> 64 for joined in self.written.values()],
                                [joined & _TIME for joined in self.written.values()])))
        except BaseException as exc:  # the parent raises it as the build's error
            send.send(f"{type(exc).__name__}: {exc}")
        finally:
            send.close()

    def copy(self, files: tuple[tuple[str, Path, int | None], ...]) -> None:
        """Copied files, resized where a width is given; the site's scripts without their
        comments and indentation, which readers would download on every page."""
        for path, source, width in files:
            if path.startswith("static/") and path.endswith(".js") and width is None:
                self.write(path, rjsmin.jsmin(source.read_text("utf-8")).encode())
                continue
            self._claim(path)
            if not self._same(path):  # the name holds the content hash (and width)
                target = self._staging_path(path)
                if width is not None:
                    write_copy(source, Path(target), width)
                else:
                    shutil.copyfile(source, target)
                stat = os.stat(target)
                self._noted(path, _joined(stat.st_size, stat.st_mtime_ns))

    def carry(self, folder: str) -> None:
        """Leave the previous output's `folder` as it is, whatever this build makes: the
        preview's pages go live while their search index is still being made."""
        self.spared.append(f"{folder}/")

    def commit(self) -> None:
        """Move the new files in and remove those the new site does not have. The list of
        those is written into the staging folder first: from then on the staging folder is
        complete, and a build stopped while moving is finished by the next (finish_interrupted)."""
        if not self.out_dir.is_dir() or (not self.before and _removed_if_empty(self.out_dir)):
            self.staging.rename(self.out_dir)  # (not a move a file at a time)
            self.added = _split_each(self.written)  # (the staging folder: all written here)
            self.replaced = dict(self.before)
            return
        mine = ({path.removeprefix(self.prefix) for path in self.claimed.values()}
                if self.prefix else set(self.claimed.values()))
        spared = tuple(self.spared)
        gone = {path for path in self.before.keys() - mine if not path.startswith(spared)}
        (self.staging / GONE).write_text("\n".join(sorted(gone)), "utf-8")
        moved = listing(self.staging)
        del moved[GONE]
        _apply(self.staging, self.out_dir, list(moved))
        self.added = moved
        self.replaced = {path: self.before[path] for path in itertools.chain(gone, moved)
                         if path in self.before}


class ListedAhead:
    """The output folder's listing made in a forked process while the build reads and checks
    the site (a site of 10,000 reports has some 140,000 output files to look at), sent to the
    build and to one process the build forks meanwhile (the search index's: it starts before
    the listing is done, and needs it only once its documents are read). Made only by a
    process without threads, before anything is written to the folder."""

    def __init__(self, out_dir: Path,
                 total: Callable[[dict[str, tuple[int, int]]], int] | None = None):
        """`total(listing)`: what the build record adds up of the listing (cache.listing_total),
        worked out there too when given."""
        self.receive, send = multiprocessing.Pipe(duplex=False)
        self.forked, send_forked = multiprocessing.Pipe(duplex=False)
        self.owner, self.reader = os.getpid(), 0
        """The build's process, and the one process it forks that takes the listing too
        (`read_here`)."""
        self.process = multiprocessing.get_context("fork").Process(
            target=_list_into, args=(out_dir.resolve(), total, (send, send_forked)))
        self.process.start()
        send.close()
        send_forked.close()

    def read_here(self) -> None:
        """(In a process forked by the build) this process takes the listing too, once."""
        self.reader = os.getpid()

    def result(self) -> tuple[dict[str, tuple[int, int]], int | None] | None:
        """The listing and its total, taken once by the build and once by the process that
        said `read_here` (None: it failed, or another process asks, and the caller lists the
        folder itself)."""
        if os.getpid() not in (self.owner, self.reader):
            return None
        try:
            listed = (self.receive if os.getpid() == self.owner else self.forked).recv()
        except EOFError:
            listed = None
        if listed is None:
            return None
        *columns, total = listed
        with collector.paused():  # (kept to the build's end)
            return {path: (size, mtime) for path, size, mtime in _rows(columns)}, total

    def close(self) -> None:
        """(In the build's process: the listing's process ended, if it still waits to send the
        listing to a process that never asked for it.)"""
        if os.getpid() != self.owner or self.receive.closed:
            return
        if self.process.is_alive():
            self.process.terminate()
        self.process.join()
        self.receive.close()
        self.forked.close()


def _list_into(folder: Path, total: Callable[[dict[str, tuple[int, int]]], int] | None,
               sends: tuple) -> None:
    """In the forked process: the listing of `folder` and its total, sent to each reader
    (None if it could not be made)."""
    try:
        files = listing(folder)
        listed = (*_columns(files, [size for size, _ in files.values()],
                            [mtime for _, mtime in files.values()]),
                  total(files) if total is not None else None)
    except BaseException:
        listed = None
    # each sent apart: a reader takes it when it first needs it, whichever comes first
    senders = [threading.Thread(target=_sent, args=(send, listed)) for send in sends]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join()


def _sent(send, listed) -> None:
    try:
        send.send(listed)
    except OSError:  # (the reader is gone)
        pass
    finally:
        send.close()


def _columns(paths: Iterable[str], sizes: list[int], times: list[int]) -> tuple[str, bytes, bytes]:
    """Files' paths, sizes and times by column, to be sent to another process: hundreds of
    thousands of files as three objects, not each as three."""
    return "\0".join(paths), array("q", sizes).tobytes(), array("q", times).tobytes()


def _rows(columns: tuple[str, bytes, bytes]) -> Iterator[tuple[str, int, int]]:
    """Each file's path, size and time, from `_columns`."""
    paths, sizes, times = columns
    return zip(paths.split("\0"), unpacked(sizes), unpacked(times)) if paths else iter(())


_TIME = (1 << 64) - 1
"""The bits of the time in a file's size and time joined in one number (`_joined`)."""


def _joined(size: int, mtime_ns: int) -> int:
    """A file's size and time in one number."""
    return size << 64 | mtime_ns


def _split(joined: int) -> tuple[int, int]:
    return joined >> 64, joined & _TIME


def _split_each(files: dict[str, int]) -> dict[str, tuple[int, int]]:
    return {path: _split(joined) for path, joined in files.items()}


def _written_file(path: str, data: bytes) -> tuple[int, int]:
    """Write a new file; its size and modification time as the system recorded them."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(descriptor, view):]
        stat = os.fstat(descriptor)
    finally:
        os.close(descriptor)
    return stat.st_size, stat.st_mtime_ns


def unpacked(data: bytes, kind: str = "q") -> list[int]:
    """The numbers of an array of `kind` written as bytes (array.tobytes)."""
    numbers = array(kind)
    numbers.frombytes(data)
    return numbers.tolist()


GONE = ".gone"
"""In a staging folder: the previous output's files the new site does not have. Written when the
staging folder is complete."""
_builds = itertools.count()


def _unique(out_dir: Path, kind: str) -> Path:
    """A name beside the output for a new site, never used before by this process."""
    return out_dir.with_name(f".{out_dir.name}.{kind}-{os.getpid()}-{next(_builds)}")


def _removed_if_empty(folder: Path) -> bool:
    """Remove `folder` if nothing at all is in it (not even an empty folder); whether it was."""
    try:
        folder.rmdir()
    except OSError:
        return False
    return True


def finish_interrupted(out_dir: Path) -> None:
    """Temporary folders of builds that were stopped: one stopped while moving its files in is
    finished (the output is then its complete site, not half of one); the rest are removed.
    Done first by every build, even one that then fails."""
    for leftover in sorted(out_dir.parent.glob(f".{out_dir.name}.*-*")):
        kind = leftover.name.rsplit(".", 1)[-1].split("-")[0]
        if kind == "new" and (leftover / GONE).is_file() and out_dir.is_dir():
            _apply(leftover, out_dir)
        elif kind in ("new", "old"):
            shutil.rmtree(leftover, ignore_errors=True)


def files_below(folder: Path) -> Iterator[tuple[str, os.DirEntry]]:
    """Every file below `folder` (in hidden folders too), by its path from it, with its
    directory entry."""
    def walk(where: str, prefix: str) -> Iterator[tuple[str, os.DirEntry]]:
        with os.scandir(where) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    yield from walk(entry.path, f"{prefix}{entry.name}/")
                else:
                    yield prefix + entry.name, entry

    return walk(str(folder), "")


def listing(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file below `folder` (in hidden folders too) by its path from it, with its size and
    modification time (`size_and_time`); empty when there is no such folder."""
    files = {}
    try:
        for path, entry in files_below(folder):
            files[path] = size_and_time(entry)
    except FileNotFoundError:
        pass
    return files


def size_and_time(entry: os.DirEntry) -> tuple[int, int]:
    """A listed file's size and modification time ((-1, -1): a link to nothing)."""
    try:
        stat = entry.stat()
    except OSError:
        return -1, -1
    return stat.st_size, stat.st_mtime_ns


def _apply(staging: Path, out_dir: Path, moved: list[str] | None = None) -> None:
    """Remove the files listed gone, move every file of `staging` (`moved`, when its caller
    has listed them) into `out_dir`, then remove `staging` and the folders left empty."""
    emptied = set()
    for path in (staging / GONE).read_text("utf-8").splitlines():
        try:
            os.unlink(out_dir / path)
        except FileNotFoundError:
            pass  # removed before a kill
        emptied.add(os.path.dirname(path))
    for folder in sorted(emptied, key=len, reverse=True):  # the deepest first
        while folder:
            try:
                os.rmdir(out_dir / folder)
            except OSError:
                break  # not empty
            folder = os.path.dirname(folder)
    if moved is None:
        moved = [path for path, _ in files_below(staging) if path != GONE]
    for path in moved:
        target = out_dir / path
        try:
            os.replace(staging / path, target)
        except FileNotFoundError:
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staging / path, target)
    shutil.rmtree(staging, ignore_errors=True)
