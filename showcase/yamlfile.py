"""YAML parsing that remembers where each key stands, so errors can name the line.

Dates are left as text (the validator checks them and says what is wrong, instead of PyYAML
raising on 2024-02-30), and a key written twice in one mapping is reported, never silently dropped.
"""
from __future__ import annotations

import re

import yaml

from .errors import Problems
from .i18n import _


class LineDict(dict):
    """A mapping from YAML; `line` is where it starts, `lines[key]` where each key stands."""

    line: int = 0

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.lines: dict = {}

    def line_of(self, key) -> int:
        return self.lines.get(key, self.line)


class LineList(list):
    """A sequence from YAML; `lines[i]` is where item i starts."""

    line: int = 0

    def __init__(self, *args):
        super().__init__(*args)
        self.lines: list[int] = []

    def line_of(self, index: int) -> int:
        return self.lines[index] if index < len(self.lines) else self.line


class _Failed:
    """The value parse_yaml returns for a file whose syntax error it has already reported."""

    def __repr__(self) -> str:
        return "YAML_FAILED"


YAML_FAILED = _Failed()


class _DuplicateKey(yaml.MarkedYAMLError):
    pass


class _LineLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """A safe loader (libyaml's when present: large lists load several times faster) without
    the timestamp resolver, building LineDict/LineList."""


_LineLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    mapping = LineDict()
    mapping.line = node.start_mark.line + 1
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, (str, int, float, bool)) and key is not None:
            raise yaml.constructor.ConstructorError(
                None, None, _("a key must be plain text"), key_node.start_mark)
        if key in mapping:
            raise _DuplicateKey(
                None, None, _("the key '{key}' is written twice (line {line} and here); keep "
                              "one").format(key=key, line=mapping.lines[key]),
                key_node.start_mark)
        mapping[key] = loader.construct_object(value_node, deep=True)
        mapping.lines[key] = key_node.start_mark.line + 1
    return mapping


def _construct_sequence(loader: _LineLoader, node: yaml.SequenceNode) -> LineList:
    items = LineList(loader.construct_object(child, deep=True) for child in node.value)
    items.line = node.start_mark.line + 1
    items.lines = [child.start_mark.line + 1 for child in node.value]
    return items


_LineLoader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)
_LineLoader.add_constructor("tag:yaml.org,2002:seq", _construct_sequence)


def parse_yaml(text: str, path: str, problems: Problems, first_line: int = 1):
    """Parse YAML text; on a syntax error record it at its line and return YAML_FAILED.

    `first_line` is the file line the text starts on (front matter starts on line 2).
    """
    padded = "\n" * (first_line - 1) + text  # so marks carry the file's own line numbers
    try:
        return yaml.load(padded, Loader=_LineLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        if report_full_width_colons(padded, path, problems):
            return YAML_FAILED
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else first_line
        what = exc.problem or exc.context or _("cannot be read")
        lines = padded.rstrip("\n").split("\n")
        line = max(first_line, min(line, len(lines)))  # an error at the very end: the last line
        problems.error(path, line, _syntax_message(what, lines[line - 1]).format(problem=what))
    except yaml.YAMLError as exc:
        problems.error(path, first_line, _("YAML syntax: {problem}").format(problem=exc))
    except (ValueError, TypeError, KeyError, AttributeError, IndexError) as exc:
        # an explicit tag that does not fit its value (`!!int abc`), which PyYAML lets escape
        problems.error(path, first_line, _("YAML: a value cannot be read ({error}); remove any "
                                           "'!!' type tag").format(error=exc))
    except RecursionError:
        problems.error(path, first_line, _("YAML: the lists or mappings are nested too "
                                           "deeply"))
    return YAML_FAILED


_FULL_WIDTH_KEY = re.compile(r"^[ \t]*(?:-[ \t]+)?([A-Za-z_][A-Za-z0-9_-]*)[ \t]*：", re.M)
"""A key written with the Chinese colon (title：…), as a Chinese keyboard types it."""


def report_full_width_colons(text: str, path: str, problems: Problems, first_line: int = 1) -> bool:
    """Name each key written with a Chinese colon, at its line: YAML itself would only say
    that something after it cannot be read. Whether there was one."""
    for match in _FULL_WIDTH_KEY.finditer(text):
        line = first_line + text.count("\n", 0, match.start())
        problems.error(path, line, _("'{key}' is followed by a Chinese colon (：): write an "
                                     "English colon and a space, '{key}: '")
                       .format(key=match[1]))
    return bool(_FULL_WIDTH_KEY.search(text))


def _syntax_message(what: str, line: str) -> str:
    """A syntax error's message, saying what an author can do about the commonest ones (PyYAML's
    own words, `what`, are in English)."""
    if "\t" in line:
        return _("YAML syntax: {problem} (indent with spaces, not tabs)")
    if "mapping values are not allowed" in what:
        return _("YAML syntax: {problem} (a value containing ': ' must be put in quotes)")
    return _("YAML syntax: {problem}")
