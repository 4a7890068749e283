"""A document's search record, as computed in bulk for speed (keys.document_record with numpy
over codes.py's integer keys, lexicon.PhraseFinder, normalize.fold), is exactly what reading it
key by key gives: the same keys, each once, with the same frequencies, fields and first blocks,
and the same length. The key-by-key reading below is the plain statement of what a record
holds, kept as the oracle."""
from __future__ import annotations

import itertools
import re
import unicodedata
from array import array
from collections import Counter

import numpy as np
from conftest import REPO
from hypothesis import given, settings
from hypothesis import strategies as st
from showcase.commands import _prepare
from showcase.search.documents import SearchDocument, search_documents
from showcase.search import keys
from showcase.search.codes import BITS, decoded
from showcase.search.keys import (FIELD_FLAGS, MOST, DocumentKeys, body, document_record,
                                  document_records, document_text)
from showcase.search.lexicon import PhraseFinder, phrase_keys
from showcase.search.normalize import (HAN_CLASS, LONG_TEXT, fold, fold_char, fold_map,
                                       fold_table)
from showcase.search.vocabulary import Vocabulary, WorkerNumbers

_WORD = re.compile("[a-z0-9]+(?:(?<=[0-9])\\.[0-9][a-z0-9]*)*")
_UNIT = re.compile(f"(?P<word>{_WORD.pattern})|(?P<han>[{HAN_CLASS}])")
_HAN = re.compile(f"[{HAN_CLASS}]")
_PAIR = re.compile(f"(?=([{HAN_CLASS}]{{2}}))")


def _keys_one_by_one(folded: str) -> tuple[list[str], list[str]]:
    keys = [match.group() for match in _UNIT.finditer(folded)]
    for match in _WORD.finditer(folded):
        start, end = match.span()
        if start and _HAN.match(folded, start - 1):
            keys.append(folded[start - 1] + match.group())
        if _HAN.match(folded, end):
            keys.append(match.group() + folded[end])
    return keys, _PAIR.findall(folded)


def _phrases_one_by_one(phrases: list[str], folded: str) -> Counter:
    """Each phrase as often as it stands in the text, overlapping occurrences included."""
    found: Counter = Counter()
    wanted, lengths = set(phrases), {len(phrase) for phrase in phrases}
    for start in range(len(folded)):
        found.update(folded[start:start + n] for n in lengths
                     if start + n <= len(folded) and folded[start:start + n] in wanted)
    return found


def _record_one_by_one(document: SearchDocument, phrases: list[str]) -> DocumentKeys:
    counts: Counter = Counter()
    first_block: dict[str, int] = {}
    folded = [fold(text) for text in body(document)]
    for number in range(len(folded) - 1, -1, -1):
        singles, pairs = _keys_one_by_one(folded[number])
        keys = singles + pairs
        counts.update(keys)
        found = _phrases_one_by_one(phrases, folded[number])
        counts.update(found)
        first_block.update(dict.fromkeys(keys, number + 1))
        first_block.update(dict.fromkeys(found, number + 1))
    flags: dict[str, int] = {}
    for name, values in document.fields.items():
        text = fold(" | ".join(values))
        singles, pairs = _keys_one_by_one(text)
        found = _phrases_one_by_one(phrases, text)
        for key in set(singles + pairs + list(found.elements())):
            flags[key] = flags.get(key, 0) | FIELD_FLAGS[name]
    for name, tokens in document.pinyin.items():
        for key in set(tokens):
            flags[key] = flags.get(key, 0) | FIELD_FLAGS[name]
    keys = list(dict.fromkeys([*counts, *flags]))
    return DocumentKeys(
        sum(len(_UNIT.findall(fold(text))) for text in body(document)), keys,
        array("H", [min(counts.get(key, 0), MOST) for key in keys]).tobytes(),
        array("B", [flags.get(key, 0) for key in keys]).tobytes(),
        array("H", [min(first_block.get(key, 0), MOST) for key in keys]).tobytes())


def _report(blocks: list[str], title: str = "平安家庭 2023年") -> SearchDocument:
    return SearchDocument(
        kind="report", url="r/", date="2024-01-01",
        fields={"title": [title], "unit": ["溆浦縣婦聯"], "region": ["溆浦县", "桥江镇"],
                "meta": ["经验交流", "平安家庭", "2024"]},
        blocks=blocks, opening=blocks[0] if blocks else "",
        pinyin={"pt": ["pingan", "jiating", "pinganjiating"], "pg": ["xupu", "xupuxian"]})


MIXED = [
    "創建平安家庭，溆浦縣留守兒童關愛。平安家庭示范户名单2023年第1100号，v1.2.3版98.2%。",
    "ＡＢＣ１２３年平安家庭平安家庭平安家庭；哈哈哈哈哈。a.5年 1..5年 年1年 x年",
    "平安家庭示范户：张建国家庭（桥江镇龙潭村）。留守儿童关爱行动，平安家庭。",
    "",
    "2024",
]
PHRASES = ["平安家", "平安家庭", "安家庭", "留守儿童", "溆浦县", "哈哈哈", "平安家庭示范户",
           "留守儿童关爱", "溆浦县桥江镇", "哈哈哈哈哈"]


def _as_read(record: DocumentKeys) -> tuple[int, dict[str, tuple[int, int, int]]]:
    """A record's length and each key's frequency, fields and first block, its keys once each."""
    assert len(set(record.keys)) == len(record.keys)
    return record.length, dict(zip(record.keys, zip(array("H", record.frequencies),
                                                    record.flags, array("H", record.hints))))


def test_records_are_those_read_key_by_key():
    _, _, site, _ = _prepare(REPO, drafts=False, base_url=None, today=None)
    searchables = search_documents(site)
    documents = [searchable.document for searchable in searchables]
    crafted = [_report(MIXED), _report(MIXED[::-1], title="v1.2.3 第1100号"), _report([]),
               _report(["哈哈哈哈哈哈哈", "平安家庭示范户平安家庭示范户"], title="哈哈哈哈哈哈")]
    for phrases in (phrase_keys(searchables), PHRASES, []):
        finder = PhraseFinder(phrases)
        for document in documents + crafted:
            assert (_as_read(document_record(document, finder))
                    == _as_read(_record_one_by_one(document, phrases)))


def _household(name: str, story: str = "", tags: tuple[str, ...] = ("五好家庭",)) -> SearchDocument:
    return SearchDocument(
        kind="household", url="h/", date="2024-01-01",
        fields={"title": [name], "region": ["溆浦县", "桥江镇"], "meta": ["平安家庭示范户", *tags]},
        blocks=[], opening=story,
        pinyin={"title": ["zhang", "jianguo", "zhangjianguo", "xupu"], "pg": ["xupu"]})


def test_records_made_many_at_once_are_those_made_one_by_one(monkeypatch):
    """A worker finds the keys of a chunk of documents at once (document_records: the fields of
    households without a story read as one text): each record is the one its document gives
    alone, key for key and in the same order, whatever stands beside it."""
    _, _, site, _ = _prepare(REPO, drafts=False, base_url=None, today=None)
    documents = [searchable.document for searchable in search_documents(site)]
    crafted = [_household("张建国家庭"), _household("v1.2家庭", tags=("2023年", "abc")),
               _household("溆浦县桥江镇家庭", story="平安家庭示范户，2023年评选。"),
               _household("", tags=()), _report(MIXED), _household("哈哈哈哈哈哈", tags=("x年",))]
    together = documents + crafted + documents[::-1]
    monkeypatch.setattr(keys, "_SPARE_BITS", 11)  # (a chunk read in several texts)
    for phrases in (phrase_keys(search_documents(site)), PHRASES, []):
        finder = PhraseFinder(phrases)
        made = document_records(together, finder, list(map(document_text, together)))
        for document, record in zip(together, made, strict=True):
            alone = document_record(document, finder)
            assert (record.keys, record.frequencies, record.flags, record.hints, record.length) \
                == (alone.keys, alone.frequencies, alone.flags, alone.hints, alone.length)
            assert _as_read(record) == _as_read(_record_one_by_one(document, phrases))


def test_frequencies_above_two_bytes_rank_as_the_most_two_bytes_hold():
    document = _report(["哈" * (MOST + 10), "哈哈"])
    record = document_record(document, PhraseFinder(PHRASES))
    assert _as_read(record) == _as_read(_record_one_by_one(document, PHRASES))
    frequencies = array("H", record.frequencies)
    assert frequencies[record.keys.index("哈")] == MOST
    assert frequencies[record.keys.index("哈哈")] == MOST
    assert frequencies[record.keys.index("哈哈哈")] == MOST


_FOLDING_ALPHABET = sorted(
    set(list(fold_table())[::40]) | set(map(chr, range(0x2F00, 0x2FD6, 3)))  # Kangxi radicals
    | set(map(chr, range(0xF900, 0xFB00, 5))) | set(map(chr, range(0x3200, 0x3400, 7)))
    | set(map(chr, range(0x0300, 0x0370, 11))) | {"\u3099", "\u309a", "\u00ad"}
    | set("ＡＢＣ１２３abcXYZ與學溆浦縣平安家庭，。 \n") | set(map(chr, range(0x1100, 0x1200, 9))))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet=_FOLDING_ALPHABET), max_size=3))
def test_the_fold_map_of_texts_is_that_of_them_normalised_whole(texts):
    """fold_map looks at each distinct character alone; what it gives is what normalising the
    texts whole, neighbours and all, gives."""
    table = fold_table()
    whole = table.keys() & set().union(*[unicodedata.normalize("NFKC", t).lower() for t in texts])
    assert fold_map(*texts) == "".join(c + table[c] for c in sorted(whole))


def test_folding_a_text_folds_each_of_its_code_points():
    """Short texts are folded by str.translate, long ones by numpy, unless they hold a code
    point that folds to none or several; each way gives what folding each code point does."""
    one_to_one = "".join(c for c in map(chr, range(0x20, 0x3100))
                         if len(fold_char(c, fold_table())) == 1) + "與學溆浦縣ＡＢＣ１２３"
    texts = ["".join(MIXED) + "ＡＢＣ①Ⅻ㍿ﬁ\u00adẞİ與學溆浦縣" + "".join(map(chr, range(0x3000, 0x3100))),
             one_to_one, one_to_one + "㍿", one_to_one[:LONG_TEXT - 1], MIXED[0]]
    assert len(one_to_one) > LONG_TEXT
    for text in texts:
        assert fold(text) == "".join(fold_char(char, fold_table()) for char in text)
    assert fold("ＡＢＣ１２３") == unicodedata.normalize("NFKC", "ＡＢＣ１２３").lower()


def test_keys_are_numbered_in_the_order_first_met():
    vocabulary = Vocabulary(None)
    finder = PhraseFinder(PHRASES)
    records = [document_record(_report(MIXED[n:]), finder) for n in range(len(MIXED))]
    order = list(dict.fromkeys(key for record in records for key in record.keys))
    for record in records:
        numbered = vocabulary.numbered(record)
        assert list(array("i", numbered.numbers)) == [order.index(key) for key in record.keys]


def test_records_numbered_in_workers_get_the_vocabulary_s_own_numbers():
    """Two workers number the records they are given in their own way; translated, each record
    reads exactly as the build's vocabulary numbers it, whichever worker met a key first."""
    finder = PhraseFinder(PHRASES)
    records = [document_record(_report(MIXED[n:] + MIXED[:n]), finder) for n in range(len(MIXED))]
    expected = Vocabulary(None)
    wanted = [expected.numbered(record) for record in records]
    vocabulary, workers = Vocabulary(None), [WorkerNumbers(), WorkerNumbers()]
    start = 0
    for size in itertools.cycle([1, 3, 2, 4]):  # chunks: a key new to a worker in several
        chunk = records[start:start + size]  # records of one is numbered where first met
        worker = workers[start * 7 % 3 % 2]  # each meets some keys the other met before
        assert [vocabulary.translated(keys) for keys in worker.numbered_each(chunk)] \
            == wanted[start:start + size]
        start += size
        if start >= len(records):
            break
    assert vocabulary.keys == expected.keys


HAN = st.integers(0x4E00, 0x9FFF)
HAN_CODES = HAN | st.builds(lambda first, second: first << BITS | second, HAN, HAN)
"""Codes of one Han character or of two (codes.py)."""


@settings(max_examples=60, deadline=None, derandomize=True, database=None)
@given(st.lists(st.lists(HAN_CODES, max_size=300, unique=True), max_size=12))
def test_a_worker_s_codes_are_numbered_once_each_in_the_order_first_met(chunk_codes):
    """The numbers a worker's table gives (hashed, many codes at once): each code keeps the
    number it was first given, and the new ones of each chunk of records are listed in the
    order they were met."""
    _check_numbering(chunk_codes)


def test_a_worker_s_table_keeps_its_numbers_as_it_grows():
    """Tens of thousands of codes, as a worker meets in a build: the table is made larger
    several times, each code's number kept."""
    generator = np.random.default_rng(1)
    pairs = generator.integers(0x4E00, 0xA000, size=(30_000, 2)).astype(np.uint64)
    codes = np.unique(pairs[:, 0] << np.uint64(BITS) | pairs[:, 1]).tolist()
    _check_numbering([generator.choice(codes, 6_000, replace=False).tolist()
                      for _ in range(8)])


def _check_numbering(chunk_codes: list[list[int]]) -> None:
    worker, given = WorkerNumbers(), {}
    for codes in chunk_codes:
        records = [DocumentKeys(0, [], b"", b"", b"", codes=np.array(part, dtype=np.uint64))
                   for part in (codes[::2], codes[1::2], codes[::3])]
        for record, numbered in zip(records, worker.numbered_each(records)):
            met = [code for code in record.codes.tolist() if code not in given]
            given.update(zip(met, itertools.count(len(given))))
            assert numbered.new_keys == decoded(np.array(met, dtype=np.uint64), record.phrases)
            assert array("i", numbered.record.numbers).tolist() == [
                given[code] for code in record.codes.tolist()]
