"""`build.py import 材料.docx|.txt`: a Word or plain-text experience report, shaped as real
materials are (a centred title, a unit line, 一、/（一） lines typed as plain paragraphs, a table,
photographs, a signature date), imported into a site, built, and read as a reader would."""
from __future__ import annotations

import datetime as dt
import html
import io
import re
import shutil
from pathlib import Path

import docx
import pytest
from docx.enum.text import WD_ALIGN_PARAGRAPH
from PIL import Image

from showcase import commands, frontmatter
from showcase.errors import ContentError, Problems, UsageError
from showcase.importing.report_document import import_report_document
from showcase.slugs import slugify
from showcase.yamlfile import parse_yaml

from conftest import SITES, run_build

TITLE = "传承好家风 共建平安家"
SLUG = "chuanchenghaojiafeng-gongjianpinganjia"
OPENING = "今年以来，我县把“平安家庭”创建作为基层平安建设的基础工程，全县参与率达99%。"
LITERAL = "*重点* #3楼 <b>粗</b> a_b_c [链接](x) \\ {: .x} &copy;"
"""A line of pasted text that Markdown would read as markup."""


@pytest.fixture
def site(tmp_path) -> Path:
    folder = tmp_path / "site"
    shutil.copytree(SITES / "minimal", folder)
    return folder


def png(colour: str, size=(800, 600), kind="PNG") -> io.BytesIO:
    data = io.BytesIO()
    Image.new("RGB", size, colour).save(data, kind)
    data.seek(0)
    return data


def add_picture(paragraph, picture: io.BytesIO, description: str = "") -> None:
    paragraph.add_run().add_picture(picture)
    if description:
        paragraph._p.xpath(".//wp:docPr")[0].set("descr", description)


def centred(document, text: str, bold: bool = False):
    paragraph = document.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.add_run(text).bold = bold
    return paragraph


def experience_report(path: Path) -> Path:
    """A 经验交流材料 as county offices paste it into Word."""
    document = docx.Document()
    centred(document, TITLE, bold=True)
    centred(document, "——溆浦县妇女联合会")
    document.add_paragraph("\u3000\u3000" + OPENING)
    document.add_paragraph("一、健全工作机制，凝聚创建合力")
    document.add_paragraph("（一）建立“网格+妇联”工作模式")
    broken = document.add_paragraph("每个网格选配一名巾帼网格员。")
    broken.runs[0].add_break()
    broken.add_run("目前全县共有巾帼网格员1560名。")
    document.add_heading("强化宣传引导", level=2)
    document.add_paragraph("1.开展“法律进家庭”宣传，发放资料2万份。")
    document.add_paragraph(LITERAL)
    table = document.add_table(rows=3, cols=3)
    for cells, row in zip((row.cells for row in table.rows),
                          [["乡镇", "参与户数", "达标率"], ["桥江镇", "1200", "98%"],
                           ["龙潭|村", "300\n户", "95%"]]):
        for cell, text in zip(cells, row):
            cell.text = text
    add_picture(document.add_paragraph(), png("red"), "县妇联执委入户走访")
    document.add_paragraph("图1 执委入户走访")
    grid = document.add_table(rows=1, cols=2)  # photographs laid out in a table
    for cell, colour, caption in zip(grid.rows[0].cells, ("green", "blue"),
                                     ("图2 推进会现场", "图3 法律进家庭")):
        add_picture(cell.paragraphs[0], png(colour))
        cell.add_paragraph(caption)
    run = document.add_paragraph().add_run("典型做法")
    run.bold = True
    document.add_paragraph("龙潭村推行“三联三调”机制，化解家庭矛盾。")
    add_picture(document.add_paragraph(), png("yellow"))
    document.add_paragraph("下一步，我们将持续深化平安家庭创建。")
    document.add_paragraph("2024年3月5日").alignment = WD_ALIGN_PARAGRAPH.RIGHT
    document.save(path)
    return path


def front_matter(path: Path) -> dict:
    """The front matter as the build reads it (dates stay text), with nothing to complain of."""
    problems = Problems()
    fields = parse_yaml(frontmatter.split(path.read_text("utf-8")).front_matter, "report.md",
                        problems, first_line=2)
    assert problems.items == []
    return dict(fields)


def files_below(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_word_report_is_published_as_its_reader_expects(site, tmp_path):
    problems = Problems()
    written = import_report_document(experience_report(tmp_path / "材料.docx"), site,
                                     region="湖南省/怀化市/溆浦县", category="经验交流",
                                     problems=problems)
    assert problems.items == []
    folder = "content/reports/2024"
    assert written == [f"{folder}/{SLUG}.md", *(f"{folder}/{SLUG}-{n}.png" for n in range(1, 5))]
    assert front_matter(site / written[0]) == {
        "title": TITLE, "unit": "溆浦县妇女联合会", "date": "2024-03-05",
        "region": "湖南省/怀化市/溆浦县", "category": "经验交流", "tags": []}

    out = tmp_path / "out"
    commands.build(site, out, jobs=1)
    page_folder = out / "reports" / SLUG
    page = (page_folder / "index.html").read_text("utf-8")
    assert f"<h1>{TITLE}</h1>" in page
    assert '<time datetime="2024-03-05">' in page
    prose = "".join(part.split("</div>", 1)[0] for part in page.split('<div class="prose">')[1:])
    assert "溆浦县妇女联合会" not in prose and "2024年3月5日" not in prose and TITLE not in prose
    headings = [(level, html.unescape(re.sub(r"<[^>]+>", "", text))) for level, text in
                re.findall(r"<h([2-4])[^>]*>(.*?)</h\1>", prose)]
    assert headings == [("2", "一、健全工作机制，凝聚创建合力"), ("3", "（一）建立“网格+妇联”工作模式"),
                        ("3", "强化宣传引导"), ("3", "典型做法")]
    paragraphs = [html.unescape(text) for text in re.findall(r"<p>(.*?)</p>", prose, re.S)
                  if not text.startswith("<img")]
    assert paragraphs == [
        OPENING, "每个网格选配一名巾帼网格员。目前全县共有巾帼网格员1560名。",
        "1.开展“法律进家庭”宣传，发放资料2万份。", LITERAL, "图1 执委入户走访",
        "图2 推进会现场", "图3 法律进家庭", "龙潭村推行“三联三调”机制，化解家庭矛盾。",
        "下一步，我们将持续深化平安家庭创建。"]
    cells = re.findall(r"<t([hd])>(.*?)</t[hd]>", prose)
    assert cells == [("h", "乡镇"), ("h", "参与户数"), ("h", "达标率"), ("d", "桥江镇"),
                     ("d", "1200"), ("d", "98%"), ("d", "龙潭|村"), ("d", "300 户"), ("d", "95%")]
    pictures = re.findall(r'<img alt="([^"]*)" src="([^"]*)"', prose)
    assert [alt for alt, _src in pictures] == ["县妇联执委入户走访", "图2 推进会现场", "图3 法律进家庭",
                                               "图片4"]
    for _alt, src in pictures:
        assert (page_folder / src).resolve().is_file()


def test_what_the_document_does_not_say_is_todo_and_check_points_at_it(site, tmp_path):
    document = docx.Document()
    document.add_paragraph("龙潭村：推行“三联三调”机制化解家庭矛盾")
    document.add_paragraph("龙潭村坚持调解优先，把矛盾化解在萌芽状态。")
    add_picture(document.add_paragraph(), png("red", (40, 30), "BMP"))
    document.save(tmp_path / "典型.docx")
    problems = Problems()
    written = import_report_document(tmp_path / "典型.docx", site, problems=problems)
    report = site / written[0]
    assert written == [f"content/reports/{dt.date.today().year}/"
                       f"{slugify('龙潭村：推行“三联三调”机制化解家庭矛盾')}.md"]
    text = report.read_text("utf-8")
    for field in ("unit", "date", "category"):
        assert f'\n{field}: "TODO"\n' in text
    assert "\nregion: 湖南省/怀化市/溆浦县\n" in text  # the site's one county
    assert front_matter(report)["title"] == "龙潭村：推行“三联三调”机制化解家庭矛盾"
    warned = {problem.line: problem.message for problem in problems.warnings}
    assert all(problem.path == written[0] for problem in problems.warnings)
    assert [field in warned[line] for line, field in
            zip((3, 4, 6), ("unit", "date", "category"))] == [True] * 3
    assert 5 not in warned
    assert "BMP" in warned[len(text.split("\n")) - 1]  # where the picture stood: the last line

    with pytest.raises(ContentError) as caught:
        commands.check(site)
    located = {(problem.path, problem.line) for problem in caught.value.problems}
    assert {(written[0], line) for line in (3, 4, 6)} <= located


@pytest.mark.parametrize("encoding", ["gbk", "utf-8-sig"])
def test_plain_text_from_windows_one_paragraph_a_line(site, tmp_path, encoding):
    lines = ["\u3000\u3000小家平安连万家 共建和谐新家园", "溆浦县“平安家庭”创建办公室",
             "今年以来，我县九成以上家庭参与创建。", "篇一 桥江镇", "一、健全工作机制",
             "　　县里成立了领导小组。",
             "二〇二四年四月九日"]
    (tmp_path / "材料.txt").write_bytes("\r\n".join(lines).encode(encoding))
    written = import_report_document(tmp_path / "材料.txt", site, region="湖南省/怀化市/溆浦县",
                                     category="经验交流", problems=Problems())
    assert written == ["content/reports/2024/xiaojiapinganlianwanjia-gongjianhexiexinjiayuan.md"]
    assert (site / written[0]).read_text("utf-8") == (
        "---\ntitle: 小家平安连万家 共建和谐新家园\nunit: 溆浦县“平安家庭”创建办公室\n"
        "date: 2024-04-09\nregion: 湖南省/怀化市/溆浦县\ncategory: 经验交流\ntags: []\n---\n\n"
        "今年以来，我县九成以上家庭参与创建。\n\n## 篇一 桥江镇\n\n## 一、健全工作机制\n\n县里成立了领导小组。\n")


def test_pasted_text_that_looks_like_markdown_is_shown_as_written(site, tmp_path):
    literal = ["# 不是标题", "> 不是引用", "- 不是列表", "+ 也不是", "* 星号", "1. 不是列表",
               "<script>alert(1)</script>", "反斜杠 \\ 和 \\*", "***", "~~~", "```", "[TOC]",
               "[^1]: 不是脚注", "正文 {: .x}", "&copy; &amp;", "a | b", "_下划线_", "    缩进四格",
               "\u3000\u3000全角缩进", "2024.03 不是日期行"]
    (tmp_path / "a.txt").write_text("\n".join(["标题", "溆浦县妇联", *literal, "2024年3月5日"]),
                                    "utf-8")
    written = import_report_document(tmp_path / "a.txt", site, region="湖南省/怀化市/溆浦县",
                                     category="经验交流", problems=Problems())
    commands.build(site, tmp_path / "out", jobs=1)
    page = (tmp_path / "out" / "reports" / Path(written[0]).stem / "index.html").read_text()
    prose = "".join(part.split("</div>", 1)[0] for part in page.split('<div class="prose">')[1:])
    assert prose.strip().startswith("<p>") and "<script" not in prose
    assert [html.unescape(text) for text in re.findall(r"<p>(.*?)</p>", prose, re.S)] == \
        [line.strip() for line in literal]


@pytest.mark.parametrize("lines, date, unit", [
    (["标题", "溆浦县妇联（2024年3月5日）", "正文。"], "2024-03-05", "溆浦县妇联"),
    (["标题", "溆浦县妇联", "正文。", "2024.3.5"], "2024-03-05", "溆浦县妇联"),
    (["标题", "2024-03-05", "正文。"], "2024-03-05", "TODO"),
    (["标题", "正文。", "溆浦县妇联", "2024年3月"], "2024-03-01", "溆浦县妇联"),
    (["标题", "2023年5月1日，县妇联召开推进会。", "二〇二四年十二月三十一日"], "2024-12-31", "TODO"),
    (["标题", "2023年5月1日，县妇联召开推进会。", "会上交流了经验。"], "2023-05-01", "TODO"),
])
def test_the_date_is_the_signature_else_the_unit_line_else_the_first_in_the_text(
        site, tmp_path, lines, date, unit):
    (tmp_path / "a.txt").write_text("\n".join(lines), "utf-8")
    written = import_report_document(tmp_path / "a.txt", site, problems=Problems())
    fields = front_matter(site / written[0])
    assert (fields["date"], fields["unit"]) == (date, unit)
    body = frontmatter.split((site / written[0]).read_text("utf-8")).body
    assert "2024" not in body and "二〇二四" not in body and "妇联\n" not in body


def test_an_existing_report_is_never_replaced(site, tmp_path):
    document = experience_report(tmp_path / "材料.docx")
    written = import_report_document(document, site, problems=Problems())
    before = files_below(site)
    (site / written[1]).unlink()  # even with a picture gone, the report refuses the import
    before.pop(written[1])
    with pytest.raises(UsageError, match=re.escape(written[0])):
        import_report_document(document, site, problems=Problems())
    assert files_below(site) == before


def damaged_documents(tmp_path: Path) -> dict[str, bytes]:
    whole = experience_report(tmp_path / "whole.docx").read_bytes()
    return {"garbage.docx": b"\x00garbage" * 64, "empty.docx": b"", "half.docx": whole[:4000],
            "text.docx": "一份文本".encode(), "old.doc": b"\xd0\xcf\x11\xe0" + b"\0" * 512,
            "empty.txt": b"", "blank.txt": "\r\n\u3000\r\n".encode(),
            "binary.txt": b"\x80\xff\x81" * 64, "photo.jpg": png("red").getvalue()}


def test_a_damaged_or_unreadable_file_is_a_usage_error_and_nothing_is_written(site, tmp_path):
    before = files_below(site)
    for name, data in damaged_documents(tmp_path).items():
        (tmp_path / name).write_bytes(data)
        with pytest.raises(UsageError, match=re.escape(name)):
            import_report_document(tmp_path / name, site, problems=Problems())
    assert files_below(site) == before


def test_the_command_line_shows_no_traceback_for_a_damaged_document(site, tmp_path):
    (tmp_path / "材料.docx").write_bytes(b"PK\x03\x04 not really a zip")
    result = run_build("import", tmp_path / "材料.docx", "--site", site, "--lang", "en")
    assert result.returncode == 2
    assert "材料.docx cannot be opened as a Word document" in result.stderr


def test_a_category_or_region_the_site_does_not_have_is_refused(site, tmp_path):
    document = docx.Document()
    document.add_paragraph("龙潭村推行调解")
    document.add_paragraph("龙潭村坚持调解优先。")
    document.save(tmp_path / "a.docx")
    for wrong in ({"category": "工作简报"}, {"region": "湖南省/长沙市"}):
        with pytest.raises(UsageError, match="工作简报|湖南省/长沙市"):
            import_report_document(tmp_path / "a.docx", site, problems=Problems(), **wrong)
    assert not list((site / "content").rglob("longtancun*"))
