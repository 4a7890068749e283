"""The search index of a build with the cache is the last build's changed where documents
changed (search/state.py): through a run of edits it is byte for byte the index a build without
the cache makes, only the edited documents are read again, and the index files that hold none of
their keys are left as they were. Anything the state cannot follow means the whole work."""
from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from conftest import REPO, snapshot
from showcase import commands
from showcase.search import postings, shards, state

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
    """Each key's pairs begin where the state says, after the last key's, and are sorted by
    document, each (key, document) once."""
    folder = site / ".cache" / state.FOLDER
    numbers = np.fromfile(folder / "pairs.numbers", dtype=np.int32).astype(np.int64)
    starts = np.fromfile(folder / "starts", dtype=np.int64)
    assert starts[0] == 0 and starts[-1] == len(numbers) and np.all(np.diff(starts) >= 0)
    keys = np.repeat(np.arange(len(starts) - 1), np.diff(starts))
    assert np.all(np.diff(keys * (1 << 32) + numbers) > 0)


@pytest.mark.parametrize("small", ["", "files", "reads"], ids=["as-built", "small-files",
                                                              "small-reads"])
def test_a_run_of_edits_changes_the_index_only_where_documents_changed(
        sample, tmp_path, monkeypatch, patched, small):
    """With small files, most keys have files of their own and shards are many, so edits move
    keys between shards, between their own file and inline, and change the shard count. With
    small reads, the changed documents' pairs and the places of their new ones are read from
    the state's files a pair or two at a time, as at 10,000 reports a block at a time."""
    if small == "files":
        monkeypatch.setattr(shards, "SHARD_BYTES", 200)
        monkeypatch.setattr(shards, "OWN_FILE_BYTES", 12)
    if small == "reads":
        monkeypatch.setattr(state, "READ_BLOCK", 2)
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
        assert_state_in_order(sample)


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


def test_a_report_added_or_removed_means_the_index_made_anew(sample, tmp_path, patched):
    out = tmp_path / "out"
    build(sample, out)
    newest = reports(sample)[0]
    added = newest.with_name("zz-new.md")
    added.write_text(newest.read_text("utf-8").replace("title:", "title: 新增", 1), "utf-8")
    build(sample, out)
    assert_index_as_fresh(sample, out, tmp_path)
    added.unlink()
    build(sample, out)
    assert_index_as_fresh(sample, out, tmp_path)
    assert patched == []


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


@pytest.mark.parametrize("trouble", ["full-disk", "no-folder"])
def test_a_state_that_cannot_be_written_while_patched_leaves_the_last_one(
        sample, tmp_path, patched, monkeypatch, trouble):
    """The patched pairs are written in a thread beside the index; a full disk there, or no
    folder to write them in, leaves the last state as it was (the next build patches that
    one) and the build's index as it should be."""
    out = tmp_path / "out"
    build(sample, out)
    meta = (sample / ".cache" / state.FOLDER / "meta.json").read_bytes()
    add_to(reports(sample)[0], "\n\n鹭鸶湾设立夜渡守护岗。\n")
    made = state.StateWriter.__init__

    def in_trouble(self, memo):
        made(self, memo)
        if trouble == "no-folder":
            self.abandon()  # as when its folder cannot be made
        for name, file in self.files.items():
            file.close()
            self.files[name] = open("/dev/full", "wb")  # (Linux: every write fails, disk full)

    with monkeypatch.context() as changed:
        changed.setattr(state.StateWriter, "__init__", in_trouble)
        build(sample, out)
    assert len(patched) == 1
    assert (sample / ".cache" / state.FOLDER / "meta.json").read_bytes() == meta
    assert not list((sample / ".cache").glob(f"{state.FOLDER}.*"))
    assert_index_as_fresh(sample, out, tmp_path)
    add_to(reports(sample)[0], "\n\n鹭鸶湾增设摆渡安全哨。\n")
    build(sample, out)
    assert len(patched) == 2
    assert_index_as_fresh(sample, out, tmp_path)


@pytest.mark.parametrize("system", ["no-call", "across-devices"])
def test_a_state_patched_where_the_system_cannot_copy_files_is_the_same(
        sample, tmp_path, patched, monkeypatch, system):
    """The runs of pairs the system copies from file to file are read and written instead
    where it cannot (another system, another kind of disk)."""
    out = tmp_path / "out"
    build(sample, out)
    if system == "no-call":
        monkeypatch.delattr(os, "copy_file_range")
    else:
        def across_devices(*args):
            raise OSError(errno.EXDEV, "Invalid cross-device link")
        monkeypatch.setattr(os, "copy_file_range", across_devices)
    for story in ("\n\n鹭鸶湾设立夜渡守护岗。\n", "\n\n鹭鸶湾增设摆渡安全哨。\n"):
        add_to(reports(sample)[0], story)
        build(sample, out)
        assert_index_as_fresh(sample, out, tmp_path)
    assert len(patched) == 2


@pytest.mark.parametrize("block", [1, 3, 1024])
def test_pairs_read_from_the_state_files_are_those_of_the_arrays(tmp_path, monkeypatch, block):
    """A patch reads a changed document's pairs, and the places of its new ones, from the
    state's files a block at a time: what it finds is what numpy finds in the whole arrays."""
    monkeypatch.setattr(state, "READ_BLOCK", block)
    rng = np.random.default_rng(block)
    pairs = np.unique(rng.integers(0, 40, 3000) * 1000 + rng.integers(0, 300, 3000))
    norm = rng.uniform(0.5, 3.0, 300)
    arrays = {"key_ids": (pairs // 1000).astype(np.int32), "numbers": pairs % 1000,
              "frequencies": rng.integers(0, 60000, len(pairs)),
              "flags": rng.integers(0, 8, len(pairs)), "hints": rng.integers(0, 900, len(pairs))}
    for name, kind in state.PAIR_TYPES.items():
        arrays[name] = arrays[name].astype(kind)
        arrays[name].tofile(tmp_path / f"pairs.{name}")
    arrays["values"] = postings.values_of(arrays["frequencies"], arrays["flags"],
                                          norm[arrays["numbers"]])
    np.concatenate([[0], np.cumsum(np.bincount(arrays["key_ids"], minlength=45))]).astype(
        np.int64).tofile(tmp_path / "starts")
    files = state._PairFiles(tmp_path)
    whole = state.Pairs(**arrays)
    new = state.Pairs(**{name: array[::7] for name, array in arrays.items()})
    new = state.Pairs(**{**new.__dict__, "numbers": (new.numbers + rng.integers(-2, 3, len(new)))
                         .clip(0).astype(np.int32), "key_ids": np.concatenate(
                             [new.key_ids[:-1], [50]]).astype(np.int32)})  # a key new to all
    assert np.array_equal(files.positions(new), state._positions(whole, new))
    index = np.sort(rng.choice(len(pairs), 200, replace=False))
    for name in arrays:  # the keys and values too, which the files do not keep
        assert np.array_equal(getattr(files.rows(index, norm), name), arrays[name][index])
        assert np.array_equal(getattr(files.ranges([(5, 9), (100, 100), (200, 260)], norm),
                                      name),
                              np.concatenate([arrays[name][5:9], arrays[name][200:260]]))
