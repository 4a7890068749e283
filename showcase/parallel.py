"""Work spread over forked processes, the results taken in order: a worker starts with
everything the build has read (forking shares it), so only each item's number and its result
travel between processes."""
from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

T = TypeVar("T")

FORK_AT_LEAST = 200
"""Fewer items than this are done in the build's own process: not worth a worker's start."""

_task: Callable[[Any], Any] | None = None
"""The function the workers about to be forked run (set only while they are forked)."""


def _run(item: Any) -> Any:
    return _task(item)


def in_order(function: Callable[[Any], T], items: list, workers: int) -> Iterator[T]:
    """function(item) for each item, in order; in `workers` forked processes when there are
    at least FORK_AT_LEAST items. `function` may be a closure: it is never pickled. Never call
    from a process with threads of its own (the preview server builds with one worker)."""
    global _task
    if workers < 2 or len(items) < FORK_AT_LEAST:
        yield from map(function, items)
        return
    _task = function
    try:
        pool = multiprocessing.get_context("fork").Pool(workers)
    finally:
        _task = None  # the workers have it
    with pool:
        yield from pool.imap(_run, items, chunksize=8)
