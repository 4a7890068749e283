"""Accessibility and valid HTML: one page of every type has no axe-core violation of the WCAG 2.1 A
and AA rules, in headless Debian Chromium at a phone's and a desktop's width, and every page of the
sample site passes the Nu HTML Checker with no error. The checkers come from tests/tools.py."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
import yaml

from conftest import REPO
from tools import axe_script, vnu_command

VIEWPORTS = {"phone": {"width": 360, "height": 640}, "desktop": {"width": 1280, "height": 800}}
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
SHOWN_TARGETS = 5


def first_page_in(section: str):
    """The address of the first page (by folder name) one level below a section, as 'section/name/'."""
    def find(output: Path) -> str:
        folders = sorted(p.parent.name for p in (output / section).glob("*/index.html"))
        folders = [name for name in folders if name != "page"]
        assert folders, f"the sample site has no page below {section}/"
        return f"{section}/{folders[0]}/"
    return find


# One page of each type: an address below the site's root, or how to find one in the built site.
PAGES = {
    "home": "",
    "reports": "reports/",
    "reports-page-2": "reports/page/2/",
    "report": first_page_in("reports"),
    "categories": "categories/",
    "category": first_page_in("categories"),
    "tags": "tags/",
    "tag": first_page_in("tags"),
    "years": "years/",
    "year": first_page_in("years"),
    "regions": "regions/",
    "region": first_page_in("regions"),
    "honours": "honours/",
    "honour-list": first_page_in("honours"),
    "household": first_page_in("households"),
    "search": "search/index.html?q=留守儿童",
    "404": "404.html",
}
# What must be on a page before it is checked, beyond its load event.
READY = {"search": "#search-results li"}


def site_base_path() -> str:
    """The path of the sample site's base_url (such as /zt/pajt/), which the 404 page links by,
    since a host serves it for a missing address at any depth."""
    config = yaml.safe_load((REPO / "site.yaml").read_text("utf-8"))
    return urlparse(config.get("base_url") or "/").path.rstrip("/") + "/"


@pytest.fixture(scope="module")
def site(sample_output, serve_sub) -> str:
    """The sample site's address, served under /sub/."""
    return serve_sub(sample_output)


@pytest.fixture(scope="module", params=VIEWPORTS)
def axe_page(request, browser, site):
    """A page at one viewport that may be injected with axe: its context ignores the pages'
    Content-Security-Policy (script-src 'self'), so it serves the axe runs only. Requests for the
    site's base_url path are answered from the served copy, so the 404 page has its stylesheet."""
    context = browser.new_context(viewport=VIEWPORTS[request.param], bypass_csp=True)
    base_path, served_path = site_base_path(), urlparse(site).path
    if base_path != "/":
        context.route(f"**{base_path}**", lambda route: route.continue_(
            url=route.request.url.replace(base_path, served_path, 1)))
    yield context.new_page()
    context.close()


def describe_violations(url: str, violations: list[dict]) -> str:
    """A readable list of axe's violations: each rule with its impact, help text, how many elements
    fail it, the first few of them and what is wrong with the first."""
    lines = [f"{len(violations)} axe rule(s) violated on {url}:"]
    for violation in violations:
        nodes = violation["nodes"]
        targets = [" >> ".join(map(str, node["target"])) for node in nodes[:SHOWN_TARGETS]]
        more = f" and {len(nodes) - SHOWN_TARGETS} more" if len(nodes) > SHOWN_TARGETS else ""
        summary = " ".join(nodes[0].get("failureSummary", "").split()) if nodes else ""
        lines += [f"- {violation['id']} ({violation['impact']}): {violation['help']} "
                  f"[{len(nodes)} element(s)] {violation['helpUrl']}",
                  f"    elements: {', '.join(targets)}{more}",
                  f"    first: {summary}"]
    return "\n".join(lines)


@pytest.mark.parametrize("name", PAGES)
def test_page_has_no_axe_violations(axe_page, site, sample_output, name):
    address = PAGES[name] if isinstance(PAGES[name], str) else PAGES[name](sample_output)
    if not (sample_output / unquote(address.split("?")[0])).exists():
        pytest.skip(f"the sample site has no {address}")
    axe_page.goto(site + address, wait_until="load")
    if name in READY:
        axe_page.wait_for_selector(READY[name])
    axe_page.add_script_tag(path=axe_script())
    violations = axe_page.evaluate("options => axe.run(document, options)", AXE_OPTIONS)["violations"]
    assert violations == [], describe_violations(site + address, violations)


def describe_vnu_errors(output: Path, messages: list[dict]) -> str:
    """The checker's errors, one a line as file:line: message, those with the same message together."""
    def where(message: dict) -> str:
        url = message.get("url", "")
        path = Path(unquote(urlparse(url).path)) if url.startswith("file:") else Path(url)
        return path.relative_to(output).as_posix() if path.is_relative_to(output) else str(path)
    rows = sorted((message.get("message", ""), where(message), message.get("lastLine", 0))
                  for message in messages)
    return f"{len(messages)} Nu HTML Checker error(s):\n" + "\n".join(
        f"{file}:{line}: {text}" for text, file, line in rows)


def test_every_page_passes_the_nu_html_checker(sample_output):
    command = [*vnu_command(), "--errors-only", "--format", "json", "--skip-non-html",
               str(sample_output)]
    result = subprocess.run(command, capture_output=True, encoding="utf-8", errors="replace",
                            timeout=600)
    try:
        messages = json.loads(result.stderr)["messages"]
    except (ValueError, KeyError):
        pytest.fail(f"the Nu HTML Checker did not report in JSON (exit {result.returncode}):\n"
                    f"{result.stderr[-3000:]}", pytrace=False)
    errors = [message for message in messages if message.get("type") != "info"]
    assert errors == [] and result.returncode == 0, describe_vnu_errors(sample_output, errors)
