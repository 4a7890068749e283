"""Pinyin through pypinyin with each word of its segmentation converted once per process.

pypinyin cuts a text into the words of its phrase dictionary, then converts each word on its
own (looking up its readings and restyling each syllable): that conversion is most of its
cost, and a province's 100,000 household names are made of a few thousand distinct words
(surnames, given-name characters, 家庭), as its places are. The conversion of a word depends
on the word alone, so keeping it gives the library's own result."""
from __future__ import annotations

import functools


@functools.cache
def _converter():
    """pypinyin's converter keeping what it converts (the library loaded when first needed:
    0.2 s and 55 MB)."""
    from pypinyin.core import Pinyin
    from pypinyin.converter import DefaultConverter

    class WordsOnce(DefaultConverter):
        def __init__(self):
            super().__init__()
            self.converted: dict[tuple, list[list[str]]] = {}

        def convert(self, words, style, heteronym, errors, strict, **kwargs):
            key = (words, style, heteronym, errors, strict)
            found = self.converted.get(key)
            if found is None:
                found = self.converted[key] = super().convert(words, style, heteronym, errors,
                                                              strict, **kwargs)
            return found

    return Pinyin(WordsOnce())


def syllables(text: str, errors: str = "default") -> list[str]:
    """`pypinyin.lazy_pinyin(text, style=Style.NORMAL, errors=errors)`: one toneless syllable
    a character (`errors`: what becomes of characters without pinyin, as pypinyin says)."""
    from pypinyin import Style
    return _converter().lazy_pinyin(text, style=Style.NORMAL, errors=errors)
