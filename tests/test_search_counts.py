"""Counts a search cannot make exact within its download budget are said as lower bounds, and
asking for more results checks further until the count is exact. The site is generated: 80
reports whose text holds 负责 and 责任 apart in every paragraph, and three that hold 负责任."""
from __future__ import annotations

import re
import shutil
from urllib.request import urlopen

import pytest

from conftest import SITES, run_build

PARAGRAPH = "村里由专人负责矛盾排查，层层压实工作责任。"
SEARCH = """async args => {
    const r = await window.showcase.search(args[0], {limit: args[1]});
    return {urls: r.map(x => x.url), counts: r.counts, exact: r.exact};
}"""


@pytest.fixture(scope="module")
def apart_site(tmp_path_factory, serve_sub):
    site = tmp_path_factory.mktemp("apart") / "site"
    shutil.copytree(SITES / "minimal", site)
    reports = site / "content" / "reports"
    for number in range(80):
        text = "\n\n".join([PARAGRAPH] * 12)
        if number in (20, 50, 79):
            text += "\n\n各村干部对群众高度负责任。"
        (reports / f"r{number:02d}.md").write_text(
            f"---\ntitle: 第{number}号工作简报\nunit: 桥江镇综治办\ndate: 2023-05-{number % 28 + 1:02d}\n"
            f"region: 湖南省/怀化市/溆浦县/桥江镇/龙潭村\ncategory: 经验交流\n---\n\n{text}\n",
            "utf-8")
    out = site.parent / "out"
    result = run_build("build", "--site", site, "--out", out)
    assert result.returncode == 0, result.stderr
    return serve_sub(out)


@pytest.fixture
def search(browser, apart_site):
    context = browser.new_context()
    page = context.new_page()
    page.goto(apart_site + "search/index.html")
    page.wait_for_function("() => window.showcase && window.showcase.search")
    yield lambda query, limit: page.evaluate(SEARCH, [query, limit])
    context.close()


def test_a_count_not_yet_checked_is_a_lower_bound_and_more_results_make_it_exact(search):
    first = search("负责任", 10)
    assert first["exact"] is False
    assert len(first["urls"]) <= first["counts"]["report"] <= 3
    limit = 10
    while not first["exact"]:
        limit += 10
        assert limit < 200, "asking for more never finished checking"
        first = search("负责任", limit)
    assert first["counts"] == {"report": 3, "household": 0}
    assert len(first["urls"]) == 3


def test_the_page_says_at_least_until_every_candidate_is_checked(browser, apart_site):
    context = browser.new_context()
    page = context.new_page()
    page.goto(apart_site + "search/index.html?q=负责任")
    page.wait_for_function("() => document.querySelector('#search-status').textContent.includes('找到')"
                           " || document.querySelector('.search-empty')")
    assert "至少" in page.locator("main").inner_text()
    for _ in range(20):
        if page.locator("#search-more").is_hidden():
            break
        page.click("#search-more")
        page.wait_for_timeout(300)
    page.wait_for_function("() => document.querySelector('#search-status').textContent.startsWith('找到 3 条')")
    assert page.locator("#search-results li").count() == 3
    context.close()


def test_results_of_equal_score_come_newest_report_first(search, apart_site):
    """Every report's title holds 工作简报 and no body does: all score alike, and the results
    come as the report list shows them, newest first (documents are numbered oldest first, so
    the tie order is not the number; the key's best documents kept in its shard are chosen in
    that order too)."""
    listed = re.findall(r'href="\.\./reports/(r\d\d)/"', urlopen(apart_site + "reports/index.html")
                        .read().decode("utf-8"))
    assert len(listed) >= 18  # (the page's first 20 reports, the minimal site's two among them)
    found = search("工作简报", 20)
    assert [url.split("/")[-2] for url in found["urls"]][:len(listed)] == listed


def test_words_filed_whole_are_counted_exactly_at_once(search):
    answer = search("责任", 10)
    assert answer["exact"] is True
    assert answer["counts"]["report"] == 80
