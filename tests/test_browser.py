"""What a reader sees, in headless Debian Chromium: pages fit a 360 px phone and read in large,
well-spaced type; nothing asks for anything outside the site."""
from __future__ import annotations

import pytest


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport={"width": 360, "height": 640}, device_scale_factor=2)
    page = context.new_page()
    yield page
    context.close()


def first_report_url(page, base):
    page.goto(base + "reports/")
    return page.locator("a.item-title").first.get_attribute("href")


def test_pages_fit_a_phone_without_sideways_scrolling(phone, sample_output, serve_sub):
    base = serve_sub(sample_output)
    requested = []
    phone.on("request", lambda request: requested.append(request.url))
    report = first_report_url(phone, base)
    for path in ("", "reports/" + report.split("reports/")[-1].lstrip("/") if "reports/" in report
                 else report, "honours/", "regions/"):
        phone.goto(base + path)
        assert phone.evaluate("document.documentElement.scrollWidth") <= 360, path
    assert all(url.startswith(base) for url in requested), requested


def test_body_text_is_large_and_airy(phone, sample_output, serve_sub):
    base = serve_sub(sample_output)
    phone.goto(base)
    with phone.expect_navigation(wait_until="load"):
        phone.locator("a.item-title").first.click()
    size, line_height = phone.evaluate("""() => {
        const p = document.querySelector('.prose p');
        const style = getComputedStyle(p);
        return [parseFloat(style.fontSize), parseFloat(style.lineHeight)];
    }""")
    assert size >= 16
    assert line_height / size >= 1.7


def test_footer_shows_the_filing_numbers(phone, sample_output, serve_sub):
    phone.goto(serve_sub(sample_output))
    footer = phone.locator("footer").inner_text()
    assert "湘ICP备00000000号-1" in footer and "网站标识码" in footer and "主办单位" in footer


def body_font_size(page) -> float:
    return page.evaluate("parseFloat(getComputedStyle(document.querySelector('main p')"
                         " || document.body).fontSize)")


def test_large_type_and_contrast_are_chosen_once_and_kept(browser, sample_output, serve_sub):
    base = serve_sub(sample_output)
    context = browser.new_context(viewport={"width": 360, "height": 640})
    page = context.new_page()
    page.goto(base)
    normal = body_font_size(page)
    assert normal >= 16
    page.click("[data-reading=large]")
    assert body_font_size(page) >= 20  # no reload needed
    assert page.get_attribute("[data-reading=large]", "aria-pressed") == "true"
    page.click("[data-reading=contrast]")
    background = page.evaluate("getComputedStyle(document.querySelector('.site-header'))"
                               ".backgroundColor")
    assert background == "rgb(0, 0, 0)"
    page.goto(base + "honours/")  # another page: the choice holds
    assert body_font_size(page) >= 20
    assert "reading-contrast" in page.evaluate("document.documentElement.className")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.close()
    later = context.new_page()  # a later visit
    later.goto(base + "reports/")
    assert body_font_size(later) >= 20
    later.click("[data-reading=large]")
    assert body_font_size(later) == normal
    context.close()


def test_without_javascript_the_page_reads_in_the_normal_mode(browser, sample_output, serve_sub):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(serve_sub(sample_output))
    assert page.locator("#reading-controls").is_hidden()
    assert page.locator("h1").is_visible() and body_font_size(page) >= 16
    context.close()


def test_a_report_prints_as_text_with_its_title_unit_and_date(browser, sample_output, serve_sub):
    context = browser.new_context()
    page = context.new_page()
    page.goto(serve_sub(sample_output) + "reports/longhui-tiaojie-wangluo/")  # parts, a table
    page.emulate_media(media="print")
    for hidden in (".site-header", ".site-footer", ".prev-next", ".toc", ".breadcrumb"):
        assert page.locator(hidden).first.is_hidden(), hidden
    for shown in ("h1", ".report-header .meta", ".prose"):
        assert page.locator(shown).first.is_visible(), shown
    assert page.evaluate("getComputedStyle(document.querySelector('.prose h2'))"
                         ".breakAfter") == "avoid"
    assert page.pdf(format="A4").startswith(b"%PDF")
    context.close()


def test_link_previews_have_title_description_and_picture(sample_output):
    page = next((sample_output / "reports").glob("*/index.html")).read_text("utf-8")
    for name in ("og:title", "og:description", "og:image", "og:url", "og:type"):
        assert f'<meta property="{name}" content="' in page, name
    assert 'property="og:image" content="https://pingan.example.org/zt/pajt/static/images/' in page


@pytest.mark.parametrize("large", [False, True], ids=["normal", "large-type"])
def test_every_control_outside_running_text_is_easy_to_tap(browser, sample_output, serve_sub,
                                                           large):
    """44 px at least both ways, for links and buttons that are not words inside a paragraph,
    the section menu open, on the pages a reader lands on (404.html: test_phone_first_screen)."""
    base = serve_sub(sample_output)
    context = browser.new_context(viewport={"width": 360, "height": 640})
    page = context.new_page()
    if large:
        page.goto(base)
        page.evaluate("localStorage.setItem('showcase-reading', JSON.stringify({large: true}))")
    small = []
    for path in ("", "reports/longhui-tiaojie-wangluo/", "honours/2024-xupu-pingan/",
                 "households/2024-xupu-pingan-cengfanjun-jiating/",
                 "regions/hunan-sheng/huaihua-shi/xupu-xian/", "tags/", "categories/",
                 "search/index.html?q=%E7%95%99%E5%AE%88"):
        page.goto(base + path)
        page.wait_for_load_state("load")
        page.click("#menu-button")
        small += page.evaluate("""(path) => [...document.querySelectorAll(
                'a, button, input, select, summary')]
            .filter(e => e.offsetParent !== null && !e.closest('.prose p, .prose li, .summary,'
                + ' .prose td, .skip, .footnote'))
            .filter(e => e.getBoundingClientRect().height < 44
                         || e.getBoundingClientRect().width < 44)
            .map(e => path + ' ' + e.tagName + ' ' + (e.textContent || e.name).trim().slice(0, 20)
                 + ' ' + Math.round(e.getBoundingClientRect().width) + 'x'
                 + Math.round(e.getBoundingClientRect().height))""", path)
    context.close()
    assert small == []
