"""Honour lists (data/households/*.yaml): a list's details and the households it names."""
from __future__ import annotations

from dataclasses import replace

from .assets import Lookups, leaves_site
from .errors import Problems
from .i18n import _
from .fields import Fields, expect_mapping, reference_for
from .load import SourceText
from .markup import STORY_TOP, render_markdown
from .memo import Memo
from .model import HonourList, Household, RegionTree
from .regions import check_region
from .slugs import file_slug, is_safe_slug, slugify
from .yamlfile import LineDict, LineList, parse_yaml

FILE_KEYS = ("list", "households")
LIST_KEYS = ("title", "honour", "year", "awarded_by", "date", "document")
HOUSEHOLD_KEYS = ("id", "name", "head", "region", "members", "tags", "story", "photo")


def read_honour_list(source: SourceText, regions: RegionTree, lookups: Lookups,
                     problems: Problems, memo: Memo | None = None) -> HonourList | None:
    """One honour list; None (with problems recorded) if it cannot be used. Where its photos
    are published is asked of `lookups`."""
    if not source.text.strip():
        problems.error(source.path, 1, _("the file is empty: an honour list needs 'list:' and "
                                         "'households:' (see {reference})")
                       .format(reference=reference_for(source.path)))
        return None
    data = expect_mapping(parse_yaml(source.text, source.path, problems), source.path,
                          problems, _("an honour list"))
    if data is None:
        return None
    top = Fields(data, source.path, problems, _("an honour list"))
    top.warn_unknown(FILE_KEYS)
    before = len(problems.errors)
    details = data.get("list")
    if not isinstance(details, LineDict):
        top.error("list", _("an honour list needs 'list:' with title, honour, year, awarded_by "
                            "and date indented under it (see {reference})")
                  .format(reference=reference_for(source.path)))
        return None
    fields = Fields(details, source.path, problems, _("'list'"))
    fields.warn_unknown(LIST_KEYS)
    slug = file_slug(source.path)
    values = dict(
        title=fields.text("title", required=True), honour=fields.text("honour", required=True),
        year=fields.integer("year", required=True, minimum=1949),
        awarded_by=fields.text("awarded_by") or "", date=fields.date("date"),
        document=fields.text("document") or "",
    )
    entries = data.get("households")
    if entries is None and "households" in data and len(problems.errors) == before:
        problems.warning(source.path, data.line_of("households"),
                         _("the list names no household yet: it is published once one is "
                           "written under 'households:'"))
        return None
    if not isinstance(entries, LineList):
        top.error("households", _("an honour list needs 'households:' followed by a list of "
                                  "'- name: ...' entries (see {reference})")
                  .format(reference=reference_for(source.path)))
        return None
    households = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, LineDict):
            problems.error(source.path, entries.line_of(index),
                           _("each household must be written as '- name: ...' with its "
                             "fields"))
            continue
        household = _read_household(entry, slug, source.path, regions, lookups, problems, memo)
        if household is not None:
            households.append(household)
    if len(problems.errors) > before:
        return None
    return HonourList(slug=slug, source=source.path, households=_distinct_ids(households),
                      **values)


def _distinct_ids(households: list[Household]) -> tuple[Household, ...]:
    """Households whose names give one id get ids of their own without the author writing
    any: names that read alike (康国燕家庭 and 康国艳家庭, common in lists of thousands) get
    -2, -3 in the order of the names (not of the file, which authors reorder), and one name in
    different places (张伟家庭 of two villages) gets its place. An id the author wrote is
    kept, and the same name twice in one place is left to be reported
    (`refuse_duplicate_households`)."""
    by_id: dict[str, list[Household]] = {}
    for household in households:
        if household.id_derived:
            by_id.setdefault(household.id, []).append(household)
    ids: dict[tuple[str, str], str] = {}
    for base, same in by_id.items():
        names = sorted({h.name for h in same})
        for number, name in enumerate(names, start=1):
            named = base if number == 1 else f"{base}-{number}"
            places = {h.region for h in same if h.name == name}
            for place in places:
                ids[(name, place)] = named if len(places) == 1 else \
                    f"{named}-{slugify(place.rsplit('/', 1)[-1])}"
    return tuple(replace(h, id=derived)
                 if h.id_derived and (derived := ids[(h.name, h.region)]) != h.id else h
                 for h in households)  # (most keep the id their name gave them)


def refuse_duplicate_households(honour_lists: list[HonourList], problems: Problems) -> None:
    """Two households that would be published at one address: the same family listed twice
    (its copy is to be deleted), or an id written twice (one is to be changed)."""
    first: dict[str, Household] = {}
    for household in (h for honour_list in honour_lists for h in honour_list.households):
        earlier = first.setdefault(household.id, household)
        if earlier is household:
            continue
        where = f"{earlier.source}:{earlier.line}"
        if household.id_derived and earlier.id_derived:
            message = _("{name} of {region} is listed twice (first at {where}): delete this "
                        "copy").format(name=household.name, region=household.region,
                                       where=where)
        else:
            message = _("the id '{id}' is already taken by {where} (both would be published "
                        "at households/{id}/): give this household another id").format(
                id=household.id, where=where)
        problems.error(household.source, household.line, message)


def _read_household(entry: LineDict, slug: str, path: str, regions: RegionTree,
                    lookups: Lookups, problems: Problems, memo: Memo | None) -> Household | None:
    fields = Fields(entry, path, problems, _("a household"))
    fields.warn_unknown(HOUSEHOLD_KEYS)
    name = fields.text("name", required=True)
    own_id = fields.text("id")
    if own_id is not None and not is_safe_slug(own_id):
        fields.error("id", _("the id '{id}' may hold only lowercase letters, digits and "
                             "hyphens").format(id=own_id))
    region = check_region(fields, "region", regions)
    members = fields.integer("members", minimum=1)
    story = fields.text("story") or ""
    rendered = render_markdown(story, memo=memo, top=STORY_TOP) if story else None
    photo = fields.text("photo") or ""
    photo_url = ""
    if photo:
        photo_url = lookups.file(photo) or ""
        if not photo_url:
            message = _("the photo '{photo}' points outside the site folder") \
                if leaves_site(photo) else _("the photo '{photo}' is not a file under static/")
            fields.error("photo", message.format(photo=photo))
    if name is None or region is None:
        return None
    return Household(
        id=own_id or f"{slug}-{slugify(name)}", id_derived=own_id is None, name=name,
        region=region, list_slug=slug, source=path,
        line=fields.line("id") if own_id else entry.line, head=fields.text("head") or "",
        members=members,
        tags=fields.text_list("tags"), story_html=rendered.html if rendered else "",
        story_text=rendered.text if rendered else "", photo=photo_url,
    )
