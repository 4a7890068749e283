"""`build.py import 名单.xlsx`: an honour list as a county sends it (an Excel or CSV sheet with a
title row, Chinese headings, merged township cells) written as data/households/*.yaml.

The whole sheet is read and checked before anything is written, so an import is never left half
done; ID and phone numbers, and addresses beyond their place names, never leave the sheet."""
from __future__ import annotations

import difflib
import os
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from openpyxl.utils import get_column_letter

from ..errors import Problems, UsageError
from ..fields import TODO
from ..i18n import _
from ..load import SourceText, decode
from ..model import COUNTY_DEPTH, RegionTree
from ..privacy import BANK_CARD, MOBILE, RESIDENT_ID, find_personal_data
from ..regions import REGIONS_FILE, parse_regions
from ..scaffold import checked_region, county_of, list_stem, yaml_value
from .new_places import with_places
from .sheets import Sheet, read_sheet

FIELDS = ("name", "head", "township", "village", "address", "members", "honour", "year",
          "story", "tags", "ignore")
"""What --map may call a column."""
HEADINGS = {
    "序号": "ignore", "姓名": "head", "户主": "head", "户主姓名": "head", "家庭名称": "name",
    "所在乡镇": "township", "所在乡镇(街道)": "township", "乡镇(街道)": "township",
    "乡镇": "township", "所在村": "village", "所在村(社区)": "village", "村(社区)": "village",
    "村": "village", "地址": "address", "家庭人口": "members", "荣誉称号": "honour",
    "年度": "year", "事迹": "story", "主要事迹": "story", "先进事迹": "story",
}
"""The usual headings, as `_normalised` writes them (half-width brackets, no spaces)."""
PRIVATE_HEADINGS = {"身份证": RESIDENT_ID, "证件号码": RESIDENT_ID, "电话": MOBILE,
                    "手机": MOBILE, "联系方式": MOBILE}
"""Words of a heading whose column is never imported, whatever --map says."""
HEADING_ROWS = 20
"""How far down the heading row is looked for (titles and notes stand above it)."""
LONG_STORY = 60
"""A story longer than this many characters is written as a `|` block."""
HOUSEHOLDS = "data/households"
_HAN = re.compile(r"[\u3400-\u9fff]")



@dataclass(frozen=True)
class _Layout:
    """Where a sheet's parts stand: its title, heading row, the column of each field."""

    title: str
    heading_row: int
    labels: dict[str, str]
    """The heading of each field's column, as written."""
    rows: list[tuple[int, dict[str, str]]]
    """The rows below the headings: row number as Excel shows it, text of each field."""


@dataclass(frozen=True)
class _Household:
    row: int
    name: str
    head: str
    place: tuple[str, str]
    """Township and village as the sheet writes them (either may be empty)."""
    region: str | None
    """Its path in the region tree; None while the tree lacks it."""
    members: int | None
    story: str
    tags: tuple[str, ...]
    honour: str
    year: int


def import_honour_sheet(sheet: Path, site_dir: Path, *, mapping: dict[str, str] | None = None,
                        add_regions: bool = False, county: str | None = None,
                        problems: Problems) -> list[str]:
    """Write the sheet's households as honour lists, one file per honour and year, and with
    `add_regions` the places data/regions.yaml lacks into it. `county` (a region path)
    narrows where places are looked for, and is where new ones go.

    Returns the paths written, relative to `site_dir`, regions.yaml first: a list file that
    already holds exactly this import is left as it is and not returned, so a second import
    of the same sheet writes nothing. Raises ContentError with every problem before writing
    anything; UsageError for a sheet that cannot be read or a bad option."""
    wanted = _wanted_columns(mapping or {})
    grid = read_sheet(sheet)
    file = sheet.name
    regions_text, tree = _regions(site_dir, problems)
    problems.raise_if_errors()
    # a site of one county: its places are looked for, and added, there
    within = checked_region(county, tree) if county else county_of(tree)
    layout = _layout(grid, wanted, file, problems)
    problems.raise_if_errors()
    places = _Places(tree, within)
    households = _households(layout, places, _title_honour(layout.title, tree),
                             _title_year(layout.title), file, problems)
    county = within or _single_county(h.region for h in households if h.region)
    missing = [h for h in households if h.region is None]
    new_regions = None
    if missing and add_regions:
        new_regions = with_places(regions_text, tree, county,
                                  [(h.row, h.place) for h in missing], file, problems)
        households = [h if h.region else replace(h, region="/".join(
            [county or "", *filter(None, h.place)])) for h in households]
    else:
        for household in missing:
            _report_missing(household, places, within, file, problems)
    outputs = _list_files([h for h in households if h.region], layout.title, county, file,
                          problems)
    if new_regions is not None:
        outputs.insert(0, (REGIONS_FILE, new_regions))
    changed = [(rel, text) for rel, text in outputs if _to_write(site_dir, rel, text, problems)]
    problems.raise_if_errors()
    for rel, text in changed:
        _write(site_dir / rel, text)
    return [rel for rel, _text in changed]


def _wanted_columns(mapping: dict[str, str]) -> dict[str, str]:
    for heading, field in mapping.items():
        if field not in FIELDS:
            raise UsageError(_("--map {heading}={field}: {field} is not a field; use one of "
                               "{fields}").format(heading=heading, field=field,
                                                  fields=", ".join(FIELDS)))
    return {_normalised(heading): field for heading, field in mapping.items()}


# Finding the headings and the rows ----------------------------------------------------------

def _normalised(heading: str) -> str:
    """所在村（社区）, 所在村(社区) and 所在村 (社区) over two lines of a cell are one heading."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", heading))


def _private_kind(heading: str) -> str | None:
    return next((kind for word, kind in PRIVATE_HEADINGS.items() if word in heading), None)


def _field_of(heading: str, wanted: dict[str, str]) -> str | None:
    key = _normalised(heading)
    return wanted.get(key) or HEADINGS.get(key)


def _known(heading: str, wanted: dict[str, str]) -> bool:
    return bool(heading) and (_field_of(heading, wanted) is not None or
                              _private_kind(_normalised(heading)) is not None)


def _layout(sheet: Sheet, wanted: dict[str, str], file: str, problems: Problems
            ) -> _Layout | None:
    """The sheet's title, headings and household rows; None (with errors) without them."""
    for name in sheet.others:
        problems.warning(file, 1, _("only the first sheet is imported; the sheet {sheet} is "
                                    "left out (save it as a workbook of its own to import it)"
                                    ).format(sheet=name))
    rows = sheet.rows
    if not any(any(row) for row in rows):
        problems.error(file, 1, _("the sheet is empty"))
        return None
    found = _headings(rows, wanted)
    if found is None:
        problems.error(file, 1, _("no heading row found: none of the first {count} rows has two "
                                  "of the headings 姓名, 家庭名称, 所在乡镇, 所在村, 荣誉称号, "
                                  "年度; add such a row above the households, or name the "
                                  "columns with --map").format(count=HEADING_ROWS))
        return None
    heading_row, headings, first = found
    present = {_normalised(h) for h in headings}
    for heading in wanted.keys() - present:
        raise UsageError(_("--map {heading}: the sheet has no column {heading}; its columns are "
                           "{columns}").format(heading=heading, columns=", ".join(
                               " ".join(h.split()) for h in headings if h)))
    columns = _columns(headings, rows[first:], wanted, file, heading_row, problems)
    if not {"name", "head"} & columns.keys():
        problems.error(file, heading_row, _(
            "the sheet has no column for the household's name: head one 姓名, 户主 or 家庭名称, "
            "or give --map COLUMN=head"))
    if not {"township", "village", "address"} & columns.keys():
        problems.error(file, heading_row, _(
            "the sheet has no column for the household's place: head them 所在乡镇 and 所在村 "
            "(or 地址), or give --map COLUMN=township"))
    households = []
    for number, row in enumerate(rows[first:], first + 1):
        cells = {field: row[index] for field, index in columns.items()}
        filled = [cell for cell in row if cell]
        if len(filled) >= 3 and len(set(filled)) == 1:  # a note or a section line merged across
            problems.warning(file, number, _("row {row} is not a household and is left out: "
                                             "{text}").format(row=number, text=filled[0][:40]))
        elif any(cells.values()) and _heading_count(row, wanted) < 2:  # a heading printed again
            households.append((number, cells))
    if not households:
        problems.error(file, heading_row, _("the sheet has no households below its heading row"))
    if problems.errors:
        return None
    above = [next(cell for cell in row if cell) for row in rows[:heading_row - 1] if any(row)]
    title = max(above, key=lambda text: ("名单" in text, len(text)), default="")
    return _Layout(" ".join(title.split()), heading_row,
                   {field: " ".join(headings[i].split()) for field, i in columns.items()},
                   households)


def _headings(rows: list[list[str]], wanted: dict[str, str]
              ) -> tuple[int, list[str], int] | None:
    """The heading row (from 1), its headings, and where the households start (from 0): the
    first row with two known headings, read with a second such row under it (a merged 所在地
    over 乡镇 and 村 makes one)."""
    at = next((i for i, row in enumerate(rows[:HEADING_ROWS])
               if _heading_count(row, wanted) >= 2), None)
    if at is None:
        return None
    below = rows[at + 1] if at + 1 < len(rows) else []
    if _heading_count(below, wanted) < 2:
        return at + 1, rows[at], at + 1
    return at + 1, [low if _known(low, wanted) else high for high, low in zip(rows[at], below)], \
        at + 2


def _heading_count(row: list[str], wanted: dict[str, str]) -> int:
    return sum(_known(cell, wanted) for cell in row)


def _columns(headings: list[str], data: list[list[str]], wanted: dict[str, str], file: str,
             line: int, problems: Problems) -> dict[str, int]:
    """The column of each field; columns of personal numbers, found by their heading or their
    cells, are dropped, and every column left out is named in a warning."""
    dropped = {
        RESIDENT_ID: _("column {column} holds ID numbers: not imported"),
        MOBILE: _("column {column} holds phone numbers: not imported"),
        BANK_CARD: _("column {column} holds bank card numbers: not imported"),
    }
    chosen: dict[str, int] = {}
    for index, heading in enumerate(headings):
        label = " ".join(heading.split()) or get_column_letter(index + 1)
        field = _field_of(heading, wanted)
        cells = [row[index] for row in data if row[index]]
        kind = _private_kind(_normalised(heading))
        if kind is None and field != "ignore":
            kind = next((found[0].kind for found in (find_personal_data(cell) for cell in cells
                                                     if not _HAN.search(cell)) if found), None)
        if kind is not None:
            problems.warning(file, line, dropped[kind].format(column=label))
        elif field is None and heading:
            problems.warning(file, line, _(
                "column {column} is not imported; to import it, give --map {column}=FIELD with "
                "FIELD one of {fields}").format(column=label, fields=", ".join(FIELDS)))
        elif field is None and cells:
            problems.warning(file, line, _("column {column} has no heading and is not imported"
                                           ).format(column=label))
        elif field in chosen:
            problems.warning(file, line, _("column {column} is not imported: column {other} "
                                           "gives the {field} already").format(
                column=label, other=" ".join(headings[chosen[field]].split()), field=field))
        elif field is not None and field != "ignore":
            chosen[field] = index
    return chosen


# The households ------------------------------------------------------------------------------

def _households(layout: _Layout, places: _Places, title_honour: str, title_year: int | None,
                file: str, problems: Problems) -> list[_Household]:
    """The rows as households, each placed in the tree when it has its place (region None
    when the tree lacks it); a row in fault is reported and left out."""
    labels = layout.labels
    if "honour" not in labels and not title_honour:
        problems.error(file, layout.heading_row, _(
            "the sheet does not say which honour it confers: add a 荣誉称号 column, or a title "
            "row above the headings like 2024年度溆浦县平安家庭示范户名单"))
    if "year" not in labels and title_year is None:
        problems.error(file, layout.heading_row, _(
            "the sheet does not say which year it is for: add a 年度 column, or a title row "
            "above the headings like 2024年度溆浦县平安家庭示范户名单"))
    result = []
    for row, cells in layout.rows:
        before = len(problems.errors)
        for field, text in cells.items():
            # the address is never written (only its place names are read)
            for found in () if field == "address" else find_personal_data(text):
                problems.error(file, row, _("row {row}: the {column} cell holds personal data "
                                            "({number}): remove it from the sheet, then import "
                                            "again").format(row=row, column=labels[field],
                                                            number=found.masked))
        one_line = {field: " ".join(text.split()) for field, text in cells.items()}
        head = one_line.get("head", "")
        name = one_line.get("name") or (head + "家庭" if head else "")
        place = (one_line.get("township", ""), one_line.get("village", ""))
        region = None
        if not name:
            problems.error(file, row, _("row {row}: the household has no name: fill in its 姓名 "
                                        "or 家庭名称 cell").format(row=row))
        elif any(place):
            region = places.find(place, row, file, problems)
        elif one_line.get("address"):
            region = places.in_address(one_line["address"], row, file, problems)
            place = tuple(region.split("/")[-2:]) if region else place
        else:
            problems.error(file, row, _("row {row}: {name} has no place: fill in its 所在乡镇 and "
                                        "所在村 cells").format(row=row, name=name))
        members = _number(one_line.get("members", ""), r"(\d+)\s*[人口]?", "members", row,
                          labels, file, problems)
        year = _number(one_line.get("year", ""), r"((?:19|20)\d{2})\s*(?:年度?)?", "year", row,
                       labels, file, problems) or title_year
        honour = re.sub(r"[“”\"]", "", one_line.get("honour", "")) or title_honour
        for field, value in (("honour", honour), ("year", year)):
            if not value and field in labels:
                problems.error(file, row, _("row {row}: the {column} cell is empty").format(
                    row=row, column=labels[field]))
        if len(problems.errors) == before and honour and year:
            paragraphs = [line.strip() for line in cells.get("story", "").split("\n")]
            result.append(_Household(
                row, name, head, place, region, members,
                "\n\n".join(p for p in paragraphs if p), _tags(one_line.get("tags", "")),
                honour, year))
    return result


def _number(text: str, pattern: str, field: str, row: int, labels: dict[str, str], file: str,
            problems: Problems) -> int | None:
    if not text:
        return None
    match = re.fullmatch(pattern, text)
    if match and int(match.group(1)) > 0:
        return int(match.group(1))
    message = _("row {row}: {column} must be a year like 2024, not {value}") if field == "year" \
        else _("row {row}: {column} must be a whole number, not {value}")
    problems.error(file, row, message.format(row=row, column=labels[field], value=text))
    return None


def _tags(text: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(t for t in re.split(r"[、,，;；\s]+", text) if t))


def _title_year(title: str) -> int | None:
    match = re.search(r"((?:19|20)\d{2})\s*年", title)
    return int(match.group(1)) if match else None


def _title_honour(title: str, tree: RegionTree) -> str:
    """The honour a title names: “2024年度溆浦县“平安家庭”示范户名单” confers 平安家庭示范户."""
    text = re.sub(r"^附件\s*\d*\s*[:：]?|(?:19|20)\d{2}\s*年度?|名单\s*$", "", title.strip())
    for name in sorted({region.name for region in tree.regions.values()}, key=len, reverse=True):
        text = text.replace(name, "")
    return re.sub(r"[\s“”\"'‘’「」『』《》]", "", text)


# Places in the region tree ------------------------------------------------------------------

class _Places:
    """Finds a township and village of a sheet in the tree, anywhere or within one county."""

    def __init__(self, tree: RegionTree, within: str | None):
        self.tree = tree
        self.by_names: dict[tuple[str, ...], list[str]] = {}
        for path in tree.regions:
            if within is None or path.startswith(within + "/"):
                parts = tuple(path.split("/"))
                for size in (1, 2):
                    if len(parts) > size:
                        self.by_names.setdefault(parts[-size:], []).append(path)

    def find(self, place: tuple[str, str], row: int, file: str, problems: Problems) -> str | None:
        return self._one(self.by_names.get(tuple(p for p in place if p), []), place, row, file,
                         problems)

    def in_address(self, address: str, row: int, file: str, problems: Problems) -> str | None:
        """The region whose township and village an address names, in that order (the rest
        of the address is personal and goes no further)."""
        found: set[str] = set()
        for names, paths in self.by_names.items():
            at = address.find(names[0]) if len(names) == 2 else -1
            if at >= 0 and address.find(names[1], at + len(names[0])) >= 0:
                found.update(paths)
        # 溆浦县桥江镇龙潭村 names 溆浦县 桥江镇 too: the deepest place is the household's
        deepest = max((path.count("/") for path in found), default=0)
        found = sorted(path for path in found if path.count("/") == deepest)
        if not found:
            problems.error(file, row, _("row {row}: the address names no township and village "
                                        "of {file}: add 所在乡镇 and 所在村 columns").format(
                row=row, file=REGIONS_FILE))
            return None
        return self._one(found, tuple(found[0].split("/")[-2:]), row, file, problems)

    def _one(self, paths: list[str], place: tuple[str, ...], row: int, file: str,
             problems: Problems) -> str | None:
        if len(paths) > 1:
            problems.error(file, row, _(
                "row {row}: {place} is found in more than one place ({paths}): give the county "
                "with --region, like --region {path}").format(
                row=row, place=_shown(place), paths=", ".join(paths),
                path=_county_of(paths[0])))
            return None
        return paths[0] if paths else None

    def similar(self, place: tuple[str, str]) -> str | None:
        """The existing name nearest to the part of `place` the tree lacks: a hint to the
        author, never a guess the import acts on."""
        townships = self.by_names.get(place[:1], []) if all(place) else []
        if townships:
            wanted, pool = place[1], [self.tree[c].name for t in townships
                                      for c in self.tree[t].children]
        else:
            wanted, pool = next(p for p in place if p), sorted(
                {names[0] for names in self.by_names if len(names) == 1})
        near = difflib.get_close_matches(wanted, pool, n=1, cutoff=0.6)
        return near[0] if near else None


def _shown(place: tuple[str, ...]) -> str:
    return " ".join(p for p in place if p)


def _county_of(path: str) -> str:
    return "/".join(path.split("/")[:COUNTY_DEPTH])


def _single_county(regions: Iterable[str]) -> str | None:
    counties = {_county_of(region) for region in regions}
    return counties.pop() if len(counties) == 1 else None


def _report_missing(household: _Household, places: _Places, within: str | None, file: str,
                    problems: Problems) -> None:
    near = places.similar(household.place)
    hint = _(" (a similar existing name: {name})").format(name=near) if near else ""
    place, row = _shown(household.place), household.row
    if within:
        message = _("row {row}: {place} is not in {file} under {region}: it must be added there "
                    "(or import with --add-regions){hint}").format(
            row=row, place=place, file=REGIONS_FILE, region=within, hint=hint)
    else:
        message = _("row {row}: {place} is not in {file}: it must be added there (or import with "
                    "--add-regions){hint}").format(row=row, place=place, file=REGIONS_FILE,
                                                   hint=hint)
    problems.error(file, row, message)


def _regions(site_dir: Path, problems: Problems) -> tuple[str, RegionTree]:
    """regions.yaml as written (BOM and line ends kept, for adding to it), and its tree."""
    path = site_dir / REGIONS_FILE
    try:
        data = path.read_bytes()
    except OSError:
        problems.error(REGIONS_FILE, 0, _("{file} is missing or cannot be read: the import "
                                          "places each household in it").format(file=REGIONS_FILE))
        return "", RegionTree({})
    text = decode(data, REGIONS_FILE, problems)
    if text is None:
        return "", RegionTree({})
    return data.decode("utf-8"), parse_regions(SourceText(REGIONS_FILE, text), problems)


# Writing the lists ---------------------------------------------------------------------------

def _list_files(households: list[_Household], title: str, county: str | None, file: str,
                problems: Problems) -> list[tuple[str, str]]:
    """One list file per honour and year, in the order the sheet names them."""
    groups: dict[tuple[str, int], list[_Household]] = {}
    for household in households:
        groups.setdefault((household.honour, household.year), []).append(household)
    county_name = county.rsplit("/", 1)[-1] if county else ""
    files, taken = [], set()
    for (honour, year), group in groups.items():
        first_row: dict[tuple[str, str | None], int] = {}
        for h in group:
            other = first_row.setdefault((h.name, h.region), h.row)
            if other != h.row:
                problems.error(file, h.row, _("row {row}: {name} of {place} is listed twice (also "
                                              "row {other})").format(
                    row=h.row, name=h.name, place=_shown(h.place), other=other))
        stem = list_stem(year, county, honour)
        base, n = stem, 2
        while stem in taken:  # two honours of one pinyin
            stem, n = f"{base}-{n}", n + 1
        taken.add(stem)
        list_title = title if len(groups) == 1 and title else f"{year}年度{county_name}{honour}名单"
        files.append((f"{HOUSEHOLDS}/{stem}.yaml", _list_text(list_title, honour, year, group)))
    return files


def _list_text(title: str, honour: str, year: int, households: list[_Household]) -> str:
    """The list file, households grouped by place under a `# 乡镇 村` line as authors write
    them; awarded_by and date are left TODO for the author (the sheet does not hold them)."""
    lines = ["list:", "  title: " + yaml_value(title), "  honour: " + yaml_value(honour),
             f"  year: {year}",
             f"  awarded_by: {TODO}  # 请填写命名单位，如：××县“平安家庭”创建活动领导小组",
             f"  date: {TODO}  # 请填写命名日期，写作“年-月-日”，如：{year}-12-20",
             "households:"]
    by_place: dict[str, list[_Household]] = {}
    for household in households:
        by_place.setdefault(household.region, []).append(household)
    for region, group in by_place.items():
        if lines[-1] != "households:":
            lines.append("")
        lines.append("  # " + (" ".join(region.split("/")[COUNTY_DEPTH:]) or region))
        for h in group:
            lines.append("  - name: " + yaml_value(h.name))
            for key, value in (("head", h.head), ("region", region), ("members", h.members),
                               ("tags", list(h.tags))):
                if value:
                    lines.append(f"    {key}: {yaml_value(value)}")
            if "\n" in h.story or len(h.story) > LONG_STORY:
                lines.append("    story: |")
                lines += [f"      {line}" if line else "" for line in h.story.split("\n")]
            elif h.story:
                lines.append("    story: " + yaml_value(h.story))
    return "\n".join(lines) + "\n"


def _to_write(site_dir: Path, rel: str, text: str, problems: Problems) -> bool:
    """Whether to write `text` to `rel`: not when the file holds it already, and never over a
    file that holds anything else (regions.yaml is only added to) nor through a link that
    leads out of the site."""
    path = site_dir / rel
    if not path.resolve().is_relative_to(site_dir.resolve()):
        problems.error(rel, 0, _("this is a link to a place outside the site folder: the "
                                 "import writes only inside the site"))
        return False
    if rel == REGIONS_FILE or not path.exists():
        return True
    if path.is_file() and path.read_bytes() == text.encode("utf-8"):
        return False
    problems.error(rel, 0, _("this file exists and differs from what the import would write: "
                             "move or delete it, then import again"))
    return False


def _write(path: Path, text: str) -> None:
    """Written whole or not at all (a stopped import leaves no half file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.importing")
    partial.write_bytes(text.encode("utf-8"))
    os.replace(partial, path)
