"""Headline figures as pictures: horizontal bar charts drawn at build time as inline SVG (no chart
library runs in the reader's browser), each with a text alternative and its data as a table."""
from __future__ import annotations

from html import escape

from markupsafe import Markup

WIDTH = 320
ROW = 30
LABEL = 118
"""Room for a label of about eight Chinese characters at 13px, the longest place names."""


def bar_chart(caption: str, rows: list[tuple[str, int]], unit: str, key: str) -> Markup:
    """A figure: the chart (role=img, titled and described), then the same numbers as a table.
    `key` makes the element ids unique within the page."""
    if not rows:
        return Markup("")
    top = max(value for _, value in rows) or 1
    span = WIDTH - LABEL - 44
    height = ROW * len(rows) + 4
    title_id, desc_id = f"chart-{key}-title", f"chart-{key}-desc"
    summary = "，".join(f"{label}{value}{unit}" for label, value in rows)
    bars = []
    for index, (label, value) in enumerate(rows):
        y = index * ROW + 4
        length = max(2, round(span * value / top)) if value else 0
        bars.append(
            f'<text x="{LABEL - 8}" y="{y + 17}" text-anchor="end" class="chart-label">'
            f"{escape(_short(label))}</text>"
            f'<rect x="{LABEL}" y="{y + 3}" width="{length}" height="{ROW - 10}" rx="3" '
            f'class="chart-bar"></rect>'
            f'<text x="{LABEL + length + 6}" y="{y + 17}" class="chart-value">{value}</text>')
    table_rows = "".join(f"<tr><th scope=\"row\">{escape(label)}</th><td>{value}</td></tr>"
                         for label, value in rows)
    return Markup(
        f'<figure class="chart">'
        f'<figcaption id="{title_id}">{escape(caption)}</figcaption>'
        f'<svg viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" role="img" '
        f'aria-labelledby="{title_id} {desc_id}" focusable="false">'
        f'<desc id="{desc_id}">{escape(summary)}。</desc>{"".join(bars)}</svg>'
        f'<details class="chart-data"><summary>查看数据表</summary>'
        f'<table><caption>{escape(caption)}</caption>'
        f'<thead><tr><th scope="col">项目</th><th scope="col">{escape(unit)}数</th></tr></thead>'
        f"<tbody>{table_rows}</tbody></table></details></figure>")


def _short(label: str, limit: int = 8) -> str:
    return label if len(label) <= limit else label[:limit - 1] + "…"
