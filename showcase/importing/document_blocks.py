"""A received document (.docx through python-docx, or .txt as Windows tools save it) read as
the blocks `import` makes a report of: paragraphs with how they look, tables, pictures, and
what could not be taken over (a warning where it stood)."""
from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import docx
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.exceptions import PythonDocxError
from docx.opc.exceptions import OpcError
from docx.table import Table as WordTable
from docx.text.hyperlink import Hyperlink
from lxml import etree
from PIL import Image, UnidentifiedImageError

from ..errors import Problems, UsageError
from ..i18n import _
from ..load import strip_control_characters
from . import decoded


WEB_PICTURES = {"PNG": ".png", "JPEG": ".jpg", "MPO": ".jpg", "GIF": ".gif", "WEBP": ".webp"}
"""Formats every browser shows, as Pillow names them (MPO: a phone's JPEG); Word also holds
EMF and WMF drawings, which none does."""


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


def read_blocks(document: Path, problems: Problems) -> list:
    """The document's paragraphs, tables, pictures and what could not be taken over, in order."""
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
