"""Python's garbage collector during a build. A build makes millions of objects that live to its
end (the content read and checked, the model, the search documents) and almost no garbage in
cycles; each full collection walks every object made so far, and one comes every time the
objects have grown by a quarter: at 100,000 households that was seconds of every build."""
from __future__ import annotations

import contextlib
import ctypes
import functools
import gc
from collections.abc import Callable, Iterator


@contextlib.contextmanager
def paused() -> Iterator[None]:
    """No collection while objects that are kept are made (unpickled results, the model), and
    what was made set aside before collections resume: the first would otherwise walk it all
    (0.4 s for the honour lists of 100,000 households)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        set_aside()
        if enabled:
            gc.enable()


def set_aside() -> None:
    """What is made so far lives as long as the build: collections stop walking it again and
    again, and forked processes stop copying its memory by touching it (gc.freeze)."""
    gc.freeze()


def given_back(function: Callable) -> Callable:
    """`function` (a build, a check) gives what it set aside back to the collector when it is
    done: the preview builds on every save in one process, and an old build's model must be
    collected like any garbage."""
    @functools.wraps(function)
    def done(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        finally:
            gc.unfreeze()
    return done


def release_free_memory() -> None:
    """Give the system back what the process has freed. Python hands an object of more than
    512 bytes back to the C library, which keeps the pages it freed for later unless they end
    its heap: the search process of a first 10,000-report build, having unpickled every
    worker's results, held a hundred megabytes it no longer used. glibc's malloc_trim returns
    them (elsewhere there is none, and nothing is done)."""
    if _trim is not None:
        _trim(0)


def _malloc_trim() -> Callable[[int], int] | None:
    try:
        return ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return None


_trim = _malloc_trim()
