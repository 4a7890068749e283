"""Work spread over forked processes, the results taken in order: a worker starts with
everything the build has read (forking shares it), so only each item's number and its result
travel between processes."""
from __future__ import annotations

import collections
import functools
import multiprocessing
import signal
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

T = TypeVar("T")

FORK_AT_LEAST = 200
"""Fewer items than this are done in the build's own process: not worth a worker's start."""
CHUNK_SECONDS = 0.05
"""A worker is given items worth about this much CPU time at once, as the chunks taken so far
measured them (a report's search keys take some 3 ms, a household's 0.5 ms, an honour list's
read tens): in chunks of eight items, 100,000 households made 14,000 tasks, and the pool's
threads handing them out and their results back took a quarter of the search process's CPU."""
MAX_CHUNK = 256
"""Items a worker is given at once at most (the first chunks, before any is measured: one)."""
AHEAD = 4
"""Chunks per worker given out ahead of the one taken: the results wait in memory until they
are taken, so a consumer slower than the workers (one storing each result) never holds more
than these (a search record is a few hundred kilobytes; all of them, gigabytes)."""

_task: Callable[[Any], Any] | None = None
"""The function the workers about to be forked run (set only while they are forked)."""


def forked_pool(workers: int) -> multiprocessing.pool.Pool:
    """A pool of `workers` forked processes that end quietly: the pool ends them with SIGTERM,
    and Ctrl+C is the build's to answer (it ends the pool), not theirs. Forked, a worker would
    keep the build's own handlers (the preview's SIGTERM raises KeyboardInterrupt, to stop as
    Ctrl+C does), and print a traceback each time a pool ends."""
    return multiprocessing.get_context("fork").Pool(workers, initializer=quiet_worker)


def quiet_worker() -> None:
    """(In a forked worker) Ended quietly by SIGTERM; Ctrl+C left to the build."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _run(items: list) -> tuple[list, float]:
    """The chunk's results and the CPU seconds they took."""
    started = time.process_time()
    results = _task(items)
    return results, time.process_time() - started


def in_order(function: Callable[[Any], T], items: list, workers: int,
             at_least: int = FORK_AT_LEAST) -> Iterator[T]:
    """function(item) for each item, in order; in `workers` forked processes when there are
    `at_least` items (fewer when each is much work). `function` may be a closure: it is never
    pickled. Never call from a process with threads of its own (the preview server builds with
    one worker)."""
    if workers < 2 or len(items) < at_least:
        return (function(item) for item in items)
    return _forked(functools.partial(_each, function), items, workers)


def _each(function: Callable[[Any], T], items: list) -> list[T]:
    return list(map(function, items))


def in_order_chunks(function: Callable[[list], list[T]], items: list, workers: int,
                    at_least: int = FORK_AT_LEAST) -> Iterator[T]:
    """As in_order, `function` given the items a chunk at a time (a list, whose results it
    gives in a list): work that costs less done many at once (thousands of households' search
    keys found by one call of numpy's over all their names, not one call each)."""
    if workers < 2 or len(items) < at_least:
        return (result for start in range(0, len(items), MAX_CHUNK)
                for result in function(items[start:start + MAX_CHUNK]))
    return _forked(function, items, workers)


def _forked(function: Callable[[list], list[T]], items: list, workers: int) -> Iterator[T]:
    """function(chunk) for chunks of `items` in `workers` forked processes, the results in
    order, each chunk worth about CHUNK_SECONDS."""
    global _task
    _task = function
    try:
        pool = forked_pool(workers)
    finally:
        _task = None  # the workers have it
    with pool:
        waiting: collections.deque = collections.deque()
        per_item: float | None = None  # CPU seconds, as the last chunks taken measured
        start = 0
        while start < len(items) or waiting:
            while start < len(items) and len(waiting) <= AHEAD * workers:
                size = _chunk_size(per_item)
                waiting.append(pool.apply_async(_run, (items[start:start + size],)))
                start += size
            results, seconds = waiting.popleft().get()
            measured = seconds / len(results)
            per_item = measured if per_item is None else (per_item + measured) / 2
            yield from results


def _chunk_size(per_item: float | None) -> int:
    """Items worth about CHUNK_SECONDS of CPU (`per_item`: seconds an item; one item while
    none is measured)."""
    if per_item is None:
        return 1
    return max(1, min(MAX_CHUNK, round(CHUNK_SECONDS / max(per_item, 1e-6))))
