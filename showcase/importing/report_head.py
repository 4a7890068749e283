"""The head of a received report: its title and issuing unit from the first lines, its date from
the signature at the end (or the lines under the title), those lines taken out of the body."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from ..markup import OUTLINE
from .document_blocks import Paragraph


BOLD_HEADING_LENGTH = 30
"""A bold line no longer than this, without end punctuation, may be a heading or a title's
second line."""
TITLE_LENGTH = 60
UNIT_LENGTH = 40
HEAD_LINES = 3
"""Lines under the title (or above the end) that may hold the unit and the date."""


@dataclass(frozen=True)
class Head:
    """What the first and last lines said, and the blocks left for the body."""

    title: str | None
    unit: str | None
    date: dt.date | None
    body: list


END_PUNCTUATION = tuple("。，；：！？、,.;:!?…")
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
        not second.text.endswith(END_PUNCTUATION) and \
        not second.text.startswith(tuple(_DASHES)) and not _is_unit(_split_date(second.text)[0])


def _first_paragraph(body: list) -> int:
    return next((n for n, block in enumerate(body) if isinstance(block, Paragraph)), len(body))


def find_head(blocks: list) -> Head:
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
