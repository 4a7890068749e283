"""Places an honour list names that data/regions.yaml lacks, added to the file as its author
would write them (`import --add-regions`): the new lines inserted where they belong, indented as
their neighbours, and every other byte of the file (comments, order, layout) kept."""
from __future__ import annotations

import re

import yaml

from ..errors import Problems
from ..i18n import _
from ..load import SourceText, decode
from ..model import RegionTree
from ..regions import REGIONS_FILE, parse_regions
from ..scaffold import yaml_value


def with_places(text: str, tree: RegionTree, county: str | None,
                missing: list[tuple[int, tuple[str, str]]], file: str,
                problems: Problems) -> str | None:
    """regions.yaml with the `missing` places (each a sheet row and its township and village)
    added under `county` as the author would write them, the rest of the file kept byte for
    byte; None when they cannot be (reported)."""
    if county is None:
        problems.error(file, missing[0][0], _(
            "the county to add the new places to is not known: give it with --region, like "
            "--region 湖南省/怀化市/溆浦县"))
        return None
    additions: dict[str, dict[str, list[str]]] = {}  # parent path -> new name -> new children
    for row, (township, village) in missing:
        if not township:
            problems.error(file, row, _(
                "row {row}: {place} can be added to {file} only with its township: fill in its "
                "所在乡镇 cell").format(row=row, place=village, file=REGIONS_FILE))
        elif f"{county}/{township}" in tree:
            additions.setdefault(f"{county}/{township}", {}).setdefault(village, [])
        else:
            villages = additions.setdefault(county, {}).setdefault(township, [])
            if village and village not in villages:
                villages.append(village)
    new_places = {parent: [f"{parent}/{name}/{child}".rstrip("/")
                           for name, children in names.items() for child in children or [""]]
                  for parent, names in additions.items()}
    new_text, refused = _inserted(text, additions)
    if not refused:  # the result must read as the old tree with the new places, or it is not kept
        check = Problems()
        new_tree = parse_regions(SourceText(REGIONS_FILE, decode(new_text.encode(), REGIONS_FILE,
                                                                 check) or ""), check)
        if check.errors or not all(path in new_tree for path in
                                   [*tree.regions, *sum(new_places.values(), [])]):
            refused = [(parent, 0) for parent in additions]
    for parent, line in refused:
        problems.error(REGIONS_FILE, line, _(
            "{region} cannot be added to safely here (places written in brackets on one line, "
            "or an unusual layout): add {places} by hand, then import again").format(
            region=parent, places=", ".join(new_places[parent])))
    return None if refused else new_text


def _inserted(text: str, additions: dict[str, dict[str, list[str]]]
              ) -> tuple[str, list[tuple[str, int]]]:
    """`text` with each parent's new children written after its last child, indented as its
    children are; the parents that cannot be written to so, with their lines."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        root = None
    newline = "\r\n" if "\r\n" in text else "\n"
    unended = not text.endswith("\n")  # a last line without its line end gets one, for a while
    lines = (text + newline if unended else text).split("\n")
    edits, refused = [], []
    for parent, names in additions.items():
        node = _region_node(root, parent.split("/"))
        edit = _insertion(node, names, lines) if node is not None else None
        if edit is None:
            at = node and (_value(node, "children") or node).start_mark.line + 1
            refused.append((parent, at or 0))
        else:
            edits.append((edit[0], -parent.count("/"), edit[1]))
    # from the bottom up, so the lines above stay where they were; after one line, a deeper
    # region's new children come before its parent's new siblings
    for after, _depth, new_lines in sorted(edits, reverse=True):
        lines[after + 1:after + 1] = [line + newline[:-1] for line in new_lines]
    result = "\n".join(lines)
    return result[:-len(newline)] if unended else result, refused


def _region_node(root, parts: list[str]) -> yaml.MappingNode | None:
    node, items = None, root
    for part in parts:
        if not isinstance(items, yaml.SequenceNode):
            return None
        node = next((item for item in items.value if isinstance(item, yaml.MappingNode) and
                     getattr(_value(item, "name"), "value", None) == part), None)
        if node is None:
            return None
        items = _value(node, "children")
    return node


def _value(mapping: yaml.MappingNode, key: str):
    return next((v for k, v in mapping.value if isinstance(k, yaml.ScalarNode) and k.value == key),
                None)


def _insertion(node: yaml.MappingNode, names: dict[str, list[str]], lines: list[str]
               ) -> tuple[int, list[str]] | None:
    """Where to insert (after which line) and the lines of the new children: `- name: X` as
    the existing children write it, `children:` below a region that has none yet."""
    if node.flow_style:
        return None
    children = _value(node, "children")
    key_column = node.start_mark.column
    if children is None:
        head, after = [" " * key_column + "children:"], _last_line(node)
        prefix = " " * (key_column + 2) + "- "
    elif isinstance(children, yaml.SequenceNode) and not children.flow_style and children.value:
        first = children.value[0]
        head, after = [], _last_line(children)
        prefix = lines[first.start_mark.line][:first.start_mark.column]
        if not re.fullmatch(r" *- +", prefix):
            return None
    else:  # written in brackets, or empty
        return None
    step = prefix.index("-") - key_column
    nested = " " * (len(prefix) + step) + prefix.lstrip(" ")
    body = []
    for name, children_names in names.items():
        body.append(prefix + "name: " + yaml_value(name))
        if children_names:
            body.append(" " * len(prefix) + "children:")
            body += [nested + "name: " + yaml_value(child) for child in children_names]
    return after, head + body


def _last_line(node) -> int:
    """The line (from 0) where a block node's text ends: PyYAML's end marks of block
    collections run on over the blank lines and comments after them."""
    while isinstance(node, (yaml.MappingNode, yaml.SequenceNode)) and not node.flow_style \
            and node.value:
        node = node.value[-1][1] if isinstance(node, yaml.MappingNode) else node.value[-1]
    end = node.end_mark
    return end.line - 1 if end.column == 0 and end.line > node.start_mark.line else end.line
