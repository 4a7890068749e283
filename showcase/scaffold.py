"""`build.py new`: the files an author starts from (a site, a report, an honour list), written
from the templates in showcase/skeleton/ with every key present and explained in a comment,
so that nobody has to copy the sample site and guess its keys. What is written always builds;
what only the author can know is TODO, which `check` reports until it is filled in."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import jinja2
import yaml

from .config import DEFAULT_CATEGORIES, parse_config
from .errors import Problems, UsageError
from .fields import TODO
from .i18n import _
from .load import read_text
from .model import COUNTY_DEPTH, RegionTree
from .regions import REGIONS_FILE, parse_regions, region_path
from .slugs import MAX_LENGTH, slugify
from .text import parse_date

SKELETON = Path(__file__).resolve().parent / "skeleton"
EXAMPLE_REGION = "某某省/某某市/某某县"

SITE_REPORT_BODY = """\
这是一篇示例报告。照着它的样子写你们自己的材料，写好后删除这一篇。

正文的段落之间空一行。“一、”这样的小标题前面加“## ”，“（一）”前面加“### ”。图片放在报告旁边，\
写成 `![图片说明](图片文件名.jpg)`。

## 一、健全工作机制

县、乡、村三级成立“平安家庭”创建工作领导小组，明确职责分工，把创建工作纳入年度平安建设考核。

## 二、突出矛盾化解

### （一）依托网格排查

巾帼网格员每月走访网格内家庭，对婚姻家庭矛盾早发现、早报告、早化解。
"""

NEW_REPORT_BODY = """\
（在这里写导语：一两句话说明做法和成效。段落之间空一行。）

## 一、（第一部分的小标题）

（正文。）

## 二、（第二部分的小标题）

（正文。）
"""


def yaml_value(value) -> str:
    """One value as YAML writes it (quoted where YAML would misread it), on one line."""
    if value == "":
        return '""'
    return yaml.safe_dump(value, allow_unicode=True, default_flow_style=True,
                          width=1 << 16).removesuffix("\n...\n").strip()


_templates = jinja2.Environment(loader=jinja2.FileSystemLoader(SKELETON),
                                undefined=jinja2.StrictUndefined, keep_trailing_newline=True,
                                autoescape=False)
_templates.filters["yaml"] = yaml_value


def _write_new(path: Path, template: str, **values) -> None:
    """Write a file from a skeleton template; an existing file is never replaced."""
    if path.exists():
        raise UsageError(_("{path} already exists: it was left as it is (choose another title, "
                           "or move that file away first)").format(path=path))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(_templates.get_template(template).render(**values), "utf-8")


def _region_parts(region: str | None) -> list[str]:
    parts = region_path(region or EXAMPLE_REGION).split("/")
    if not all(parts):
        raise UsageError(_("--region must be a path like 湖南省/怀化市/溆浦县, not '{region}'")
                         .format(region=region))
    return parts


def _regions_text(parts: list[str]) -> str:
    """regions.yaml holding the county's path, with where townships go shown in a comment."""
    lines = []
    for depth, name in enumerate(parts):
        indent = "    " * depth
        lines.append(f"{indent}- name: {yaml_value(name)}")
        if depth < len(parts) - 1:
            lines.append(f"{indent}  children:")
    indent = "    " * (len(parts) - 1)
    lines += [f"{indent}  # children:",
              f"{indent}  #   - name: 某某镇",
              f"{indent}  #     children:",
              f"{indent}  #       - name: 某某村",
              f"{indent}  #       - name: 某某社区"]
    return "\n".join(lines)


def new_site(folder: Path, title: str, region: str | None = None) -> list[Path]:
    """A minimal complete site in `folder` (new or empty): settings, regions, one example
    report and one example honour list; returns the files written."""
    if folder.exists() and any(folder.iterdir()):
        raise UsageError(_("{folder} is not empty: a new site is made in a new or empty folder")
                         .format(folder=folder))
    if not title.strip():
        raise UsageError(_("--title must say the site's name"))
    parts = _region_parts(region)
    county = parts[-1]
    path = "/".join(parts)
    year = dt.date.today().year
    files = {
        folder / "site.yaml": ("site.yaml", dict(
            title=title.strip(), organiser="",
            description=f"{county}“平安家庭”创建工作的经验交流材料、典型推介与受表彰家庭名单")),
        folder / REGIONS_FILE: ("regions.yaml", dict(tree=_regions_text(parts),
                                                     example_path=path)),
        folder / "content" / "reports" / str(year) / "shili-baogao.md": ("report.md", dict(
            title=f"{county}扎实推进“平安家庭”创建工作（示例）", unit=f"{county}妇女联合会",
            date=dt.date.today().isoformat(), region=path, category=DEFAULT_CATEGORIES[0],
            categories="、".join(DEFAULT_CATEGORIES), draft="false", body=SITE_REPORT_BODY)),
        folder / "data" / "households" / f"{year}-shili-mingdan.yaml": ("list.yaml", dict(
            title=f"{year}年度{county}“平安家庭”示范户名单（示例）", honour="平安家庭示范户",
            year=year, awarded_by=f"{county}“平安家庭”创建活动领导小组",
            date=f"{year}-12-20", households=_example_household(path, commented=False))),
    }
    for file, (template, values) in files.items():
        _write_new(file, template, **values)
    return list(files)


def _example_household(region: str, *, commented: bool) -> str:
    """One household written out with each field explained; commented out for a new list
    (the author writes the real ones), not for the new site's example list."""
    lines = [
        "- name: 张某某家庭  # 家庭名称",
        "  head: 张某某  # 户主",
        f"  region: {yaml_value(region)}  # data/regions.yaml 里的一条路径",
        "  members: 4  # 家庭人口（可不填）",
        "  tags: [孝老爱亲, 邻里和睦]  # 标签（可不填）",
        "  story: |  # 主要事迹（可不填）",
        "    夫妻和睦，孝敬老人，热心调解邻里纠纷，带动周边家庭共建平安。",
    ]
    if commented:
        return "\n".join(["  # 每户照下面的样子写（去掉行首的“# ”），一户接一户往下写："] +
                         [f"  # {line}" for line in lines])
    return "\n".join(f"  {line}" for line in lines)


def site_settings(site_dir: Path) -> tuple[RegionTree, list[str], str]:
    """The site's regions, categories and organiser, for the values a new or imported file
    may take."""
    problems = Problems()
    config_source = read_text(site_dir, site_dir / "site.yaml", problems) \
        if (site_dir / "site.yaml").is_file() else None
    if config_source is None:
        raise UsageError(_("{folder} holds no site.yaml: run the command in your site's folder, "
                           "or give --site").format(folder=site_dir))
    config = parse_config(config_source, problems)
    regions_file = site_dir / REGIONS_FILE
    regions = parse_regions(read_text(site_dir, regions_file, problems)
                            if regions_file.is_file() else None, problems)
    return regions, list(config.categories), config.organiser


def county_of(regions: RegionTree) -> str | None:
    """The site's county when regions.yaml names exactly one."""
    counties = [path for path in regions.regions if path.count("/") == COUNTY_DEPTH - 1]
    return counties[0] if len(counties) == 1 else None


def checked_choices(category: str | None, region: str | None, categories: list[str],
                    regions: RegionTree) -> str | None:
    """Refuse a category or region given on the command line that the site does not have;
    the region as the site writes it."""
    if category is not None and category not in categories:
        raise UsageError(_("the category '{category}' is not one of site.yaml's categories: "
                           "{categories}").format(category=category,
                                                  categories="、".join(categories)))
    return None if region is None else checked_region(region, regions)


def checked_region(given: str, regions: RegionTree) -> str:
    """A region given on the command line as the site writes it; refused when regions.yaml
    does not have it (with its whole path when the name is there once)."""
    region = region_path(given)
    if region in regions:
        return region
    same = [path for path, found in regions.regions.items()
            if found.name == region.rsplit("/", 1)[-1]]
    if len(same) == 1:
        raise UsageError(_("--region {region} is not in {file}; write the whole path: {path}"
                           ).format(region=given, file=REGIONS_FILE, path=same[0]))
    raise UsageError(_("the region '{region}' is not in {file}: add it there first")
                     .format(region=region, file=REGIONS_FILE))


def new_report(site_dir: Path, title: str, *, category: str | None = None,
               region: str | None = None, date: str | None = None) -> Path:
    """A report under content/reports/<year>/ with its front matter complete (a draft: shown
    by the preview, published once the author sets draft: false); returns its path."""
    regions, categories, organiser = site_settings(site_dir)
    if not title.strip():
        raise UsageError(_("the report needs a title"))
    region = checked_choices(category, region, categories, regions)
    day = dt.date.today() if date is None else parse_date(date)
    if day is None:
        raise UsageError(_("--date must be a date written YYYY-MM-DD, like 2025-03-18, not "
                           "'{date}'").format(date=date))
    path = site_dir / "content" / "reports" / str(day.year) / f"{slugify(title)}.md"
    _write_new(path, "report.md", title=title.strip(), unit=organiser or TODO,
               date=day.isoformat(), region=region or county_of(regions) or TODO,
               category=category or TODO, categories="、".join(categories), draft="true",
               body=NEW_REPORT_BODY)
    return path


def list_stem(year: int, county: str | None, honour: str) -> str:
    """An honour list's file name, without .yaml: its year, county (when known) and honour in
    pinyin (2025-xupu-xian-pinganjiatingshifanhu), whether `new list` or `import` writes it."""
    parts = [str(year), slugify(county.rsplit("/", 1)[-1]) if county else "", slugify(honour)]
    return "-".join(filter(None, parts))[:MAX_LENGTH].rstrip("-")


def new_list(site_dir: Path, title: str, *, honour: str, year: int) -> Path:
    """An honour list with its details filled in and one example household in comments;
    returns its path."""
    regions = site_settings(site_dir)[0]
    if not title.strip() or not honour.strip():
        raise UsageError(_("the list needs a title and --honour"))
    if not 1949 <= year <= 9999:
        raise UsageError(_("--year must be a year like 2025, not {year}").format(year=year))
    title = title.strip()
    if not title.endswith("名单"):
        title += "名单"
    path = site_dir / "data" / "households" / f"{list_stem(year, county_of(regions), honour)}.yaml"
    example = next(reversed(regions.regions), None) or EXAMPLE_REGION
    _write_new(path, "list.yaml", title=title, honour=honour.strip(), year=year,
               awarded_by="", date="", households=_example_household(example, commented=True))
    return path
