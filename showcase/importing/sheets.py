"""The sheets authors receive (.xlsx, .xls, .csv) read as rows of text, each with a
well-kept reader (openpyxl, xlrd, the csv module): what `import` then looks for headings in."""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import xlrd

from ..errors import UsageError
from ..i18n import _
from . import decoded

_NOT_IN_YAML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ufffe\uffff]")
"""Control characters cells pasted from old systems carry, which a YAML file cannot hold."""


@dataclass(frozen=True)
class Sheet:
    """A sheet's cells as text, every cell of a merged range holding its value."""

    rows: list[list[str]]
    others: tuple[str, ...] = ()
    """The workbook's other sheets that hold something (they are not imported)."""


def read_sheet(path: Path) -> Sheet:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UsageError(_("cannot read {file}: {reason}").format(
            file=path, reason=exc.strerror)) from exc
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _read_csv(data, path.name)
    if suffix not in (".xlsx", ".xls"):
        raise UsageError(_("{file}: only .xlsx, .xls and .csv sheets can be imported; save it "
                           "from Excel as one of these").format(file=path.name))
    # by what the file holds: a workbook saved under the other suffix opens all the same
    reader = _read_xlsx if data.startswith(b"PK") else _read_xls
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl's notes on Excel features it skips
            return reader(data)
    except Exception as exc:  # noqa: BLE001 - the readers fail on damaged files in many ways
        reason = str(exc) or type(exc).__name__
        raise UsageError(_("{file} cannot be opened as an Excel workbook ({reason}); open it in "
                           "Excel and save it again as .xlsx").format(file=path.name,
                                                                      reason=reason)) from exc


def _read_xlsx(data: bytes) -> Sheet:
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=False, data_only=True)
    first, *others = book.worksheets
    rows = [[_cell_text(value) for value in row] for row in first.iter_rows(values_only=True)]
    merged = [(r.min_row - 1, r.max_row, r.min_col - 1, r.max_col)
              for r in first.merged_cells.ranges]
    return Sheet(_filled(rows, merged), tuple(
        s.title for s in others if any(v is not None for row in s.values for v in row)))


def _read_xls(data: bytes) -> Sheet:
    # merged cells are known only with formatting_info
    book = xlrd.open_workbook(file_contents=data, formatting_info=True)
    first, *others = book.sheets()

    def value(cell: xlrd.sheet.Cell):
        if cell.ctype == xlrd.XL_CELL_DATE:
            return xlrd.xldate_as_datetime(cell.value, book.datemode)
        return None if cell.ctype in (xlrd.XL_CELL_ERROR, xlrd.XL_CELL_BLANK) else cell.value

    rows = [[_cell_text(value(cell)) for cell in first.row(r)] for r in range(first.nrows)]
    return Sheet(_filled(rows, first.merged_cells), tuple(s.name for s in others if s.nrows))


def _read_csv(data: bytes, name: str) -> Sheet:
    text = decoded(data)
    if text is None:
        raise UsageError(_("{file} is neither UTF-8 nor GBK text; save it again from Excel as "
                           "CSV UTF-8").format(file=name))
    try:
        rows = [[_cell_text(cell) for cell in row]
                for row in csv.reader(io.StringIO(text, newline=""))]
    except csv.Error as exc:
        raise UsageError(_("{file} cannot be read as CSV ({reason}); save it again from Excel as "
                           "CSV UTF-8").format(file=name, reason=exc)) from exc
    return Sheet(_filled(rows, []))


def _cell_text(value) -> str:
    """A cell as the author sees it: 5.0 from Excel is 5, a date without a time is a date."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        value = value.date()
    text = re.sub(r"\r\n?|[\x85\u2028\u2029]", "\n", str(value))
    return _NOT_IN_YAML.sub("", text).strip()


def _filled(rows: list[list[str]], merged: list[tuple[int, int, int, int]]) -> list[list[str]]:
    """Rows of one width, every cell of a merged range (rows and columns, half open) holding
    the range's value: a township merged over five rows is the township of each."""
    width = max([len(row) for row in rows] + [end for *_rest, end in merged] + [0])
    rows = [row + [""] * (width - len(row)) for row in rows]
    for top, bottom, left, right in merged:
        if top < len(rows):
            for row in rows[top:bottom]:
                row[left:right] = [rows[top][left]] * (right - left)
    return rows
