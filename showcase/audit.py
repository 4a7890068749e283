"""The output audit: the personal-data guard run once more over what the build is about to write.

The input guard (privacy.py) sees only content. Templates, showcase's own code and the search index
also put text into the output, and government sites are audited by scanners that read the
published files, so every text file is checked before anything is written.
"""
from __future__ import annotations

import posixpath
import re

from .errors import Problem
from .i18n import _
from .privacy import Finding, find_personal_data

TEXT_SUFFIXES = frozenset({".html", ".htm", ".xhtml", ".js", ".mjs", ".json", ".webmanifest",
                           ".map", ".xml", ".rss", ".atom", ".txt", ".csv", ".css", ".svg",
                           ".md"})
"""What a scanner reads as text; pictures and other binary files hold no typed numbers."""

_CANDIDATE = re.compile(r"[0-9０-９][0-9０-９ \-－　]{9,}[0-9０-９]")
"""Every number the guard finds holds at least 11 digits, spaces and hyphens in a row (a mobile
number's shortest form), so only lines holding such a run need the full rules."""


def _marked(characters: str) -> bytes:
    """A table for bytes.translate: "1" for each byte the characters use in UTF-8, "0" else."""
    used = set(characters.encode())
    return bytes(0x31 if byte in used else 0x30 for byte in range(256))


_RUN_BYTES = _marked("0123456789０１２３４５６７８９ -－　")
"""Each byte as "1" when it is one of those of the characters of such a run in UTF-8, else "0":
a run of 11 such characters is a run of at least 11 such bytes, found by `bytes.find` in the
file's bytes marked by this table, without decoding the file or scanning it with the regex (a
quarter of the time; most files have no such run)."""
_RUN = b"1" * 11


def is_text_output(path: str) -> bool:
    return posixpath.splitext(path)[1].lower() in TEXT_SUFFIXES


class OutputAudit:
    """Checks each text output as it is made, before anything is swapped in: an error for each
    resident ID, mobile or card number, at its line in that file (`shown_as`/path, so the author
    sees it is a built file), showing the number masked. `allowed` is the set the input guard
    used: numbers the site publishes on purpose."""

    def __init__(self, allowed: frozenset[str], shown_as: str):
        self.allowed, self.shown_as = allowed, shown_as
        self.problems: list[Problem] = []
        self._known: dict[str, list[Finding]] = {}

    def check(self, path: str, data: bytes) -> None:
        if not is_text_output(path):
            return
        for number, line in _candidate_lines(data):
            if line not in self._known:
                self._known[line] = find_personal_data(line, self.allowed)
            self.problems += [Problem(f"{self.shown_as}/{path}", number, _message(f))
                              for f in self._known[line]]


def _candidate_lines(data: bytes):
    """(line number, line) of the lines that may hold a number. The guard's numbers never span
    a line break, so a line is judged alone, and the header and footer every page repeats are
    judged once (a whole-text scan made `check` a third slower). Lines are found in the bytes
    (_RUN_BYTES), only those with a run decoded and looked at with the regex."""
    marks = data.translate(_RUN_BYTES)
    number, counted = 1, 0
    at = marks.find(_RUN)
    while at >= 0:  # (the next run looked for after this one's line)
        start = data.rfind(b"\n", 0, at) + 1
        end = data.find(b"\n", at)
        end = len(data) if end < 0 else end
        number += data.count(b"\n", counted, start)
        counted = start
        line = data[start:end].decode("utf-8", "replace")
        if _CANDIDATE.search(line):
            yield number, line
        at = marks.find(_RUN, end)


def _message(finding: Finding) -> str:
    return _("personal data ({kind}) {masked} in a built file: it is not in the content, so a "
             "template (templates/) or showcase itself wrote it; remove it there, or, if the "
             "office publishes this number on purpose, add it to 'privacy_allow' in site.yaml") \
        .format(kind=_(finding.kind), masked=finding.masked)
