"""Typed reading of YAML mappings (site.yaml, front matter, honour lists) with located messages.

Each accessor returns a clean Python value or None and records what is wrong at the key's line,
so one pass over a file reports all of its faults.
"""
from __future__ import annotations

import datetime as dt
import difflib

from .errors import Problems
from .i18n import _
from .load import strip_control_characters
from .text import parse_date
from .yamlfile import YAML_FAILED, LineDict, LineList, report_full_width_colons

TODO = "TODO"
"""What `new` and `import` write where only the author knows the value."""
REFERENCE = "docs/reference.md"
"""Where every format is described, for messages to point at."""
_SECTIONS = (("site.yaml", "#site-yaml"), ("content/", "#front-matter"),
             ("data/households/", "#honour-list"), ("data/regions.yaml", "#regions"))


def reference_for(path: str) -> str:
    """The section of the reference that describes the file at `path`."""
    return REFERENCE + next((anchor for start, anchor in _SECTIONS if path.startswith(start)), "")


class Fields:
    """One YAML mapping being validated against the keys it may have; `what` names it in
    messages, in the author's language (`_("a report")`)."""

    def __init__(self, data: LineDict, path: str, problems: Problems, what: str):
        self.data, self.path, self.problems, self.what = data, path, problems, what

    def line(self, key: str) -> int:
        return self.data.line_of(key)

    def error(self, key: str, message: str) -> None:
        self.problems.error(self.path, self.line(key), message)

    def warn_unknown(self, known: tuple[str, ...]) -> None:
        """Unknown keys are warnings naming the nearest known key, never silently ignored."""
        for key in self.data:
            if key in known:
                continue
            near = difflib.get_close_matches(str(key), known, n=1, cutoff=0.5)
            message = _("unknown key '{key}' in {what} is ignored; did you mean '{near}'?") \
                if near else _("unknown key '{key}' in {what} is ignored; known keys: {keys} "
                               "(see {reference})")
            self.problems.warning(self.path, self.line(key), message.format(
                key=key, what=self.what, near=near[0] if near else "", keys=", ".join(known),
                reference=reference_for(self.path)))

    def _missing(self, key: str, required: bool) -> bool:
        value = self.data.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.problems.error(self.path, self.line(key) if key in self.data
                                    else self.data.line,
                                    _("{what} needs '{key}' (see {reference})").format(
                                        what=self.what, key=key,
                                        reference=reference_for(self.path)))
            return True
        return False

    def text(self, key: str, required: bool = False) -> str | None:
        if self._missing(key, required):
            return None
        value = self.data[key]
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            self.error(key, _("'{key}' must be text, not {kind}").format(key=key,
                                                                        kind=_kind(value)))
            return None
        if str(value).strip() == TODO:
            self.error(key, _("'{key}' still says TODO: write in what it should say "
                              "(see {reference})").format(key=key,
                                                          reference=reference_for(self.path)))
            return None
        # a YAML escape such as "\0" can still make one after the file itself was cleaned
        return strip_control_characters(str(value), self.path, self.problems,
                                        self.line(key)).strip()

    def date(self, key: str, required: bool = False) -> dt.date | None:
        raw = self.text(key, required)
        if raw is None:
            return None
        day = parse_date(raw)
        if day is None:
            self.error(key, _("'{key}' must be a real date written YYYY-MM-DD (like "
                              "2024-12-20), not '{value}'").format(key=key, value=raw))
        return day

    def integer(self, key: str, required: bool = False, minimum: int | None = None) -> int | None:
        if self._missing(key, required):
            return None
        value = self.data[key]
        if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
            value = int(value)  # year: "2024" quoted is still a year
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(key, _("'{key}' must be a whole number, not {value}")
                       .format(key=key, value=_describe(value)))
            return None
        if minimum is not None and value < minimum:
            self.error(key, _("'{key}' must be at least {minimum}, not {value}")
                       .format(key=key, minimum=minimum, value=value))
            return None
        return value

    def flag(self, key: str) -> bool:
        value = self.data.get(key, False)
        if value is None:
            return False
        if not isinstance(value, bool):
            self.error(key, _("'{key}' must be true or false, not {value}")
                       .format(key=key, value=_describe(value)))
            return False
        return value

    def text_list(self, key: str) -> tuple[str, ...]:
        """A list of short texts; a single text is taken as a list of one."""
        value = self.data.get(key)
        if value is None:
            return ()
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            value = LineList([value])
            value.line = self.line(key)
        if not isinstance(value, LineList):
            self.error(key, _("'{key}' must be a list like [a, b], not {kind}")
                       .format(key=key, kind=_kind(value)))
            return ()
        items = []
        for index, item in enumerate(value):
            if isinstance(item, bool) or not isinstance(item, (str, int, float)):
                self.problems.error(self.path, value.line_of(index),
                                    _("each item of '{key}' must be text, not {kind}")
                                    .format(key=key, kind=_kind(item)))
            else:
                item = strip_control_characters(str(item), self.path, self.problems,
                                                value.line_of(index)).strip()
                if item:
                    items.append(item)
        return tuple(dict.fromkeys(items))


def _kind(value) -> str:
    if isinstance(value, dict):
        return _("a mapping")
    if isinstance(value, list):
        return _("a list")
    if isinstance(value, bool):
        return _("true/false")
    if isinstance(value, str):
        return _("plain text")
    return _("a number") if isinstance(value, (int, float)) else type(value).__name__


def _describe(value) -> str:
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return _("'{value}'").format(value=value)  # quoted as the author's language quotes
    return _kind(value)


def expect_mapping(data, path: str, problems: Problems, what: str,
                   first_line: int = 1) -> LineDict | None:
    """The top of a YAML document must be a mapping; say so where it starts otherwise."""
    if isinstance(data, LineDict):
        return data
    if data is YAML_FAILED:
        return None
    if isinstance(data, str) and report_full_width_colons(data, path, problems, first_line):
        return None
    line = getattr(data, "line", first_line) or first_line
    problems.error(path, line, _("{what} must be a set of 'key: value' lines, not {kind} "
                                 "(see {reference})")
                   .format(what=what, kind=_kind(data), reference=reference_for(path))
                   if data is not None
                   else _("{what} is empty").format(what=what))
    return None
