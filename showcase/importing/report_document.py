"""`build.py import 材料.docx`: an experience report (经验交流材料) received as a Word document or
plain text, written as a report of the site.

Real materials are pasted from Word: a title line, a unit line, a date, numbered parts written as
plain `一、` and `（一）` lines, tables and photographs. The title, unit and date become the front
matter, numbered lines become headings, every other paragraph stays a paragraph, escaped so that
Markdown shows it as written. What cannot be found is written as TODO, with a warning."""
from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import docx
import yaml
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.exceptions import PythonDocxError
from docx.opc.exceptions import OpcError
from docx.table import Table as WordTable
from docx.text.hyperlink import Hyperlink
from lxml import etree
from PIL import Image, UnidentifiedImageError

from ..errors import Problems, UsageError
from ..fields import TODO
from ..i18n import _
from ..load import strip_control_characters
from ..markup import OUTLINE, OUTLINE_HEADING_LENGTH, outline_level
from ..scaffold import checked_choices, county_of, site_settings
from ..slugs import slugify
from ..text import join_hard_wraps
from . import decoded

WEB_PICTURES = {"PNG": ".png", "JPEG": ".jpg", "MPO": ".jpg", "GIF": ".gif", "WEBP": ".webp"}
"""Formats every browser shows, as Pillow names them (MPO: a phone's JPEG); Word also holds
EMF and WMF drawings, which none does."""
BOLD_HEADING_LENGTH = 30
TITLE_LENGTH = 60
UNIT_LENGTH = 40
HEAD_LINES = 3
"""Lines under the title (or above the end) that may hold the unit and the date."""


@dataclass(frozen=True)
class Paragraph:
    text: str
    """Cleaned text; a line break inside a Word paragraph is a newline until it is written."""
    heading: int | None = None
    """The Markdown level a Word heading style gives it."""
    title_like: bool = False
    """Styled as a title or heading, or centred: how the second line of a title looks."""
    bold: bool = False


@dataclass(frozen=True)
class Table:
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Picture:
    data: bytes
    suffix: str
    description: str


@dataclass(frozen=True)
class Omission:
    """Something of the document that could not be taken over: a warning where it stood."""

    message: str


@dataclass(frozen=True)
class Head:
    title: str | None
    unit: str | None
    date: dt.date | None
    body: list


def import_report_document(document: Path, site_dir: Path, *, category: str | None = None,
                           region: str | None = None, problems: Problems) -> list[str]:
    """Write `document` as content/reports/<year>/<slug>.md with its pictures beside it, and
    return the paths written, relative to site_dir (posix): the report first, then its
    pictures. Nothing is written unless everything is known and no file would be replaced."""
    if not site_dir.is_dir():
        raise UsageError(_("the site folder {folder} does not exist").format(folder=site_dir))
    regions, categories, _organiser = site_settings(site_dir)
    region = checked_choices(category, region, categories, regions) or county_of(regions)
    blocks = _read(document, problems)
    if not any(isinstance(block, Paragraph) for block in blocks):
        raise UsageError(_("{name} has no text to import").format(name=document.name))
    head = _find_head(blocks)
    year = head.date.year if head.date else dt.date.today().year
    slug = slugify(head.title or document.stem)
    folder = Path("content", "reports", str(year))
    report = folder / f"{slug}.md"
    chunks, notes, pictures = _markdown(head.body, slug)
    _refuse_existing(site_dir, report, [folder / name for name in pictures])
    values = {"title": head.title, "unit": head.unit, "date": head.date,
              "region": (region or "").strip() or None,
              "category": (category or "").strip() or None, "tags": []}
    text, chunk_lines = _report_text(values, chunks)
    for line, (key, value) in enumerate(values.items(), start=2):
        if value is None:
            problems.warning(report.as_posix(), line, _todo_message(key, year))
    for index, message in notes:
        problems.warning(report.as_posix(), chunk_lines[min(index, len(chunk_lines) - 1)], message)
    files = [(folder / name, data) for name, data in pictures.items()]
    _write_new(site_dir, [*files, (report, text.encode("utf-8"))])
    return [report.as_posix(), *(path.as_posix() for path, _data in files)]


# Reading -----------------------------------------------------------------------------------

def _read(document: Path, problems: Problems) -> list:
    suffix = document.suffix.lower()
    if suffix in (".doc", ".wps"):
        raise UsageError(_("{name} is in an old Word format ({suffix}): open it in Word or WPS, "
                           "save it as a Word document (.docx) and import that file")
                         .format(name=document.name, suffix=suffix))
    if suffix not in (".docx", ".txt"):
        raise UsageError(_("{name} cannot be imported: only Word documents (.docx) and plain "
                           "text files (.txt) can be").format(name=document.name))
    if not document.is_file():
        raise UsageError(_("there is no file {file}").format(file=document))
    try:
        data = document.read_bytes()
    except OSError as exc:
        raise UsageError(_("cannot read {file}: {reason}")
                         .format(file=document, reason=exc.strerror or exc)) from exc
    if suffix == ".txt":
        return _text_blocks(data, document.name, problems)
    try:
        word = docx.Document(io.BytesIO(data))
        blocks = _container_blocks(word)
    except (OpcError, PythonDocxError, zipfile.BadZipFile, etree.LxmlError, EOFError, KeyError,
            ValueError, IndexError, AttributeError) as exc:  # what python-docx meets in damage
        raise UsageError(_("{name} cannot be opened as a Word document: it may be damaged, "
                           "protected by a password or not really a .docx. Open it in Word or "
                           "WPS, save it again as .docx and import that file")
                         .format(name=document.name)) from exc
    if word.element.body.xpath(".//w:ins//w:t"):
        problems.warning(document.name, 0, _(
            "the document has tracked changes, and the text they insert is left out: in Word, "
            "accept all changes (Review, Accept All Changes), save, and import again"))
    return blocks


def _text_blocks(data: bytes, name: str, problems: Problems) -> list:
    """A plain text file, one paragraph a line, in UTF-8 or in GBK (as Windows tools save it)."""
    text = decoded(data)
    if text is None:
        raise UsageError(_("{name} is neither UTF-8 nor GBK text: open it in Notepad and save it "
                           "again with the encoding UTF-8").format(name=name))
    text = strip_control_characters(text.replace("\r\n", "\n").replace("\r", "\n"), name,
                                    problems)
    return [Paragraph(line) for line in map(_clean, text.split("\n")) if line]


def _container_blocks(container) -> list:
    """Paragraphs and tables of the document (or of a table cell) in their order."""
    blocks = []
    for item in container.iter_inner_content():
        blocks += _table_blocks(item) if isinstance(item, WordTable) else _paragraph_blocks(item)
    return blocks


def _paragraph_blocks(paragraph) -> list:
    """The paragraph's text, split where a picture stands, each picture a block of its own."""
    look = _look(paragraph)
    blocks, pieces = [], []

    def flush():
        text = _clean("".join(pieces))
        pieces.clear()
        if text:
            blocks.append(Paragraph(text, **look))

    for item in paragraph.iter_inner_content():
        for run in item.runs if isinstance(item, Hyperlink) else (item,):
            pieces.append(run.text)
            drawings = run.element.xpath("./w:drawing | ./w:pict | ./w:object")
            if drawings:
                flush()
                blocks += [_picture(drawing, run.part) for drawing in drawings]
    flush()
    return blocks


_HEADING_STYLE = re.compile(r"(?:heading|标题)\s*([1-9])", re.I)


def _look(paragraph) -> dict:
    """What the paragraph's style, alignment and bold say of it (a heading, a title's line)."""
    style = paragraph.style
    name = (style.name if style is not None else None) or ""
    heading = _HEADING_STYLE.fullmatch(name)
    alignment = paragraph.alignment
    if alignment is None and style is not None:
        alignment = style.paragraph_format.alignment
    style_bold = bool(style is not None and style.font.bold)
    runs = [run for run in paragraph.runs if run.text.strip()]
    return {"heading": min(int(heading[1]) + 1, 4) if heading else None,
            "title_like": bool(heading) or name in ("Title", "标题")
            or alignment == WD_ALIGN_PARAGRAPH.CENTER,
            "bold": bool(runs) and all(style_bold if run.bold is None else run.bold
                                       for run in runs)}


def _picture(drawing, part) -> Picture | Omission:
    ids = drawing.xpath(".//a:blip/@r:embed")
    image = part.related_parts.get(ids[0]) if ids else None
    if image is None:
        return Omission(_("a chart, SmartArt graphic, text box or linked picture of the document "
                          "was left out: if the report needs it, save it as a PNG or JPEG "
                          "picture beside the report and insert it here"))
    try:  # the format the bytes are in, whatever the part's name says
        with Image.open(io.BytesIO(image.blob)) as opened:
            kind = opened.format
            opened.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError,
            Image.DecompressionBombError):
        return Omission(_("a picture of the document could not be read (it may be damaged) and "
                          "was left out: save it as a PNG or JPEG picture beside the report and "
                          "insert it here"))
    if kind not in WEB_PICTURES:
        return Omission(_("a picture in the {format} format was left out, as web browsers cannot "
                          "show it: save it as a PNG or JPEG picture beside the report and insert "
                          "it here").format(format=kind))
    described = drawing.xpath(".//wp:docPr/@descr")
    return Picture(image.blob, WEB_PICTURES[kind], _description(described[0] if described else ""))


def _description(text: str) -> str:
    """A picture's description, unless it is a file name (WPS) or Word's automatic guess."""
    text = " ".join(text.split())
    machine_made = re.search(r"[\\/]|\.[a-z]{3,4}$|自动生成|automatically generated", text, re.I)
    return "" if machine_made else text


def _table_blocks(table: WordTable) -> list:
    """A table of text as a Table; a frame around text (one cell) or photographs laid out in a
    grid as the blocks of its cells, in reading order."""
    contents: dict = {}  # by w:tc, read once: python-docx repeats a merged cell in every place
    grid = []
    for row in table.rows:
        grid.append([])
        for cell in row.cells:
            if cell._tc not in contents:
                contents[cell._tc] = _container_blocks(cell)
            grid[-1].append(cell._tc)
    blocks = [block for content in contents.values() for block in content]
    if len(contents) == 1 or any(not isinstance(block, Paragraph) for block in blocks):
        return blocks
    width = max(map(len, grid), default=0)
    rows = tuple(tuple(_cell_text(contents[cell]) for cell in row) + ("",) * (width - len(row))
                 for row in grid)
    return [Table(rows)] if width else []


def _cell_text(blocks: list) -> str:
    return " ".join(line for block in blocks for line in block.text.split("\n"))


_INVISIBLE = {ord("\t"): " ", 0xA0: " ", 0x200B: None, 0x200C: None, 0x200D: None,
              0x2060: None, 0xFEFF: None}


def _clean(text: str) -> str:
    """Lines without their indent (spaces, the ideographic U+3000, NBSP) and without empty ones,
    which would end the paragraph."""
    lines = (line.translate(_INVISIBLE).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


# Title, unit and date -----------------------------------------------------------------------

_END_PUNCTUATION = tuple("。，；：！？、,.;:!?…")
_ATTACHMENT = re.compile(r"附件\s*\d*\s*[:：]?")
_DASHES = "—–－-─ "
_ORGANISATION = re.compile(
    r"(?:政府|妇联|婦聯|中心|办事处|辦事處|街道|社区|社區|学校|學校|医院|醫院|公司|支部|"
    r"[局所委办室会院站队部组科处厅镇乡村县會辦縣鎮鄉組處廳隊])$")
"""Endings of an organisation's name (委员会, 派出所, 县妇联, 综治办), in either script."""
_HAN_DIGITS = {"〇": 0, "零": 0, "○": 0, "Ｏ": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5,
               "六": 6, "七": 7, "八": 8, "九": 9}
_DATES = (
    re.compile(r"(?<!\d)(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月(?:\s*(?P<d>\d{1,2})\s*日)?"),
    re.compile(r"(?<![\d.])(?P<y>\d{4})(?P<sep>[-./])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})"
               r"(?![\d.])"),
    re.compile(r"(?P<y>[〇零○Ｏ一二三四五六七八九]{4})年(?P<m>十[一二]?|[一二三四五六七八九])月"
               r"(?:(?P<d>[一二三]?十[一二三四五六七八九]?|[一二三四五六七八九])日)?"),
)


def _number(text: str) -> int:
    if text.isdigit():
        return int(text)
    if "十" in text:
        tens, _ten, units = text.partition("十")
        return _HAN_DIGITS.get(tens, 1) * 10 + _HAN_DIGITS.get(units, 0)
    return int("".join(str(_HAN_DIGITS[digit]) for digit in text))


def _dates(text: str) -> list[tuple[re.Match, dt.date]]:
    """Real dates written in `text` (2024年3月5日, 2024-03-05, 2024.3.5, 二〇二四年三月五日; a
    month alone stands for its first day), in the order they appear."""
    found = []
    for pattern in _DATES:
        for match in pattern.finditer(text):
            try:
                day = dt.date(_number(match["y"]), _number(match["m"]),
                              _number(match["d"]) if match["d"] else 1)
            except ValueError:
                continue
            if 1900 <= day.year <= 2100:
                found.append((match, day))
    return sorted(found, key=lambda pair: pair[0].start())


def _split_date(text: str) -> tuple[str, dt.date | None]:
    """The line without the date it ends with (in brackets or not), dashes and enclosing
    brackets removed; and that date."""
    line = " ".join(text.split())
    day = None
    found = _dates(line)
    if found and not line[found[-1][0].end():].strip(" ）)】"):
        line, day = line[:found[-1][0].start()].rstrip(" （(【，,"), found[-1][1]
    line = line.strip(_DASHES)
    enclosed = re.fullmatch(r"[（(](.*)[）)]", line)
    return (enclosed[1] if enclosed else line).strip(), day


def _is_unit(text: str) -> bool:
    """A short line naming an organisation (溆浦县妇联, 桥江镇人民政府)."""
    return 0 < len(text) <= UNIT_LENGTH and bool(_ORGANISATION.search(text)) and \
        not re.search(r"[。，；：！？,;:!?]", text) and not OUTLINE.match(text)


def _could_be_title(text: str) -> bool:
    rest, day = _split_date(text)
    return len(text) <= TITLE_LENGTH and "。" not in text and not (day and not rest) and \
        not OUTLINE.match(text)


def _continues_title(first: Paragraph, second) -> bool:
    """A title in two lines looks like one: a short second line, as centred or styled."""
    return isinstance(second, Paragraph) and first.title_like and second.title_like and \
        len(second.text) <= BOLD_HEADING_LENGTH and _could_be_title(second.text) and \
        not second.text.endswith(_END_PUNCTUATION) and \
        not second.text.startswith(tuple(_DASHES)) and not _is_unit(_split_date(second.text)[0])


def _first_paragraph(body: list) -> int:
    return next((n for n, block in enumerate(body) if isinstance(block, Paragraph)), len(body))


def _find_head(blocks: list) -> Head:
    """Title and unit from the first lines, the date from the signature at the end, the unit
    line or the first lines; the lines that held them are taken out of the body."""
    body = list(blocks)
    start = _first_paragraph(body)
    while start < len(body) and _ATTACHMENT.fullmatch(body[start].text):  # 附件2 above the title
        del body[start]
        start = _first_paragraph(body)
    title = unit = day = None
    if start < len(body) and _could_be_title(body[start].text):
        first = body.pop(start)
        title = " ".join(first.text.split())
        if start < len(body) and _continues_title(first, body[start]):
            title += " " + " ".join(body.pop(start).text.split())
        index = start
        for _line in range(HEAD_LINES):
            if index >= len(body) or not isinstance(body[index], Paragraph):
                break
            rest, found = _split_date(body[index].text)
            if not rest and found and day is None:
                day = found
                del body[index]
            elif _is_unit(rest) and unit is None:
                unit, day = rest, day or found
                del body[index]
            elif body[index].text.startswith(tuple(_DASHES.strip())):
                index += 1  # a subtitle (——在全县推进会上的发言) stays the first paragraph
            else:
                break
    signed_unit, signed = _take_signature(body)
    unit = unit or signed_unit
    if signed:
        day = signed
    elif day is None:
        opening = [block.text for block in body if isinstance(block, Paragraph)][:HEAD_LINES]
        day = next((found[0][1] for found in map(_dates, [title or "", *opening]) if found), None)
    return Head(title, unit, day, body)


def _take_signature(body: list) -> tuple[str | None, dt.date | None]:
    """The date on its own line near the end (with the unit on the line above, if it names one),
    taken out of the body."""
    for index in range(len(body) - 1, max(len(body) - 1 - HEAD_LINES, -1), -1):
        if not isinstance(body[index], Paragraph):
            continue
        rest, day = _split_date(body[index].text)
        if day is None or (rest and not _is_unit(rest)):
            continue
        del body[index]
        above = body[index - 1] if index > 0 else None
        if not rest and isinstance(above, Paragraph) and _is_unit(_split_date(above.text)[0]):
            rest = _split_date(body.pop(index - 1).text)[0]
        return rest or None, day
    return None, None


# Markdown ----------------------------------------------------------------------------------

_INLINE = re.compile(r"[\\`*_\[\]{}|#<]|&(?=#?\w+;)")
_CAPTION = re.compile(r"图\s*[\d一二三四五六七八九十]+")


def _escape(text: str) -> str:
    """Characters Markdown would read as markup, made literal (`<` and `&` as entities, since
    a backslash does not escape them)."""
    return _INLINE.sub(lambda m: {"<": "&lt;", "&": "&amp;"}.get(m[0], "\\" + m[0]), text)


def _escape_line(line: str) -> str:
    """Also what would start a block: a quote, a list item (`1.` at the start), a fence."""
    line = _escape(line)
    if line[0] in ">+-":
        return "\\" + line
    if line[0] == "~":  # a fence; a backquote is escaped already
        return "&#126;" + line[1:]
    number = re.match(r"\d+(?=\.)", line)
    return f"{line[:number.end()]}\\{line[number.end():]}" if number else line


def _heading_level(paragraph: Paragraph, text: str, following) -> int | None:
    """`一、` and `篇一` lines are parts (h2), `（一）` lines sections (h3), then Word's heading
    styles; a short bold line without end punctuation, over plain text, is a section as well.
    A long numbered line, or one with a full stop inside, is a paragraph that starts with its
    number, as the build reads pasted text (markup.py)."""
    if len(text) > OUTLINE_HEADING_LENGTH or "。" in text[:-1]:
        return None
    level = outline_level(text) or paragraph.heading
    if level:
        return level
    clearly = paragraph.bold and len(text) <= BOLD_HEADING_LENGTH and \
        not text.endswith(_END_PUNCTUATION) and isinstance(following, Paragraph) and \
        not following.bold
    return 3 if clearly else None


def _markdown(body: list, slug: str) -> tuple[list[str], list[tuple[int, str]], dict[str, bytes]]:
    """Markdown chunks (one per paragraph, heading, table or picture), the warnings with the
    chunk they stand at, and the pictures by file name (named after the report: slug-1.png)."""
    chunks, notes = [], []
    names: dict[bytes, str] = {}  # a picture shown twice is saved once
    for index, block in enumerate(body):
        following = body[index + 1] if index + 1 < len(body) else None
        if isinstance(block, Omission):
            notes.append((len(chunks), block.message))
        elif isinstance(block, Table):
            chunks.append(_table_markdown(block))
        elif isinstance(block, Picture):
            name = names.setdefault(block.data, f"{slug}-{len(names) + 1}{block.suffix}")
            caption = following.text if isinstance(following, Paragraph) and \
                _CAPTION.match(following.text) else ""
            alt = block.description or " ".join(caption.split()) or \
                f"图片{list(names).index(block.data) + 1}"
            chunks.append(f"![{_escape(alt)}]({name})")
        else:  # one line: the build ends a paragraph at a line that ends a sentence
            text = join_hard_wraps(block.text).replace("\n", " ")
            heading = _heading_level(block, text, following)
            chunks.append("#" * heading + " " + _escape(text) if heading else _escape_line(text))
    return chunks, notes, {name: data for data, name in names.items()}


def _table_markdown(table: Table) -> str:
    def row(cells: tuple[str, ...]) -> str:
        return "| " + " | ".join(_escape(cell) for cell in cells) + " |"

    header, *rows = table.rows
    return "\n".join([row(header), "|" + "---|" * len(header), *map(row, rows)])


# Writing -----------------------------------------------------------------------------------

def _report_text(values: dict, chunks: list[str]) -> tuple[str, list[int]]:
    """The report file, and the line each chunk starts on (for warnings)."""
    front = [f'{key}: "{TODO}"' if value is None else
             yaml.safe_dump({key: value}, allow_unicode=True, width=float("inf")).rstrip("\n")
             for key, value in values.items()]
    line, lines = len(front) + 4, []
    for chunk in chunks:
        lines.append(line)
        line += chunk.count("\n") + 2
    return "\n".join(["---", *front, "---", "", "\n\n".join(chunks)]) + "\n", lines or [line]


def _todo_message(key: str, year: int) -> str:
    return {
        "title": _("the document starts with text, not with a title: 'title' is written as TODO "
                   "and the file is named after the document; write the report's title"),
        "unit": _("no issuing unit (a line such as 溆浦县妇联 under the title or above the date "
                  "at the end) was found: 'unit' is written as TODO; write the organisation "
                  "that issued the report"),
        "date": _("no date was found in the document: 'date' is written as TODO and the report "
                  "is put in the folder of this year, {year}; write the date as YYYY-MM-DD and "
                  "move the file to the folder of its year").format(year=year),
        "region": _("'region' is written as TODO: write where the report comes from as a path "
                    "of data/regions.yaml (like 湖南省/怀化市/溆浦县), or give --region when "
                    "importing"),
        "category": _("'category' is written as TODO: write one of the categories of site.yaml, "
                      "or give --category when importing"),
    }[key]


def _refuse_existing(site_dir: Path, report: Path, pictures: list[Path]) -> None:
    """Never replace a file; a report of the same name in another year would share its address."""
    for existing in sorted((site_dir / "content").rglob(report.name)):
        raise UsageError(_("{path} already exists, and a report's file name is its address on "
                           "the site: was the document imported before? Nothing was written; "
                           "remove or rename that file to import again")
                         .format(path=existing.relative_to(site_dir).as_posix()))
    for picture in pictures:
        if (site_dir / picture).exists():
            raise UsageError(_("{path} already exists: nothing was written; remove or rename "
                               "that file to import again").format(path=picture.as_posix()))


def _write_new(site_dir: Path, files: list[tuple[Path, bytes]]) -> None:
    """Write every file, none replacing another; on failure remove those written."""
    written = []
    try:
        (site_dir / files[-1][0]).parent.mkdir(parents=True, exist_ok=True)
        for path, data in files:
            with (site_dir / path).open("xb") as out:
                written.append(site_dir / path)
                out.write(data)
    except OSError as exc:
        for path in written:
            path.unlink(missing_ok=True)
        raise UsageError(_("cannot write {path}: {reason}; nothing was written")
                         .format(path=exc.filename or site_dir, reason=exc.strerror or exc)) \
            from exc
