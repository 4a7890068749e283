"""Work kept between builds in the site's .cache/memo/: a result (a converted Markdown text, a
document's search keys) stored under a digest of everything it was made from and of the engine
(cache.engine_digest), so a stored result is only used where making it again would give the
same. A missing, unreadable or corrupt entry is simply made again; entries no build has used
for a while are removed (`prune`)."""
from __future__ import annotations

import hashlib
import os
import pickle
import time
from pathlib import Path
from typing import Any, Callable, TypeVar

from .cache import CACHE_FOLDER, engine_digest, write_whole
from .errors import Problems

T = TypeVar("T")

PRUNE_EVERY_SECONDS = 24 * 3600
KEEP_UNUSED_SECONDS = 7 * 24 * 3600
"""An entry a build of the site has not used for a week goes (another output folder, or a
draft preview, may still use what this build did not)."""


def digestible(value: Any) -> bytes:
    """`value` pickled to be digested. Protocol 0 writes strings as escapes: the binary protocols
    leave a UTF-8 copy of every non-ASCII string cached inside it (CPython), and the site's
    texts would take half again their memory for the rest of the build."""
    return pickle.dumps(value, protocol=0)


class Memo:
    """The memo of one site (a build with --no-cache has none: None where a memo is asked for)."""

    def __init__(self, site_dir: Path):
        self.folder = site_dir / CACHE_FOLDER / "memo"
        self.engine = engine_digest().encode()

    def key(self, kind: str, *parts: bytes) -> str:
        digest = hashlib.blake2b(self.engine + kind.encode(), digest_size=20)
        for part in parts:
            digest.update(len(part).to_bytes(8, "little"))
            digest.update(part)
        return digest.hexdigest()

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / key

    def get(self, key: str) -> Any | None:
        """The stored result, or None; a result used is marked as such (its time)."""
        path = self._path(key)
        try:
            value = pickle.loads(path.read_bytes())
            os.utime(path)
            return value
        except Exception:  # missing, half-written or from an older Python: made again
            return None

    def has(self, key: str) -> bool:
        return self._path(key).is_file()

    def put(self, key: str, value: T) -> T:
        """Store `value`; returns the stored copy, for the caller to keep instead of `value`
        (pickling left a UTF-8 copy of each of its non-ASCII strings cached inside them, half
        again their memory for as long as they live)."""
        data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        write_whole(self._path(key), data)
        return pickle.loads(data)

    def prune(self) -> None:
        """Remove the entries unused for KEEP_UNUSED_SECONDS (looked for once a day: reading
        every entry's time is itself work)."""
        if not self.folder.is_dir():
            return
        stamp = self.folder / ".pruned"
        try:
            if time.time() - stamp.stat().st_mtime < PRUNE_EVERY_SECONDS:
                return
        except OSError:
            pass  # never pruned yet
        try:
            stamp.touch()
        except OSError:
            return
        oldest = time.time() - KEEP_UNUSED_SECONDS
        for entry in os.scandir(self.folder):
            if entry.is_dir():
                for item in os.scandir(entry.path):
                    try:
                        if item.stat().st_mtime < oldest:
                            os.unlink(item.path)
                    except OSError:
                        pass


def kept(memo: "Memo | None", kind: str, inputs: Any, make: Callable[[], T]) -> T:
    """`make()`, done once for these inputs (picklable): later builds take the result (never
    None) from the memo."""
    if memo is None:
        return make()
    key = memo.key(kind, digestible(inputs))
    value = memo.get(key)
    return value if value is not None else memo.put(key, make())


def remembered(memo: "Memo | None", kind: str, inputs: tuple, problems: Problems,
               make: Callable[[Problems], T]) -> T:
    """`make(problems)`, done once for these inputs (picklable: the file's text, the settings
    it is checked against): later builds take the result from the memo and report again the
    problems it found."""
    def made() -> tuple[T, list]:
        found = Problems()
        return make(found), found.items

    value, reported = kept(memo, kind, inputs, made)
    problems.extend(reported)
    return value
