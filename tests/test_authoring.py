"""What an author who knows Word, not YAML, does first: start a site, a report and an honour list
with `build.py new`, work in her site's folder without --site, paste a report from Word, list
two families whose names read alike, and read messages that tell her what to do."""
from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import REPO, SITES
from conftest import run_build as run

COUNTY = "湖南省/怀化市/溆浦县"


def run_in(folder: Path, *args: str | Path, command=(sys.executable, str(REPO / "build.py")),
           env: dict | None = None) -> subprocess.CompletedProcess:
    """build.py (or ./dev) run in `folder`, as an author in her site's folder runs it."""
    env = {**os.environ, "PYTHONUTF8": "1", "PYTHONIOENCODING": "utf-8", **(env or {})}
    result = subprocess.run([*command, *map(str, args)], cwd=folder, capture_output=True,
                            encoding="utf-8", errors="replace", env=env, timeout=600)
    assert "Traceback" not in result.stderr + result.stdout, result.stderr
    return result


@pytest.fixture
def new_site(tmp_path) -> Path:
    site = tmp_path / "pingan"
    result = run("new", "site", site, "--title", "溆浦县平安家庭创建网", "--region", COUNTY)
    assert result.returncode == 0, result.stderr
    return site


def test_a_new_site_builds_and_passes_check_at_once(new_site, tmp_path):
    settings = (new_site / "site.yaml").read_text("utf-8")
    for key in ("organiser", "contact", "icp", "police_record", "site_code", "footer"):
        line = next(line for line in settings.splitlines() if line.startswith(f"{key}:"))
        assert "#" in line, f"{key} has no comment saying what it is: {line}"
    assert "- name: 溆浦县" in (new_site / "data/regions.yaml").read_text("utf-8")

    checked = run("check", "--site", new_site)
    assert checked.returncode == 0, checked.stderr
    assert "1 reports, 1 households" in checked.stdout
    built = run("build", "--site", new_site, "--out", tmp_path / "out")
    assert built.returncode == 0, built.stderr
    report = (tmp_path / "out/reports/shili-baogao/index.html").read_text("utf-8")
    assert "扎实推进" in report and "溆浦县妇女联合会" in report
    honours = [page.read_text("utf-8") for page in (tmp_path / "out/honours").glob("*/index.html")]
    assert len(honours) == 1 and "张某某家庭" in honours[0]


def test_a_new_site_is_never_made_over_files(tmp_path):
    folder = tmp_path / "full"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine", "utf-8")
    result = run("new", "site", folder, "--title", "网站")
    assert result.returncode == 2 and "not empty" in result.stderr
    assert [p.name for p in folder.iterdir()] == ["notes.txt"]


def test_a_new_report_has_its_front_matter_and_is_never_written_over(new_site):
    result = run_in(new_site, "new", "report", "小家平安连万家 共建和谐新家园",
                    "--date", "2025-03-18")
    assert result.returncode == 0, result.stderr
    path = new_site / "content/reports/2025/xiaojiapinganlianwanjia-gongjianhexiexinjiayuan.md"
    assert str(path) in result.stdout
    text = path.read_text("utf-8")
    for key in ("title", "unit", "author", "date", "region", "category", "tags", "featured",
                "draft"):
        assert re.search(f"^{key}: ", text, re.M), f"no {key} in\n{text}"
    assert f"region: {COUNTY}" in text  # the site's one county

    # the category only she can choose: check says so, at its line
    checked = run_in(new_site, "check")
    assert checked.returncode == 1
    line = text.splitlines().index(next(l for l in text.splitlines() if l.startswith("category:")))
    assert f"{path.relative_to(new_site).as_posix()}:{line + 1}: error: 'category' still " \
           f"says TODO" in checked.stderr

    again = run_in(new_site, "new", "report", "小家平安连万家 共建和谐新家园", "--date",
                   "2025-03-18", "--category", "经验交流")
    assert again.returncode == 2 and "already exists" in again.stderr
    assert path.read_text("utf-8") == text


def test_a_new_report_written_out_is_published_once_no_longer_a_draft(new_site, tmp_path):
    result = run_in(new_site, "new", "report", "龙潭村调解室见闻", "--category", "新闻动态",
                    "--region", COUNTY, "--date", "2025-05-01")
    assert result.returncode == 0, result.stderr
    path = Path(result.stdout.splitlines()[0])
    text = path.read_text("utf-8")  # the unit: site.yaml names no organiser yet
    path.write_text(text.replace("unit: TODO", "unit: 桥江镇综治办"), "utf-8")
    assert run_in(new_site, "check").returncode == 0
    path.write_text(path.read_text("utf-8").replace("draft: true", "draft: false"), "utf-8")
    built = run_in(new_site, "build", "--out", tmp_path / "out")
    assert built.returncode == 0, built.stderr
    assert "龙潭村调解室见闻" in (tmp_path / "out/reports/longtancuntiaojieshijianwen/index.html"
                              ).read_text("utf-8")


def test_a_new_list_is_filled_in_from_its_commented_example(new_site, tmp_path):
    result = run_in(new_site, "new", "list", "2025年度溆浦县平安家庭示范户", "--honour",
                    "平安家庭示范户", "--year", "2025")
    assert result.returncode == 0, result.stderr
    path = new_site / "data/households/2025-xupu-xian-pinganjiatingshifanhu.yaml"
    text = path.read_text("utf-8")
    assert "title: 2025年度溆浦县平安家庭示范户名单" in text and "year: 2025" in text
    checked = run_in(new_site, "check")
    assert checked.returncode == 0 and "no household yet" in checked.stderr

    # the example written out, as the comment says: the list is published with it
    path.write_text(re.sub(r"^  # (- name|  \w+)", r"  \1", text, flags=re.M), "utf-8")
    checked = run_in(new_site, "check")
    assert checked.returncode == 0 and "2 households" in checked.stdout, checked.stderr


def test_commands_work_on_the_site_in_the_current_folder(tmp_path):
    site = tmp_path / "mysite"
    shutil.copytree(SITES / "minimal", site, ignore=shutil.ignore_patterns(".cache"))
    built = run_in(site, "build")
    assert built.returncode == 0, built.stderr
    assert "龙潭村" in (site / "output/reports/longtan/index.html").read_text("utf-8")

    elsewhere = run_in(tmp_path, "check")
    assert elsewhere.returncode == 2 and "no site.yaml" in elsewhere.stderr


def test_dev_reads_a_relative_site_from_where_it_was_run(tmp_path):
    site = tmp_path / "mysite"
    shutil.copytree(SITES / "minimal", site, ignore=shutil.ignore_patterns(".cache"))
    result = run_in(tmp_path, "check", "--site", "mysite", command=(str(REPO / "dev"),))
    assert result.returncode == 0, result.stderr
    assert "2 households" in result.stdout  # the minimal site's, not the sample's


def _site_with_list(tmp_path: Path, households: str) -> Path:
    site = tmp_path / "site"
    shutil.copytree(SITES / "minimal", site, ignore=shutil.ignore_patterns(".cache"))
    path = next((site / "data/households").glob("*.yaml"))
    text = path.read_text("utf-8")
    path.write_text(text[:text.index("households:")] + "households:\n" + households, "utf-8")
    return site


HOMOPHONES = """\
  - name: 康国燕家庭
    region: 湖南省/怀化市/溆浦县/桥江镇/龙潭村
  - name: 康国艳家庭
    region: 湖南省/怀化市/溆浦县/桥江镇/龙潭村
"""


def _household_pages(out: Path) -> dict[str, str]:
    pages = {}
    for page in (out / "households").glob("*/index.html"):
        title = re.search(r"<h1[^>]*>(.*?)</h1>", page.read_text("utf-8"), re.S)
        pages[page.parent.name] = re.sub(r"<[^>]+>", "", title.group(1)).strip()
    return pages


def test_two_families_whose_names_read_alike_each_have_their_page(tmp_path):
    site = _site_with_list(tmp_path, HOMOPHONES)
    assert run("build", "--site", site, "--out", tmp_path / "one").returncode == 0
    first = _household_pages(tmp_path / "one")
    assert sorted(first.values()) == ["康国燕家庭", "康国艳家庭"]
    assert len(set(first)) == 2

    # the author reorders the list: each family keeps its address
    path = next((site / "data/households").glob("*.yaml"))
    lines = HOMOPHONES.splitlines(keepends=True)
    path.write_text(path.read_text("utf-8").replace(HOMOPHONES, "".join(lines[2:] + lines[:2])),
                    "utf-8")
    assert run("build", "--site", site, "--out", tmp_path / "two").returncode == 0
    assert _household_pages(tmp_path / "two") == first


def test_the_same_family_twice_in_one_place_is_a_copy_to_delete(tmp_path):
    site = _site_with_list(tmp_path, HOMOPHONES + HOMOPHONES[HOMOPHONES.index("  - name: 康国艳"):])
    result = run("check", "--site", site)
    assert result.returncode == 1
    message = next(l for l in result.stderr.splitlines() if ": error: " in l)
    assert "康国艳家庭" in message and "listed twice" in message and "delete this copy" in message
    assert "(first at data/households/2024-xupu-pingan.yaml:11)" in message
    assert message.startswith("data/households/2024-xupu-pingan.yaml:13: error:")


def test_a_written_id_taken_twice_is_reported_at_its_id_line(tmp_path):
    site = _site_with_list(tmp_path, """\
  - name: 张建国家庭
    region: 湖南省/怀化市/溆浦县/桥江镇/龙潭村
    id: zhang
  - name: 李明家庭
    region: 湖南省/怀化市/溆浦县/桥江镇/龙潭村
    id: zhang
""")
    result = run("check", "--site", site)
    path = next((site / "data/households").glob("*.yaml")).relative_to(site).as_posix()
    assert f"{path}:14: error: the id 'zhang' is already taken by {path}:11" in result.stderr


PASTED = """\
今年以来，我县把“平安家庭”创建作为基层平安建设的基础工程来抓。
全县参与创建家庭达23.5万户，命名示范户
52户。
一、健全工作机制
县、乡、村三级成立创建工作领导小组；
（一）依托网格排查
巾帼网格员每月走访网格内家庭。
"""


def test_a_report_pasted_from_word_keeps_its_paragraphs_and_headings(tmp_path):
    site = tmp_path / "site"
    shutil.copytree(SITES / "minimal", site, ignore=shutil.ignore_patterns(".cache"))
    report = site / "content/reports/longtan.md"
    text = report.read_text("utf-8")
    report.write_text(text[:text.index("---", 3) + 4] + "\n" + PASTED, "utf-8")
    assert run("build", "--site", site, "--out", tmp_path / "out").returncode == 0
    page = (tmp_path / "out/reports/longtan/index.html").read_text("utf-8")
    body = page[page.index("基础工程") - 40:]
    assert "<p>今年以来，我县把“平安家庭”创建作为基层平安建设的基础工程来抓。</p>" in body
    assert "命名示范户52户。</p>" in body  # a wrapped line joins without a space
    assert re.search(r"<h2[^>]*>一、健全工作机制</h2>", body)
    assert "<p>县、乡、村三级成立创建工作领导小组；</p>" in body
    assert re.search(r"<h3[^>]*>（一）依托网格排查</h3>", body)


@pytest.mark.parametrize("line", ["title：龙潭村推行调解", "unit：桥江镇综治办"])
def test_a_key_with_a_chinese_colon_is_named_at_its_line(tmp_path, line):
    site = tmp_path / "site"
    shutil.copytree(SITES / "minimal", site, ignore=shutil.ignore_patterns(".cache"))
    report = site / "content/reports/longtan.md"
    lines = report.read_text("utf-8").splitlines(keepends=True)
    key = line.split("：")[0]
    number = next(i for i, l in enumerate(lines) if l.startswith(f"{key}:"))
    lines[number] = line + "\n"
    report.write_text("".join(lines), "utf-8")
    result = run("check", "--site", site)
    assert result.returncode == 1
    assert f"content/reports/longtan.md:{number + 1}: error: '{key}' is followed by a " \
           f"Chinese colon" in result.stderr
    assert "quotes" not in result.stderr


def test_a_village_not_in_the_regions_file_is_to_be_added_there(tmp_path):
    site = _site_with_list(tmp_path, """\
  - name: 王强家庭
    region: 湖南省/怀化市/溆浦县/桥江镇/龙滩村
""")
    message = next(l for l in run("check", "--site", site).stderr.splitlines()
                   if ": error: " in l)
    assert "add it there under '湖南省/怀化市/溆浦县/桥江镇'" in message
    assert "did you mean" not in message


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_serve_on_a_busy_port_says_so_in_one_line(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run("serve", "--site", SITES / "minimal", "--port", port)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert f"127.0.0.1:{port}" in result.stderr and f"--port {port + 1}" in result.stderr


@pytest.mark.parametrize("stop, building", [(signal.SIGTERM, False), (signal.SIGINT, False),
                                            (signal.SIGTERM, True)])
def test_serve_stopped_by_a_signal_removes_its_private_folder(tmp_path, stop, building):
    """Also while a build writes into it: the build gives up before the folder is removed."""
    site = tmp_path / "site"
    shutil.copytree(SITES / "minimal", site, ignore=shutil.ignore_patterns(".cache"))
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    port = _free_port()
    env = {**os.environ, "TMPDIR": str(temporary), "PYTHONUTF8": "1"}
    # as from a terminal: a suite started in the background without job control ignores
    # Ctrl+C, and its children would inherit that
    process = subprocess.Popen([sys.executable, str(REPO / "build.py"), "serve", "--site", site,
                                "--port", str(port)], env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, encoding="utf-8",
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # until the preview answers
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        assert [p.name for p in temporary.iterdir() if p.name.startswith("showcase-preview-")]
        if building:
            report = site / "content" / "reports" / "longtan.md"
            report.write_text(report.read_text("utf-8") + "\n新的一句。\n", "utf-8")
            time.sleep(0.15)  # noticed, settled, and the build under way
        process.send_signal(stop)
        output, _ = process.communicate(timeout=20)
    finally:
        process.kill()
    assert "Traceback" not in output
    assert not [p for p in temporary.iterdir() if p.name.startswith("showcase-preview-")]


def test_two_families_of_one_name_in_one_place_are_not_taken_for_another_lists(tmp_path):
    """Told apart by their ids in one list, neither is the family of that name another list
    honours: no page links them as one family."""
    site = _site_with_list(tmp_path, """\
  - name: 张建国家庭
    region: 湖南省/怀化市/溆浦县/桥江镇/龙潭村
    id: zhang-jianguo-a
  - name: 张建国家庭
    region: 湖南省/怀化市/溆浦县/桥江镇/龙潭村
    id: zhang-jianguo-b
""")
    (site / "data/households/2023-xupu.yaml").write_text("""\
list:
  title: 2023年度溆浦县“平安家庭”示范户名单
  honour: 平安家庭示范户
  year: 2023
households:
  - name: 张建国家庭
    region: 湖南省/怀化市/溆浦县/桥江镇/龙潭村
""", "utf-8")
    assert run("build", "--site", site, "--out", tmp_path / "out").returncode == 0
    for page in ("zhang-jianguo-a", "zhang-jianguo-b", "2023-xupu-zhangjianguo-jiating"):
        text = (tmp_path / "out/households" / page / "index.html").read_text("utf-8")
        assert "households/zhang-jianguo" not in text.replace(f"households/{page}/", "")
        assert "2023-xupu-zhangjianguo" not in text.replace(f"households/{page}/", "")


def test_a_new_site_takes_a_county_sheet_with_its_new_villages(new_site, tmp_path):
    """The first day: a new site of one county, the county's Excel list exported as CSV (GBK,
    as Excel saves it on Chinese Windows), villages regions.yaml does not have yet."""
    sheet = tmp_path / "名单.csv"
    sheet.write_bytes("2025年度溆浦县“平安家庭”示范户名单,,,,\n"
                      "序号,姓名,所在乡镇,所在村（社区）,身份证号码,主要事迹\n"
                      "1,向建国,桥江镇,新建村,430102199003077777,孝老爱亲\n"
                      "2,李梅,桥江镇,龙潭村,,邻里和睦\n".encode("gb18030"))
    refused = run_in(new_site, "import", sheet, "--lang", "zh")
    assert refused.returncode == 1
    assert "第 3 行：data/regions.yaml 的 湖南省/怀化市/溆浦县 下没有“桥江镇 新建村”" in refused.stderr
    assert "“身份证号码”列是身份证号码，未导入" in refused.stderr
    assert not list((new_site / "data/households").glob("2025-*"))

    imported = run_in(new_site, "import", sheet, "--add-regions")
    assert imported.returncode == 0, imported.stderr
    written = imported.stdout.splitlines()
    assert written[:2] == ["data/regions.yaml",
                           "data/households/2025-xupu-xian-pinganjiatingshifanhu.yaml"]
    listed = new_site / written[1]
    assert "430102" not in listed.read_text("utf-8")
    assert run_in(new_site, "import", sheet).stdout.strip() == \
        "nothing written: the site's files already hold this import"
    checked = run_in(new_site, "check")
    assert checked.returncode == 1 and "'awarded_by' still says TODO" in checked.stderr
    listed.write_text(re.sub(r"(awarded_by|date): TODO.*", r"\1: ''", listed.read_text("utf-8")),
                      "utf-8")
    checked = run_in(new_site, "check")
    assert checked.returncode == 0 and "3 households" in checked.stdout, checked.stderr
    again = run_in(new_site, "import", sheet)  # her edits are never written over
    assert again.returncode == 1 and "exists and differs" in again.stderr
