"""Write stage: the one place that touches the output folder. The site is written whole into a
temporary folder beside it and swapped in, so a failed or killed build never leaves half a site."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

from .errors import ShowcaseError


class OutputError(ShowcaseError):
    """Raised when the output cannot be written (two pages on one path, an unwritable folder)."""


def find_collisions(paths: list[str]) -> list[str]:
    """Output paths claimed more than once (case-insensitively: many hosts ignore case)."""
    seen: dict[str, str] = {}
    clashes = []
    for path in paths:
        key = path.lower()
        if key in seen:
            clashes.append(f"{seen[key]} and {path}")
        seen[key] = path
    return clashes


def write_output(out_dir: Path, pages: list[tuple[str, bytes]],
                 files: tuple[tuple[str, Path], ...]) -> None:
    """Replace `out_dir` with exactly these pages and copied files."""
    clashes = find_collisions([p for p, _ in pages] + [p for p, _ in files])
    if clashes:
        raise OutputError("two outputs claim the same path: " + "; ".join(clashes))
    out_dir = out_dir.resolve()
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputError(f"the output path {out_dir} is a file, not a folder")
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = out_dir.with_name(f".{out_dir.name}.new-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    try:
        for path, data in pages:
            target = staging / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        for path, source in files:
            target = staging / path
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
        _swap(staging, out_dir)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise OutputError(f"cannot write the output to {out_dir}: {exc}") from exc


def _swap(staging: Path, out_dir: Path) -> None:
    """Put the new site in place with two renames; the old one is removed only afterwards."""
    if not out_dir.exists():
        staging.rename(out_dir)
        return
    retired = out_dir.with_name(f".{out_dir.name}.old-{os.getpid()}")
    shutil.rmtree(retired, ignore_errors=True)
    out_dir.rename(retired)
    staging.rename(out_dir)
    shutil.rmtree(retired, ignore_errors=True)
