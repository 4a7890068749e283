"""The search index of a build with the cache is the last build's changed where documents
changed (search/state.py): through a run of edits it is byte for byte the index a build without
the cache makes, only the edited documents are read again, and the index files that hold none of
their keys are left as they were. Anything the state cannot follow means the whole work."""
from __future__ import annotations

import datetime as dt
import errno
import functools
import json
import os
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest

from conftest import REPO, SITES, snapshot
from showcase import commands
from showcase.search import index, postings, shards, state
from showcase.search.encode import ALPHABET, decode_number

STORY = "data/households/2024-xupu-pingan.yaml"


@pytest.fixture
def sample(tmp_path):
    """A copy of the repository's sample site."""
    copy = tmp_path / "site"
    copy.mkdir()
    shutil.copy(REPO / "site.yaml", copy / "site.yaml")
    for folder in ("content", "data"):
        shutil.copytree(REPO / folder, copy / folder)
    return copy


@pytest.fixture
def patched(monkeypatch):
    """For each build that changed the last index rather than making it anew, the numbers of
    the documents it read again."""
    calls = []
    original = state.IndexState.patched

    def spy(self, records, *rest):
        calls.append(sorted(records))
        return original(self, records, *rest)

    monkeypatch.setattr(state.IndexState, "patched", spy)
    return calls


def reports(site):
    return sorted((site / "content" / "reports").rglob("*.md"))


def add_to(path, text):
    path.write_text(path.read_text("utf-8") + text, "utf-8")


def replace_in(path, old, new):
    text = path.read_text("utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), "utf-8")


def search_files(out):
    return {path: data for path, data in snapshot(out).items() if path.startswith("search/")}


def shards_text(out):
    return "".join(p.read_text("utf-8") for p in sorted((out / "search/k").glob("*.js")))


def report_like(model, path, title, date, body=None):
    """A report at `path` with `model`'s front matter, its title after `title`, dated `date`;
    its text `body`, or `model`'s."""
    front, _, text = model.read_text("utf-8").partition("\n---\n")
    front = re.sub(r"(?m)^date: .*$", f"date: {date}",
                   front.replace("title:", f"title: {title}", 1), count=1)
    path.write_text(front + "\n---\n" + (text if body is None else f"\n{body}\n"), "utf-8")
    return path


def search_meta(out):
    return json.loads(re.search(r"\{.*\}", (out / "search/m.js").read_text("utf-8"))[0])


def kind_runs(meta):
    """The lengths of the runs of households and of reports in number order, households first
    (search/m.js's `kinds`: numbers of five-bit digits, a digit below 32 ending each)."""
    runs, digits = [], ""
    for char in meta["kinds"]:
        digits += char
        if ALPHABET.index(char) < 32:
            runs.append(decode_number(digits))
            digits = ""
    return runs


def times(out):
    return {p.relative_to(out).as_posix(): p.stat().st_mtime_ns
            for p in (out / "search").rglob("*.js")}


def assert_index_as_fresh(site, out, tmp_path):
    fresh = tmp_path / "fresh"
    shutil.rmtree(fresh, ignore_errors=True)
    commands.build(site, fresh, jobs=1)
    assert search_files(out) == search_files(fresh)


def build(site, out):
    commands.build(site, out, use_cache=True, jobs=1)


def assert_state_in_order(site):
    """Each key's pairs of the base begin where the state says, after the last key's, and are
    sorted by document; the masked places are the base's, the delta is sorted as the base is,
    and the pairs now (the base less those masked, with the delta) hold each (key, document)
    once."""
    folder = site / ".cache" / state.FOLDER
    numbers = np.fromfile(folder / "pairs.numbers", dtype=np.int32).astype(np.int64)
    starts = np.fromfile(folder / "starts", dtype=np.int64)
    assert starts[0] == 0 and starts[-1] == len(numbers) and np.all(np.diff(starts) >= 0)
    keys = np.repeat(np.arange(len(starts) - 1), np.diff(starts))
    assert np.all(np.diff(keys * (1 << 32) + numbers) > 0)
    masked = np.fromfile(folder / "masked", dtype=np.int64)
    assert np.all(np.diff(masked) > 0) and masked.max(initial=-1) < len(numbers)
    delta = (np.fromfile(folder / "delta.key_ids", dtype=np.int32).astype(np.int64) * (1 << 32)
             + np.fromfile(folder / "delta.numbers", dtype=np.int32))
    assert np.all(np.diff(delta) > 0)
    now = np.concatenate([np.delete(keys * (1 << 32) + numbers, masked), delta])
    assert len(np.unique(now)) == len(now)
    return len(delta)


@pytest.mark.parametrize("small", ["", "files", "reads", "merges"],
                         ids=["as-built", "small-files", "small-reads", "merged-each-time"])
def test_a_run_of_edits_changes_the_index_only_where_documents_changed(
        sample, tmp_path, monkeypatch, patched, small):
    """With small files, most keys have files of their own and shards are many, so edits move
    keys between shards, between their own file and inline, and change the shard count. With
    small reads, the changed documents' pairs are read from the state's files a pair or two at
    a time, as at 10,000 reports a block at a time. The edited documents' pairs are kept
    beside the last base (the delta) until they pass a share of it, then merged into a new
    base: as built, the sample's edits do both; merged each time, every edit does."""
    if small == "files":
        monkeypatch.setattr(shards, "SHARD_BYTES", 200)
        monkeypatch.setattr(shards, "OWN_FILE_BYTES", 12)
    if small == "reads":
        monkeypatch.setattr(state, "READ_BLOCK", 2)
    if small == "merges":
        monkeypatch.setattr(state, "DELTA_SHARE", 0)
    out = tmp_path / "out"
    first, second = reports(sample)[:2]
    steps = [
        (1, lambda: add_to(first, "\n\n鹭鸶湾设立夜渡守护岗。\n")),  # new keys
        (1, lambda: replace_in(first, "夜渡守护岗", "摆渡安全哨")),  # keys gone
        (2, lambda: (add_to(first, "\n\n" + "鹭鸶湾渡口夜渡有人守护。" * 40 + "\n"),
                     add_to(second, "\n\n夜间巡逻队增至三支。\n"))),  # the average length moves
        (1, lambda: replace_in(sample / STORY, "担任楼栋长已有六年", "担任楼栋长已有七年")),
        (1, lambda: replace_in(first, "鹭鸶湾渡口夜渡有人守护。" * 40, "")),
        # far: the values of most documents' pairs move, those of keys in most of them too
        (1, lambda: add_to(second, "\n\n" + "巡逻队夜间巡查渡口。" * 400 + "\n")),
        # a sentence the report has further on, sooner: only its keys change
        (1, lambda: replace_in(first, "为深入推进平安西平建设",
                               "开展“平安家庭”创建宣传月活动。为深入推进平安西平建设")),
    ]
    build(sample, out)
    assert patched == []  # the first build makes the index from the start
    deltas = []
    for number, (count, step) in enumerate(steps):
        before = times(out)
        step()
        build(sample, out)
        assert len(patched) == number + 1 and len(patched[-1]) == count, \
            "only the edited documents were read again"
        after = times(out)
        if small != "files":  # (small shards all move whenever their count changes)
            assert sum(after[path] == before.get(path) for path in after) > len(after) / 2
        assert_index_as_fresh(sample, out, tmp_path)
        deltas.append(assert_state_in_order(sample))
    if small == "merges":
        assert not any(deltas)
    else:  # kept beside the base, merged into it
        assert any(deltas) and 0 in deltas[1:]


def test_an_edit_remakes_only_the_keys_whose_postings_change(sample, tmp_path, monkeypatch):
    """A sentence the report has further on, written once more at its start, changes a few of
    its keys' counts and first blocks: only those keys are made again, not every key the report holds (some of which most
    documents hold too), and the index is still the one made from the start."""
    out = tmp_path / "out"
    build(sample, out)
    seen = []
    original = state.IndexState.patched

    def spy(self, records, *rest):
        lengths, remade, parts = original(self, records, *rest)
        seen.append((sum(len(record.numbers) // 4 for record in records.values()), len(remade)))
        return lengths, remade, parts

    monkeypatch.setattr(state.IndexState, "patched", spy)
    replace_in(reports(sample)[0], "为深入推进平安西平建设",
               "开展“平安家庭”创建宣传月活动。为深入推进平安西平建设")
    build(sample, out)
    [(held, remade)] = seen
    assert 0 < remade < held / 4
    assert_index_as_fresh(sample, out, tmp_path)


def test_an_edited_report_is_searched_again_without_loading_pinyin(sample, tmp_path):
    """pypinyin takes most of a second to load: a build (a new process) that reads an edited
    report again takes the syllables of its title and places from the memo."""
    out = tmp_path / "out"
    build(sample, out)
    add_to(reports(sample)[0], "\n\n夜间巡逻队增至三支。\n")
    without_pinyin = ("import sys; sys.modules['pypinyin'] = None; from showcase import cli; "
                      "sys.exit(cli.main(sys.argv[1:]))")
    result = subprocess.run([sys.executable, "-c", without_pinyin, "build", "--site", sample,
                             "--out", out], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert_index_as_fresh(sample, out, tmp_path)


def test_a_report_added_before_others_moves_them_and_one_removed_means_the_index_made_anew(
        sample, tmp_path, patched, monkeypatch):
    """A report dated before the others moves every newer report's number: past PATCHED_SHARE
    of the documents the index is made anew, below it patched with all of them; one removed
    means the index made anew."""
    out = tmp_path / "out"
    build(sample, out)
    newest = reports(sample)[0]
    added = report_like(newest, newest.with_name("zz-old.md"), "旧", "2001-01-01")
    build(sample, out)
    assert_index_as_fresh(sample, out, tmp_path)
    added.unlink()
    build(sample, out)
    assert_index_as_fresh(sample, out, tmp_path)
    assert patched == []
    monkeypatch.setattr(index, "PATCHED_SHARE", 1)
    report_like(newest, added, "旧", "2001-01-02")
    build(sample, out)
    assert len(patched) == 1 and len(patched[0]) > len(reports(sample)) / 2
    assert_index_as_fresh(sample, out, tmp_path)


def test_a_report_dated_before_an_honour_list_changes_kinds_where_they_meet(
        tmp_path, patched, monkeypatch):
    """Documents in one village, two honour lists among the reports: a report dated before the
    newest list takes the number its first household had, and the number of a report now
    holds a household. The index patched with them counts each key's reports and households
    as they are: the village's name, in every document, keeps its best two (the oldest
    reports, whose titles hold it) and has its counts moved, not made again."""
    monkeypatch.setattr(index, "PATCHED_SHARE", 1)
    monkeypatch.setattr(postings, "TOP", 2)
    monkeypatch.setattr(state, "TOP", 2)
    site = tmp_path / "site"
    shutil.copytree(SITES / "minimal", site, ignore=shutil.ignore_patterns(".cache"))
    for old in (site / "content/reports").glob("*.md"):
        old.unlink()
    village = "湖南省/怀化市/溆浦县/桥江镇/龙潭村"
    for number, (title, date) in enumerate([("龙潭村调解经验", "2022-01-01"),
                                            ("龙潭村平安建设", "2022-02-01"),
                                            ("夜巡队成立", "2023-07-01"),
                                            ("普法进院坝", "2024-07-01"),
                                            ("禁毒宣传周", "2024-08-01")]):
        (site / f"content/reports/r{number}.md").write_text(
            f"---\ntitle: {title}\nunit: 桥江镇综治办\ndate: {date}\nregion: {village}\n"
            f"category: 经验交流\n---\n\n{title}。\n", "utf-8")
    for path in (site / "data/households").glob("*.yaml"):
        path.unlink()
    for year in (2023, 2024):
        (site / f"data/households/{year}-longtan.yaml").write_text(
            f"list:\n  title: {year}年度龙潭村示范户名单\n  honour: 平安家庭示范户\n"
            f"  year: {year}\n  awarded_by: 桥江镇平安办\n  date: {year}-06-01\n"
            "households:\n" + "".join(
                f"  - name: {surname}{year % 10}家庭\n    region: {village}\n"
                for surname in "赵钱孙李周吴郑王"), "utf-8")
    out = tmp_path / "out"
    build(site, out)
    report_like(site / "content/reports/r2.md", site / "content/reports/r9.md", "渡口",
                "2024-01-01")
    build(site, out)
    assert len(patched) == 1
    assert_index_as_fresh(site, out, tmp_path)


def test_a_phrase_list_that_changes_patches_the_documents_it_touches(sample, tmp_path,
                                                                     patched):
    """New reports make a run frequent enough to be a phrase key: the last index is patched
    with them and with the unchanged report that already held the run (its keys gain the
    phrase); the run made rare again, the phrase goes from every document holding it, and
    from the last documents when they are removed."""
    out = tmp_path / "out"
    holder = reports(sample)[1]
    add_to(holder, "\n\n鹭鸶湾设立夜渡守护岗。\n")
    build(sample, out)
    added = [report_like(reports(sample)[0], holder.with_name(f"zz-ferry-{number}.md"),
                         f"渡口{number}", dt.date.today().isoformat(),
                         "鹭鸶湾设立夜渡守护岗，船工轮流值守。") for number in range(3)]
    build(sample, out)
    assert '"夜渡守护"' in shards_text(out)  # filed whole
    assert len(patched) == 1 and len(patched[0]) > len(added)  # the holder with them
    assert_index_as_fresh(sample, out, tmp_path)
    for path in (holder, *added[1:]):  # the first new report, unchanged, still holds it
        replace_in(path, "夜渡守护岗", "渡口")
    build(sample, out)
    assert '"夜渡守护"' not in shards_text(out)
    assert len(patched) == 2 and len(patched[1]) > 3  # the three edited, and the first
    assert_index_as_fresh(sample, out, tmp_path)
    for path in added[1:]:  # the run frequent again, then gone with the new reports
        replace_in(path, "渡口", "夜渡守护岗")
    build(sample, out)
    for path in added:
        path.unlink()
    build(sample, out)
    assert len(patched) == 4
    assert_index_as_fresh(sample, out, tmp_path)


def test_a_new_report_takes_the_next_number_and_the_last_index_is_patched_with_it(
        sample, tmp_path, patched, monkeypatch):
    """Documents are numbered as they were published: a new report, the newest, as an
    author's new one is, takes the next number. No other document's head or blocks are written
    again (at 10,000 reports and 100,000 households, some 360,000 files), and the last build's
    index is patched with it (its keys' parts made again, and those of the keys written one
    character a document, a range of keys' pairs at a time), not made anew; and removed, the
    index is patched back to what it was."""
    monkeypatch.setattr(state, "PART", 64)  # (many ranges)
    out = tmp_path / "out"
    build(sample, out)
    before, before_files = times(out), search_files(out)
    documents = search_meta(out)["documents"]
    newest = reports(sample)[0]
    added = report_like(newest, newest.with_name("zz-new.md"), "新增", dt.date.today().isoformat(),
                        "鹭鸶湾设立夜渡守护岗。")  # (a text of its own: the phrase list stays)
    build(sample, out)
    after = times(out)
    head = (out / f"search/h/{documents}.js").read_text("utf-8")
    assert "新增" in head and "zz-new" in head
    kept = [path for path in before if index.document_number(path) is not None]
    assert len(kept) > 300 and all(after[path] == before[path] for path in kept)
    assert patched == [[documents]]
    assert_index_as_fresh(sample, out, tmp_path)
    added.unlink()  # the newest removed: patched too, one character a document shorter
    build(sample, out)
    assert not (out / f"search/h/{documents}.js").exists()
    assert patched == [[documents], []]
    assert search_files(out) == before_files
    assert_index_as_fresh(sample, out, tmp_path)


def test_a_new_honour_list_takes_the_next_numbers_and_the_last_index_is_patched_with_it(
        sample, tmp_path, patched):
    """Documents are numbered as they were published: a new honour list of this year, as
    publicity staff add one, is numbered after every report and household already there (it
    used to come first and move every other document's number: some 230,000 search files
    written again at 100,000 households). Its households are searched as households, and the
    index is patched with them and back without them."""
    out = tmp_path / "out"
    build(sample, out)
    before, before_files, meta = times(out), search_files(out), search_meta(out)
    documents = meta["documents"]
    today = dt.date.today()
    added = sample / "data/households" / f"{today.year}-xupu-xinlist.yaml"
    added.write_text(
        f"list:\n  title: {today.year}年度溆浦县新增示范户名单\n  honour: 平安家庭示范户\n"
        f"  year: {today.year}\n  awarded_by: 溆浦县平安办\n  date: {today.isoformat()}\n"
        "households:\n"
        "  - name: 鹭鸶湾家庭\n    head: 鹭鸶湾\n    region: 湖南省/怀化市/溆浦县/卢峰镇/城东社区\n"
        "  - name: 渡口守家庭\n    head: 渡口守\n    region: 湖南省/怀化市/溆浦县/卢峰镇/城东社区\n",
        "utf-8")
    build(sample, out)
    after = times(out)
    heads = [(out / f"search/h/{number}.js").read_text("utf-8")
             for number in (documents, documents + 1)]
    assert "鹭鸶湾家庭" in heads[0] and "渡口守家庭" in heads[1]
    kept = [path for path in before if index.document_number(path) is not None]
    assert len(kept) > 300 and all(after[path] == before[path] for path in kept)
    assert patched == [[documents, documents + 1]]
    runs = kind_runs(meta)  # (households first: the last run is households when it is odd)
    assert sum(runs) == documents and len(runs) > 2  # (lists and reports interleave)
    runs = runs[:-1] + [runs[-1] + 2] if len(runs) % 2 else runs + [2]
    assert kind_runs(search_meta(out)) == runs
    assert_index_as_fresh(sample, out, tmp_path)
    added.unlink()
    build(sample, out)
    assert not (out / f"search/h/{documents}.js").exists()
    assert patched == [[documents, documents + 1], []]
    assert search_files(out) == before_files
    assert_index_as_fresh(sample, out, tmp_path)


@pytest.mark.parametrize("damage", ["meta", "pairs", "parts", "another-memo", "gone"])
def test_a_damaged_or_foreign_index_state_means_the_whole_work(sample, tmp_path, patched,
                                                                damage):
    out = tmp_path / "out"
    build(sample, out)
    folder = sample / ".cache" / state.FOLDER
    if damage == "meta":
        (folder / "meta.json").write_text("{", "utf-8")
    elif damage in ("pairs", "parts"):
        path = folder / ("pairs.hints" if damage == "pairs" else "parts.values")
        path.write_bytes(path.read_bytes()[:-7])
    elif damage == "another-memo":  # the memo gone, its key numbers with it
        (sample / ".cache" / "memo.sqlite3").unlink()
    else:
        shutil.rmtree(folder)
    add_to(reports(sample)[0], "\n\n鹭鸶湾设立夜渡守护岗。\n")
    build(sample, out)
    assert patched == []
    assert_index_as_fresh(sample, out, tmp_path)
    add_to(reports(sample)[0], "\n\n鹭鸶湾增设摆渡安全哨。\n")
    build(sample, out)  # the state made anew is used again
    assert len(patched) == 1
    assert_index_as_fresh(sample, out, tmp_path)


@pytest.mark.parametrize("merged", [False, True], ids=["as-delta", "merged"])
@pytest.mark.parametrize("trouble", ["full-disk", "no-folder"])
def test_a_state_that_cannot_be_written_while_patched_leaves_the_last_one(
        sample, tmp_path, patched, monkeypatch, trouble, merged):
    """A full disk where the patched state is written (its delta, or its pairs merged in a
    thread beside the index), or no folder to write it in, leaves the last state as it was
    (the next build patches that one) and the build's index as it should be."""
    out = tmp_path / "out"
    build(sample, out)
    meta = (sample / ".cache" / state.FOLDER / "meta.json").read_bytes()
    add_to(reports(sample)[0], "\n\n鹭鸶湾设立夜渡守护岗。\n")
    made = state.StateWriter.__init__

    def in_trouble(self, memo):
        made(self, memo)
        if trouble == "no-folder":
            self.abandon()  # as when its folder cannot be made

    def full(path, mode="r", *args, **kwargs):  # (Linux: every write fails, disk full)
        return open("/dev/full" if "w" in mode else path, mode, *args, **kwargs)

    with monkeypatch.context() as changed:
        changed.setattr(state.StateWriter, "__init__", in_trouble)
        changed.setattr(state, "open", full, raising=False)
        changed.setattr(state, "DELTA_SHARE", 0 if merged else 1)
        build(sample, out)
    assert len(patched) == 1
    assert (sample / ".cache" / state.FOLDER / "meta.json").read_bytes() == meta
    assert not list((sample / ".cache").glob(f"{state.FOLDER}.*"))
    assert_index_as_fresh(sample, out, tmp_path)
    add_to(reports(sample)[0], "\n\n鹭鸶湾增设摆渡安全哨。\n")
    build(sample, out)
    assert len(patched) == 2
    assert_index_as_fresh(sample, out, tmp_path)


def test_a_state_patched_where_the_system_cannot_link_files_is_the_same(
        sample, tmp_path, patched, monkeypatch):
    """The base of the last state is copied into the new one where the system cannot link
    files (another kind of disk)."""
    out = tmp_path / "out"
    build(sample, out)

    def no_links(*args):
        raise OSError(errno.EPERM, "Operation not permitted")
    monkeypatch.setattr(os, "link", no_links)
    for story in ("\n\n鹭鸶湾设立夜渡守护岗。\n", "\n\n鹭鸶湾增设摆渡安全哨。\n"):
        add_to(reports(sample)[0], story)
        build(sample, out)
        assert_index_as_fresh(sample, out, tmp_path)
        assert assert_state_in_order(sample) > 0
    assert len(patched) == 2


def random_pairs(rng, count, keys, documents, norm, among=None):
    """Pairs of random keys and documents (those `among`, if given), sorted, each once."""
    numbers = rng.integers(0, documents, count) if among is None else rng.choice(among, count)
    order = np.unique(rng.integers(0, keys, count) * 1000 + numbers)
    arrays = {"key_ids": (order // 1000).astype(np.int32),
              "numbers": (order % 1000).astype(np.int32),
              "frequencies": rng.integers(0, 60000, len(order)).astype(np.uint16),
              "flags": rng.integers(0, 8, len(order)).astype(np.uint8),
              "hints": rng.integers(0, 900, len(order)).astype(np.uint16)}
    return state.Pairs(**arrays, values=postings.values_of(
        arrays["frequencies"], arrays["flags"], norm[arrays["numbers"]]))


def sorted_pairs(pairs, index=slice(None)):
    taken = pairs.take(index)
    return taken.take(np.lexsort((taken.numbers, taken.key_ids)))


def assert_same_pairs(found, expected):
    for name in ("key_ids", *state.PAIR_TYPES, "values"):
        assert np.array_equal(getattr(found, name), getattr(expected, name)), name


@pytest.mark.parametrize("block", [1, 3, 1024])
def test_pairs_read_from_the_state_files_are_those_of_the_arrays(tmp_path, monkeypatch, block):
    """A patch reads a changed document's pairs from the state's base files a block at a
    time, and the pairs now (the base less its masked places, with the delta) a range of keys
    at a time: what it finds is what numpy finds in the whole arrays."""
    monkeypatch.setattr(state, "READ_BLOCK", block)
    monkeypatch.setattr(state, "PART", 100)
    rng = np.random.default_rng(block)
    norm = rng.uniform(0.5, 3.0, 300)
    whole = random_pairs(rng, 3000, 40, 300, norm)
    for name, kind in state.PAIR_TYPES.items():
        getattr(whole, name).tofile(tmp_path / f"pairs.{name}")
    np.concatenate([[0], np.cumsum(np.bincount(whole.key_ids, minlength=45))]).astype(
        np.int64).tofile(tmp_path / "starts")
    files = state._PairFiles(tmp_path)
    index = np.sort(rng.choice(len(whole), 200, replace=False))
    # the keys and values too, which the files do not keep
    assert_same_pairs(files.rows(index, norm), whole.take(index))
    places = np.flatnonzero(((whole.key_ids >= 2) & (whole.key_ids < 5)) | (whole.key_ids >= 30))
    assert_same_pairs(files.of_keys([(2, 5), (7, 7), (30, 45)], norm, index),  # 40 on: new
                      whole.take(np.setdiff1d(places, index)))

    changed = rng.choice(300, 30, replace=False)  # since the base was written
    masked = np.flatnonzero(np.isin(whole.numbers, changed))
    delta = random_pairs(rng, 500, 52, 300, norm, among=changed)  # keys new to the base too
    pairs = state._StatePairs(files, masked, {name: getattr(delta, name)
                                              for name in state.DELTA_TYPES})
    now = sorted_pairs(state._joined(whole.take(np.delete(np.arange(len(whole)), masked)),
                                     delta))
    assert_same_pairs(functools.reduce(state._joined, pairs.merged(norm)), now)
    keys = np.array([0, 3, 17, 39, 45, 51], dtype=np.int32)
    assert np.array_equal(pairs.held(keys), np.bincount(now.key_ids, minlength=52)[keys])
    assert_same_pairs(pairs.of_keys(keys, norm), now.take(np.isin(now.key_ids, keys)))

    gone = np.zeros(300, dtype=bool)
    gone[[*changed[:5], *rng.choice(300, 5)]] = True  # changed again, and for the first time
    removed, kept = pairs.without(gone, norm)
    assert_same_pairs(sorted_pairs(removed), now.take(gone[now.numbers]))
    assert_same_pairs(functools.reduce(state._joined, kept.merged(norm)),
                      now.take(~gone[now.numbers]))
