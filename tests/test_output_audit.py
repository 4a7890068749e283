"""The output audit (showcase/audit.py): before writing, the build looks for resident ID, mobile
and bank card numbers in every text file it is about to publish, because templates, showcase
itself and the search index put text there that the input guard never saw. A finding stops the
build like any content error, named `<out>/<path>:<line>` and shown masked; numbers the site
publishes on purpose (`contact`, `privacy_allow`) pass, as they do at the input.

tests/sites/privacy-output/ is tests/sites/minimal with one change: its own templates/404.html
(the repository's, plus a line) hard-codes the duty mobile number. A page template that extends
the repository's base.html, rather than a copy of base.html, so the fixture follows changes there;
a number on every page is tested on pages made here.
"""
from __future__ import annotations

import re
import shutil
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import REPO, SITES
from conftest import run_build as run
from showcase import parallel, write
from showcase.audit import _CANDIDATE, OutputAudit, _candidate_lines
from showcase.config import SiteConfig
from test_errors import Previous, previous, problem_at, problems  # noqa: F401 (a fixture)
from test_privacy import (ID_18, MOBILE_MASKED, MOBILE_NUMBER, assert_no_full_number,
                          bank_card, grouped, masked_card, masked_id)

CARD_16 = bank_card("622848", 16)
ID_MASKED, CARD_MASKED = masked_id(ID_18), masked_card(CARD_16)
OUTPUT_SITE = SITES / "privacy-output"
TEMPLATE_NUMBER = "139-8765-4321"
"""As written in privacy-output/templates/404.html."""
TEMPLATE_MASKED = "139****4321"


# --- the audit on pages made here -----------------------------------------------------------------

HTML = "\n".join([
    "<!DOCTYPE html>",                                   # 1
    "<title>2024年工作总结</title>",                         # 2
    "<p>全县1100户,电话0745-3221234。</p>",                 # 3
    f"<p>户主身份证 {ID_18}</p>",                          # 4
    "<p>2024-12-20 溆平安办〔2024〕12号</p>",               # 5
    f"<footer>值班手机 {MOBILE_NUMBER}</footer>",           # 6
    "",
])
SCRIPT = "\n".join([
    'var m={"documents":1234,"reports":17};',           # 1
    f'var t={{"s":"账户 {grouped(CARD_16)}"}};',          # 2
    "",
])


def audited(pages, allowed=frozenset()) -> list[tuple[str, int, str]]:
    audit = OutputAudit(allowed, "out")
    for path, data in pages:
        audit.check(path, data)
    return [(p.path, p.line, p.message) for p in audit.problems]


def test_each_number_in_a_text_output_is_an_error_at_its_file_and_line():
    found = audited([("reports/a/index.html", HTML.encode()), ("search/t/0.js", SCRIPT.encode())])
    assert [(path, line, message.split(" in a built file")[0]) for path, line, message in found] \
        == [("out/reports/a/index.html", 4, f"personal data (resident ID number) {ID_MASKED}"),
            ("out/reports/a/index.html", 6, f"personal data (mobile number) {MOBILE_MASKED}"),
            ("out/search/t/0.js", 2, f"personal data (bank card number) {CARD_MASKED}")]


def test_the_message_says_where_the_number_came_from_and_what_to_do():
    ((_, _, message),) = audited([("index.html", f"<p>{MOBILE_NUMBER}</p>".encode())])
    assert "not in the content" in message and "template" in message
    assert "'privacy_allow' in site.yaml" in message


def test_no_message_holds_a_full_number():
    found = audited([("index.html", HTML.encode()), ("search/t/0.js", SCRIPT.encode())])
    text = "\n".join(f"{path}:{line}: {message}" for path, line, message in found)
    squeezed = re.sub(r"[ \-]", "", text)
    for number in (ID_18, MOBILE_NUMBER, CARD_16):
        assert number not in squeezed


def test_a_number_repeated_on_every_page_is_reported_on_every_page():
    """Each file a scanner reads must be clean; the lines pages share are judged once, but
    reported for each file."""
    pages = [(f"{name}/index.html", HTML.encode()) for name in ("a", "b", "c")]
    assert [(path, line) for path, line, _ in audited(pages)] == [
        (f"out/{name}/index.html", line) for name in ("a", "b", "c") for line in (4, 6)]


def test_binary_outputs_are_not_read():
    picture = b"\x89PNG\r\n\x1a\n" + MOBILE_NUMBER.encode() + b"\x00" + ID_18.encode()
    assert audited([("static/images/share.0123456789.png", picture),
                    ("media/photo.abcdef0123.jpg", picture)]) == []


def test_numbers_the_site_publishes_on_purpose_are_not_reported():
    allowed = SiteConfig(title="t", contact="0745-3221234、138 1234 5678",
                         privacy_allow=(ID_18,)).allowed_numbers()
    found = audited([("index.html", HTML.encode()), ("search/t/0.js", SCRIPT.encode())], allowed)
    assert [(path, line) for path, line, _ in found] == [("out/search/t/0.js", 2)]


def written_ahead_in_a_worker(staging: write.StagedOutput, files, audit, monkeypatch):
    """`staging.writer_ahead(audit)(files)` in a forked worker, as the search process's
    workers call it (a real site forks from 200 documents on)."""
    monkeypatch.setattr(parallel, "FORK_AT_LEAST", 1)
    (ahead,) = parallel.in_order(staging.writer_ahead(audit), [files], 2)
    return ahead


def test_a_file_a_worker_writes_itself_is_audited_there_and_the_finding_stops_the_build(
        tmp_path, monkeypatch):
    """In a first build the search process's workers write the files they make themselves:
    each is audited where it is written, and what the audit finds there reaches the build
    as a finding in any other file does."""
    files = [("search/h/0.js", b'var h={"u":"reports/a/"};'), ("search/x/0-0.js", SCRIPT.encode())]
    audit = OutputAudit(frozenset(), "out")
    with write.StagedOutput(tmp_path / "out") as staging:
        ahead = written_ahead_in_a_worker(staging, files, audit, monkeypatch)
        assert [type(data) for _, data in ahead] == [write.Staged, write.Staged]
        assert audit.problems == []  # (found in the worker's copy, given back with the file)
        assert staging.write_all(ahead, audit) == 2
        for path, data in files:
            assert Path(staging.staged(path)).read_bytes() == data
            assert staging.stat(path)[0] == len(data)
        assert [(p.path, p.line) for p in audit.problems] == [("out/search/x/0-0.js", 2)]
        assert staging.changed == [path for path, _ in files]


def test_a_worker_leaves_a_file_the_previous_output_has_to_the_build(tmp_path, monkeypatch):
    """A document's files of which the previous output has one are given back unwritten: the
    build compares them with the previous files (those the same stay as they were)."""
    out = tmp_path / "out"
    (out / "search/h").mkdir(parents=True)
    (out / "search/h/0.js").write_bytes(b"var h={};")
    files = [("search/h/0.js", b"var h={};"), ("search/x/0-0.js", b"var x={};")]
    audit = OutputAudit(frozenset(), "out")
    with write.StagedOutput(out) as staging:
        assert written_ahead_in_a_worker(staging, files, audit, monkeypatch) == files
        assert write.listing(staging.staging) == {}
        staging.write_all(files, audit)
        staging.commit()
    assert staging.unchanged == 1 and staging.changed == ["search/x/0-0.js"]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(st.text("19 -", min_size=9, max_size=12),
                          st.text("19０９ -－　", min_size=8, max_size=13),
                          st.sampled_from(["\n", "电", "，", "a", "1", "９", b"\x80", b"\xef",
                                           b"\xbc", b"\xe3", b"\x99"])), max_size=20))
def test_the_lines_looked_at_are_every_line_holding_a_run(pieces):
    """The lines the audit judges, found in a file's bytes without decoding it whole, are
    exactly the lines of its text (decoded, broken bytes replaced) holding a run of 11 digits,
    spaces and hyphens, half- and full-width, with a digit at each end; none is missed."""
    data = b"".join(piece if isinstance(piece, bytes) else piece.encode() for piece in pieces)
    lines = data.decode("utf-8", "replace").split("\n")
    assert list(_candidate_lines(data)) == [(number, line) for number, line
                                            in enumerate(lines, 1) if _CANDIDATE.search(line)]


def test_full_width_digits_and_a_country_code_are_found_too():
    full_width = MOBILE_NUMBER.translate({ord(c): ord(c) - 0x30 + ord("０") for c in "0123456789"})
    page = f"<p>a</p>\n<p>手机：{full_width}</p>\n<p>+86 138 1234 5678</p>\n"
    assert [(line, message.split(" in ")[0]) for _, line, message in
            audited([("feed.xml", page.encode())])] == [
        (2, f"personal data (mobile number) {MOBILE_MASKED}"),
        (3, f"personal data (mobile number) {MOBILE_MASKED}")]


def test_ordinary_numbers_in_output_are_left_alone():
    page = ('<a href="static/css/site.4821937465.css">2024-12-20</a> 0745-3221234-8001 '
            "1,234,567,890,123人次 邮编419300 3.1415926 〔2024〕128号\n")
    assert audited([("index.html", page.encode()), ("sitemap.xml", page.encode())]) == []


# --- end to end: a template that publishes a number -----------------------------------------------

def test_the_fixture_template_hard_codes_the_number_and_the_content_does_not():
    template = (OUTPUT_SITE / "templates/404.html").read_text("utf-8")
    assert f"值班手机：{TEMPLATE_NUMBER}" in template
    for file in (OUTPUT_SITE / "content").rglob("*"):
        if file.is_file():
            assert "8765" not in file.read_text("utf-8")
    assert "8765" not in (OUTPUT_SITE / "site.yaml").read_text("utf-8")


def allowed_copy(tmp_path: Path, listed: str = "13987654321") -> Path:
    site = tmp_path / "site"
    shutil.copytree(OUTPUT_SITE, site)
    with (site / "site.yaml").open("a", encoding="utf-8") as file:
        file.write(f'privacy_allow: ["{listed}"]\n')
    return site


def number_line(out: Path, page: str) -> int:
    """The line of `page` holding the template's number, in a good build of the fixture."""
    lines = (out / page).read_text("utf-8").split("\n")
    (line,) = [n for n, text in enumerate(lines, 1) if TEMPLATE_NUMBER in text]
    return line


def test_a_number_in_a_template_stops_the_build_and_keeps_the_previous_output(
        previous: Previous, tmp_path_factory):
    elsewhere = tmp_path_factory.mktemp("allowed")  # previous.out's folder must hold it alone
    good = elsewhere / "good"
    assert run("build", "--site", allowed_copy(elsewhere), "--out", good).returncode == 0
    result = run("build", "--site", OUTPUT_SITE, "--out", previous.out)
    assert result.returncode == 1, result.stderr
    message = problem_at(result.stderr, f"{previous.out.as_posix()}/404.html",
                         number_line(good, "404.html"))
    assert f"error: personal data (mobile number) {TEMPLATE_MASKED} in a built file" in message
    assert problems(result.stderr) == [message]
    assert_no_full_number(result, [TEMPLATE_NUMBER])
    assert "nothing was written" in result.stderr
    previous.assert_unchanged()


def test_check_reports_a_number_in_a_template_too():
    result = run("check", "--site", OUTPUT_SITE)
    assert result.returncode == 1, result.stderr
    (error,) = problems(result.stderr)
    assert error.startswith("output/404.html:") and TEMPLATE_MASKED in error
    assert_no_full_number(result, [TEMPLATE_NUMBER])


def test_a_template_number_listed_in_privacy_allow_is_published(tmp_path):
    out = tmp_path / "out"
    result = run("build", "--site", allowed_copy(tmp_path, "139 8765 4321"), "--out", out)
    assert result.returncode == 0, result.stderr
    assert problems(result.stderr) == problems(result.stderr, "warning") == []
    assert f"值班手机：{TEMPLATE_NUMBER}。</p>" in (out / "404.html").read_text("utf-8")


def test_privacy_mask_does_not_excuse_a_template_number(tmp_path):
    """Masking applies to content; a template's number is the site's own doing."""
    site = tmp_path / "site"
    shutil.copytree(OUTPUT_SITE, site)
    with (site / "site.yaml").open("a", encoding="utf-8") as file:
        file.write("privacy: mask\n")
    result = run("check", "--site", site)
    assert result.returncode == 1, result.stderr
    (error,) = problems(result.stderr)
    assert error.startswith("output/404.html:") and TEMPLATE_MASKED in error


# --- the bundled sample site ----------------------------------------------------------------------

def test_the_sample_sites_pages_pass_the_audit():
    """check audits the rendered pages (not the search index): cheap, and independent of it."""
    result = run("check")
    assert result.returncode == 0, result.stderr


def source_digit_runs() -> bytes:
    """Every run of 11 or more digits in the sample site's content sources, one a line."""
    files = [REPO / "site.yaml", *(REPO / "content").rglob("*"), *(REPO / "data").rglob("*")]
    runs = set()
    for file in files:
        if file.is_file():
            runs.update(re.findall(rb"\d{11,}", file.read_bytes()))
    return b"\n".join(sorted(runs))


def test_nothing_published_looks_like_personal_data(sample_output):
    """No output file holds a run of 11 or more digits that the content does not hold: a scanner
    cannot mistake anything showcase makes (index keys, hashes, numbers) for a phone or ID."""
    sources = source_digit_runs()
    pictures = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".ico")
    suspicious = {}
    for file in sorted(sample_output.rglob("*")):
        if not file.is_file():
            continue
        data = file.read_bytes()
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            assert file.suffix.lower() in pictures, f"{file} is neither text nor a picture"
            continue
        runs = [r for r in re.findall(r"[0-9]{11,}", text) if r.encode() not in sources]
        if runs:
            suspicious[file.relative_to(sample_output).as_posix()] = runs[:3]
    assert suspicious == {}
