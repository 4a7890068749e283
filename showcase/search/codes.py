"""Han keys as integers: a character's code point, a pair's two code points side by side (21
bits each), a phrase of three or four characters PHRASE and its number. A report's 3,000 keys
are then found, counted and looked up by numpy over the whole text at once, instead of as
15,000 small strings in Python; only the distinct keys become text again (`decoded`)."""
from __future__ import annotations

import functools

import numpy as np

from .normalize import HAN_RANGES

BITS = 21
"""Enough for any code point (up to U+10FFFF)."""
_LOW = np.uint64((1 << BITS) - 1)
PHRASE = 1 << 2 * BITS
"""Codes from here on are phrases of three and four characters: PHRASE + the phrase's number
(lexicon.PhraseFinder.numbered)."""


@functools.cache
def _han_table() -> np.ndarray:
    """Per code point: whether it is a Han character (normalize.HAN_RANGES)."""
    table = np.zeros(0x110000, dtype=bool)
    for low, high in HAN_RANGES:
        table[low:high + 1] = True
    return table


def code_points(text: str) -> np.ndarray:
    """The text's code points (uint64: room for the codes made of them)."""
    points = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    return points.astype(np.uint64)


def han_mask(points: np.ndarray) -> np.ndarray:
    """Which of these code points are Han characters."""
    return _han_table()[points]


def han_code(text: str) -> int:
    """The code of one, two or three Han characters (three: only to look phrases up by)."""
    code = 0
    for char in text:
        code = code << BITS | ord(char)
    return code


def sorted_codes(texts) -> np.ndarray:
    """The codes of `texts`, sorted, for `found_in`."""
    return np.array(sorted({han_code(text) for text in texts}), dtype=np.uint64)


def found_in(codes: np.ndarray, table: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Which of `codes` stand in `table` (sorted), as a mask, and where each would stand."""
    at = np.searchsorted(table, codes)
    if not len(table):
        return np.zeros(len(codes), dtype=bool), at
    return table[np.minimum(at, len(table) - 1)] == codes, at


def decoded(codes: np.ndarray, phrases: np.ndarray) -> list[str]:
    """The keys these codes stand for, as text; `phrases`: those numbered from PHRASE."""
    numbered = codes >= PHRASE
    characters = np.where(numbered, 0, codes)
    first, second = characters >> np.uint64(BITS), characters & _LOW
    chars = np.zeros((len(codes), 2), dtype=np.uint32)
    chars[:, 0] = np.where(first > 0, first, second)
    chars[:, 1] = np.where(first > 0, second, 0)
    keys = chars.view("<U2").ravel().astype(object)  # (a trailing zero ends a numpy string)
    keys[numbered] = phrases[(codes[numbered] - np.uint64(PHRASE)).astype(np.intp)]
    return keys.tolist()
