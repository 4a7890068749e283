"""Two savings that must not change a byte: one Markdown converter reused for every text (reset
between texts, so nothing of one report reaches the next), and related reports found through
the reports grouped by tags rather than by comparing every pair."""
from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import random
import subprocess
import sys
import textwrap
import threading
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest
from conftest import REPO, snapshot

from showcase.assemble import RELATED_COUNT, build_site, related_reports
from showcase.errors import Problems
from showcase.load import SiteSources, SourceText
from showcase.markup import render_markdown
from showcase import commands, parallel
from showcase import validate as validate_module
from showcase.memo import Memo, digestible
from showcase.parallel import FORK_AT_LEAST
from showcase.validate import validate


def fresh(source: str, resolve=None):
    """`source` converted by a converter that has seen no other text: each thread has its own."""
    result = []
    thread = threading.Thread(target=lambda: result.append(render_markdown(source, resolve)))
    thread.start()
    thread.join()
    return result[0]


FIRST = """\
## 一、健全工作机制

我县把创建工作纳入HTML考核[^1]，详见[工作方案][plan]和[细则][]。

[^1]: 见县委办文件。
[plan]: https://first.example/plan "方案"
[细则]: https://first.example/rules
*[HTML]: 超文本标记语言

### 小节
"""

SECOND = """\
## 一、健全工作机制

本镇也有HTML考核[^1]，参照[工作方案][plan]和[细则][]。
"""


def test_a_text_shows_nothing_of_the_text_before():
    render_markdown(FIRST)
    second = render_markdown(SECOND)
    assert "footnote" not in second.html and "县委办" not in second.html
    assert "first.example" not in second.html and "[工作方案][plan]" in second.html
    assert "<abbr" not in second.html and "超文本" not in second.html
    assert [(e.level, e.anchor, e.title) for e in second.toc] == [(2, "一健全工作机制",
                                                                   "一、健全工作机制")]
    assert second == fresh(SECOND)


def test_the_first_text_is_converted_in_full():
    """The positive control: what the second text must not show is really in the first."""
    first = render_markdown(FIRST)
    assert "footnote" in first.html and 'href="https://first.example/plan"' in first.html
    assert [e.title for e in first.toc] == ["一、健全工作机制", "小节"]
    assert first == fresh(FIRST)


def test_a_text_converted_twice_gives_the_same_html():
    assert render_markdown(FIRST) == render_markdown(FIRST) == fresh(FIRST)
    assert render_markdown("") == fresh("") == render_markdown("")


def test_a_resolver_serves_only_its_own_text():
    seen = []

    def resolve(address, tag):
        seen.append(address)
        return "../../" + address

    linked = render_markdown("![图](images/a.jpg) [另一篇](b.md)", resolve)
    assert 'src="../../images/a.jpg"' in linked.html and seen == ["images/a.jpg", "b.md"]
    plain = render_markdown("![图](images/c.jpg)")
    assert 'src="images/c.jpg"' in plain.html and seen == ["images/a.jpg", "b.md"]


def test_a_conversion_that_fails_leaves_nothing_behind():
    def broken(address, tag):
        raise RuntimeError("a bug in a resolver")

    with pytest.raises(RuntimeError):
        render_markdown("- 列表里[链接](a.md)[^1]\n\n[^1]: 脚注", broken)
    assert render_markdown(SECOND) == fresh(SECOND)


def test_a_worker_process_converts_as_the_parent_does():
    render_markdown(FIRST)  # the parent's converter exists, and has state, before the fork
    with ProcessPoolExecutor(max_workers=1) as pool:
        in_worker = pool.submit(render_markdown, SECOND).result()
    assert in_worker == render_markdown(SECOND) == fresh(SECOND)


SNIPPETS = [
    "## 一、健全工作机制",
    "### 二、强化宣传 {#publicity}",
    "#### 深一层的标题",
    "正文有脚注[^1]。\n\n[^1]: 第一个脚注。",
    "又引用[^1]和[^note]，再引用[^note]。\n\n[^note]: 重复引用的脚注。",
    "只有引用[^1]，没有定义。",
    "见[工作方案][plan]。\n\n[plan]: https://example.org/plan \"方案\"",
    "见[工作方案][plan]，此处未定义。",
    "[细则]: https://example.org/rules\n\n依照[细则][]。",
    "*[HTML]: 超文本标记语言\n\nHTML 页面。",
    "| 镇 | 户 |\n|:---|---:|\n| 桥江 | 12 |\n| 龙潭 | 7 |",
    "3. 第三项\n4. 第四项",
    "- 甲\n- 乙\n\n    缩进的段落",
    "```\n代码 [^1] [plan]\n```",
    "<div class=\"note\">原始 HTML</div>",
    "我县把\n创建工作\n纳入考核。",
    "![图片](images/a.jpg \"说明\") 和 [另一篇](../2023/b.md#part)",
    "> 引用一段话。\n> 第二行。",
    "段落 {: .lead }",
]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_texts_in_any_order_convert_as_on_a_new_converter(seed):
    rng = random.Random(seed)

    def resolve(address, tag):
        return None if address.startswith("http") else f"../../{tag}/{address}"

    for _ in range(60):
        source = "\n\n".join(rng.choice(SNIPPETS) for _ in range(rng.randint(1, 6)))
        resolver = rng.choice([None, resolve])
        assert render_markdown(source, resolver) == fresh(source, resolver), source


# Related reports: the function as it was before it used an index, kept here as the reference.

def reference_related(site, report):
    if not report.tags:
        return []
    mine = set(report.tags)
    scored = Counter()
    for term in site.tags:
        if term.name in mine:
            scored.update(r.slug for r in term.reports if r.slug != report.slug)
    by_slug = {r.slug: r for r in site.reports}
    ranked = sorted(scored, key=lambda s: (-scored[s], -by_slug[s].date.toordinal(), s))
    return [by_slug[s] for s in ranked[:RELATED_COUNT]]


REGIONS = "- name: 湖南省\n  children: [{name: 怀化市}]\n"


def make_site(reports: list[tuple[str, str, list[str]]]):
    """A site of reports given as (file name, date, tags), built from strings."""
    texts = []
    for name, date, tags in reports:
        front = f"title: 标题{name}\nunit: 创建办\ndate: {date}\nregion: 湖南省/怀化市\n" \
                f"category: 经验交流\ntags: [{', '.join(tags)}]\n"
        texts.append(SourceText(f"content/reports/{name}.md", f"---\n{front}---\n\n正文。\n"))
    sources = SiteSources(
        root=Path("/nowhere"), config=SourceText("site.yaml", "title: 测试\n"),
        regions=SourceText("data/regions.yaml", REGIONS), reports=tuple(texts),
        honour_lists=(), static_files=(), content_files=(), template_dirs=())
    problems = Problems()
    content = validate(sources, problems, today=dt.date(2030, 1, 1))
    assert not problems.errors, problems.errors
    return build_site(content)


def generated_reports(seed: int, count: int, tag_pool: int, most_tags: int, days: int):
    """Reports on few days (dates tie), names in no particular order (slugs break the ties),
    some without tags, some with a tag of their own, tag sets repeated, nested and overlapping."""
    rng = random.Random(seed)
    tags = [f"标签{i}" for i in range(tag_pool)]
    names = rng.sample(range(10000), count)
    reports = []
    for number, name in enumerate(names):
        kind = rng.random()
        if kind < 0.1:
            chosen = []
        elif kind < 0.15:
            chosen = [f"独有{number}"]
        elif kind < 0.4 and reports and reports[-1][2]:
            chosen = list(rng.choice(reports)[2])  # the same tags as another report
            chosen = chosen + rng.sample(tags, 1) if rng.random() < 0.3 else chosen
        else:
            chosen = rng.sample(tags, rng.randint(1, most_tags))
        date = dt.date(2023, 1, 1) + dt.timedelta(days=rng.randrange(days))
        reports.append((f"r{name:04d}", date.isoformat(), list(dict.fromkeys(chosen))))
    return reports


@pytest.mark.parametrize("seed, count, tag_pool, most_tags, days", [
    (1, 300, 4, 3, 5),  # few tags: nearly every report shares one with every other
    (2, 300, 30, 4, 40),  # many tags: sparse overlaps, fewer than five related for some
    (3, 200, 8, 6, 2),  # two dates: the slug decides most ties
    (4, 60, 2, 1, 1),  # one date, one tag each: ties everywhere
])
def test_related_reports_are_those_of_the_reference(seed, count, tag_pool, most_tags, days):
    site = make_site(generated_reports(seed, count, tag_pool, most_tags, days))
    found = related_reports(site)
    assert set(found) == {r.slug for r in site.reports}
    for report in site.reports:
        assert [r.slug for r in found[report.slug]] == \
               [r.slug for r in reference_related(site, report)], report.slug
    pages = {p.url: p for p in site.pages}
    for report in site.reports:
        assert pages[report.url].context["related"] == reference_related(site, report)


def test_related_reports_kept_from_an_earlier_build_follow_every_change(tmp_path):
    """Related reports taken from the memo are those ranked anew after a report's tags, date or
    slug changed, a report was added or one removed, and when nothing changed."""
    memo = Memo(tmp_path)
    reports = generated_reports(1, 120, 6, 3, 5)
    retagged = [*reports[:7], (reports[7][0], reports[7][1], ["标签5", "独有"]), *reports[8:]]
    redated = [*reports[:3], (reports[3][0], "2022-01-01", reports[3][2]), *reports[4:]]
    renamed = [(f"x{reports[0][0]}", *reports[0][1:]), *reports[1:]]
    added = reports + [("r9999", "2023-01-03", ["标签1", "标签2"])]
    for variant in (reports, retagged, reports, redated, renamed, added, reports[1:], reports):
        site = make_site(variant)
        kept = related_reports(site, memo)
        assert kept == related_reports(site)
        assert kept == {r.slug: reference_related(site, r) for r in site.reports}
    memo.close()


def test_the_generated_sites_hold_the_cases_that_matter():
    """The reference comparison above is only as good as its sites: ties on every level, reports
    with fewer than five related reports, and with none."""
    site = make_site(generated_reports(1, 300, 4, 3, 5))
    lengths = Counter(len(reference_related(site, r)) for r in site.reports)
    assert lengths[RELATED_COUNT] > 200 and lengths[0] > 10
    sparse = make_site(generated_reports(2, 300, 30, 4, 40))
    assert any(0 < len(reference_related(sparse, r)) < RELATED_COUNT for r in sparse.reports)
    dates = Counter(r.date for r in site.reports)
    assert max(dates.values()) > 40


def test_digesting_a_text_leaves_no_copy_of_it_behind_and_tells_texts_apart():
    """A report's text digested for a memo key keeps its size (a binary pickle would leave a
    UTF-8 copy cached inside it for the rest of the build), and different texts, or a text
    and its bytes, never digest alike."""
    text = "".join(["溆浦县桥江镇平安家庭"] * 200)
    size = sys.getsizeof(text)
    source = SourceText("content/reports/a.md", text)
    assert digestible((source, {"mode": "mask"})) != digestible(
        (SourceText("content/reports/a.md", text + "。"), {"mode": "mask"}))
    assert digestible((text,)) != digestible((text.encode(),))
    assert sys.getsizeof(text) == size


def test_workers_never_run_far_ahead_of_a_slow_consumer():
    """Results wait in memory until they are taken (a search record is a few hundred kilobytes):
    however slow the consumer, the workers are never given more than a few chunks ahead, each
    of about CHUNK_SECONDS of work."""
    done = multiprocessing.get_context("fork").Value("i", 0)
    item_seconds = 0.002

    def square(number):
        started = time.process_time()
        while time.process_time() - started < item_seconds:
            pass
        with done.get_lock():
            done.value += 1
        return number * number

    ahead = []
    for taken, result in enumerate(parallel.in_order(square, list(range(600)), 2)):
        assert result == taken * taken
        ahead.append(done.value - taken)
        time.sleep(0.005)
    chunk = parallel.CHUNK_SECONDS / item_seconds
    assert max(ahead) <= (parallel.AHEAD * 2 + 2) * chunk * 1.5


def test_cheap_items_go_to_the_workers_in_large_chunks_and_dear_ones_alone(monkeypatch):
    """A worker is given about CHUNK_SECONDS of work at once, as the items done so far measure
    it: 20,000 cheap items (households' search keys) in a few hundred tasks, not thousands, and
    items each worth more than that (honour lists) one by one, so both workers share them."""
    tasks = []
    real = parallel.forked_pool

    def counting_pool(workers):
        pool = real(workers)
        submit = pool.apply_async
        pool.apply_async = lambda function, args: tasks.append(len(args[0])) or submit(function,
                                                                                       args)
        return pool

    monkeypatch.setattr(parallel, "forked_pool", counting_pool)
    assert list(parallel.in_order(str, list(range(20000)), 2)) == [str(n) for n in range(20000)]
    assert sum(tasks) == 20000 and len(tasks) <= 20000 / parallel.MAX_CHUNK + 50
    tasks.clear()

    def dear(number):
        started = time.process_time()
        while time.process_time() - started < 2 * parallel.CHUNK_SECONDS:
            pass
        return os.getpid()

    pids = list(parallel.in_order(dear, list(range(12)), 2, at_least=8))
    assert tasks == [1] * 12 and len(set(pids)) == 2


def test_chunks_given_whole_come_back_in_order_in_workers_and_alone():
    """in_order_chunks hands its function a chunk of items at once (households' search keys
    are found for a chunk in one go) and gives the results one by one in the items' order,
    from forked workers as from the build's own process."""
    def squares(numbers):
        return [(os.getpid(), len(numbers), number * number) for number in numbers]

    items = list(range(5000))
    forked = list(parallel.in_order_chunks(squares, items, 2))
    assert [square for _, _, square in forked] == [n * n for n in items]
    assert os.getpid() not in {pid for pid, _, _ in forked}
    assert max(size for _, size, _ in forked) > 1
    alone = list(parallel.in_order_chunks(squares, items, 1))
    assert [square for _, _, square in alone] == [n * n for n in items]
    assert {pid for pid, _, _ in alone} == {os.getpid()}
    whole, rest = divmod(len(items), parallel.MAX_CHUNK)
    assert [size for _, size, _ in alone] == [parallel.MAX_CHUNK] * (whole * parallel.MAX_CHUNK) \
        + [rest] * rest


def test_workers_end_quietly_whatever_the_build_s_own_signal_handlers():
    """The preview stops on SIGTERM by raising KeyboardInterrupt; its workers must not keep
    that handler (a pool ends the workers still running with SIGTERM: each printed a
    traceback, as on a preview's first build of 1,000 reports), nor answer Ctrl+C themselves.
    Here the pool is ended while its workers are busy."""
    script = textwrap.dedent("""
        import itertools, signal, time
        from showcase import parallel

        def stop(signum, frame):
            raise KeyboardInterrupt

        def slowly(number):
            time.sleep(0.01)
            return number * 2

        signal.signal(signal.SIGTERM, stop)
        results = parallel.in_order(slowly, list(range(parallel.FORK_AT_LEAST * 2)), 2)
        print(list(itertools.islice(results, 3)))
        results.close()
    """)
    finished = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True,
                              text=True, timeout=120)
    assert finished.stdout.strip() == "[0, 2, 4]"
    assert "Traceback" not in finished.stderr and finished.returncode == 0


def test_several_honour_lists_are_read_in_workers_and_build_the_same_site(tmp_path,
                                                                          monkeypatch):
    """A site of some twenty honour lists (far fewer than the reports worth a worker each):
    with two jobs they are read in worker processes, not one after the other in the build's
    own, and the site built is the one a single process builds."""
    site = tmp_path / "site"
    subprocess.run([sys.executable, str(REPO / "benchmarks" / "make_site.py"), "--reports",
                    "12", "--households", "1500", "--seed", "5", "--out", str(site)],
                   check=True, capture_output=True)
    lists = list((site / "data" / "households").glob("*.yaml"))
    assert validate_module.LISTS_FORKED_AT <= len(lists) < FORK_AT_LEAST
    readers = tmp_path / "readers"
    real = validate_module.read_honour_list

    def read_noting_the_process(*args):
        with open(readers, "a") as noted:
            noted.write(f"{os.getpid()}\n")
        return real(*args)

    monkeypatch.setattr(validate_module, "read_honour_list", read_noting_the_process)
    commands.build(site, tmp_path / "two", jobs=2)
    pids = readers.read_text().split()
    assert len(pids) == len(lists) and str(os.getpid()) not in pids
    commands.build(site, tmp_path / "one", jobs=1)
    assert snapshot(tmp_path / "two") == snapshot(tmp_path / "one")


@pytest.mark.parametrize("errors", ["default", "ignore"])
def test_pinyin_kept_word_by_word_reads_as_pypinyin_itself(errors):
    """Names and places romanised with each word of pypinyin's segmentation converted once
    (100,000 household names share a few thousand words) read as the library reads them,
    polyphonic surnames and words, Latin and digits, Traditional characters included; a name
    made only of words met before converts nothing again."""
    from pypinyin import Style, lazy_pinyin

    from showcase.pinyin import _converter, syllables

    names = ["单雄信家庭", "曾国藩", "解放路社区", "重庆市", "银行行长", "长江", "朝阳区",
             "A1张三", "110联动", "阿依古丽·买买提家庭", "區長", "〇", "", "黄河 长江",
             "单建国家庭", "曾长江"]
    for name in names * 2:  # the second time from what was kept
        assert syllables(name, errors) == lazy_pinyin(name, style=Style.NORMAL, errors=errors)
    kept = len(_converter()._converter.converted)
    assert kept
    assert syllables("曾雄信家庭", errors) == lazy_pinyin("曾雄信家庭", style=Style.NORMAL,
                                                      errors=errors)
    assert len(_converter()._converter.converted) == kept
