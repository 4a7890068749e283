"""The first screen of a 360 x 640 phone, in normal and in large type, belongs to the text: an
older reader on a cheap phone sees a report's title and its first lines without scrolling,
finds every section one tap away, and never meets a cut label, a gappy line or a picture
pushed out of the column. Over the sample site and a report as pasted materials really are
(a skipped heading level, a picture on its own line, Latin and pinyin in the text)."""
from __future__ import annotations

import shutil

import pytest
from PIL import Image

from conftest import REPO, run_build

SCREEN = {"width": 360, "height": 640}
MODES = ["normal", "large"]

UNTIDY = """\
---
title: 桥江镇“三调”工作法 (Sanlian Santiao) 的实践与思考
unit: 溆浦县桥江镇人民政府
date: 2025-06-01
region: 湖南省/怀化市/溆浦县/桥江镇
category: 经验交流
---

桥江镇推行“三联三调”工作法，创(chuàng)新矛盾化解机制，2024年全镇调解成功率达到98.6%，GDP增长6.5%，用WeChat群和12345热线收集线索。

![桥江镇调解室](untidy.png)

### （一）建立联调机制

镇综治中心联合派出所、司法所，每月召开一次联席会议，分析研判婚姻家庭矛盾纠纷。

## 二、强化源头预防

各村（社区）建立矛盾纠纷排查台账，实行“一户一档”，做到早发现、早报告、早化解。
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The sample site built with the untidy report added."""
    root = tmp_path_factory.mktemp("phone")
    source = root / "site"
    source.mkdir()
    for name in ("site.yaml", "content", "data", "static"):
        copy = shutil.copytree if (REPO / name).is_dir() else shutil.copy
        copy(REPO / name, source / name)
    folder = source / "content/reports/2025"
    (folder / "untidy.md").write_text(UNTIDY, "utf-8")
    Image.new("RGB", (1600, 900), (180, 60, 50)).save(folder / "untidy.png")
    # no base_url: 404.html finds its styles beside it, under the test server's sub-path
    result = run_build("build", "--site", source, "--out", root / "out", "--base-url", "")
    assert result.returncode == 0, result.stderr
    return root / "out"


@pytest.fixture(params=MODES)
def phone(request, browser, site, serve_sub):
    """A page at 360 x 640, in the mode asked for, and the site's address."""
    context = browser.new_context(viewport=SCREEN)
    page = context.new_page()
    base = serve_sub(site)
    if request.param == "large":
        page.goto(base)
        page.evaluate("localStorage.setItem('showcase-reading', JSON.stringify({large: true}))")
    yield page, base, request.param
    context.close()


def report_paths(site) -> list[str]:
    return sorted(f"reports/{page.parent.name}/" for page in (site / "reports").glob("*/index.html")
                  if page.parent.name != "page")


FIRST_SCREEN = """() => {
    const header = document.querySelector('.site-header').getBoundingClientRect();
    const title = document.querySelector('main h1').getBoundingClientRect();
    const text = document.querySelector('.prose p');
    const start = text.getBoundingClientRect().top;
    const lines = (innerHeight - start) / parseFloat(getComputedStyle(text).lineHeight);
    return {header: header.height, titleBottom: title.bottom, lines: lines};
}"""
"""Where the header and the report's own header leave off: the body's first lines must fit
below (a picture the author put after a short first paragraph is the report's own content)."""


def test_every_report_shows_its_title_and_five_lines_on_the_first_screen(phone, site):
    page, base, mode = phone
    short = []
    for path in report_paths(site):
        page.goto(base + path)
        seen = page.evaluate(FIRST_SCREEN)
        assert seen["header"] <= SCREEN["height"] / 4, f"{mode} {path}: header {seen['header']}"
        if seen["titleBottom"] > SCREEN["height"] or seen["lines"] < 5:
            short.append(f"{mode} {path}: title ends at {seen['titleBottom']:.0f}, room for "
                         f"{seen['lines']:.1f} lines of text")
    assert short == []


def test_every_section_is_one_tap_away(phone):
    page, base, mode = phone
    page.goto(base + "reports/")
    links = page.locator(".site-nav a")
    assert links.count() >= 10 and not links.first.is_visible()  # folded under 栏目
    page.click("#menu-button")
    assert page.get_attribute("#menu-button", "aria-expanded") == "true"
    boxes = page.evaluate("""() => [...document.querySelectorAll('.site-nav a')].map(a => {
        const box = a.getBoundingClientRect();
        return [a.textContent, box.left, box.right, box.width * box.height];
    })""")
    hidden = [text for text, left, right, area in boxes if left < 0 or right > 360 or not area]
    assert hidden == [], f"{mode}: sections out of sight: {hidden}"
    assert {"荣誉名单", "地区", "全部报告"} <= {text for text, *_ in boxes}


def test_without_javascript_every_section_shows(browser, site, serve_sub):
    context = browser.new_context(viewport=SCREEN, java_script_enabled=False)
    page = context.new_page()
    page.goto(serve_sub(site) + "reports/")
    right = page.evaluate("Math.max(...[...document.querySelectorAll('.site-nav a')]"
                          ".map(a => a.getBoundingClientRect().right))")
    assert page.locator(".site-nav a").last.is_visible() and right <= 360
    context.close()


def test_large_type_is_large_and_cuts_no_label(phone):
    page, base, mode = phone
    page.goto(base + "reports/untidy/")
    size = page.evaluate("parseFloat(getComputedStyle(document.querySelector('.prose p'))"
                         ".fontSize)")
    assert size >= (24 if mode == "large" else 16)
    cut = page.evaluate("""() => [...document.querySelectorAll('.site-header a, .site-header button')]
        .filter(e => e.offsetParent !== null && e.scrollWidth > e.clientWidth + 1)
        .map(e => e.textContent)""")
    assert cut == []
    page.goto(base + "search/index.html")
    box = page.locator("#search-q")
    fits = page.evaluate("""(input) => {
        const style = getComputedStyle(input);
        const context = document.createElement('canvas').getContext('2d');
        context.font = style.fontSize + ' ' + style.fontFamily;
        const room = input.clientWidth - parseFloat(style.paddingLeft)
            - parseFloat(style.paddingRight);
        return context.measureText(input.placeholder).width <= room;
    }""", box.element_handle())
    assert fits, f"{mode}: the search box's hint is cut"


def test_a_picture_on_its_own_line_stays_in_the_column(phone):
    page, base, mode = phone
    page.goto(base + "reports/untidy/")
    picture, column = page.evaluate("""() => {
        const img = document.querySelector('.prose img');
        const box = img.getBoundingClientRect();
        const column = img.closest('.prose').getBoundingClientRect();
        return [[box.left, box.right], [column.left, column.right]];
    }""")
    assert picture[0] >= column[0] - 0.5 and picture[1] <= column[1] + 0.5
    assert abs((picture[0] - column[0]) - (column[1] - picture[1])) <= 1  # centred, no indent
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_lines_with_latin_and_pinyin_open_no_gaps(phone):
    """Justified, a narrow line around 創(chuàng) or WeChat spreads its characters apart;
    on a phone the text starts at the left and keeps its spacing."""
    page, base, mode = phone
    page.goto(base + "reports/untidy/")
    widest = page.evaluate("""() => {
        const text = document.querySelector('.prose p').firstChild;
        const range = document.createRange();
        let widest = 0, last = null;
        for (let i = 0; i < text.length; i += 1) {
            range.setStart(text, i); range.setEnd(text, i + 1);
            const box = range.getBoundingClientRect();
            if (last && Math.abs(box.top - last.top) < 2) {
                widest = Math.max(widest, box.left - last.right);
            }
            last = box;
        }
        return widest;
    }""")
    assert widest <= 2, f"{mode}: a gap of {widest:.1f} px between characters"


def test_the_home_page_leads_with_the_cases_and_is_short(phone):
    page, base, mode = phone
    page.goto(base)
    headings = page.locator("main h2:not(.visually-hidden)").all_inner_texts()
    assert headings[:2] == ["典型推介", "最新材料"]
    assert headings.index("荣誉名单") > headings.index("最新材料")
    if mode == "normal":
        assert page.evaluate("document.documentElement.scrollHeight") <= 5 * SCREEN["height"]


def test_search_excerpts_take_at_most_three_lines(phone):
    page, base, mode = phone
    page.goto(base + "search/index.html?q=%E5%AE%B6%E5%BA%AD")  # 家庭: many long results
    page.wait_for_selector("#search-results li .summary")
    tall = page.evaluate("""() => [...document.querySelectorAll('#search-results .summary')]
        .map(p => p.getBoundingClientRect().height / parseFloat(getComputedStyle(p).lineHeight))
        .filter(lines => lines > 3.05)""")
    assert tall == []


def test_a_lost_reader_finds_big_ways_on(phone):
    page, base, mode = phone
    page.goto(base + "404.html")
    page.click("#menu-button")
    small = page.evaluate("""() => [...document.querySelectorAll('a, button, input, summary')]
        .filter(e => e.offsetParent !== null && !e.closest('.skip'))
        .map(e => [e.textContent.trim(), e.getBoundingClientRect()])
        .filter(([text, box]) => box.width < 44 || box.height < 44)
        .map(([text, box]) => text + ' ' + Math.round(box.width) + 'x' + Math.round(box.height))""")
    assert small == []
    assert {"返回首页", "查看全部报告", "荣誉名单"} <= set(page.locator("main a").all_inner_texts())
