"""Search as readers use it: the real JavaScript in headless Chromium, against the built sample
site served under /sub/ (and opened from file://), judged by tests/search_oracle.py."""
from __future__ import annotations

import statistics
from pathlib import Path

import pytest
import yaml

from conftest import REPO
from search_oracle import documents, relevant
from showcase.search.normalize import fold, units

QUERIES = yaml.safe_load((Path(__file__).with_name("search_queries.yaml")).read_text("utf-8"))
SEARCH = "(args) => window.showcase.search(args[0], args[1])"


@pytest.fixture(scope="module")
def docs():
    return documents(REPO)


def run(page, query: str, **options) -> list[dict]:
    return page.evaluate(SEARCH, [query, {"limit": 10, **options}])


def judged(query) -> tuple[str, str | None]:
    return (query["query"], query["pinyin_of"]) if isinstance(query, dict) else (str(query), None)


@pytest.mark.parametrize("kind", [k for k in QUERIES if k != "no_answer"])
def test_each_class_of_query_finds_what_the_text_holds(kind, search_page, docs):
    precisions, recalls, wrong = [], [], []
    for entry in QUERIES[kind]:
        query, pinyin_of = judged(entry)
        wanted = relevant(query, docs, pinyin_of)
        assert wanted, f"{query}: the judged set expects an answer"
        found = [r["url"] for r in run(search_page, query)]
        hits = [url for url in found if url in wanted]
        precisions.append(len(hits) / len(found) if found else 0)
        recalls.append(len(hits) / min(10, len(wanted)))
        if precisions[-1] < 1 or recalls[-1] < 1:
            wrong.append((query, sorted(set(found) - wanted), len(hits), len(wanted)))
    assert statistics.mean(precisions) >= 0.98, wrong
    assert statistics.mean(recalls) >= 0.98, wrong


@pytest.mark.parametrize("query", QUERIES["no_answer"])
def test_queries_with_no_answer_find_nothing(query, search_page, docs):
    assert relevant(str(query), docs) == set()
    assert run(search_page, str(query)) == []


def test_a_report_named_for_the_query_comes_first(search_page, docs):
    """共筑平安溆浦 is one report's title and appears in no other title."""
    results = run(search_page, "共筑平安溆浦")
    assert results[0]["title"] == "守护小家安宁 共筑平安溆浦"


def test_results_carry_what_a_result_list_shows(search_page):
    (result, *_) = run(search_page, "揚州")
    assert set(result) >= {"url", "title", "kind", "date", "region", "excerpt"}
    assert result["kind"] in ("report", "household")
    assert "揚州" in result["excerpt"] or "扬州" in result["excerpt"]
    start, end = result["highlights"][0]
    assert result["excerpt"][start:end] in ("揚州", "扬州")


def test_an_excerpt_keeps_the_traditional_text(search_page):
    results = run(search_page, "运河")
    assert any("運河" in r["excerpt"] for r in results)


@pytest.mark.parametrize("option, value, check", [
    ("kind", "household", lambda d: d.kind == "household"),
    ("category", "典型推介", lambda d: d.category == "典型推介"),
    ("year", "2023", lambda d: d.year == "2023"),
    ("honour", "最美家庭", lambda d: d.honour == "最美家庭"),
    ("region", "湖南省/怀化市", lambda d: d.region.startswith("湖南省/怀化市")),
    ("region", "溆浦县", lambda d: "/溆浦县" in d.region),
])
def test_filters_keep_only_what_they_name(search_page, docs, option, value, check):
    wanted = {d.url for d in docs if check(d)} & relevant("家庭", docs)
    found = {r["url"] for r in run(search_page, "家庭", **{option: value, "limit": 500})}
    assert found == wanted


FOLDING_CASES = ["駐馬店", "揚州市邗江區婦聯", "ＡＢＣ１２３", "臺灣", "台灣", "溆浦縣", "Ⅻ",
                 "第１１００戶", "98.2%", "v1.2.3", "阿依古丽·买买提", "İstanbul", "𠀀𠀁", "ﬁ",
                 "㈠工作", "（一）健全机制", "２０２４年１２月", "e\u0301", "裏面 裡面 乾淨"]


def test_python_and_javascript_fold_text_alike(search_page):
    folded = search_page.evaluate("cases => Promise.all(cases.map(c => window.showcase.fold(c)))",
                                  FOLDING_CASES)
    assert folded == [fold(case) for case in FOLDING_CASES]
    split = search_page.evaluate("cases => Promise.all(cases.map(c => window.showcase.units(c)))",
                                 FOLDING_CASES)
    assert split == [units(case) for case in FOLDING_CASES]


def test_search_works_from_a_copy_opened_as_files(browser, sample_output):
    context = browser.new_context()
    page = context.new_page()
    page.goto((sample_output / "search/index.html").as_uri())
    page.wait_for_function("() => window.showcase && window.showcase.search")
    assert [r["title"] for r in run(page, "共筑平安溆浦")][0] == "守护小家安宁 共筑平安溆浦"
    context.close()


def _page_at(browser, sample_output, serve_sub, width: int, height: int):
    context = browser.new_context(viewport={"width": width, "height": height})
    yield context.new_page(), serve_sub(sample_output)
    context.close()


@pytest.fixture
def reader(browser, sample_output, serve_sub):
    yield from _page_at(browser, sample_output, serve_sub, 360, 640)


@pytest.fixture
def desk(browser, sample_output, serve_sub):
    yield from _page_at(browser, sample_output, serve_sub, 1280, 800)


def test_on_a_phone_the_header_leads_to_the_search_page(reader):
    page, base = reader
    page.goto(base + "reports/")
    page.click(".search-link")
    page.wait_for_selector("#search-results", state="attached")
    assert page.url.endswith("search/index.html")
    page.fill(".search-box input", "留守儿童")
    page.keyboard.press("Enter")
    page.wait_for_selector("#search-results li")
    assert "留守儿童" in page.locator("#search-results mark").first.inner_text()


def test_the_header_box_leads_to_results_and_the_address_keeps_the_search(desk):
    page, base = desk
    page.goto(base)
    for _ in range(6):  # the skip link, the site's name, the search box
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "site-q":
            break
    assert page.evaluate("document.activeElement.id") == "site-q"
    page.keyboard.type("留守儿童")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "search/index.html?q=" in page.url
    page.wait_for_selector("#search-results li")
    status = page.locator("#search-status").inner_text()
    assert "报告" in status and "家庭" in status
    assert "留守儿童" in page.locator("#search-results mark").first.inner_text()


def test_results_follow_typing_and_filters_are_shareable(reader):
    page, base = reader
    loaded = []
    page.on("request", lambda request: loaded.append(request.url))
    page.goto(base + "search/index.html")
    page.fill("#search-q", "驻马店")
    page.wait_for_selector("#search-results li")
    assert "q=%E9%A9%BB%E9%A9%AC%E5%BA%97" in page.url
    assert not any(url.endswith("/search/f.js") for url in loaded)  # only when filtering
    page.click("#search-filters summary")
    page.wait_for_selector("select[name=category] option:nth-child(2)", state="attached")
    page.select_option("select[name=kind]", "report")
    page.wait_for_function("() => location.search.includes('kind=report')")
    page.wait_for_function("() => document.querySelectorAll('.search-result .badge').length &&"
                           " [...document.querySelectorAll('.search-result .badge')]"
                           ".every(b => b.textContent === '报告')")
    shared = page.url
    chip = page.locator("#search-chips button")
    assert "报告" in chip.inner_text()
    page.goto(shared)  # the same address shows the same search
    page.wait_for_selector("#search-results li")
    assert page.input_value("#search-q") == "驻马店"
    assert page.input_value("select[name=kind]") == "report"
    page.locator("#search-chips button").click()
    page.wait_for_function("() => !location.search.includes('kind=')")


def test_nothing_found_says_so_and_suggests(reader):
    page, base = reader
    page.goto(base + "search/index.html?q=" + "上海市浦东新区")
    page.wait_for_selector(".search-empty")
    text = page.locator(".search-empty").inner_text()
    assert "没有找到" in text and "更短的词" in text


COUNTED = [judged(q)[0] for kind, entries in QUERIES.items() if kind not in ("no_answer", "pinyin")
           for q in entries]


def test_counts_are_exact_and_add_up(search_page, docs):
    """The count a reader is shown is the number of documents that hold the query (by the
    oracle), split by kind; a count that could not be made exact says it is a lower bound."""
    wrong = []
    for query in COUNTED:
        wanted = relevant(query, docs)
        answer = search_page.evaluate(
            "async q => { const r = await window.showcase.search(q, {limit: 1000});"
            " return {urls: r.map(x => x.url), counts: r.counts, exact: r.exact}; }", query)
        counts, total = answer["counts"], answer["counts"]["report"] + answer["counts"]["household"]
        reports = {d.url for d in docs if d.kind == "report"} & wanted
        if answer["exact"]:
            if (total, counts["report"], len(answer["urls"])) != (len(wanted), len(reports), len(wanted)):
                wrong.append((query, counts, len(answer["urls"]), len(wanted), len(reports)))
        elif not len(answer["urls"]) <= total <= len(wanted):
            wrong.append((query, "lower bound", counts, len(wanted)))
    assert wrong == []


def test_the_page_shows_the_count_it_lists_and_no_count_for_nothing(reader, docs):
    page, base = reader
    page.goto(base + "search/index.html?q=" + "留守儿童")
    page.wait_for_selector("#search-results li")
    wanted = relevant("留守儿童", docs)
    reports = len({d.url for d in docs if d.kind == "report"} & wanted)
    status = page.locator("#search-status").inner_text()
    assert status == f"找到 {len(wanted)} 条：报告 {reports} 篇，家庭 {len(wanted) - reports} 户。"
    page.goto(base + "search/index.html?q=" + "驻马店扬州")
    page.wait_for_selector(".search-empty")
    assert page.locator("#search-status").inner_text() == ""
    assert "条" not in page.locator("main").inner_text()


def test_a_result_that_matched_on_fields_names_them_and_shows_its_opening(search_page):
    """A household found by its county shows its story's opening, and says the county matched."""
    results = run(search_page, "溆浦", kind="household")
    assert results and all(r["matched"].startswith("地区：") and "溆浦县" in r["matched"]
                           for r in results)
    assert all("溆浦" not in r["excerpt"] or r["highlights"] for r in results)


def test_an_excerpt_is_the_sentence_that_holds_the_terms(search_page):
    for result in run(search_page, "留守儿童", kind="report"):
        start, end = result["highlights"][0]
        assert result["excerpt"][start:end] == "留守儿童"
        assert len(result["excerpt"]) <= 62
        assert not result["matched"]


@pytest.mark.parametrize("query", ["家庭", "名单", "县", "年度"])
def test_a_common_word_ranks_its_best_documents_as_its_whole_list_would(search_page, query):
    """A word in hundreds of documents is ranked from the 32 best its shard keeps (chosen in
    Python); they are the same 32, in the same order, as the browser ranks from the whole list
    (loaded when more results are asked for than the shard keeps)."""
    best = [r["url"] for r in run(search_page, query, limit=32)]
    whole = [r["url"] for r in run(search_page, query, limit=40)][:32]
    assert best == whole and len(best) == 32
