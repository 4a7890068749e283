"""Faulty sites as authors make them, run through the command line: every problem is reported as
`path:line: error: message` (path relative to the site), the exit status says what happened, no
traceback is ever shown, and a failed build leaves the previous output exactly as it was.

Each tests/sites/bad-*/ folder is a tiny complete site with one fault (bad-three-faults has
three). bad-gbk/, bad-gbk-site-yaml/ and bad-bom-crlf/ hold their odd bytes literally
(tests/sites/.gitattributes keeps git from touching line endings).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import REPO, SITES, snapshot
from conftest import run_build as run

MINIMAL = SITES / "minimal"
PROBLEM = re.compile(r"^(?P<path>[^\s:][^:]*?):(?P<line>\d+): (?P<severity>error|warning): ")


def problems(stderr: str, severity: str = "error") -> list[str]:
    """The `path:line: severity: message` lines of stderr, in the order printed."""
    return [line for line in stderr.splitlines()
            if (m := PROBLEM.match(line)) and m["severity"] == severity]


def problem_at(stderr: str, path: str, line: int, severity: str = "error") -> str:
    """The one message printed for `path:line`."""
    found = [p for p in stderr.splitlines() if p.startswith(f"{path}:{line}: {severity}: ")]
    assert found, f"no line starting '{path}:{line}: {severity}:' in:\n{stderr}"
    return found[0]


@dataclass(frozen=True)
class Previous:
    """An output folder holding a good earlier build, and every byte of it."""

    out: Path
    files: dict[str, bytes]

    def assert_unchanged(self) -> None:
        """Byte for byte the same files, and no staging or retired copy left beside it."""
        assert self.out.is_dir()
        assert snapshot(self.out) == self.files
        assert sorted(p.name for p in self.out.parent.iterdir()) == [self.out.name]


@pytest.fixture
def previous(tmp_path) -> Previous:
    out = tmp_path / "out"
    result = run("build", "--site", MINIMAL, "--out", out)
    assert result.returncode == 0, result.stderr
    files = snapshot(out)
    assert "index.html" in files and "reports/longtan/index.html" in files
    return Previous(out, files)


@dataclass(frozen=True)
class Case:
    site: str
    path: str
    line: int
    phrases: tuple[str, ...]
    sole: bool = True
    """The fault is the only error reported (no follow-on noise)."""

    def __str__(self) -> str:
        return self.site


def case(site, path, line, *phrases, sole=True):
    return pytest.param(Case(site, path, line, phrases, sole), id=site)


REPORT = "content/reports/a.md"
LIST = "data/households/2024-pingan.yaml"

CASES = [
    # 1. required front matter fields: reported where the front matter starts (line 2)
    case("bad-missing-title", REPORT, 2, "'title'"),
    case("bad-missing-unit", REPORT, 2, "'unit'"),
    case("bad-missing-date", REPORT, 2, "'date'"),
    case("bad-missing-region", REPORT, 2, "'region'"),
    case("bad-missing-category", REPORT, 2, "'category'"),
    # 2. dates
    case("bad-date-format", REPORT, 4, "'date'", "YYYY-MM-DD", "2024/05/01"),
    case("bad-date-nonexistent", REPORT, 4, "'date'", "2024-02-30"),
    # 3. category
    case("bad-category", REPORT, 6, "category", "工作简报", "经验交流"),
    # 4. regions
    case("bad-region-unknown", REPORT, 5, "辰溪县", "data/regions.yaml"),
    case("bad-region-bare-name", REPORT, 5, "'湖南省/怀化市/溆浦县'"),
    # 5. the second of two reports with one slug, naming the first
    case("bad-duplicate-slug", "content/reports/b.md", 7, "slug", "'pingan'",
         "content/reports/a.md:7"),
    # 6. the second household of one name in one place, naming the first
    case("bad-duplicate-household", LIST, 8, "张建国家庭", "listed twice", f"{LIST}:6",
         "delete this copy"),
    # 7. whole numbers
    case("bad-members-not-integer", LIST, 8, "'members'", "五"),
    case("bad-year-not-integer", LIST, 4, "'year'", "二〇二四"),
    # 9. front matter fences
    case("bad-no-front-matter", REPORT, 1, "front matter", "---"),
    case("bad-front-matter-unclosed", REPORT, 1, "not closed", "---"),
    # 10. YAML syntax at the file's own line (the opening `---` is line 1), and nothing else
    # (the file is not also called empty)
    case("bad-yaml-syntax", REPORT, 3, "YAML syntax", "quotes"),
    case("bad-yaml-syntax-site", "site.yaml", 2, "YAML syntax", "quotes"),
    case("bad-yaml-syntax-list", LIST, 3, "YAML syntax", "quotes"),
    # 11. encodings (an undecodable site.yaml is not also called missing)
    case("bad-gbk", REPORT, 2, "GBK", "UTF-8"),
    case("bad-gbk-site-yaml", "site.yaml", 1, "GBK", "UTF-8"),
    # 13. images (test_each_broken_image_is_reported_at_its_own_line: the same one twice)
    case("bad-broken-image", REPORT, 11, "images/none.jpg"),
    # 14. a link to a report that does not exist
    case("bad-link-missing-report", REPORT, 11, "missing.md"),
    # 16. site.yaml (a missing file is reported at line 1, keeping the format)
    case("bad-site-no-title", "site.yaml", 1, "'title'"),
    case("bad-site-yaml-missing", "site.yaml", 1, "no site.yaml", "title"),
    # 17. empty or incomplete files
    case("bad-empty-report", REPORT, 1, "empty"),
    case("bad-list-missing-list", LIST, 1, "'list:'"),
    case("bad-household-no-region", LIST, 6, "'region'"),
    # 18. a household's region
    case("bad-household-region-unknown", LIST, 7, "不存在村", "data/regions.yaml"),
    # 19. a household written as plain text
    case("bad-household-plain-string", LIST, 8, "'- name: ...'"),
]


@pytest.mark.parametrize("case", CASES)
def test_a_faulty_site_is_refused_and_the_previous_output_kept(case: Case, previous: Previous):
    result = run("build", "--site", SITES / case.site, "--out", previous.out)
    assert result.returncode == 1, result.stderr
    message = problem_at(result.stderr, case.path, case.line)
    for phrase in case.phrases:
        assert phrase in message, f"{phrase!r} not in {message!r}"
    if case.sole:
        assert problems(result.stderr) == [message]
    assert "nothing was written" in result.stderr
    previous.assert_unchanged()


def test_all_problems_of_a_build_are_reported_together_in_order(previous: Previous):
    """a.md: bad category (line 6, checked first) and bad date (line 4); b.md: bad region."""
    result = run("build", "--site", SITES / "bad-three-faults", "--out", previous.out)
    assert result.returncode == 1
    reported = problems(result.stderr)
    assert [line.split(": error:")[0] for line in reported] == [
        "content/reports/a.md:4", "content/reports/a.md:6", "content/reports/b.md:5"]
    assert "2024/13/01" in reported[0]
    assert "工作简报" in reported[1]
    assert "湖南省/长沙市" in reported[2]
    assert "3 errors" in result.stderr
    previous.assert_unchanged()


def test_an_unknown_key_is_a_warning_naming_the_nearest_key(tmp_path):
    out = tmp_path / "out"
    result = run("build", "--site", SITES / "bad-unknown-key", "--out", out)
    assert result.returncode == 0, result.stderr
    warning = problem_at(result.stderr, REPORT, 7, "warning")
    assert "'titel'" in warning and "'title'" in warning
    assert problems(result.stderr) == []
    assert (out / "reports/a/index.html").is_file()


def test_a_report_with_a_bom_and_crlf_lines_builds(tmp_path):
    raw = (SITES / "bad-bom-crlf" / REPORT).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf---\r\n") and b"\r\n" in raw
    assert raw.count(b"\n") == raw.count(b"\r\n")  # git has not converted the line endings
    out = tmp_path / "out"
    result = run("build", "--site", SITES / "bad-bom-crlf", "--out", out)
    assert result.returncode == 0, result.stderr
    assert problems(result.stderr) == problems(result.stderr, "warning") == []
    page = (out / "reports/a/index.html").read_text("utf-8")
    assert "小家平安连万家" in page
    assert "\ufeff" not in page and "\r" not in page


def test_the_gbk_fixture_really_is_gbk():
    raw = (SITES / "bad-gbk" / REPORT).read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    assert "小家平安连万家" in raw.decode("gbk")


def test_a_link_to_another_report_is_rewritten_to_its_page(tmp_path):
    out = tmp_path / "out"
    result = run("build", "--site", SITES / "bad-link-to-report", "--out", out)
    assert result.returncode == 0, result.stderr
    assert problems(result.stderr) == []
    page = (out / "reports/a/index.html").read_text("utf-8")
    assert '<a href="../../reports/b/">另一篇报告</a>' in page
    assert "b.md" not in page
    assert (out / "reports/b/index.html").is_file()


def test_drafts_and_future_reports_wait_unless_drafts_are_asked_for(tmp_path):
    site = SITES / "bad-draft-future"
    out = tmp_path / "out"
    result = run("build", "--site", site, "--out", out)
    assert result.returncode == 0, result.stderr
    assert problems(result.stderr) == []
    assert "2999-01-01" in problem_at(result.stderr, "content/reports/c.md", 4, "warning")
    assert (out / "reports/a/index.html").is_file()
    assert not (out / "reports/b").exists()
    assert not (out / "reports/c").exists()
    listing = (out / "reports/index.html").read_text("utf-8")
    assert "草稿" not in listing and "未来" not in listing

    preview = tmp_path / "preview"
    result = run("build", "--site", site, "--out", preview, "--drafts")
    assert result.returncode == 0, result.stderr
    for slug, title in (("a", "小家平安连万家"), ("b", "草稿"), ("c", "未来")):
        assert title in (preview / f"reports/{slug}/index.html").read_text("utf-8")


def test_check_reports_the_same_problems_and_writes_nothing(tmp_path):
    site = SITES / "bad-missing-title"
    before = snapshot(site)
    result = run("check", "--site", site)
    assert result.returncode == 1
    assert problems(result.stderr) == [problem_at(result.stderr, REPORT, 2)]
    assert "'title'" in result.stderr
    assert not (site / "output").exists()
    assert snapshot(site) == before


def test_check_of_a_good_site_writes_nothing():
    before = snapshot(MINIMAL)
    result = run("check", "--site", MINIMAL)
    assert result.returncode == 0, result.stderr
    assert not (MINIMAL / "output").exists()
    assert snapshot(MINIMAL) == before


@pytest.mark.parametrize("args", [
    ("build", "--jobs", "0"),
    ("build", "--jobs", "two"),
    ("build", "--no-such-option"),
    ("--no-such-option",),
    ("check", "--out", "elsewhere"),  # check writes nothing, so it has no --out
], ids=lambda args: " ".join(args))
def test_bad_usage_exits_2_and_leaves_the_output_alone(args, previous: Previous):
    extra = () if args[0] == "check" else ("--site", MINIMAL, "--out", previous.out)
    result = run(*args, *extra)
    assert result.returncode == 2, result.stderr
    assert "error:" in result.stderr
    previous.assert_unchanged()
    assert not (REPO / "elsewhere").exists()


def test_each_broken_image_is_reported_at_its_own_line():
    result = run("check", "--site", SITES / "bad-broken-image-twice")
    assert result.returncode == 1
    assert [p.split(": error:")[0] for p in problems(result.stderr)] == [
        f"{REPORT}:11", f"{REPORT}:13"]


