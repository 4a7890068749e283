"""Readable pinyin slugs for Chinese names (溆浦县 -> xupu-xian), stable from build to build."""
from __future__ import annotations

import functools
import posixpath
import re
import unicodedata

from .pinyin import syllables

# Administrative and household suffixes, longest first, written apart in a slug so that the
# proper name stays one readable word: 溆浦县 -> xupu-xian, 张建国家庭 -> zhangjianguo-jiating.
SUFFIXES = ("维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "自治州", "自治县", "社区",
            "街道", "地区", "家庭", "省", "市", "县", "区", "镇", "乡", "村", "盟", "旗")
MAX_LENGTH = 60
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


def _romanise(text: str) -> str:
    """Chinese runs to joined pinyin, everything else kept; separators become spaces."""
    return "".join(" " + _joined_pinyin(piece) + " " if _HAN.fullmatch(piece) else piece
                   for piece in re.split(f"({_HAN.pattern})", text))


@functools.lru_cache(maxsize=65536)
def _joined_pinyin(run: str) -> str:
    """A run of Chinese characters in pinyin, joined; each run once (家庭 ends every household's
    name, and the places of a province are named again and again)."""
    return "".join(syllables(run))


def slugify(name: str) -> str:
    """A lowercase ASCII slug of letters, digits and hyphens; never empty for a non-empty name."""
    name = unicodedata.normalize("NFKC", name).strip()
    for suffix in SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            name = name[: -len(suffix)] + " " + suffix
            break
    ascii_text = unicodedata.normalize("NFKD", _romanise(name))
    ascii_text = ascii_text.encode("ascii", "ignore").decode("ascii").lower()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    if len(slug) > MAX_LENGTH:
        slug = slug[:MAX_LENGTH].rsplit("-", 1)[0] or slug[:MAX_LENGTH]
    return slug or "x" + "".join(f"{ord(c):x}" for c in name)[:MAX_LENGTH - 1]


def is_safe_slug(slug: str) -> bool:
    """What an author may write as `slug:`: one path segment of lowercase letters, digits, hyphens."""
    return bool(re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", slug)) and len(slug) <= 100


def file_slug(path: str) -> str:
    """The address a file gives its page: its name, as written when already a slug (2024-xupu),
    else in pinyin (西平县妇联.md -> xipingxianfulian)."""
    stem = posixpath.splitext(posixpath.basename(path))[0]
    return stem.lower() if is_safe_slug(stem.lower()) else slugify(stem)


def unique_slugs(names: list[str]) -> dict[str, str]:
    """Slugs for distinct names; names sharing one pinyin get -2, -3 in sorted order."""
    result: dict[str, str] = {}
    taken: set[str] = set()
    for name in sorted(set(names)):
        base = slugify(name)
        slug, n = base, 2
        while slug in taken:
            slug, n = f"{base}-{n}", n + 1
        taken.add(slug)
        result[name] = slug
    return result
