"""`build.py import 材料.docx`: an experience report (经验交流材料) received as a Word document or
plain text, written as a report of the site (its blocks read by document_blocks.py, its title,
unit and date found by report_head.py).

Real materials are pasted from Word: a title line, a unit line, a date, numbered parts written as
plain `一、` and `（一）` lines, tables and photographs. The title, unit and date become the front
matter, numbered lines become headings, every other paragraph stays a paragraph, escaped so that
Markdown shows it as written. What cannot be found is written as TODO, with a warning."""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import yaml

from ..errors import Problems, UsageError
from ..fields import TODO
from ..i18n import _
from ..markup import OUTLINE_HEADING_LENGTH, outline_level
from ..scaffold import checked_choices, county_of, site_settings
from ..slugs import slugify
from ..text import join_hard_wraps
from .document_blocks import Omission, Paragraph, Picture, Table, read_blocks
from .report_head import BOLD_HEADING_LENGTH, END_PUNCTUATION, find_head


def import_report_document(document: Path, site_dir: Path, *, category: str | None = None,
                           region: str | None = None, problems: Problems) -> list[str]:
    """Write `document` as content/reports/<year>/<slug>.md with its pictures beside it, and
    return the paths written, relative to site_dir (posix): the report first, then its
    pictures. Nothing is written unless everything is known and no file would be replaced."""
    regions, categories, _organiser = site_settings(site_dir)
    region = checked_choices(category, region, categories, regions) or county_of(regions)
    blocks = read_blocks(document, problems)
    if not any(isinstance(block, Paragraph) for block in blocks):
        raise UsageError(_("{name} has no text to import").format(name=document.name))
    head = find_head(blocks)
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
        not text.endswith(END_PUNCTUATION) and isinstance(following, Paragraph) and \
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
