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


@contextlib.contextmanager
def freed_memory_reused() -> Iterator[None]:
    """Within, what the process frees stays with it for what it makes next, and is given back
    at the end. The search index is assembled a range of keys at a time, each range's arrays
    (tens of megabytes) freed before the next range's are made: glibc handed every such array
    back to the system as it was freed, and the system had to clear each page again for the
    next (1.45 million page faults, 8 system CPU seconds of a first build's search process at
    10,000 reports; 0.65 million and 5 s within, its peak 441 -> 452 MB). glibc's mallopt
    keeps arrays up to its limit, 32 MB, in the heap, and the heap's freed top with them;
    release_free_memory still gives back what is free when called."""
    if _mallopt is None:
        yield
        return
    _mallopt(_M_MMAP_THRESHOLD, _KEPT_ARRAYS)
    _mallopt(_M_TRIM_THRESHOLD, _KEPT_TOP)
    try:
        yield
    finally:
        _mallopt(_M_MMAP_THRESHOLD, _GLIBC_DEFAULT)
        _mallopt(_M_TRIM_THRESHOLD, _GLIBC_DEFAULT)
        release_free_memory()


def _libc_function(name: str) -> Callable[..., int] | None:
    try:
        return getattr(ctypes.CDLL(None), name)
    except (OSError, AttributeError):
        return None


_trim = _libc_function("malloc_trim")
_mallopt = _libc_function("mallopt")
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
_KEPT_ARRAYS, _KEPT_TOP, _GLIBC_DEFAULT = 32 << 20, 1 << 30, 128 << 10
