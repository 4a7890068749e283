"""Files of several megabytes build whole: nothing cut, nothing dropped."""
from __future__ import annotations

import re
import shutil

from conftest import SITES, run_build

PARAGRAPH = ("今年以来，我县把“平安家庭”创建作为基层平安建设的基础工程，全县九成以上家庭参与创建，"
             "八成五家庭达到标准。") * 8


def test_a_report_and_a_list_of_megabytes_build_whole(tmp_path):
    site = tmp_path / "site"
    shutil.copytree(SITES / "minimal", site)
    parts = [f"## 第{i}部分\n\n" + "\n\n".join([PARAGRAPH] * 5) + f"\n\n第{i}部分完。"
             for i in range(1, 401)]
    report = site / "content/reports/big.md"
    report.write_text("---\ntitle: 大文件\nunit: 测试\ndate: 2024-01-01\nregion: 湖南省/怀化市/溆浦县\n"
                      "category: 经验交流\n---\n\n" + "\n\n".join(parts) + "\n", "utf-8")
    households = "\n".join(
        f"  - name: 第{i:04d}号家庭\n    region: 湖南省/怀化市/溆浦县/桥江镇/龙潭村\n"
        f"    story: |\n      {PARAGRAPH}第{i:04d}号。" for i in range(3000))
    (site / "data/households/2024-big.yaml").write_text(
        "list:\n  title: 大名单\n  honour: 平安家庭示范户\n  year: 2024\nhouseholds:\n" + households
        + "\n", "utf-8")
    assert report.stat().st_size > 2_000_000
    out = tmp_path / "out"
    result = run_build("build", "--site", site, "--out", out)
    assert result.returncode == 0, result.stderr
    page = (out / "reports/big/index.html").read_text("utf-8")
    assert page.count("部分完。") == 400 and "第400部分完。" in page
    listing = (out / "honours/2024-big/index.html").read_text("utf-8")
    assert listing.count('href="../../households/') == 3000
    stories = [p.read_text("utf-8") for p in (out / "households").glob("2024-big-*/index.html")]
    assert len(stories) == 3000
    endings = set(re.findall(r"第(\d{4})号。", "".join(stories)))
    assert endings == {f"{i:04d}" for i in range(3000)}
