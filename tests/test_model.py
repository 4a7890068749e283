"""The model built from strings alone: no file system, as STYLE asks."""
import datetime as dt
from pathlib import Path

from showcase.assemble import build_site, figures
from showcase.errors import Problems
from showcase.load import SiteSources, SourceText
from showcase.validate import validate

REGIONS = """\
- name: 湖南省
  children:
    - name: 怀化市
      children:
        - name: 溆浦县
          children:
            - name: 桥江镇
              children: [{name: 龙潭村}]
        - name: 辰溪县
"""
TODAY = dt.date(2025, 6, 1)


def report(name, **fields):
    front = {"title": "标题" + name, "unit": "溆浦县创建办", "date": "2024-01-01",
             "region": "湖南省/怀化市/溆浦县", "category": "经验交流", **fields}
    lines = "\n".join(f"{k}: {v}" for k, v in front.items())
    return SourceText(f"content/reports/{name}.md", f"---\n{lines}\n---\n\n{name}的正文。\n")


HONOURS = SourceText("data/households/2024-xupu.yaml", """\
list:
  title: 2024年度溆浦县“平安家庭”示范户名单
  honour: 平安家庭示范户
  year: 2024
households:
  - name: 张建国家庭
    region: 湖南省/怀化市/溆浦县/桥江镇/龙潭村
  - name: 李梅家庭
    region: 湖南省/怀化市/辰溪县
""")


def make_site(*reports, honours=(HONOURS,), drafts=False):
    sources = SiteSources(
        root=Path("/nowhere"), config=SourceText("site.yaml", "title: 测试\n"),
        regions=SourceText("data/regions.yaml", REGIONS), reports=tuple(reports),
        honour_lists=tuple(honours), static_files=(), content_files=(), template_dirs=())
    problems = Problems()
    content = validate(sources, problems, include_drafts=drafts, today=TODAY)
    assert not problems.errors, problems.errors
    return build_site(content)


def urls(site):
    return {page.url for page in site.pages}


def test_drafts_and_future_reports_wait_unless_asked():
    site = make_site(report("a"), report("b", draft="true"), report("c", date="2025-06-02"))
    assert [r.slug for r in site.reports] == ["a"]
    assert {"reports/b/", "reports/c/"} & urls(site) == set()
    preview = make_site(report("a"), report("b", draft="true"), report("c", date="2025-06-02"),
                        drafts=True)
    assert {"reports/b/", "reports/c/"} <= urls(preview)


def test_region_pages_roll_up_everything_below():
    site = make_site(report("town", region="湖南省/怀化市/溆浦县/桥江镇"), report("county"))
    county = "湖南省/怀化市/溆浦县"
    assert {r.slug for r in site.region_reports[county]} == {"town", "county"}
    assert [h.name for h in site.region_households[county]] == ["张建国家庭"]
    assert len(site.region_households["湖南省"]) == 2
    assert "regions/hunan-sheng/huaihua-shi/xupu-xian/qiaojiang-zhen/longtan-cun/" in urls(site)


def test_figures_count_reports_households_and_counties():
    site = make_site(report("a"), report("b", region="湖南省/怀化市"))
    assert figures(site) == {"reports": 2, "households": 2, "counties": 2, "lists": 1}


def test_household_ids_come_from_list_and_name():
    site = make_site(report("a"))
    ids = [h.id for h in site.honour_lists[0].households]
    assert ids == ["2024-xupu-zhangjianguo-jiating", "2024-xupu-limei-jiating"]


def test_related_reports_share_tags_most_first():
    site = make_site(report("a", tags="[甲, 乙]"), report("b", tags="[甲, 乙]", date="2023-01-01"),
                     report("c", tags="[甲]", date="2024-05-01"), report("d", tags="[丙]"))
    page = next(p for p in site.pages if p.url == "reports/a/")
    assert [r.slug for r in page.context["related"]] == ["b", "c"]


def test_every_page_has_its_own_output_path():
    site = make_site(*(report(f"r{i}", date=f"2024-01-{i + 1:02d}") for i in range(25)))
    paths = [page.output_path for page in site.pages]
    assert len(paths) == len(set(paths))
    assert {"index.html", "reports/index.html", "reports/page/2/index.html", "feed.xml",
            "sitemap.xml", "robots.txt", "404.html"} <= set(paths)


def test_newest_first_and_neighbours():
    site = make_site(report("old", date="2020-01-01"), report("new", date="2024-01-01"))
    page = next(p for p in site.pages if p.url == "reports/new/")
    assert [r.slug for r in site.reports] == ["new", "old"]
    assert page.context["newer"] is None and page.context["older"].slug == "old"


def test_same_file_name_in_two_year_folders_gets_two_addresses():
    first = SourceText("content/reports/2023/summary.md", report("x").text)
    second = SourceText("content/reports/2024/summary.md", report("y").text)
    site = make_site(first, second)
    assert {r.slug for r in site.reports} == {"2023-summary", "2024-summary"}


def test_namesakes_in_two_villages_are_two_households():
    namesakes = SourceText("data/households/2024-x.yaml", """\
list: {title: 名单, honour: 平安家庭示范户, year: 2024}
households:
  - {name: 张伟家庭, region: 湖南省/怀化市/溆浦县/桥江镇/龙潭村}
  - {name: 张伟家庭, region: 湖南省/怀化市/辰溪县}
  - {name: 李梅家庭, region: 湖南省/怀化市/辰溪县}
""")
    site = make_site(report("a"), honours=(namesakes,))
    assert [h.id for h in site.honour_lists[0].households] == [
        "2024-x-zhangwei-jiating-longtan-cun", "2024-x-zhangwei-jiating-chenxi-xian",
        "2024-x-limei-jiating"]


def problems_of(*reports):
    sources = SiteSources(
        root=Path("/nowhere"), config=SourceText("site.yaml", "title: 测试\n"),
        regions=SourceText("data/regions.yaml", REGIONS), reports=tuple(reports),
        honour_lists=(), static_files=(), content_files=(), template_dirs=())
    problems = Problems()
    validate(sources, problems, today=TODAY)
    return [str(p) for p in problems.items]


def test_two_files_of_one_folder_on_one_address_is_one_clear_error():
    found = problems_of(SourceText("content/reports/longtan.md", report("x").text),
                        SourceText("content/reports/龙潭.md", report("y").text))
    assert found == ["content/reports/龙潭.md:1: error: duplicate slug 'longtan': "
                     "content/reports/longtan.md:1 already publishes reports/longtan/; "
                     "set a different 'slug:' in one of them"]


def test_percent_encoded_links_to_reports_resolve():
    linking = SourceText("content/reports/a.md",
                         report("a").text + "\n见[龙潭](%E9%BE%99%E6%BD%AD.md)。\n")
    site = make_site(linking, SourceText("content/reports/龙潭.md", report("b").text))
    (page,) = [r for r in site.reports if r.slug == "a"]
    assert 'href="../../reports/longtan/"' in page.body_html


def test_front_matter_of_plain_text_is_named_in_plain_words():
    (message,) = problems_of(SourceText("content/reports/a.md", "---\njust text\n---\n正文\n"))
    assert message == ("content/reports/a.md:2: error: the front matter must be a set of "
                       "'key: value' lines, not plain text (see docs/reference.md#front-matter)")


def test_an_honour_list_shows_its_households_by_region_in_the_tree_order():
    """Each region's households together, the regions in the tree's order (not the list's),
    the households of one region in the list's order."""
    listed = SourceText("data/households/2024-mixed.yaml", """\
list:
  title: 2024年度怀化市“平安家庭”示范户名单
  honour: 平安家庭示范户
  year: 2024
households:
  - name: 甲家庭
    region: 湖南省/怀化市/辰溪县
  - name: 乙家庭
    region: 湖南省/怀化市/溆浦县/桥江镇/龙潭村
  - name: 丙家庭
    region: 湖南省/怀化市/辰溪县
  - name: 丁家庭
    region: 湖南省/怀化市/溆浦县
  - name: 戊家庭
    region: 湖南省/怀化市/溆浦县/桥江镇/龙潭村
""")
    site = make_site(report("a"), honours=(listed,))
    page = next(p for p in site.pages if p.template == "honour_list.html")
    assert [(region, [h.name for h in households])
            for region, households in page.context["groups"]] == [
        ("湖南省/怀化市/溆浦县", ["丁家庭"]),
        ("湖南省/怀化市/溆浦县/桥江镇/龙潭村", ["乙家庭", "戊家庭"]),
        ("湖南省/怀化市/辰溪县", ["甲家庭", "丙家庭"]),
    ]
