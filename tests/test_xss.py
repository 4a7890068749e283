"""Content cannot run code: every payload of xss_payloads.txt, put into every field an author
writes (Markdown bodies, raw HTML blocks, report front matter, honour-list YAML), comes out of one
build as harmless HTML.

Raw HTML is sanitized to an allow-list (tables, images, links, basic formatting survive; scripts,
event handlers, javascript:/vbscript:/data: URLs, frames, plugins, forms, <base>, <meta>, <style>
and style attributes do not); plain fields are escaped text, and template syntax from content is
shown as typed, never evaluated. Every page carries a Content-Security-Policy without
'unsafe-inline'. The output is checked with a real HTML parser, not with string searches alone.
"""
from __future__ import annotations

import html.parser
import json
import posixpath
import re
import shutil
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from conftest import SITES, run_build

PAYLOAD_FILE = Path(__file__).with_name("xss_payloads.txt")
MARKERS = {"{TAB}": "\t", "{LF}": "\n", "{CR}": "\r", "{FF}": "\f", "{NUL}": "\0",
           "{STX}": "\x02", "{ETX}": "\x03"}
REGION = "湖南省/怀化市/溆浦县"
HOUSEHOLD_REGION = "湖南省/怀化市/溆浦县/桥江镇/龙潭村"
CATEGORY = "经验交流"
PER_GROUP = 10
BOLD_TITLE = "标题<b>bold</b>"
NEWEST = "2024-06-01"
XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
"""Characters XML 1.0 cannot carry at all (see test_control_characters_keep_the_feed_well_formed)."""
TINY_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d4944415478da63f8cfc0f01f0005000201e2b5c2d40000000049454e44ae426082")


def read_payloads(path: Path = PAYLOAD_FILE) -> list[str]:
    """The payloads of the file, markers replaced by the characters they stand for. A line that
    is '#' or starts with '# ' is a comment (so '## heading' stays a payload)."""
    payloads = []
    for line in path.read_text("utf-8").splitlines():
        if not line or line == "#" or line.startswith("# "):
            continue
        for marker, char in MARKERS.items():
            line = line.replace(marker, char)
        payloads.append(line)
    return payloads


PAYLOADS = read_payloads()


# ---------------------------------------------------------------------------------------------
# The hostile site


def quoted(value: str) -> str:
    """A YAML double-quoted scalar of any string (JSON strings are valid YAML)."""
    return json.dumps(value)


def front_matter(**fields: str | list[str]) -> str:
    """Front matter lines for the given fields, every value quoted safely."""
    lines = [f"{key}: [{', '.join(map(quoted, value))}]" if isinstance(value, list)
             else f"{key}: {quoted(value)}" for key, value in fields.items()]
    return "---\n" + "\n".join(lines) + "\n---\n\n"


def write_report(site: Path, slug: str, body: str, title: str, date: str = "2024-03-01",
                 **fields: str | list[str]) -> None:
    """One report under content/reports/xss/ in a fixed region and category."""
    path = site / "content" / "reports" / "xss" / f"{slug}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    text = front_matter(title=title, unit=fields.pop("unit", "测试单位"), date=date,
                        region=REGION, category=CATEGORY, slug=slug, **fields)
    path.write_text(text + body + "\n", "utf-8")


def write_honour_list(site: Path, name: str, payload: str) -> None:
    """An honour list whose every text field is `payload`, naming one household made of it."""
    yaml_text = "\n".join([
        "list:",
        f"  title: {quoted(payload)}",
        f"  honour: {quoted(payload)}",
        "  year: 2024",
        f"  awarded_by: {quoted(payload)}",
        "  date: 2024-12-20",
        f"  document: {quoted(payload)}",
        "households:",
        f"  - id: {name}",
        f"    name: {quoted(payload)}",
        f"    head: {quoted(payload)}",
        f"    region: {HOUSEHOLD_REGION}",
        f"    tags: [{quoted(payload)}]",
        f"    story: {quoted(payload)}",
    ])
    (site / "data" / "households" / f"{name}.yaml").write_text(yaml_text + "\n", "utf-8")


def payload_slug(index: int) -> str:
    """Slug of the report (and id of the honour list and household) made of payload `index`."""
    return f"p-{index:03d}"


def control_body() -> str:
    """What a careful author writes: all of it must survive the sanitizer."""
    return "\n".join([
        "| 项目 | 数量 |", "|---|---|", "| 示范户 | 12 |", "",
        "![示范户合影](ok.png)", "",
        "详见[示范网站](https://example.org/)。", "",
        "这是**bold**文字。",
    ])


def build_hostile_site(site: Path) -> None:
    """The minimal site plus: one report and one honour list per payload (the payload in every
    field and in the body or story); reports of PER_GROUP payloads as Markdown paragraphs, as a
    raw HTML block and inline in sentences; a report titled with markup; a positive control.
    The paragraph reports are the newest, so the feed (which holds only the latest reports)
    carries every payload in its titles and summaries."""
    shutil.copytree(SITES / "minimal", site)
    for index, payload in enumerate(PAYLOADS):
        slug = payload_slug(index)
        write_report(site, slug, payload, title=payload, unit=payload, author=payload,
                     summary=payload, tags=[payload])
        write_honour_list(site, slug, payload)
    for start in range(0, len(PAYLOADS), PER_GROUP):
        group = PAYLOADS[start:start + PER_GROUP]
        number = start // PER_GROUP
        feed_text = " | ".join(XML_FORBIDDEN.sub("", payload) for payload in group)
        write_report(site, f"paragraphs-{number:02d}", "\n\n".join(group), title=feed_text,
                     summary=feed_text, date=NEWEST)
        write_report(site, f"raw-block-{number:02d}",
                     '<div class="raw">\n' + "\n".join(group) + "\n</div>",
                     title=f"HTML 块 {number}")
        write_report(site, f"inline-{number:02d}",
                     "\n\n".join(f"正文 {payload} 正文" for payload in group),
                     title=f"行内 {number}")
    write_report(site, "bold-title", "正文。", title=BOLD_TITLE)
    write_report(site, "control", control_body(), title="正常内容")
    (site / "content" / "reports" / "xss" / "ok.png").write_bytes(TINY_PNG)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The hostile site's folder."""
    folder = tmp_path_factory.mktemp("xss") / "site"
    build_hostile_site(folder)
    return folder


@pytest.fixture(scope="module")
def output(site) -> Path:
    """The hostile site, built once."""
    out = site.parent / "output"
    result = run_build("build", "--site", site, "--out", out)
    assert result.returncode == 0, result.stdout + result.stderr
    return out


def written_reports(site: Path) -> dict[str, dict]:
    """Slug -> front matter of every report of the site, read back with PyYAML."""
    found = {}
    for file in (site / "content").rglob("*.md"):
        front = yaml.safe_load(file.read_text("utf-8").split("---\n")[1])
        found[front.get("slug") or file.stem] = front
    return found


# ---------------------------------------------------------------------------------------------
# Reading the output with a real parser


@dataclass
class Element:
    """One start tag as parsed: name and attributes lowercased and unescaped, source line."""

    tag: str
    attrs: list[tuple[str, str]]
    line: int

    def get(self, name: str) -> str | None:
        return next((value for key, value in self.attrs if key == name), None)


@dataclass
class Page:
    """A parsed HTML page: its elements in order, its text, and the text of some elements."""

    source: str
    elements: list[Element] = field(default_factory=list)
    text: str = ""
    texts: dict[str, list[str]] = field(default_factory=dict)

    def first_text(self, tag: str) -> str:
        return self.texts.get(tag, [""])[0]

    def meta(self, name: str) -> str | None:
        return next((e.get("content") for e in self.elements
                     if e.tag == "meta" and e.get("name") == name), None)


class _PageParser(html.parser.HTMLParser):
    """Collects every element (with attributes unescaped, names lowercased, as the stdlib parser
    gives them), the whole text, the text of each TEXT_OF element and of the article body
    (<div class="prose">, stored under "prose")."""

    TEXT_OF = ("h1", "title", "dd", "a", "span", "strong", "td", "th")

    def __init__(self, page: Page):
        super().__init__(convert_charrefs=True)
        self.page = page
        self.open: list[tuple[str, list[str]]] = []
        self.chunks: list[str] = []
        self.prose_depth = 0

    def _element(self, tag, attrs) -> Element:
        element = Element(tag, [(k, v or "") for k, v in attrs], self.getpos()[0])
        self.page.elements.append(element)
        return element

    def handle_starttag(self, tag, attrs):
        element = self._element(tag, attrs)
        if tag in self.TEXT_OF:
            self.open.append((tag, []))
        if tag == "div" and (self.prose_depth or "prose" in (element.get("class") or "").split()):
            if not self.prose_depth:
                self.open.append(("prose", []))
            self.prose_depth += 1

    def handle_startendtag(self, tag, attrs):
        self._element(tag, attrs)

    def handle_endtag(self, tag):
        if tag == "div" and self.prose_depth:
            self.prose_depth -= 1
            if self.prose_depth:
                return
            tag = "prose"
        for index in range(len(self.open) - 1, -1, -1):
            if self.open[index][0] == tag:
                name, parts = self.open.pop(index)
                self.page.texts.setdefault(name, []).append("".join(parts))
                break

    def handle_data(self, data):
        self.chunks.append(data)
        for _, parts in self.open:
            parts.append(data)


def parse_page(source: str) -> Page:
    """`source` read with the standard library's HTML parser."""
    page = Page(source)
    parser = _PageParser(page)
    parser.feed(source)
    parser.close()
    page.text = "".join(parser.chunks)
    return page


def page_source(output: Path, rel: str) -> str:
    """A page's text exactly as written (read_text would turn a lone CR into a line feed)."""
    return (output / rel).read_bytes().decode("utf-8")


def read_page(output: Path, rel: str) -> Page:
    """The parsed page at `rel` (a path relative to the output folder)."""
    return parse_page(page_source(output, rel))


# ---------------------------------------------------------------------------------------------
# The rules every page must obey

FORBIDDEN_ELEMENTS = {
    "iframe", "object", "embed", "form", "input", "base", "frame", "frameset", "applet", "svg",
    "math", "style", "noscript", "template", "textarea", "select", "button", "keygen", "isindex",
    "xmp", "plaintext", "noembed", "noframes", "listing", "video", "audio", "source", "bgsound",
    "layer", "marquee", "param", "image",
}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "srcdoc", "xlink:href", "background",
                  "poster", "data", "srcset", "dynsrc", "lowsrc", "cite", "codebase", "longdesc",
                  "ping", "to", "values", "from", "by"}
HOSTILE_SCHEMES = ("javascript:", "vbscript:", "data:", "livescript:")
DATA_IMAGE = re.compile(r"data:image/(png|jpeg|gif|webp)[;,]")
ALLOWED_META_NAMES = {"viewport", "description"}
RAW_FORBIDDEN_TAG = re.compile(r"<\s*/?\s*(script|" + "|".join(sorted(FORBIDDEN_ELEMENTS)) +
                               r")(?![\w-])", re.I)


def normalised_url(value: str) -> str:
    """A URL (already unescaped by the parser) as a browser reads its scheme, lowercased: without
    leading or trailing spaces and control characters, and without control characters anywhere
    (browsers drop tabs and line breaks inside a URL; old ones ignored NUL too). A space inside
    stays: 'java script:' is a relative address in every browser, not a scheme."""
    return re.sub(r"[\x00-\x1f\x7f]+", "", value).strip(" ").lower()


def is_internal(url: str) -> bool:
    """A relative address without scheme or host."""
    return not re.match(r"([a-z][a-z0-9+.-]*:|//|\\)", normalised_url(url))


def site_target(page_rel: str, url: str) -> str | None:
    """Where an internal `url` on the page at `page_rel` leads, relative to the output root. A
    rooted address is only expected on 404.html (served at any depth, it uses the base path)."""
    if not is_internal(url):
        return None
    url = url.split("?")[0]
    if url.startswith("/"):
        return url.split("/", 2)[-1] if page_rel == "404.html" else None
    return posixpath.normpath(posixpath.join(posixpath.dirname(page_rel), url))


def resolves_into_static(page_rel: str, url: str) -> bool:
    """Whether `url` on the page at `page_rel` points into the output's static/."""
    return (site_target(page_rel, url) or "").startswith("static/")


SEARCH_CONTROLS = {"form", "input", "select", "button", "option"}
SITE_CHART = re.compile(r"chart-[a-z]+-title chart-[a-z]+-desc")


def is_site_chart(element: Element) -> bool:
    """The site's own charts (showcase/charts.py): an <svg role=img> named by its figure's
    caption. Content can never make one: the sanitizer drops every <svg>."""
    return element.tag == "svg" and element.get("role") == "img" and \
        bool(SITE_CHART.fullmatch(element.get("aria-labelledby") or ""))
SEARCH_FIELDS = {"q", "kind", "category", "region", "year", "honour"}


def is_search_control(page_rel: str, element: Element) -> bool:
    """The site's own search box (in every header, and on the search page): a role=search form
    sending to search/index.html, and its fields. Content can never make one: the sanitizer
    drops every form control, and event handlers on them are still caught."""
    if element.tag == "form":
        return element.get("role") == "search" and \
            site_target(page_rel, element.get("action") or "x:") == "search/index.html"
    if element.tag in ("input", "select"):
        return element.get("name") in SEARCH_FIELDS
    if element.tag == "button":
        return element.get("type") in ("submit", "button") and not element.get("formaction")
    return element.tag == "option"


def url_violations(element: Element) -> list[str]:
    """Hostile schemes in any attribute that holds an address."""
    found = []
    for name, value in element.attrs:
        if name not in URL_ATTRIBUTES:
            continue
        candidates = [part.split()[0] for part in value.split(",") if part.split()] \
            if name == "srcset" else [value]
        for candidate in candidates:
            url = normalised_url(candidate)
            if name == "srcdoc" or url.startswith(HOSTILE_SCHEMES) and not (
                    element.tag == "img" and name == "src" and DATA_IMAGE.match(url)):
                found.append(f"<{element.tag} {name}={value!r}>")
    return found


def element_violations(page_rel: str, element: Element) -> list[str]:
    """Everything wrong with one element of a page."""
    tag, found = element.tag, []
    if tag == "script" and not resolves_into_static(page_rel, element.get("src") or ""):
        found.append(f"<script> not from static/: {element.attrs!r}")
    if tag in FORBIDDEN_ELEMENTS and not is_site_chart(element) and not (
            tag in SEARCH_CONTROLS and is_search_control(page_rel, element)):
        found.append(f"forbidden element <{tag} {element.attrs!r}>")
    if tag == "link" and not (set((element.get("rel") or "").lower().split()) & {
            "stylesheet", "alternate"} and is_internal(element.get("href") or "x:")):
        found.append(f"<link> that is not the site's own stylesheet or feed: {element.attrs!r}")
    if tag == "meta" and not (
            element.get("charset") is not None
            or (element.get("name") or "").lower() in ALLOWED_META_NAMES
            or (element.get("http-equiv") or "").lower() == "content-security-policy"
            or (element.get("property") or "").lower().startswith("og:")):
        found.append(f"<meta> not allowed: {element.attrs!r}")
    found += [f"event handler {name}= on <{tag}>" for name, _ in element.attrs
              if name.startswith("on")]
    if element.get("style") is not None:
        found.append(f"style attribute on <{tag}>: {element.get('style')!r}")
    found += url_violations(element)
    return [f"line {element.line}: {problem}" for problem in found]


def policy_violations(page: Page) -> list[str]:
    """Exactly one Content-Security-Policy, with script-src 'self' and no 'unsafe-inline'."""
    policies = [e.get("content") or "" for e in page.elements if e.tag == "meta"
                and (e.get("http-equiv") or "").lower() == "content-security-policy"]
    if len(policies) != 1:
        return [f"{len(policies)} Content-Security-Policy metas: {policies!r}"]
    if "script-src 'self'" not in policies[0] or "unsafe-inline" in policies[0]:
        return [f"weak Content-Security-Policy: {policies[0]!r}"]
    return []


def page_violations(page_rel: str, source: str) -> list[str]:
    """All rule breaks of one HTML page: parsed elements, the policy, and (against differences
    between parsers) any raw '<tag' of a forbidden element in the source."""
    page = parse_page(source)
    found = [problem for element in page.elements
             for problem in element_violations(page_rel, element)]
    found += policy_violations(page)
    allowed_lines = {e.line for e in page.elements if
                     (e.tag == "script" and resolves_into_static(page_rel, e.get("src") or ""))
                     or (e.tag in SEARCH_CONTROLS and is_search_control(page_rel, e))
                     or is_site_chart(e)}
    for match in RAW_FORBIDDEN_TAG.finditer(source):
        line = source.count("\n", 0, match.start()) + 1
        if match.group(1).lower() in SEARCH_CONTROLS | {"script", "svg"} and (
                line in allowed_lines or match.group(0).startswith("</")):
            continue
        found.append(f"line {line}: raw markup {source[match.start():match.start() + 60]!r}")
    return found


def html_files(output: Path) -> list[str]:
    """Every HTML page of the output, as paths relative to it."""
    return sorted(p.relative_to(output).as_posix() for p in output.rglob("*.html"))


# ---------------------------------------------------------------------------------------------
# Tests


def test_the_payload_file_is_rich():
    """At least 120 payloads, none repeated (a repeat would hide a missing vector)."""
    assert len(PAYLOADS) >= 120
    assert len(set(PAYLOADS)) == len(PAYLOADS), "repeated payloads"


SKELETON = ('<!DOCTYPE html><html><head><meta charset="utf-8">'
            '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
            'script-src \'self\'"><link rel="stylesheet" href="../../static/css/site.css">'
            '</head><body>{}</body></html>')


@pytest.mark.parametrize("fragment", [
    "<script>alert(1)</script>", '<script src="https://evil.example/x.js"></script>',
    "<img src=x onerror=alert(1)>", '<a href="JAVA&#x09;SCRIPT:alert(1)">x</a>',
    '<a href=" \x01javascript:alert(1)">x</a>', '<img src="data:image/svg+xml,&lt;svg&gt;">',
    '<a href="data:image/png;base64,AAAA">x</a>', '<div style="color:red">x</div>',
    "<svg></svg>", "<iframe></iframe>", '<link rel="stylesheet" href="https://evil.example/">',
    '<meta http-equiv="refresh" content="0">', '<img srcset="javascript:alert(1) 1x">',
    '<meta http-equiv="Content-Security-Policy" content="script-src *">',
])
def test_the_checker_catches_hostile_markup(fragment):
    """The rules themselves are tested: each of these pages must be reported."""
    assert page_violations("reports/x/index.html", SKELETON.format(fragment))


@pytest.mark.parametrize("fragment", [
    "", '<script src="../../static/js/search.js"></script>',
    '<img src="data:image/png;base64,iVBORw0KGgo=" alt="">', '<a href="java script:x">x</a>',
    '<p>&lt;script&gt;alert(1)&lt;/script&gt; onclick=alert(1)</p>',
])
def test_the_checker_accepts_harmless_markup(fragment):
    """...and it does not cry wolf: the site's own script, a raster data: picture, a relative
    address that merely looks like a scheme, escaped text."""
    assert page_violations("reports/x/index.html", SKELETON.format(fragment)) == []


def test_every_page_is_harmless(output):
    """No page of the whole site (lists, tags, regions, feeds' neighbours, home) breaks a rule."""
    files = html_files(output)
    assert len(files) > 2 * len(PAYLOADS)
    violations = [f"{rel}: {problem}" for rel in files
                  for problem in page_violations(rel, page_source(output, rel))]
    assert not violations, f"{len(violations)} violations:\n" + "\n".join(violations[:300])


@pytest.mark.parametrize("name", ["feed.xml", "sitemap.xml"])
def test_feeds_are_well_formed_xml(output, name):
    """The payloads were escaped in XML too: the files still parse."""
    ElementTree.parse(output / name)


def as_xml_reads(text: str) -> str:
    """A field as an XML parser reads it back from the feed: stripped, line ends normalised
    (XML turns a raw CR into a line feed)."""
    return text.strip().replace("\r\n", "\n").replace("\r", "\n")


def test_feed_entries_carry_the_fields_as_typed(site, output):
    """Each entry's title and summary are exactly what its report's author wrote, and together
    the entries carry every payload."""
    atom = "{http://www.w3.org/2005/Atom}"
    fronts = written_reports(site)
    entries = list(ElementTree.parse(output / "feed.xml").getroot().iter(f"{atom}entry"))
    for entry in entries:
        slug = entry.find(f"{atom}link").get("href").rstrip("/").rsplit("/", 1)[1]
        assert entry.findtext(f"{atom}title") == as_xml_reads(fronts[slug]["title"])
        if "summary" in fronts[slug]:
            assert entry.findtext(f"{atom}summary") == as_xml_reads(fronts[slug]["summary"])
    titles = "\n".join(entry.findtext(f"{atom}title") for entry in entries)
    assert [p for p in PAYLOADS if as_xml_reads(XML_FORBIDDEN.sub("", p)) not in titles] == []


def test_control_characters_keep_the_feed_well_formed(tmp_path):
    """They are left out, each with a warning naming its file and line; the feed stays XML.
    (A separate small build: one such character would break the whole feed.)"""
    site, out = tmp_path / "site", tmp_path / "output"
    shutil.copytree(SITES / "minimal", site)
    write_report(site, "pasted", "从Word粘贴的段落\b。", title="标题\0", date=NEWEST)
    result = run_build("build", "--site", site, "--out", out)
    assert result.returncode == 0, result.stderr
    ElementTree.parse(out / "feed.xml")
    assert "pasted.md:" in result.stderr and "control character (U+0008)" in result.stderr
    assert "control character (U+0000)" in result.stderr


@pytest.mark.parametrize("index", range(len(PAYLOADS)), ids=lambda i: payload_slug(i))
def test_plain_fields_are_shown_as_typed(output, index):
    """Each payload written as a title, unit, author, summary, tag, honour-list field or household
    field is shown exactly as typed (escaped text, never markup, never a template result), less
    the invisible control characters the build removes (with a warning)."""
    typed = XML_FORBIDDEN.sub("", PAYLOADS[index]).strip()
    slug = payload_slug(index)
    report = read_page(output, f"reports/{slug}/index.html")
    assert report.first_text("h1") == typed
    assert report.first_text("title").startswith(typed)
    assert report.meta("description") == typed
    assert typed in report.texts.get("a", []), "the tag link"
    assert report.texts.get("span", []).count(typed) >= 2, "unit and author"
    honours = read_page(output, f"honours/{slug}/index.html")
    assert honours.first_text("h1") == typed
    assert honours.texts.get("dd", [])[:3] == [typed] * 3, "honour, awarded_by, document"
    household = read_page(output, f"households/{slug}/index.html")
    assert household.first_text("h1") == typed
    assert household.texts.get("dd", [])[0] == typed, "head"
    assert typed in household.texts.get("dd", []), "tags"


def test_template_syntax_in_a_title_is_not_evaluated(output):
    """'{{ 7*7 }}' as a title stays those characters, in the heading and the window title."""
    slug = payload_slug(PAYLOADS.index("{{ 7*7 }}"))
    page = read_page(output, f"reports/{slug}/index.html")
    assert page.first_text("h1") == "{{ 7*7 }}"
    assert "49" not in page.first_text("h1") and "49" not in page.first_text("title")


@pytest.mark.parametrize("typed", ["{{ 7*7 }}", "{% raw %}", "{{ config }}",
                                   "{% for x in range(3) %}x{% endfor %}", "${7*7}"])
def test_template_syntax_in_a_body_is_shown_as_typed(output, typed):
    """Template syntax in Markdown is ordinary text of the article."""
    page = read_page(output, f"reports/{payload_slug(PAYLOADS.index(typed))}/index.html")
    assert typed in page.first_text("prose"), "the body shows it as typed"


def test_markup_in_a_title_is_text(output):
    """A title is escaped text: '<b>' shows as the characters, not as bold."""
    page = read_page(output, "reports/bold-title/index.html")
    assert "&lt;b&gt;bold&lt;/b&gt;" in page.source
    assert page.first_text("h1") == BOLD_TITLE
    assert not [e for e in page.elements if e.tag == "b"]


def test_what_careful_authors_write_survives(output):
    """Positive control: a sanitizer that removed everything would pass every test above."""
    page = read_page(output, "reports/control/index.html")
    tags = {e.tag for e in page.elements}
    assert {"table", "thead", "tbody", "tr", "th", "td"} <= tags
    assert "示范户" in page.texts["td"] and "12" in page.texts["td"]
    images = [e for e in page.elements if e.tag == "img" and e.get("alt") == "示范户合影"]
    assert images and is_internal(images[0].get("src")) and images[0].get("src").endswith(".png")
    assert (output / "reports/control" / images[0].get("src")).resolve().is_file()
    assert [e for e in page.elements if e.tag == "a" and e.get("href") == "https://example.org/"]
    assert "bold" in page.texts["strong"]
