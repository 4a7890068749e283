"""Chinese-aware text helpers: hard-wrap joining, summaries, reading time, dates as 2024年12月20日."""
from __future__ import annotations

import datetime as dt
import re

import numpy as np

# Han characters and the full-width punctuation that sits between them.
CJK = r"\u2014\u2018-\u201d\u2026\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
_LATIN = "0-9A-Za-z%"
_WRAP = re.compile(f"(?:(?<=[{CJK}])[ \\t]*\\n[ \\t]*(?=[{CJK}{_LATIN}])|"
                   f"(?<=[{CJK}][,.;:!?])[ \\t]*\\n[ \\t]*(?=[{CJK}])|"
                   f"(?<=[{_LATIN}])[ \\t]*\\n[ \\t]*(?=[{CJK}]))")
_SENTENCE_END = re.compile("(?<=[\u3002\uff01\uff1f!?\u2026])[\u201d\u2019\u300d\u300f\uff09]?")
SUMMARY_LENGTH = 120
READING_SPEED = 400
"""Characters a minute: a common figure for reading Chinese prose."""


def join_hard_wraps(text: str) -> str:
    """Remove a line break between two Chinese characters, or between one and a digit or a
    Latin letter (示范户\n52户): it is a paste artefact, not a space. Between two Latin
    words it stays one."""
    return _WRAP.sub("", text)


def summarise(text: str, limit: int = SUMMARY_LENGTH) -> str:
    """The first sentences of `text` up to about `limit` characters, cut at a sentence end."""
    text = re.sub(r"\s+", " ", text).strip()
    if len(text) <= limit:
        return text
    cut = 0
    for match in _SENTENCE_END.finditer(text):
        if match.end() > limit:
            break
        cut = match.end()
    if cut:
        return text[:cut]
    return text[:limit].rstrip("\uff0c\u3001\uff1b\uff1a,;: ") + "\u2026\u2026"


_HAN_RANGES = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF))
_WORD_RANGES = ((ord("0"), ord("9")), (ord("A"), ord("Z")), (ord("a"), ord("z")))


def count_characters(text: str) -> int:
    """Han characters plus Latin words and numbers: what a reader reads. (Over the code
    points at once: every report's text is counted, and a pattern took 0.1 ms a report.)"""
    points = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    word = _within(points, _WORD_RANGES)
    starts = np.count_nonzero(word[1:] & ~word[:-1]) + bool(len(word) and word[0])
    return int(np.count_nonzero(_within(points, _HAN_RANGES))) + int(starts)


def _within(points: np.ndarray, ranges: tuple[tuple[int, int], ...]) -> np.ndarray:
    """Whether each code point is in one of `ranges` (each from first to last)."""
    inside = np.zeros(len(points), dtype=bool)
    for first, last in ranges:
        inside |= (points >= first) & (points <= last)
    return inside


def reading_minutes(text: str) -> int:
    return max(1, round(count_characters(text) / READING_SPEED))


def chinese_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def parse_date(value: str) -> dt.date | None:
    """A real date written YYYY-MM-DD, or None."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None
