"""The index's own encodings, checked in Python (the browser side is checked through search
results in tests/test_search.py)."""
from __future__ import annotations

import dataclasses
import re
import types
from array import array

import numpy as np
import pytest

from showcase.search.encode import ALPHABET, decode_number, encode, encode_number
from conftest import REPO
from showcase.commands import _prepare
from showcase.search.documents import Searchable, SearchDocument, search_documents
from showcase.search.keys import DocumentKeys, document_record, document_text, with_phrases
from showcase.memo import Memo
from showcase.search import index, lexicon
from showcase.search.lexicon import PhraseFinder, phrase_keys
from showcase.search import postings as postings_module
from showcase.search.postings import (TOP, KeyTable, Pairs, Postings, decoded_top, encoded,
                                      norms, rank, tie_order, values_of)
from showcase.search.shards import SHARD_BYTES, KeyParts, shard_count
from showcase.search import state as state_module
from showcase.search.state import PAIR_TYPES, StateWriter, _top_stays
from showcase.search.vocabulary import NumberedKeys, Vocabulary


def test_numbers_round_trip_and_are_never_written_with_digits():
    for number in [*range(3000), 32767, 32768, 10**6, 2**31]:
        written = encode_number(number)
        assert decode_number(written) == number
        assert not re.search(r"\d", written)


def test_numbers_written_many_at_once_read_as_written_one_by_one():
    numbers = [*range(2100), 32767, 32768, 10**6, 2**31 - 1]
    tails = [n % 64 for n in numbers]
    text, ends = encoded(np.array(numbers), np.array(tails))
    assert text.decode() == "".join(encode_number(n) + ALPHABET[t] for n, t in zip(numbers, tails))
    assert ends[-1] == len(text)


def _sorted_pairs(postings: Postings, key_count: int) -> list:
    """Every pair, a range of keys at a time, as the index reads them."""
    pairs = [postings.pairs_of(*keys) for keys in postings.ranges(key_count)]
    postings.close()
    return pairs


def _table(holders: dict[int, int], documents: int):
    """Postings of one key "家" held by the documents in `holders` (number: fields flags)."""
    postings, vocabulary = Postings(), Vocabulary(None)
    for number in range(documents):
        keys = ["家"] if number in holders else ["户"]
        record = DocumentKeys.of(length=10, keys=keys, frequencies=[0],
                                 flags=[holders.get(number, 1)], hints=[0])
        postings.add(vocabulary.numbered(record), report=True)
    home = vocabulary.numbers["家"]
    tables = (KeyTable(pairs, np.ones(documents, dtype=bool))
              for pairs in _sorted_pairs(postings, len(vocabulary.keys)))
    return next((table, place) for table in tables for key, place, _ in table if key == home)


@pytest.mark.parametrize("run", [1, 997, 1 << 22], ids=["a-run-a-document", "runs", "one-run"])
def test_pairs_gathered_in_runs_come_sorted_by_key_and_document(tmp_path, monkeypatch, run):
    """However many runs the pairs were written in, they come back as all the pairs sorted by
    key and then document, each range of keys whole, with every document's values."""
    monkeypatch.setattr(postings_module, "RUN", run)
    monkeypatch.setattr(postings_module, "PART", 700)
    random = np.random.default_rng(9)
    keys, lengths = [], []
    gathered = Postings(tmp_path)
    for number in range(400):
        ids = random.choice(3000, size=int(random.integers(0, 90)), replace=False).astype(np.int32)
        columns = [random.integers(0, 12, len(ids), dtype=np.uint16),
                   random.integers(0, 8, len(ids), dtype=np.uint8),
                   random.integers(0, 40, len(ids), dtype=np.uint16)]
        keys.append((ids, np.full(len(ids), number, dtype=np.int32), *columns))
        lengths.append(int(random.integers(1, 900)))
        gathered.add(NumberedKeys(lengths[-1], ids.tobytes(), *(c.tobytes() for c in columns)),
                     report=number < 300)
    ranges = _sorted_pairs(gathered, 3100)
    key_ids, numbers, frequencies, flags, hints = map(np.concatenate, zip(*keys))
    order = np.lexsort((numbers, key_ids))
    expected = [key_ids[order], numbers[order], frequencies[order], flags[order], hints[order],
                values_of(frequencies[order], flags[order],
                          norms(lengths, [n < 300 for n in range(400)])[numbers[order]])]
    for name, column in zip(["key_ids", "numbers", "frequencies", "flags", "hints", "values"],
                            expected):
        assert np.array_equal(np.concatenate([getattr(r, name) for r in ranges]), column), name
    assert len(ranges) > 10 and all(a.key_ids[-1] < b.key_ids[0] for a, b in zip(ranges, ranges[1:]))
    assert not list(tmp_path.iterdir())  # (the runs' file has no name)


def _gathered_at_random(folder, documents: int, keys: int) -> Postings:
    """Postings of `documents` documents holding random keys (numbered 0 to `keys` - 1), and
    some of 20 keys more (numbered from `keys` on) that many hold."""
    random = np.random.default_rng(4)
    gathered = Postings(folder)
    for number in range(documents):
        ids = random.choice(keys, size=int(random.integers(0, 60)), replace=False)
        common = random.choice(20, size=int(random.integers(0, 20)), replace=False) + keys
        ids = np.concatenate([ids, common]).astype(np.int32)  # (keys with a file of their own)
        gathered.add(NumberedKeys(int(random.integers(1, 900)), ids.tobytes(),
                                  random.integers(0, 12, len(ids), dtype=np.uint16).tobytes(),
                                  random.integers(0, 8, len(ids), dtype=np.uint8).tobytes(),
                                  random.integers(0, 40, len(ids), dtype=np.uint16).tobytes()),
                     report=number < documents // 2)
    return gathered


def test_key_parts_made_in_workers_are_those_made_in_one_process(tmp_path, monkeypatch):
    """The parts of every key, made a range of keys at a time in forked workers and joined,
    are those made in one go from every range, in the order of the keys' numbers (those with
    a file of their own among the others: an edit finds a key's part by its number); the
    pairs reach the state in order."""
    monkeypatch.setattr(postings_module, "PART", 500)
    monkeypatch.setattr(index, "RANGES_FORKED_AT", 1)
    names = [f"键{number}" for number in range(2020)]
    expected = _sorted_pairs(_gathered_at_random(tmp_path, 300, 2000), 2020)
    reported = np.arange(300) < 150  # (as _gathered_at_random adds them)
    whole = KeyParts.of((KeyTable(pairs, reported) for pairs in expected), names)

    writer, gathered = StateWriter(Memo(tmp_path)), _gathered_at_random(tmp_path, 300, 2000)
    joined = index._key_parts(gathered, names, writer, reported, workers=2)
    assert gathered.file.closed
    assert len(expected) > 10 and writer.pairs == sum(map(len, expected))
    for name, kind in PAIR_TYPES.items():  # each range's pairs written by a worker in place
        written = np.fromfile(writer.folder / f"pairs.{name}", dtype=kind)
        assert np.array_equal(written, np.concatenate([getattr(p, name) for p in expected]))
    assert np.array_equal(writer.counts, np.bincount(
        np.concatenate([p.key_ids for p in expected]), minlength=len(names)))
    for name in ("key_ids", "hashes", "sizes", "value_ends", "postings_ends"):
        assert np.array_equal(getattr(joined, name), getattr(whole, name)), name
    assert bytes(joined.values) == bytes(whole.values)
    assert bytes(joined.postings) == bytes(whole.postings)
    assert len(whole) > 1000 and len(whole.postings) > 0
    assert np.all(np.diff(whole.key_ids) > 0) and not whole.sizes.all()


def reported_of(runs: list[int]) -> np.ndarray:
    """Whether each document is a report, from the lengths of the runs of households and of
    reports, households first (as search/m.js writes them: index._kind_runs)."""
    return np.repeat(np.arange(len(runs)) % 2 == 1, runs)


def test_a_keys_best_documents_are_the_best_scores_in_tie_order():
    """The best documents a key's shard keeps are its TOP best by score, and among equal scores
    those first in tie order (reports before households, the newer report, numbered later,
    first; households and reports in runs, as they were published): what the browser's ranking
    puts first."""
    random = np.random.default_rng(5)
    documents, keys = 300, 40
    reported = reported_of([40, 60, 30, 90, 0, 80])
    held = [np.sort(random.choice(documents, size=random.integers(1, 200), replace=False))
            for _ in range(keys)]
    numbers = np.concatenate(held).astype(np.int32)
    values = random.choice([8, 9, 17, 3], size=len(numbers)).astype(np.uint8)  # many ties
    pairs = Pairs(np.repeat(np.arange(keys, dtype=np.int32), [len(h) for h in held]), numbers,
                  np.zeros(len(numbers), np.uint16), values >> 3, np.zeros(len(numbers), np.uint16),
                  values)
    table = KeyTable(pairs, reported)
    tops = table.tops([place for _key, place, _size in table])
    start = 0
    for mine, top in zip(held, tops):
        pairs_of_key = list(zip(mine.tolist(), values[start:start + len(mine)].tolist()))
        start += len(mine)
        best = sorted(pairs_of_key, key=lambda pair: (
            rank(pair[0], pair[1], reported), tie_order(pair[0], reported)))[:TOP]
        assert decoded_top(top) == sorted(best)


def test_a_kept_best_list_stays_while_no_change_comes_before_its_last_in_tie_order():
    """An edit patching the index keeps a key's best documents when no changed document now
    comes before the last of them: an older report or a household of the same score does not
    (documents are numbered oldest first, and the 32 newest reports are the best of equal
    scores, wherever households come between them)."""
    documents = 300
    reported = reported_of([100, 150, 30, 20])  # reports 100-249 and 280-299
    numbers = np.arange(documents, dtype=np.int32)
    values = np.full(documents, 8, dtype=np.uint8)
    zeros = np.zeros(documents, np.uint16)
    table = KeyTable(Pairs(np.zeros(documents, np.int32), numbers, zeros, values >> 3, zeros,
                           values), reported)
    [top] = table.tops([0])
    assert [number for number, _ in decoded_top(top)] == [*range(238, 250), *range(280, 300)]
    assert _top_stays(top, [160], [8], reported)  # an older report
    assert _top_stays(top, [10], [8], reported)  # a household
    assert _top_stays(top, [260], [8], reported)  # a household after the reports
    assert not _top_stays(top, [160], [9], reported)  # a better score
    assert not _top_stays(top, [documents - 1], [-1], reported)  # one leaves


def test_the_shard_count_moves_in_steps_that_an_edit_seldom_crosses():
    """A key's shard is its hash modulo the count: the count gives each shard SHARD_BYTES of
    keys at most and a little less (an eighth at most), and stays the same while the index
    grows by a few reports (some ten kilobytes each at 10,000 reports), where one more shard
    every 2 KB moved every key at nearly every edit."""
    def count(total: int) -> int:
        return shard_count(types.SimpleNamespace(sizes=np.array([total])))

    for total in [1, 2047, 2048, 2049, 30_000, 999_999, 5_853_000, 80_000_000]:
        needed = -(-total // SHARD_BYTES)
        assert needed <= count(total) <= max(needed + 1, needed * 9 // 8)
    growing = [count(total) for total in range(5_853_000, 6_053_000, 1000)]  # 20 reports
    assert len(set(growing)) <= 2 and growing == sorted(growing)


def test_a_key_in_most_documents_is_one_value_character_per_document():
    numbers = [0, 1, 5, 40, 41, 1500, 1999]
    holders = {n: n % 7 + 1 for n in numbers}
    table, place = _table(holders, 2000)
    dense = table.dense(place)
    assert dense[0] == "=" and len(dense) == 2001
    assert [i for i, c in enumerate(dense[1:]) if c != "A"] == numbers
    assert [ALPHABET.index(dense[n + 1]) for n in numbers] == [holders[n] << 3 for n in numbers]
    entries, last = "", -1
    for number in numbers:
        entries += encode(number - last - 1) + ALPHABET[holders[number] << 3]
        last = number
    assert table.entries_of(place).decode() == entries
    assert table.counts(place) == [len(numbers), 0]


def test_phrases_are_found_wherever_they_stand_longest_and_shorter_alike():
    find = PhraseFinder(["平安家", "平安家庭", "安家庭", "留守儿童", "溆浦县", "平安家庭示范户"])

    def phrases_in(text: str) -> dict[str, int]:
        document = SearchDocument(kind="report", url="r/", date="", fields={}, blocks=[text],
                                  opening="", pinyin={})
        record = document_record(document, find)
        return {key: count for key, (count, _, _) in _as_table(record).items() if len(key) > 2}

    assert phrases_in("创建平安家庭，溆浦县留守儿童") == {
        "平安家庭": 1, "平安家": 1, "安家庭": 1, "溆浦县": 1, "留守儿童": 1}
    assert phrases_in("平安家庭示范户平安家庭示范户") == {
        "平安家庭示范户": 2, "平安家庭": 2, "平安家": 2, "安家庭": 2}
    assert phrases_in("平安 家庭") == {}


def test_runs_mended_from_the_last_counts_are_the_runs_counted_anew(tmp_path, monkeypatch):
    """The sample's frequent runs after reports of it are edited, put back and removed, mended
    from the last build's counts, are those counted anew; only the changed reports are read."""
    _, _, site, _ = _prepare(REPO, drafts=False, base_url=None, today=None)
    searchables = search_documents(site)
    reports = [number for number, s in enumerate(searchables) if s.kind == "report"]
    read = []
    grams = lexicon._grams
    monkeypatch.setattr(lexicon, "_grams", lambda blocks: read.append(blocks) or grams(blocks))
    memo = Memo(tmp_path)

    def edited(number: int) -> Searchable:
        document = dataclasses.replace(searchables[number].document,
                                       blocks=["邻居们说哈哈哈哈，又是一年平安家庭。"])
        return dataclasses.replace(searchables[number], digest=b"edited %d" % number,
                                   make=lambda: document)

    def same_as_anew(documents: list[Searchable]) -> tuple[list[str], int]:
        read.clear()
        phrases = phrase_keys(documents, memo)
        changed = len(read)
        assert phrases == phrase_keys(documents)
        return phrases, changed

    assert same_as_anew(searchables)[1] == len(reports)
    three = list(searchables)
    for number in reports[:3]:
        three[number] = edited(number)
    phrases, changed = same_as_anew(three)
    assert {"哈哈哈", "哈哈哈哈"} <= set(phrases) and changed == 3
    two = list(three)
    two[reports[2]] = searchables[reports[2]]  # put back as it was: its runs were kept
    phrases, changed = same_as_anew(two)
    assert "哈哈哈" not in phrases and changed == 0
    phrases, changed = same_as_anew(three[:reports[1]] + three[reports[1] + 1:])
    assert "哈哈哈" not in phrases and changed == 0
    memo.close()


def _as_table(record: DocumentKeys) -> dict[str, tuple[int, int, int]]:
    columns = [array(code, data) for code, data in
               (("H", record.frequencies), ("B", record.flags), ("H", record.hints))]
    return {key: tuple(column[i] for column in columns) for i, key in enumerate(record.keys)}


def test_keys_mended_for_a_new_phrase_list_are_the_keys_found_with_it():
    """A document's kept keys, mended by the phrases that came and went, are exactly what
    finding them anew with the new list gives: short and long phrases, repeated characters,
    phrases in the fields only, in the body only, and gone."""
    _, _, site, _ = _prepare(REPO, drafts=False, base_url=None, today=None)
    searchables = search_documents(site)
    documents = [searchable.document for searchable in searchables]
    first = phrase_keys(searchables)
    gone = set(first[::3])
    second = sorted((set(first) - gone) | {"哈哈哈", "哈哈哈哈哈", "平安家庭示范户", "溆浦县桥江镇",
                                           "留守儿童关爱", "创建工作", "示范户名单"})
    for document in documents[:40] + documents[-40:]:
        kept = document_record(document, PhraseFinder(first))
        mended = with_phrases(kept, document_text(document), set(first) - set(second),
                              sorted(set(second) - set(first)))
        assert _as_table(mended) == _as_table(document_record(document, PhraseFinder(second)))
    repeated = dataclasses.replace(documents[-1], blocks=["哈哈哈哈哈哈，平安家庭示范户。"])  # a report
    mended = with_phrases(document_record(repeated, PhraseFinder(first)), document_text(repeated),
                          set(first) - set(second), sorted(set(second) - set(first)))
    assert _as_table(mended)["哈哈哈"][0] == 4
    assert _as_table(mended)["哈哈哈哈哈"][0] == 2  # overlapping occurrences count, as found
    assert _as_table(mended) == _as_table(document_record(repeated, PhraseFinder(second)))


def _resident_kb(path) -> int:
    """How much of the file at `path` this process holds mapped in memory (Linux's smaps)."""
    resident, inside = 0, False
    for line in open("/proc/self/smaps", encoding="utf-8"):
        if re.match(r"[0-9a-f]+-[0-9a-f]+ ", line):
            inside = line.rstrip().endswith(str(path))
        elif inside and line.startswith("Rss:"):
            resident += int(line.split()[1])
    return resident


def test_a_mapped_state_file_let_go_holds_no_memory_and_reads_the_same(tmp_path):
    """A patch reads the last state's parts through a mapping, copies them, and lets their
    pages go (the whole file, or a part): they stop counting as the build's memory, and read
    again from the file as they were."""
    path = tmp_path / "parts.postings"
    data = np.random.default_rng(3).integers(0, 255, size=64 * 4096, dtype=np.uint8).tobytes()
    path.write_bytes(data)
    mapped = state_module._mapped(path)
    assert bytes(mapped) == data and _resident_kb(path) >= 64 * 4
    state_module._let_go(mapped, 16 * 4096, 16 * 4096)
    assert _resident_kb(path) == 48 * 4
    state_module._let_go(mapped)
    assert _resident_kb(path) == 0
    assert bytes(mapped) == data
