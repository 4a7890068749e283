"""data/regions.yaml: the administrative tree (province > city > county > township > village)."""
from __future__ import annotations

import difflib

from .errors import Problems
from .fields import Fields, reference_for
from .i18n import _
from .load import SourceText
from .model import Region, RegionTree
from .slugs import slugify
from .yamlfile import YAML_FAILED, LineDict, LineList, parse_yaml

REGIONS_FILE = "data/regions.yaml"


def parse_regions(source: SourceText | None, problems: Problems) -> RegionTree:
    """Read the tree; every region gets a path (湖南省/怀化市) and a pinyin slug path."""
    regions: dict[str, Region] = {}
    if source is None:
        return RegionTree(regions)
    data = parse_yaml(source.text, source.path, problems)
    if data is YAML_FAILED:
        return RegionTree(regions, failed=True)
    if data is None:
        return RegionTree(regions)
    if not isinstance(data, LineList):
        problems.error(source.path, getattr(data, "line", 1) or 1,
                       _("regions.yaml must be a list of regions, each '- name: ...' "
                         "with optional 'children:' (see {reference})")
                       .format(reference=reference_for(source.path)))
        return RegionTree(regions, failed=True)
    _add_level(data, None, source.path, problems, regions)
    return RegionTree(regions)


def _add_level(items: LineList, parent: Region | None, path: str, problems: Problems,
               regions: dict[str, Region]) -> tuple[str, ...]:
    added: list[str] = []
    sibling_slugs: set[str] = set()
    for index, item in enumerate(items):
        if not isinstance(item, LineDict):
            problems.error(path, items.line_of(index), _("each region must be written as "
                                                         "'- name: ...' (with optional "
                                                         "'children:')"))
            continue
        fields = Fields(item, path, problems, _("a region"))
        fields.warn_unknown(("name", "children"))
        name = fields.text("name", required=True)
        if name is None:
            continue
        if "/" in name:
            fields.error("name", _("a region name cannot contain '/': '{name}'")
                         .format(name=name))
            continue
        full = f"{parent.path}/{name}" if parent else name
        if full in regions:
            fields.error("name", _("the region '{region}' is listed twice").format(region=full))
            continue
        slug, n = slugify(name), 2
        while slug in sibling_slugs:
            slug, n = f"{slugify(name)}-{n}", n + 1
        sibling_slugs.add(slug)
        region = Region(name, full, f"{parent.slug_path}/{slug}" if parent else slug,
                        parent.path if parent else None)
        regions[full] = region
        added.append(full)
        children = item.get("children")
        if children is None:
            continue
        if not isinstance(children, LineList):
            fields.error("children", _("'children' must be a list of regions"))
            continue
        child_paths = _add_level(children, region, path, problems, regions)
        regions[full] = Region(region.name, region.path, region.slug_path, region.parent,
                               child_paths)
    return tuple(added)


def region_path(text: str) -> str:
    """A region path as written by hand (湖南省 / 怀化市/溆浦县/) as the tree writes it."""
    return "/".join(part.strip() for part in text.strip().strip("/").split("/"))


def check_region(fields: Fields, key: str, tree: RegionTree) -> str | None:
    """The region path of `key`, or None with an error that suggests the path meant."""
    value = fields.text(key, required=True)
    if value is None:
        return None
    value = region_path(value)
    if value in tree:
        return value
    if not tree.regions:
        if not tree.failed:
            fields.error(key, _("the region '{region}' cannot be checked: {file} is missing "
                                "or empty").format(region=value, file=REGIONS_FILE))
        return None
    last = value.rsplit("/", 1)[-1]
    same_name = [p for p, r in tree.regions.items() if r.name == last]
    if len(same_name) == 1:
        fields.error(key, _("the region '{region}' is not in {file}; write the whole path: "
                            "'{path}'").format(region=value, file=REGIONS_FILE,
                                               path=same_name[0]))
        return None
    parent = value.rsplit("/", 1)[0] if "/" in value else ""
    where = _(" under '{parent}'").format(parent=parent) if parent in tree else ""
    near = difflib.get_close_matches(value, list(tree.regions), n=1, cutoff=0.6)
    similar = _(" (a similar name that is there: '{near}')").format(near=near[0]) if near else ""
    fields.error(key, _("the region '{region}' is not in {file}: add it there{where}, or "
                        "correct the name{similar}").format(region=value, file=REGIONS_FILE,
                                                            where=where, similar=similar))
    return None
