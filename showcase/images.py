"""Pictures for phones: the size of each picture read at load, smaller copies made at write
(Pillow), and the <img> attributes that let a browser pick the copy its screen needs
(srcset, width and height so nothing jumps, lazy loading below the fold)."""
from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from PIL import Image, UnidentifiedImageError

RESIZABLE = (".jpg", ".jpeg", ".png", ".webp")
WIDTHS = (360, 720, 1080)
"""Copies made of a larger picture: a phone, a phone at 2x, a desktop column."""
SHOWN_WIDTH = 720
SIZES = "(max-width: 46rem) 100vw, 46rem"


@dataclass(frozen=True)
class Picture:
    """A published picture: the copy to use as src and every copy by its width."""

    src: str
    width: int
    height: int
    copies: tuple[tuple[str, int], ...]


def picture_size(file: Path) -> tuple[int, int] | None:
    """Width and height of a picture Pillow can resize, None for anything else."""
    if file.suffix.lower() not in RESIZABLE:
        return None
    try:
        with Image.open(file) as image:
            return image.size
    except (UnidentifiedImageError, OSError):
        return None


def copy_name(published: str, width: int) -> str:
    path = PurePosixPath(published)
    return str(path.with_name(f"{path.stem}-{width}w{path.suffix}"))


def plan_picture(published: str, size: tuple[int, int]) -> Picture:
    width, height = size
    copies = [(copy_name(published, w), w) for w in WIDTHS if w < width] + [(published, width)]
    src, shown = next(((p, w) for p, w in copies if w >= SHOWN_WIDTH), copies[-1])
    return Picture(src, shown, round(height * shown / width), tuple(copies))


def write_copy(source: Path, target: Path, width: int) -> None:
    """A smaller copy of `source`, the same bytes every build (Pillow adds no timestamps)."""
    with Image.open(source) as image:
        image = image.convert("RGB") if image.mode not in ("RGB", "RGBA", "L") else image
        height = round(image.height * width / image.width)
        copy = image.resize((width, height), Image.Resampling.LANCZOS)
        options = {"quality": 82, "optimize": True} if target.suffix.lower() in (".jpg", ".jpeg") \
            else {"optimize": True}
        copy.save(target, **options)


def img_attributes(picture: Picture, root: str, lazy: bool) -> str:
    """The attributes of an <img> showing `picture` from a page whose way to the root is `root`."""
    srcset = ", ".join(f"{root}{path} {width}w" for path, width in picture.copies)
    parts = [f'src="{html.escape(root + picture.src)}"', f'srcset="{html.escape(srcset)}"',
             f'sizes="{SIZES}"', f'width="{picture.width}"', f'height="{picture.height}"']
    if lazy:
        parts.append('loading="lazy"')
    return " ".join(parts)


_IMG = re.compile(r'<img ([^>]*?)src="([^"]*)"([^>]*)>')


def make_responsive(fragment: str, picture_at: Callable[[str], Picture | None],
                    root: str) -> str:
    """Give every <img> of (sanitized) HTML that shows a published picture its copies
    (`picture_at(path)`: those of the picture published at `path`, or None); pictures in the
    text of a page are below its title, so they load lazily."""
    def replace(match: re.Match) -> str:
        address = html.unescape(match.group(2))
        picture = picture_at(address[len(root):]) if address.startswith(root) else None
        if picture is None:
            return match.group(0)
        rest = re.sub(r'\s*(width|height)="[^"]*"', "", match.group(1) + match.group(3))
        return f"<img {rest.strip()} {img_attributes(picture, root, lazy=True)}>".replace("  ", " ")
    return _IMG.sub(replace, fragment)
