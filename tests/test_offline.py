"""A copy that reads offline (build --offline): offices hand the site out on USB sticks and open
it from disk, where a link to a folder shows the folder's listing. Every link of every page names
a file, and the whole site, search included, reads from file:// with no server."""
from __future__ import annotations

import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import SITES, run_build, snapshot
from showcase import commands, render
from showcase.offline import file_address, offline_page


@pytest.fixture(scope="module")
def offline_output(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("offline") / "output"
    result = run_build("build", "--out", out, "--offline")
    assert result.returncode == 0, result.stderr
    return out


class _Links(HTMLParser):
    """Every address a page's elements link to or load (href, src, action, srcset)."""

    def __init__(self):
        super().__init__()
        self.addresses: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src", "action") and value is not None:
                self.addresses.append(value)
            elif name == "srcset" and value:
                self.addresses += [part.split()[0] for part in value.split(",") if part.strip()]


def links_of(path: Path) -> list[str]:
    parser = _Links()
    parser.feed(path.read_text("utf-8"))
    return parser.addresses


def internal(address: str) -> str | None:
    """The path of an address within the site (query and fragment left off), else None."""
    if address.startswith(("#", "//")) or ":" in address.split("/")[0]:
        return None
    return address.split("#")[0].split("?")[0] or None


def test_every_link_of_every_page_names_a_file_of_the_copy(offline_output):
    pages = sorted(offline_output.rglob("*.html"))
    assert len(pages) > 300
    checked = 0
    for page in pages:
        for address in links_of(page):
            path = internal(address)
            if path is None:
                continue
            assert not path.endswith("/"), (page, address)
            target = (page.parent / path).resolve()
            assert target.is_file(), f"{page.relative_to(offline_output)}: {address}"
            assert target.is_relative_to(offline_output.resolve()), (page, address)
            checked += 1
    assert checked > 10_000


def test_the_kinds_of_links_each_name_their_page(offline_output):
    home = (offline_output / "index.html").read_text("utf-8")
    assert 'href="./index.html"' in home and 'href="./reports/index.html"' in home
    assert 'action="./search/index.html"' in home
    assert 'href="./feed.xml"' in home and 'href="#main"' in home
    assert 'href="https://beian.miit.gov.cn/"' in home
    report = (offline_output / "reports/xupu-kaocha-huibian/index.html").read_text("utf-8")
    assert 'href="../../regions/hunan-sheng/huaihua-shi/xupu-xian/index.html"' in report
    assert 'href="../../index.html"' in report
    search = (offline_output / "search/index.html").read_text("utf-8")
    assert 'data-root="../" data-offline' in search


def test_a_reports_link_to_another_report_names_its_page_and_keeps_the_part(tmp_path):
    out = tmp_path / "out"
    commands.build(SITES / "linked", out, offline=True)
    page = next(out.glob("reports/2024-*/index.html")).read_text("utf-8")
    assert '<a href="../../reports/2023-zongjie/index.html#一主要做法">去年的总结</a>' in page
    assert '<a href="../../media/2024/files/mingdan.' in page  # a file, as it was


def test_the_pager_names_the_pages_files(tmp_path):
    site = tmp_path / "site"
    shutil.copytree(SITES / "minimal", site)
    report = (site / "content/reports/longtan.md").read_text("utf-8")
    for day in range(1, 22):
        (site / f"content/reports/day-{day}.md").write_text(
            report.replace("2023-05-01", f"2023-06-{day:02}").replace("龙潭村:", f"第{day}天:"),
            "utf-8")
    out = tmp_path / "out"
    commands.build(site, out, offline=True)
    first = (out / "reports/index.html").read_text("utf-8")
    assert 'href="../reports/page/2/index.html"' in first
    second = (out / "reports/page/2/index.html").read_text("utf-8")
    assert 'href="../../../reports/index.html"' in second


def test_the_404_page_finds_the_site_from_disk_though_base_url_is_set(offline_output):
    """The sample's site.yaml has a base_url: online, its 404 page takes rooted paths (a host
    serves it at any depth); a copy on disk has no host, so its links are relative."""
    links = links_of(offline_output / "404.html")
    assert not [address for address in links if address.startswith("/")]
    assert "./index.html" in links and "./reports/index.html" in links


def test_feed_sitemap_search_index_and_files_are_as_online(offline_output, sample_output):
    online, offline = snapshot(sample_output), snapshot(offline_output)
    assert online.keys() == offline.keys()
    for path in online:
        if not path.endswith(".html"):
            assert online[path] == offline[path], path


def test_without_the_option_links_end_in_folders(sample_output):
    home = (sample_output / "index.html").read_text("utf-8")
    assert 'href="./"' in home and 'href="./reports/"' in home
    assert "index.html" not in home.replace('"./search/index.html"', "")
    assert not [page for page in sample_output.rglob("*.html")
                if "data-offline" in page.read_text("utf-8")]


@pytest.mark.parametrize("address, expected", [
    ("./", "./index.html"), ("../../", "../../index.html"), ("x/", "x/index.html"),
    ("x/#part", "x/index.html#part"), ("x/?q=1#part", "x/index.html?q=1#part"),
    (".", "./index.html"), ("../..", "../../index.html"),
    ("#main", "#main"), ("", ""), ("feed.xml", "feed.xml"), ("static/a.css", "static/a.css"),
    ("https://example.org/", "https://example.org/"),
    ("mailto:a@example.org", "mailto:a@example.org"), ("tel:110", "tel:110"),
    ("//example.org/x/", "//example.org/x/"),
])
def test_a_folders_address_becomes_its_index_file(address, expected):
    assert file_address(address) == expected


def test_only_the_links_of_tags_change_never_text_or_comments():
    page = ('<!-- <a href="x/"> --><p title=\'href="y/"\'>href="z/"</p>'
            '<a class=item href=../x/?a=1&amp;b=2>x</a><img src="a.png" alt="">')
    assert offline_page(page) == ('<!-- <a href="x/"> --><p title=\'href="y/"\'>href="z/"</p>'
                                  '<a class=item href="../x/index.html?a=1&amp;b=2">x</a>'
                                  '<img src="a.png" alt="">')


def test_an_offline_build_after_an_online_one_renders_every_page_again(tmp_path, monkeypatch):
    site = tmp_path / "site"
    shutil.copytree(SITES / "minimal", site)
    out = tmp_path / "out"
    commands.build(site, out, use_cache=True, jobs=1)
    rendered = []
    render_page = render.render_page
    monkeypatch.setattr(render, "render_page",
                        lambda *a: rendered.append(a[1].output_path) or render_page(*a))
    outcome = commands.build(site, out, use_cache=True, jobs=1, offline=True)
    assert outcome.site is not None  # not "nothing changed since the last build"
    pages = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.html")
                   if not p.relative_to(out).as_posix().startswith("search/"))
    assert set(pages) <= set(rendered)
    fresh = tmp_path / "fresh"
    commands.build(site, fresh, jobs=1, offline=True)
    assert snapshot(out) == snapshot(fresh)
    commands.build(site, out, use_cache=True, jobs=1)  # and back
    commands.build(site, fresh, jobs=1)
    assert snapshot(out) == snapshot(fresh)


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport={"width": 360, "height": 640}, device_scale_factor=2)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert errors == []


def follow(page, link) -> None:
    """Tap a link as a reader does (opening the section menu first if the phone folds it), and
    land on a page of the copy, not a folder's listing."""
    if not link.is_visible() and page.locator("#menu-button").is_visible():
        page.locator("#menu-button").click()
    with page.expect_navigation(wait_until="load"):
        link.click()
    assert page.url.startswith("file://") and page.url.split("?")[0].endswith(".html"), page.url
    assert page.locator("main#main").count() == 1, page.url


def test_a_reader_goes_from_page_to_page_and_searches_from_disk(phone, offline_output):
    phone.goto((offline_output / "index.html").as_uri())
    follow(phone, phone.locator(".site-nav a", has_text="经验交流"))
    assert "categories/" in phone.url
    follow(phone, phone.locator("a.item-title", has_text="守护小家安宁 共筑平安溆浦"))
    assert phone.locator("h1").inner_text() == "守护小家安宁 共筑平安溆浦"
    follow(phone, phone.locator(".breadcrumb a", has_text="溆浦县"))
    assert phone.locator("h1").inner_text() == "溆浦县"
    follow(phone, phone.locator(".names a").first)
    assert "households/" in phone.url
    box = phone.locator("#site-q")
    if box.is_visible():
        box.fill("共筑平安溆浦")
        with phone.expect_navigation(wait_until="load"):
            box.press("Enter")
    else:  # a phone's header may offer a link to the search page instead of the box
        follow(phone, phone.locator("a[href$='search/index.html']").first)
        phone.locator("#search-q").fill("共筑平安溆浦")
    assert "search/index.html" in phone.url
    first = phone.locator("#search-results a.item-title").first
    first.wait_for()
    assert first.get_attribute("href").endswith("/index.html")
    follow(phone, first)
    assert phone.url.endswith("reports/xupu-xiaojia-pingan/index.html")
    assert phone.locator("h1").inner_text() == "守护小家安宁 共筑平安溆浦"


def test_the_header_box_searches_from_disk(browser, offline_output):
    context = browser.new_context(viewport={"width": 1024, "height": 768})
    page = context.new_page()
    page.goto((offline_output / "reports/xupu-kaocha-huibian/index.html").as_uri())
    page.locator("#site-q").fill("平安家庭")
    with page.expect_navigation(wait_until="load"):
        page.locator("#site-q").press("Enter")
    assert page.url.split("?")[0] == (offline_output / "search/index.html").as_uri()
    assert page.locator("#search-q").input_value() == "平安家庭"
    first = page.locator("#search-results a.item-title").first
    first.wait_for()
    title = first.inner_text()
    follow(page, first)
    assert page.locator("h1").inner_text() == title
    context.close()
