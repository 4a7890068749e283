"""A site laid out differently from the sample (reports straight under content/, pictures and
attachments beside them, a cover under static/, no honour lists), built and crawled."""
from __future__ import annotations

import re

import pytest

from conftest import SITES, run_build
from crawl import crawl


@pytest.fixture(scope="module")
def linked_output(tmp_path_factory):
    out = tmp_path_factory.mktemp("linked") / "out"
    result = run_build("build", "--site", SITES / "linked", "--out", out)
    assert result.returncode == 0, result.stderr
    return out, result.stderr


def test_same_file_names_in_two_folders_both_publish(linked_output):
    out, messages = linked_output
    assert (out / "reports/2023-zongjie/index.html").is_file()
    assert (out / "reports/2024-zongjie/index.html").is_file()
    assert "reports/2024-zongjie/ (set 'slug:' to choose)" in messages


def test_pictures_links_and_attachments_are_published_and_rewritten(linked_output):
    out, _ = linked_output
    page = (out / "reports/2024-zongjie/index.html").read_text("utf-8")
    image = re.search(r'<img alt="表彰会现场" src="([^"]+)"', page).group(1)
    assert re.fullmatch(r"\.\./\.\./media/2024/images/meeting\.[0-9a-f]{10}\.png", image)
    assert (out / "reports/2024-zongjie" / image).resolve().is_file()
    assert 'href="../../reports/2023-zongjie/#一主要做法"' in page
    attachment = re.search(r'href="([^"]+)">附件', page).group(1)
    assert re.fullmatch(r"\.\./\.\./media/2024/files/mingdan\.[0-9a-f]{10}\.txt", attachment)
    cover = re.search(r'<img class="cover" src="([^"]+)"', page).group(1)
    assert (out / "reports/2024-zongjie" / cover).resolve().read_bytes().startswith(b"\x89PNG")


def test_crawl_under_a_sub_path(linked_output, serve_sub):
    out, _ = linked_output
    result = crawl(serve_sub(out))
    assert result.broken == []
    assert any(url.endswith(".png") for url in result.pages)
    assert any("/media/2024/files/" in url for url in result.pages)


def test_pictures_in_the_text_load_lazily_with_their_size(linked_output):
    out, _ = linked_output
    page = (out / "reports/2024-zongjie/index.html").read_text("utf-8")
    tag = re.search(r'<img alt="表彰会现场"[^>]*>', page).group(0)
    assert 'loading="lazy"' in tag and 'width="4"' in tag and 'height="3"' in tag


def test_pictures_written_as_raw_html_are_published_too(linked_output):
    out, _ = linked_output
    page = (out / "reports/2024-zongjie/index.html").read_text("utf-8")
    tag = re.search(r'<img alt="会场"[^>]*>', page).group(0)
    assert 'src="../../media/2024/images/meeting.' in tag and "srcset=" in tag
