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
