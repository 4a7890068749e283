"""The personal-data guard: resident ID numbers, mobile numbers and bank card numbers found in any
input stop the build (privacy: block), or are published masked (privacy: mask).

Numbers are recognised by their structure, not their length alone (an ID's birth date and check
digit, a card's Luhn sum, a mobile's 1[3-9] prefix), so dates, document numbers (〔2024〕12号),
office numbers (0745-3221234) and statistics are left alone.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from .errors import Problems
from .i18n import N_, _
from .load import SourceText

RESIDENT_ID = N_("resident ID number")
MOBILE = N_("mobile number")
BANK_CARD = N_("bank card number")
"""The kinds of personal data, as findings name them (in English; `_(kind)` in a message)."""

_EDGE_BEFORE = r"(?<![0-9A-Za-z\ue000])"
_EDGE_AFTER = r"(?![0-9A-Za-z])"
_ID_18 = re.compile(_EDGE_BEFORE + r"[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])"
                    r"(?:0[1-9]|[12]\d|3[01])\d{3}[0-9Xx]" + _EDGE_AFTER)
_ID_15 = re.compile(_EDGE_BEFORE + r"[1-9]\d{5}\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}"
                    + _EDGE_AFTER)
_MOBILE = re.compile(_EDGE_BEFORE + r"(?:(?:\+|00)86[ -]?|\(\+?86\) ?)?"
                     r"1[3-9]\d(?:[ -]?\d{4}[ -]?\d{4}|\d{8})" + _EDGE_AFTER)
_CARD = re.compile(_EDGE_BEFORE + r"(?<!\d[ -])(?:\d{13,19}|\d{4}(?:[ -]\d{4}){2,3}(?:[ -]\d{1,3})?)"
                   + _EDGE_AFTER + r"(?![ -]\d)")
_DIGIT_RUN = re.compile(r"\d[\d \-]{9,}\d")
"""What every number above holds (eleven digits or more, single spaces or hyphens between some):
a text without one is not read by each pattern in turn."""
_FULL_WIDTH_CHARACTERS = "０１２３４５６７８９＋－　（）"
_FULL_WIDTH = str.maketrans(_FULL_WIDTH_CHARACTERS, "0123456789+- ()")
"""Full-width digits are read as digits: same length, so every position stays where it was."""
_ANY_FULL_WIDTH = re.compile(f"[{_FULL_WIDTH_CHARACTERS}]")
MASK = "\ue000"
"""Stands for '*' in masked text until rendering, so Markdown does not read 138****5678 as
emphasis nor YAML as an alias; the renderer turns it into '*' (see `unmask_stars`)."""
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


@dataclass(frozen=True)
class Finding:
    """One piece of personal data: what it is, where it stands, how it is shown masked."""

    kind: str
    start: int
    end: int
    masked: str


def digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def number_forms(text: str) -> frozenset[str]:
    """The ways a published number is compared with what the guard finds: its digits (with an
    ID's final X), and a mobile number without its country code."""
    forms = set()
    for written in re.findall(r"\+?[\d０-９][\d０-９ \-－]*[\dXx０-９]", text):
        number = re.sub(r"[^\dX]", "", written.translate(_FULL_WIDTH).upper())
        forms.add(number)
        if len(number) > 11 and number[-11] == "1":
            forms.add(number[-11:])
    return frozenset(forms)


def _real_date(text: str) -> bool:
    try:
        dt.date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        return False
    return True


def is_resident_id(number: str) -> bool:
    """An 18-digit number with a real birth date and a right check digit, or an old 15-digit one
    with a real birth date."""
    number = number.upper()
    if len(number) == 15:
        return number.isdigit() and _real_date("19" + number[6:12])
    if len(number) != 18 or not number[:17].isdigit() or not _real_date(number[6:14]):
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS))
    return _ID_CHECK[total % 11] == number[17]


def passes_luhn(number: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(number)):
        value = int(char) * (2 if index % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def _mask(kind: str, number: str) -> str:
    if kind == MOBILE:
        number = number[-11:]
        return number[:3] + "****" + number[-4:]
    if kind == RESIDENT_ID:
        return number[:6] + "*" * (len(number) - 10) + number[-4:]
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def unmask_stars(text: str) -> str:
    return text.replace(MASK, "*")


def find_personal_data(text: str, allowed: frozenset[str] = frozenset()) -> list[Finding]:
    """Every ID, mobile and card number in `text`, in order; numbers in `allowed` (digits only,
    such as the office's own published contact number) are not personal data."""
    found: list[Finding] = []
    taken: list[tuple[int, int]] = []
    if _ANY_FULL_WIDTH.search(text):  # translate() reads every character, even when none is
        text = text.translate(_FULL_WIDTH)
    if not _DIGIT_RUN.search(text):
        return found

    def add(kind: str, match: re.Match, number: str) -> None:
        if number in allowed or any(s < match.end() and match.start() < e for s, e in taken):
            return
        taken.append((match.start(), match.end()))
        found.append(Finding(kind, match.start(), match.end(), _mask(kind, number)))

    for pattern in (_ID_18, _ID_15):
        for match in pattern.finditer(text):
            if is_resident_id(match.group()):
                add(RESIDENT_ID, match, match.group().upper())
    for match in _MOBILE.finditer(text):
        add(MOBILE, match, digits(match.group())[-11:])
    for match in _CARD.finditer(text):
        number = digits(match.group())
        if 13 <= len(number) <= 19 and passes_luhn(number) and not is_resident_id(number):
            add(BANK_CARD, match, number)
    return sorted(found, key=lambda f: f.start)


def _line_at(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def guard(source: SourceText, mode: str, allowed: frozenset[str],
          problems: Problems) -> SourceText:
    """Report personal data in one file, and return the file with it masked: published so with
    mode 'mask'; with 'block' the build stops anyway, and no later message can quote it."""
    return masked(source, personal_data_in(source, mode, allowed, problems))


def personal_data_in(source: SourceText, mode: str, allowed: frozenset[str],
                     problems: Problems) -> list[Finding]:
    """The personal data in one file, each reported (a warning with mode 'mask', else an
    error); what a build keeps in its memo, rather than the whole masked text."""
    findings = find_personal_data(source.text, allowed)
    for finding in findings:
        line = _line_at(source.text, finding.start)
        if mode == "mask":
            problems.warning(source.path, line, _("personal data ({kind}) is published masked "
                                                  "as {masked}")
                             .format(kind=_(finding.kind), masked=finding.masked))
        else:
            problems.error(source.path, line, _("personal data ({kind}) {masked}: remove it, or "
                                                "set 'privacy: mask' in site.yaml to publish it "
                                                "masked")
                           .format(kind=_(finding.kind), masked=finding.masked))
    return findings


def masked(source: SourceText, findings: list[Finding]) -> SourceText:
    """The file with each finding masked (the file itself when there is none)."""
    if not findings:
        return source
    text, end = [], 0
    for finding in findings:
        text += [source.text[end:finding.start], finding.masked.replace("*", MASK)]
        end = finding.end
    return SourceText(source.path, "".join(text) + source.text[end:])


def guard_file_name(path: str, allowed: frozenset[str], problems: Problems) -> None:
    """A file name is part of a page's address: personal data there must be renamed away."""
    for finding in find_personal_data(path, allowed):
        problems.error(mask_personal_data(path), 1, _("personal data ({kind}) {masked} in the "
                                                      "file name: rename the file")
                       .format(kind=_(finding.kind), masked=finding.masked))


def mask_personal_data(text: str) -> str:
    """`text` with every number the guard would find shown masked: for messages, which quote
    paths and values and must never print a resident's number in full."""
    findings = find_personal_data(text)
    out, end = [], 0
    for finding in findings:
        out += [text[end:finding.start], finding.masked]
        end = finding.end
    return "".join(out) + text[end:]
