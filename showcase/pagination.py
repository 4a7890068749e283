"""Cutting a long list into numbered pages: first page at the list's URL, then page/2/, page/3/."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

PER_PAGE = 20


@dataclass(frozen=True)
class Pager:
    """One page of a list, with the addresses of all its pages (1-based `number`)."""

    number: int
    items: tuple[Any, ...]
    page_urls: tuple[str, ...]
    total: int

    @property
    def count(self) -> int:
        return len(self.page_urls)

    @property
    def url(self) -> str:
        return self.page_urls[self.number - 1]

    @property
    def prev_url(self) -> str | None:
        return self.page_urls[self.number - 2] if self.number > 1 else None

    @property
    def next_url(self) -> str | None:
        return self.page_urls[self.number] if self.number < self.count else None

    def window(self, size: int = 2) -> list[tuple[int, str] | None]:
        """Page numbers to show: first, last and `size` either side of this one; None is a gap."""
        shown = sorted({1, self.count, *range(max(1, self.number - size),
                                             min(self.count, self.number + size) + 1)})
        out: list[tuple[int, str] | None] = []
        for n in shown:
            if out and out[-1] is not None and n - out[-1][0] > 1:
                out.append(None)
            out.append((n, self.page_urls[n - 1]))
        return out


def paginate(items: Sequence[Any], base_url: str, per_page: int = PER_PAGE) -> list[Pager]:
    """Pagers for `items` (at least one page, even for an empty list)."""
    count = max(1, -(-len(items) // per_page))
    urls = tuple(base_url if n == 1 else f"{base_url}page/{n}/" for n in range(1, count + 1))
    return [Pager(n, tuple(items[(n - 1) * per_page:n * per_page]), urls, len(items))
            for n in range(1, count + 1)]
