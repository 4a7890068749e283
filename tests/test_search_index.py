"""The index's own encodings, checked in Python (the browser side is checked through search
results in tests/test_search.py)."""
from __future__ import annotations

import re

from showcase.search.encode import ALPHABET, decode_number, encode, encode_number
from showcase.search.index import _dense
from showcase.search.lexicon import phrase_finder


def test_numbers_round_trip_and_are_never_written_with_digits():
    for number in [*range(3000), 32767, 32768, 10**6, 2**31]:
        written = encode_number(number)
        assert decode_number(written) == number
        assert not re.search(r"\d", written)


def test_a_key_in_most_documents_is_one_value_character_per_document():
    numbers = [0, 1, 5, 40, 41, 1500, 1999]
    entries, last = "", -1
    for number in numbers:
        entries += encode(number - last - 1) + ALPHABET[number % 63 + 1]
        last = number
    dense = _dense(entries.encode(), 2000)
    assert dense[0] == "=" and len(dense) == 2001
    assert [i for i, c in enumerate(dense[1:]) if c != "A"] == numbers
    assert [ALPHABET.index(dense[n + 1]) for n in numbers] == [n % 63 + 1 for n in numbers]


def test_phrases_are_found_wherever_they_stand_longest_and_shorter_alike():
    find = phrase_finder(["平安家", "平安家庭", "安家庭", "留守儿童", "溆浦县"])
    assert sorted(find("创建平安家庭，溆浦县留守儿童")) == sorted(
        ["平安家庭", "平安家", "安家庭", "溆浦县", "留守儿童"])
    assert find("平安 家庭") == []
