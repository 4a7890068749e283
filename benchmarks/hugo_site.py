"""The reports of a generated site as a minimal Hugo site, the yardstick of build_speed.py.

Hugo is the usual fast static site generator; building the same reports with it in the same run
gives each showcase figure a ratio that holds when the machine's speed drifts. The Hugo site is
as small as Hugo allows: the reports' Markdown bodies under content/reports/<year>/, TOML front
matter (title, date, tags, categories: Hugo's two default taxonomies, so it makes tag and category
pages as showcase does) and three one-line layouts. No theme, nothing downloaded. Households are
not converted: Hugo builds the reports alone, for every corpus of that many reports.
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

CONFIG = 'baseURL = "https://example.org/"\ntitle = "build-speed"\nlanguageCode = "zh-cn"\n'
LAYOUTS = {
    "single.html": "<!doctype html><title>{{ .Title }}</title><main><h1>{{ .Title }}</h1>"
                   "<time>{{ .Date.Format \"2006-01-02\" }}</time>{{ .Content }}</main>\n",
    "list.html": "<!doctype html><title>{{ .Title }}</title><main><h1>{{ .Title }}</h1><ul>"
                 "{{ range .Pages }}<li><a href=\"{{ .RelPermalink }}\">{{ .Title }}</a>"
                 "{{ end }}</ul></main>\n",
}
INDEX = ("<!doctype html><title>{{ .Site.Title }}</title><main><ul>"
         "{{ range first 50 .Site.RegularPages }}<li><a href=\"{{ .RelPermalink }}\">"
         "{{ .Title }}</a>{{ end }}</ul></main>\n")


def hugo_version(hugo: str) -> str:
    """`hugo version`'s first words, printed so a figure says which Hugo it is."""
    result = subprocess.run([hugo, "version"], capture_output=True, text=True, timeout=60)
    return " ".join(result.stdout.split()[:2]) or "hugo (version unknown)"


def _front_matter(text: str) -> tuple[dict[str, str], str]:
    """(fields, body) of a generated report: make_site.py writes `key: value` lines between
    `---` lines, so no YAML parser is needed."""
    match = re.match(r"---\n(.*?)\n---\n", text, re.S)
    if not match:
        return {}, text
    fields = dict(line.split(": ", 1) for line in match.group(1).splitlines() if ": " in line)
    return fields, text[match.end():]


def _toml_list(value: str) -> list[str]:
    """`[a, b]` as make_site.py writes tags -> ['a', 'b']."""
    return [item.strip() for item in value.strip("[]").split(",") if item.strip()]


def _toml(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def hugo_report(text: str) -> str:
    """One report as Hugo content: TOML front matter (JSON strings are valid TOML basic strings)
    and the same Markdown body."""
    fields, body = _front_matter(text)
    categories = [fields["category"]] if "category" in fields else []
    lines = ["+++", f"title = {_toml(fields.get('title', ''))}",
             f"date = {fields.get('date', '2020-01-01')}",
             f"tags = {_toml(_toml_list(fields.get('tags', '')))}",
             f"categories = {_toml(categories)}", "+++", ""]
    return "\n".join(lines) + body


def write_hugo_site(site: Path, dest: Path) -> int:
    """Write the Hugo version of `site`'s reports into `dest` (replaced); the number of reports.
    Rewritten on every run of the benchmark: it takes a second and can never be stale."""
    shutil.rmtree(dest, ignore_errors=True)
    (dest / "layouts" / "_default").mkdir(parents=True)
    (dest / "hugo.toml").write_text(CONFIG, "utf-8")
    for name, text in LAYOUTS.items():
        (dest / "layouts" / "_default" / name).write_text(text, "utf-8")
    (dest / "layouts" / "index.html").write_text(INDEX, "utf-8")
    count = 0
    for source in sorted((site / "content" / "reports").glob("*/*.md")):
        target = dest / "content" / "reports" / source.parent.name / source.name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(hugo_report(source.read_text("utf-8")), "utf-8")
        count += 1
    return count


def hugo_command(hugo: str, hugo_site: Path, out: Path) -> list[str]:
    return [hugo, "--quiet", "-s", str(hugo_site), "-d", str(out)]


def hugo_leftovers(hugo_site: Path, out: Path) -> list[Path]:
    """What a cold Hugo build starts without: the output and Hugo's resources/ cache."""
    return [out, hugo_site / "resources"]
