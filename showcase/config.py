"""site.yaml: the site's settings, validated at load into a typed, frozen object."""
from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import Problems
from .fields import Fields, expect_mapping, reference_for
from .i18n import _
from .load import SourceText
from .privacy import number_forms
from .yamlfile import parse_yaml

DEFAULT_CATEGORIES = ("经验交流", "典型推介", "工作总结", "工作计划", "考察报告", "新闻动态")
KNOWN_KEYS = ("title", "description", "base_url", "language", "organiser", "contact", "icp",
              "police_record", "site_code", "categories", "footer", "search", "privacy",
              "privacy_allow")
SEARCH_KEYS = ("placeholder",)


@dataclass(frozen=True)
class SiteConfig:
    title: str
    description: str = ""
    base_url: str = ""
    language: str = "zh-CN"
    organiser: str = ""
    contact: str = ""
    icp: str = ""
    police_record: str = ""
    site_code: str = ""
    categories: tuple[str, ...] = DEFAULT_CATEGORIES
    footer: str = ""
    search_placeholder: str = "搜索报告、家庭、地名"
    privacy: str = "block"
    privacy_allow: tuple[str, ...] = ()
    """Numbers that look personal but are published on purpose (an office's duty mobile)."""

    def allowed_numbers(self) -> frozenset[str]:
        """Every number the site publishes on purpose: its contact, its filing numbers and the
        numbers listed under privacy_allow."""
        written = (self.contact, self.icp, self.police_record, self.site_code, *self.privacy_allow)
        return frozenset().union(*(number_forms(text) for text in written))


def normalise_base_url(url: str) -> str:
    """An absolute http(s) URL ending in '/', or '' when none is set."""
    url = url.strip()
    if not url:
        return ""
    return url if url.endswith("/") else url + "/"


def is_valid_base_url(url: str) -> bool:
    return bool(re.fullmatch(r"https?://[^\s/]+(/[^\s]*)?", url))


def parse_config(source: SourceText | None, problems: Problems,
                 unreadable: bool = False) -> SiteConfig:
    """Read site.yaml; problems are recorded, and a usable default is returned regardless.
    `unreadable`: the file exists but could not be decoded (already reported)."""
    if source is None:
        if not unreadable:
            problems.error("site.yaml", 1, _("the site has no site.yaml: create one with at "
                                             "least 'title: ...' (see {reference})")
                           .format(reference=reference_for("site.yaml")))
        return SiteConfig(title="")
    data = expect_mapping(parse_yaml(source.text, source.path, problems), source.path, problems,
                          "site.yaml")
    if data is None:
        return SiteConfig(title="")
    fields = Fields(data, source.path, problems, "site.yaml")
    fields.warn_unknown(KNOWN_KEYS)
    base_url = normalise_base_url(fields.text("base_url") or "")
    if base_url and not is_valid_base_url(base_url):
        fields.error("base_url", _("'base_url' must be an address starting with http:// or "
                                   "https://, not '{url}'").format(url=base_url))
        base_url = ""
    categories = fields.text_list("categories") or DEFAULT_CATEGORIES
    privacy = fields.text("privacy") or "block"
    if privacy not in ("block", "mask"):
        fields.error("privacy", _("'privacy' must be 'block' or 'mask', not '{value}'")
                     .format(value=privacy))
    placeholder = SiteConfig.search_placeholder
    search = data.get("search")
    if search is not None:
        search_data = expect_mapping(search, source.path, problems, _("'search'"))
        if search_data is not None:
            search_fields = Fields(search_data, source.path, problems, _("'search'"))
            search_fields.warn_unknown(SEARCH_KEYS)
            placeholder = search_fields.text("placeholder") or placeholder
    return SiteConfig(
        title=fields.text("title", required=True) or "",
        description=fields.text("description") or "",
        base_url=base_url,
        language=fields.text("language") or "zh-CN",
        organiser=fields.text("organiser") or "",
        contact=fields.text("contact") or "",
        icp=fields.text("icp") or "",
        police_record=fields.text("police_record") or "",
        site_code=fields.text("site_code") or "",
        categories=categories,
        footer=fields.text("footer") or "",
        search_placeholder=placeholder,
        privacy=privacy,
        privacy_allow=fields.text_list("privacy_allow"),
    )
