"""The bundled sample site built end to end, as a newcomer and a reader would meet it."""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import yaml

from conftest import REPO, SITES, run_build, snapshot
from crawl import crawl, links_of
from showcase.slugs import is_safe_slug, slugify


def published_reports(site: Path) -> dict[str, dict]:
    """Slug -> front matter of every report that should be online, read independently."""
    found = {}
    for file in sorted((site / "content").rglob("*.md")):
        front = yaml.safe_load(file.read_text("utf-8-sig").split("---")[1])
        date = dt.date.fromisoformat(str(front["date"]))
        if front.get("draft") or date > dt.date.today():
            continue
        stem = file.stem.lower()
        found[front.get("slug") or (stem if is_safe_slug(stem) else slugify(file.stem))] = front
    return found


def test_sample_content_is_as_rich_as_the_genre():
    reports = published_reports(REPO)
    assert len(reports) >= 15
    assert {r["category"] for r in reports.values()} == {
        "经验交流", "典型推介", "工作总结", "工作计划", "考察报告", "新闻动态"}
    assert sum(1 for r in reports.values() if r.get("featured")) >= 3
    counties = {"/".join(r["region"].split("/")[:3]) for r in reports.values()}
    assert len(counties) >= 4 and len({c.split("/")[0] for c in counties}) >= 2
    lists = [yaml.safe_load(p.read_text("utf-8")) for p in (REPO / "data/households").glob("*.yaml")]
    households = [h for hl in lists for h in hl["households"]]
    assert len(lists) >= 3 and len({hl["list"]["honour"] for hl in lists}) >= 3
    assert len(households) >= 200
    assert sum(1 for h in households if h.get("story")) * 3 >= len(households)
    assert any("·" in h["name"] for h in households)


def test_every_report_and_list_has_its_page(sample_output):
    for slug, front in published_reports(REPO).items():
        page = (sample_output / "reports" / slug / "index.html").read_text("utf-8")
        assert f"<h1>{front['title']}</h1>".replace("“", "“") in page or front["title"] in page
        assert front["unit"] in page
    for file in (REPO / "data/households").glob("*.yaml"):
        data = yaml.safe_load(file.read_text("utf-8"))
        page = (sample_output / "honours" / file.stem / "index.html").read_text("utf-8")
        assert page.count('href="../../households/') == len(data["households"])
        for household in data["households"]:
            assert household["name"] in page


def test_drafts_are_not_published(sample_output):
    for file in (REPO / "content").rglob("*.md"):
        front = yaml.safe_load(file.read_text("utf-8").split("---")[1])
        if front.get("draft"):
            assert front["title"] not in (sample_output / "reports/index.html").read_text("utf-8")
            slug = front.get("slug") or file.stem
            assert not (sample_output / "reports" / slug).exists()


def test_crawl_under_a_sub_path_finds_every_page_and_no_broken_link(sample_output, serve_sub):
    start = serve_sub(sample_output)
    result = crawl(start)
    assert result.broken == []
    reached = {url[len(start):] for url in result.pages}
    for file in sample_output.rglob("*.html"):
        rel = file.relative_to(sample_output).as_posix()
        if rel == "404.html":
            continue
        url = rel[: -len("index.html")] if rel.endswith("index.html") else rel
        assert url in reached or rel in reached, f"{rel} is not reachable from the home page"


def test_nothing_is_loaded_from_outside_the_site(sample_output):
    for file in sample_output.rglob("*.html"):
        page = file.read_text("utf-8")
        for tag in re.findall(r"<(?:img|script|link|iframe|source)\b[^>]*>", page):
            assert not re.search(r"(src|href)=\"(https?:)?//", tag), (file, tag)
        assert "@import" not in page and "fonts.googleapis" not in page


def test_links_are_relative(sample_output):
    for file in sample_output.rglob("*.html"):
        if file.name == "404.html":
            continue
        for link in links_of(file.read_bytes()):
            assert not link.startswith("/"), (file, link)


def test_assets_carry_a_content_hash(sample_output):
    (css,) = (sample_output / "static/css").glob("site.*.css")
    assert re.fullmatch(r"site\.[0-9a-f]{10}\.css", css.name)
    assert css.name in (sample_output / "index.html").read_text("utf-8")


def test_home_shows_featured_latest_lists_and_figures(sample_output):
    home = (sample_output / "index.html").read_text("utf-8")
    reports = published_reports(REPO)
    for front in reports.values():
        if front.get("featured"):
            assert front["title"] in home.split("典型推介", 1)[1]
    assert f"<strong>{len(reports)}</strong>" in home
    households = sum(len(yaml.safe_load(p.read_text("utf-8"))["households"])
                     for p in (REPO / "data/households").glob("*.yaml"))
    assert f"<strong>{households}</strong>" in home
    assert "湘ICP备00000000号-1" in home and "4312240001" in home and "0745-3221234" in home


def test_report_page_has_breadcrumb_toc_tags_and_neighbours(sample_output):
    slug, front = next((s, f) for s, f in published_reports(REPO).items()
                       if f["category"] == "经验交流")
    page = (sample_output / "reports" / slug / "index.html").read_text("utf-8")
    for region in front["region"].split("/"):
        assert f">{region}</a>" in page
    assert 'class="toc"' in page and 'href="#' in page
    assert re.search(r'<h2 id="[^"]*[\u4e00-\u9fff][^"]*">', page)
    assert "较早一篇" in page or "较新一篇" in page
    date = dt.date.fromisoformat(str(front["date"]))
    assert f"{date.year}年{date.month}月{date.day}日" in page


def test_hard_wrapped_report_reads_without_gaps(sample_output):
    """A report pasted with line breaks inside sentences shows no break between characters."""
    for file in sample_output.glob("reports/*/index.html"):
        page = file.read_text("utf-8")
        prose = "".join(part.split("</div>", 1)[0] for part in page.split('<div class="prose">')[1:])
        assert not re.search(r"[\u4e00-\u9fff,。]\n[\u4e00-\u9fff]", prose), file


def test_feed_and_sitemap_use_absolute_urls(sample_output):
    feed = (sample_output / "feed.xml").read_text("utf-8")
    assert feed.count("<entry>") == min(50, len(published_reports(REPO)))
    assert "<link rel=\"alternate\" type=\"text/html\" href=\"https://pingan.example.org/zt/pajt/reports/" in feed
    sitemap = (sample_output / "sitemap.xml").read_text("utf-8")
    assert "<loc>https://pingan.example.org/zt/pajt/</loc>" in sitemap
    assert "Sitemap: https://pingan.example.org/zt/pajt/sitemap.xml" in \
        (sample_output / "robots.txt").read_text("utf-8")


def test_base_url_option_overrides_site_yaml(tmp_path):
    result = run_build("build", "--site", SITES / "minimal", "--out", tmp_path / "o",
                       "--base-url", "https://other.example.net/x")
    assert result.returncode == 0, result.stderr
    assert "https://other.example.net/x/reports/" in (tmp_path / "o/feed.xml").read_text("utf-8")


def test_two_builds_are_byte_identical_and_jobs_do_not_change_bytes(tmp_path, sample_output):
    assert run_build("build", "--out", tmp_path / "a", "--jobs", "2").returncode == 0
    assert snapshot(tmp_path / "a") == snapshot(sample_output)


def test_check_writes_nothing(tmp_path):
    site = tmp_path / "site"
    import shutil
    shutil.copytree(SITES / "minimal", site, ignore=shutil.ignore_patterns(".cache"))
    result = run_build("check", "--site", site)
    assert result.returncode == 0, result.stderr
    assert "no errors" in result.stdout
    assert sorted(p.name for p in site.iterdir()) == ["content", "data", "site.yaml"]


def test_a_site_overrides_templates_per_file_and_falls_back_for_the_rest(tmp_path):
    import shutil
    site = tmp_path / "site"
    shutil.copytree(SITES / "minimal", site)
    (site / "templates").mkdir()
    (site / "templates/404.html").write_text(
        '{% extends "base.html" %}{% block main %}<h1>找不到了</h1>{% endblock %}', "utf-8")
    assert run_build("build", "--site", site, "--out", tmp_path / "o").returncode == 0
    assert "<h1>找不到了</h1>" in (tmp_path / "o/404.html").read_text("utf-8")
    assert "<h1>荣誉名单</h1>" in (tmp_path / "o/honours/index.html").read_text("utf-8")


def test_a_broken_template_is_reported_and_the_output_kept(tmp_path):
    import shutil
    site = tmp_path / "site"
    shutil.copytree(SITES / "minimal", site)
    out = tmp_path / "o"
    assert run_build("build", "--site", site, "--out", out).returncode == 0
    before = snapshot(out)
    (site / "templates").mkdir()
    (site / "templates/404.html").write_text("{% extends 'base.html' %}\n{% block main %}\n",
                                             "utf-8")
    result = run_build("build", "--site", site, "--out", out)
    assert result.returncode == 1
    assert result.stderr.startswith("templates/404.html:")
    assert "Traceback" not in result.stderr
    assert snapshot(out) == before


def chart_tables(page: str) -> dict[str, dict[str, int]]:
    """The data tables behind the charts of a page: caption -> {label: number}."""
    tables = {}
    for caption, body in re.findall(r"<table><caption>(.*?)</caption>.*?<tbody>(.*?)</tbody>",
                                    page, re.S):
        rows = re.findall(r'<th scope="row">(.*?)</th><td>(\d+)</td>', body)
        tables[caption] = {label: int(n) for label, n in rows}
    return tables


def test_charts_show_the_counts_of_the_content(sample_output):
    lists = [yaml.safe_load(p.read_text("utf-8")) for p in (REPO / "data/households").glob("*.yaml")]
    per_year: dict[str, int] = {}
    per_county: dict[str, int] = {}
    for honours in lists:
        year = f"{honours['list']['year']}年"
        per_year[year] = per_year.get(year, 0) + len(honours["households"])
        for household in honours["households"]:
            county = household["region"].split("/")[2]
            per_county[county] = per_county.get(county, 0) + 1
    per_category: dict[str, int] = {}
    for front in published_reports(REPO).values():
        per_category[front["category"]] = per_category.get(front["category"], 0) + 1
    home = chart_tables((sample_output / "index.html").read_text("utf-8"))
    assert home["各年度受表彰家庭"] == per_year
    assert home["各县（市、区）受表彰家庭"] == per_county
    assert home["各栏目报告"] == per_category
    county = chart_tables((sample_output / "regions/hunan-sheng/huaihua-shi/xupu-xian/index.html")
                          .read_text("utf-8"))["下辖各地受表彰家庭"]
    towns: dict[str, int] = {}
    for honours in lists:
        for household in honours["households"]:
            parts = household["region"].split("/")
            if parts[2] == "溆浦县":
                towns[parts[3]] = towns.get(parts[3], 0) + 1
    assert county == towns
    assert '<svg viewBox=' in (sample_output / "index.html").read_text("utf-8")


def test_pictures_come_in_sizes_for_each_screen(sample_output):
    from PIL import Image
    page_dir = sample_output / "reports/qiaojiang-sanlian-santiao"
    tag = re.search(r'<img class="cover" [^>]*>', (page_dir / "index.html").read_text("utf-8"))
    attributes = dict(re.findall(r'(\w+)="([^"]*)"', tag.group(0)))
    assert "loading" not in attributes  # the cover is at the top: no lazy loading
    copies = [part.split() for part in attributes["srcset"].split(", ")]
    assert [int(w[:-1]) for _, w in copies] == [360, 720, 1080, 1600]
    for address, width in copies:
        with Image.open(page_dir / address) as image:
            assert image.width == int(width[:-1])
    with Image.open(page_dir / attributes["src"]) as shown:
        assert (shown.width, shown.height) == (int(attributes["width"]), int(attributes["height"]))
