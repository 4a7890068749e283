"""Work kept between builds in the site's .cache/memo.sqlite3: a result (a converted Markdown
text, a document's search keys) stored under a digest of everything it was made from and of the
engine (cache.engine_digest), so a stored result is only used where making it again would give
the same. A missing, unreadable or corrupt entry is simply made again (a damaged database is
removed at the end of the build); entries no build has used for a while are removed (`close`).

One SQLite database rather than a file per result: a site of 10,000 reports keeps 50,000
results, and opening, writing and renaming that many small files cost more than the work kept.
Each process (the build's workers are forked) opens its own connection."""
from __future__ import annotations

import contextlib
import hashlib
import io
import os
import pickle
import secrets
import shutil
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Callable, TypeVar

from . import collector, i18n
from .cache import CACHE_FOLDER, engine_digest
from .errors import Problems
from .parallel import FORK_AT_LEAST, in_order

T = TypeVar("T")

DATABASE = "memo.sqlite3"
PRUNE_EVERY_SECONDS = 24 * 3600
KEEP_UNUSED_DAYS = 7
"""An entry a build of the site has not used for a week goes (another output folder, or a
draft preview, may still use what this build did not)."""


class _Digestible(pickle.Pickler):
    """Pickles strings as their UTF-8 bytes: a binary pickle of a string leaves a UTF-8 copy
    cached inside every non-ASCII one (CPython), and the site's texts would take half again
    their memory for the rest of the build; protocol 0, which does not, writes each character
    as an escape, several times slower."""

    def persistent_id(self, obj):
        return obj.encode() if type(obj) is str else None


def digestible(value: Any) -> bytes:
    """`value` pickled to be digested."""
    out = io.BytesIO()
    _Digestible(out, protocol=pickle.HIGHEST_PROTOCOL).dump(value)
    return out.getvalue()


_inherited: list[sqlite3.Connection] = []
"""A forked process's copies of its parent's connections: never used, and never closed either
(closing one could write back the parent's log)."""


BATCH = 500
"""Keys asked for in one statement (SQLite caps a statement's parameters)."""
WRITTEN_TOGETHER = 100
"""Results written in one transaction (`Memo.batched`); they wait in memory until then (a
report's search record is tens of kilobytes)."""
_PUT = "INSERT OR REPLACE INTO memo VALUES (?, ?, ?, ?)"


def _batches(items: list) -> Iterator[list]:
    for start in range(0, len(items), BATCH):
        yield items[start:start + BATCH]


def _among(database: sqlite3.Connection, query: str, keys: list[str]) -> list:
    """`query ... IN (keys)`, BATCH keys a statement."""
    return [row for part in _batches(keys) for row in
            database.execute(f"{query} IN ({','.join('?' * len(part))})", part).fetchall()]


def _remove_database(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _today() -> int:
    return int(time.time() // 86400)


class Held:
    """Results the preview server keeps in memory from one build to the next (those the last
    build used): found again without reading or unpickling them. They are shared between
    builds, so nothing may change one in place; the model is made of frozen objects."""

    def __init__(self):
        self.last: dict[str, Any] = {}
        self.now: dict[str, Any] = {}

    def get(self, key: str) -> Any | None:
        value = self.now.get(key)
        if value is None:
            value = self.last.get(key)
            if value is not None:
                self.now[key] = value
        return value

    def put(self, key: str, value: Any) -> None:
        self.now[key] = value

    def turn(self) -> None:
        """After a build: what it did not use goes."""
        self.last, self.now = self.now, {}


class Memo:
    """The memo of one site (a build with --no-cache has none: None where a memo is asked for),
    and with `held`, the preview's results in memory."""

    def __init__(self, site_dir: Path, held: Held | None = None):
        self.held = held
        self.folder = site_dir / CACHE_FOLDER
        self.path = self.folder / DATABASE
        self.engine = engine_digest()
        self.damaged = False
        self.held_pid = os.getpid()
        self._connection: sqlite3.Connection | None = None
        self._pid = 0
        self._pending: list[tuple[str, str, int, bytes]] | None = None
        """Results put within `batched`, not yet written (by the process that put them: a
        worker forked meanwhile writes its own at once)."""
        self._pending_pid = 0

    def key(self, kind: str, *parts: bytes) -> str:
        # the problems a result was made with are kept with it, in the build's language
        digest = hashlib.blake2b((self.engine + kind + i18n.current()).encode(), digest_size=20)
        for part in parts:
            digest.update(len(part).to_bytes(8, "little"))
            digest.update(part)
        return digest.hexdigest()

    def _database(self) -> sqlite3.Connection:
        """This process's connection (a forked worker never uses its parent's)."""
        if self._connection is None or self._pid != os.getpid():
            if self._connection is not None:
                _inherited.append(self._connection)
            self.folder.mkdir(parents=True, exist_ok=True)
            connection = self._connect()
            if "engine" not in {row[1] for row in connection.execute("PRAGMA table_info(memo)")}:
                connection.close()  # a database of an earlier format: started anew
                _remove_database(self.path)
                connection = self._connect()
            connection.execute("INSERT OR IGNORE INTO engines VALUES (?)", (self.engine,))
            self._connection, self._pid = connection, os.getpid()
        return self._connection

    def _connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(self.path, timeout=60, isolation_level=None,
                                     check_same_thread=False)
        connection.execute("PRAGMA auto_vacuum=INCREMENTAL")  # set before the first table
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=OFF")  # a cache: lost on a crash at worst
        # the value last: reading the other columns never walks a long value's pages
        connection.execute("CREATE TABLE IF NOT EXISTS memo (key TEXT PRIMARY KEY, "
                           "engine TEXT, used INTEGER, value BLOB)")
        connection.execute("CREATE TABLE IF NOT EXISTS engines (digest TEXT PRIMARY KEY)")
        connection.execute("CREATE TABLE IF NOT EXISTS identity (one INTEGER PRIMARY KEY, "
                           "name TEXT)")
        connection.execute("CREATE TABLE IF NOT EXISTS vocabulary "
                           "(number INTEGER PRIMARY KEY, key TEXT UNIQUE NOT NULL)")
        return connection

    def _run(self, work: Callable[[sqlite3.Connection], T], failed: T) -> T:
        try:
            return work(self._database())
        except OSError:  # a site folder that cannot be written to keeps nothing
            return failed
        except sqlite3.DatabaseError as error:
            if not isinstance(error, sqlite3.OperationalError) or "malformed" in str(error):
                self.damaged = True  # not a database, or a damaged one: removed after the build
            return failed

    def _query(self, sql: str, arguments: tuple = ()) -> list:
        return self._run(lambda database: database.execute(sql, arguments).fetchall(), [])

    def identity(self) -> str | None:
        """A name this database was given when it was made (what else is kept beside it,
        numbered by its vocabulary, names it); None when it cannot be read."""
        def work(database: sqlite3.Connection) -> str:
            database.execute("INSERT OR IGNORE INTO identity VALUES (0, ?)",
                             (secrets.token_hex(16),))
            return database.execute("SELECT name FROM identity").fetchone()[0]
        return self._run(work, None)

    def numbers(self) -> dict[str, int]:
        """The number of every key numbered by earlier builds (see search/vocabulary.py)."""
        return dict(self._query("SELECT key, number FROM vocabulary"))

    def number(self, keys: list[str]) -> dict[str, int] | None:
        """Numbers for keys new to the vocabulary (the database gives them, so that builds
        running at once agree); None when they could not be kept."""
        def work(database: sqlite3.Connection) -> dict[str, int]:
            with database:  # one transaction
                database.execute("BEGIN")
                database.executemany("INSERT OR IGNORE INTO vocabulary (key) VALUES (?)",
                                     [(key,) for key in keys])
            numbered = dict(_among(database, "SELECT key, number FROM vocabulary WHERE key", keys))
            return numbered if len(numbered) == len(set(keys)) else None
        return self._run(work, None)

    def _held(self) -> Held | None:
        """The preview's results in memory, in the process that holds them (a forked worker's
        copy is not the preview's: it neither reads nor adds)."""
        return self.held if os.getpid() == self.held_pid else None

    def get(self, key: str) -> Any | None:
        """The stored result, or None; a result used is marked as such (its day)."""
        return self.get_each([key])[0]

    def get_each(self, keys: list[str]) -> list[Any | None]:
        """The stored result of each key, or None (see `get`), asked BATCH keys a query (the
        stored bytes of one batch at a time are held, beside the results)."""
        self._write_pending()
        held, today = self._held(), _today()
        values = [held.get(key) for key in keys] if held is not None else [None] * len(keys)
        stale = []
        with collector.paused():  # the results are kept: no garbage is made
            for numbers in _batches([n for n, value in enumerate(values) if value is None]):
                asked = [keys[number] for number in numbers]
                found = {key: (data, used) for key, data, used in self._run(
                    lambda database: _among(database, "SELECT key, value, used FROM memo WHERE key",
                                            asked), [])}
                for number, key in zip(numbers, asked):
                    data, used = found.pop(key, (None, None))
                    try:
                        value = values[number] = pickle.loads(data)
                    except Exception:  # missing, half-written or from an older Python: made again
                        continue
                    if used != today:
                        stale.append((today, key))
                    if held is not None:
                        held.put(key, value)
        if stale:
            self._run(lambda database: database.executemany(
                "UPDATE memo SET used = ? WHERE key = ?", stale), None)
        return values

    def _hold(self, key: str, value: Any) -> None:
        held = self._held()
        if held is not None:
            held.put(key, value)

    def stored(self, keys: list[str]) -> set[str]:
        """Which of `keys` the memo holds (asked in a few queries, not one a key)."""
        self._write_pending()
        return self._run(lambda database: {key for key, in _among(
            database, "SELECT key FROM memo WHERE key", keys)}, set())

    def put(self, key: str, value: T) -> T:
        """Store `value`; returns the stored copy, for the caller to keep instead of `value`
        (pickling left a UTF-8 copy of each of its non-ASCII strings cached inside them, half
        again their memory for as long as they live). In a forked process, `value` itself: its
        results go back to the build pickled (a fresh copy), or are let go."""
        data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        if self._batching():
            self._pending.append((key, self.engine, _today(), data))
            if len(self._pending) >= WRITTEN_TOGETHER:
                self._write_pending()
        else:
            self._query(_PUT, (key, self.engine, _today(), data))
        if os.getpid() != self.held_pid:
            return value
        stored = pickle.loads(data)
        self._hold(key, stored)
        return stored

    @contextlib.contextmanager
    def batched(self) -> Iterator[None]:
        """Within, results put are written WRITTEN_TOGETHER at a time, in one transaction, so
        that a first build of 100,000 households, which puts 200,000 search records, does not
        commit 200,000 times. Those not yet written when the block fails are lost (made again
        by a later build)."""
        if self._batching():
            yield  # within another batch: written with it
            return
        self._pending, self._pending_pid = [], os.getpid()
        try:
            yield
            self._write_pending()
        finally:
            self._pending = None

    def _batching(self) -> bool:
        """Whether this process is within `batched` (a worker forked meanwhile is not)."""
        return self._pending is not None and self._pending_pid == os.getpid()

    def _write_pending(self) -> None:
        if self._batching() and self._pending:
            pending, self._pending = self._pending, []

            def work(database: sqlite3.Connection) -> None:
                with database:  # one transaction
                    database.execute("BEGIN")
                    database.executemany(_PUT, pending)
            self._run(work, None)

    def close(self) -> None:
        """End of the build: a damaged database is removed (the next build starts a new one);
        the entries unused for KEEP_UNUSED_DAYS go, looked for once a day."""
        if self.held is not None:
            self.held.turn()
        shutil.rmtree(self.folder / "memo", ignore_errors=True)  # the earlier store, a file each
        if not self.damaged:
            self._forget_other_engines()
            if self._prune_due():
                self._query("DELETE FROM memo WHERE used < ?", (_today() - KEEP_UNUSED_DAYS,))
        if self._connection is not None and self._pid == os.getpid():
            self._connection.close()
        self._connection = None
        if self.damaged:
            _remove_database(self.path)

    def _forget_other_engines(self) -> None:
        """Results of another version of showcase (or of its libraries) can never be used
        again: after an upgrade they go at once, and the space they took is given back."""
        if self._query("SELECT digest FROM engines WHERE digest != ?", (self.engine,)):
            self._query("DELETE FROM memo WHERE engine != ?", (self.engine,))
            self._query("DELETE FROM engines WHERE digest != ?", (self.engine,))
            # run to its end (a statement stepped once gives back one page)
            self._run(lambda database: database.executescript("PRAGMA incremental_vacuum;"),
                      None)

    def _prune_due(self) -> bool:
        """Whether a day has passed since the last pruning (the stamp is then renewed)."""
        stamp = self.folder / ".pruned"
        try:
            if time.time() - stamp.stat().st_mtime < PRUNE_EVERY_SECONDS:
                return False
        except OSError:
            pass  # never pruned yet
        try:
            stamp.touch()
        except OSError:
            return False
        return True


def kept(memo: "Memo | None", kind: str, inputs: Any, make: Callable[[], T]) -> T:
    """`make()`, done once for these inputs (picklable): later builds take the result (never
    None) from the memo."""
    return kept_each(memo, kind, [inputs], lambda _: make())[0]


def kept_each(memo: "Memo | None", kind: str, inputs: list, make: Callable[[Any], T]) -> list[T]:
    """`kept(memo, kind, item, lambda: make(item))` for each of `inputs`, the memo asked for
    all in one go."""
    if memo is None:
        return [make(item) for item in inputs]
    keys = _kept_keys(memo, kind, inputs)
    return [value if value is not None else memo.put(key, make(item))
            for key, item, value in zip(keys, inputs, memo.get_each(keys))]


def kept_already(memo: "Memo", kind: str, inputs: list) -> list[Any | None]:
    """What `kept_each` keeps for each of `inputs` when an earlier build made it (None: not
    kept), nothing made."""
    return memo.get_each(_kept_keys(memo, kind, inputs))


def _kept_keys(memo: "Memo", kind: str, inputs: list) -> list[str]:
    return [memo.key(kind, digestible(item)) for item in inputs]


def remembered(memo: "Memo | None", kind: str, inputs: tuple, problems: Problems,
               make: Callable[[Problems], T]) -> T:
    """`make(problems)`, done once for these inputs (picklable: the file's text, the settings
    it is checked against): later builds take the result from the memo and report again the
    problems it found."""
    keys = [memo.key(kind, digestible(inputs))] if memo else []
    return remembered_each(memo, keys, [inputs], lambda _, found: make(found), problems)[0]


def remembered_each(memo: "Memo | None", keys: list[str], items: list,
                    make: Callable[[Any, Problems], T], problems: Problems,
                    workers: int = 1, at_least: int = FORK_AT_LEAST,
                    holds: Callable[[T], bool] | None = None) -> list[T]:
    """`make(item, problems)` for each item, each done once for its key (`Memo.key` of what
    the result is made from: the file's text and the settings it is checked against, or the
    key of the result it is made from and what else it reads; none without a memo), and made
    again where a kept one no longer `holds` (what it asked of the rest of the site has another
    answer: assets.Lookups). Those the memo lacks are made in `workers` forked processes when
    there are `at_least` of them (parallel.in_order). The problems are reported in the items'
    order, as one after the other would."""
    results = memo.get_each(keys) if memo else [None] * len(items)
    if holds is not None:
        results = [None if result is None or not holds(result[0]) else result
                   for result in results]
    missing = [number for number, result in enumerate(results) if result is None]

    def made(number: int) -> tuple[T, list]:  # kept in the memo by the process making it
        found = Problems()
        result = make(items[number], found), found.items
        return memo.put(keys[number], result) if memo else result

    for number, result in zip(missing, in_order(made, missing, workers, at_least)):
        results[number] = result
    for _, reported in results:
        problems.extend(reported)
    collector.set_aside()  # the results live as long as the build
    return [value for value, _ in results]
