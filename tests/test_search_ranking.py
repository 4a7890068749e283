"""Search ORDER as readers judge it: the judged ranking queries of tests/search_ranking.yaml run
through the real JavaScript in headless Chromium against the built sample site, measured by
first place and NDCG@10 with graded judgements from tests/search_oracle.py (`grade`), which is
written apart from showcase/search. tests/test_search.py measures what is found; this file
measures whether the answer a reader expects comes first."""
from __future__ import annotations

import math
import statistics
from pathlib import Path

import pytest
import yaml

from conftest import REPO
from search_oracle import Document, documents, grade, relevant

RANKING = yaml.safe_load(Path(__file__).with_name("search_ranking.yaml").read_text("utf-8"))
QUERIES = [dict(entry, group=group) for group, entries in RANKING.items() for entry in entries]
SEARCH = "(args) => window.showcase.search(args[0], args[1])"
DEPTH = 10
FIRST_PLACE_SHARE = 0.9
MEAN_NDCG = 0.9


@pytest.fixture(scope="module")
def docs() -> dict[str, Document]:
    return {doc.url: doc for doc in documents(REPO)}


@pytest.fixture(scope="module")
def ranked(search_page) -> dict[str, list[str]]:
    """Each ranking query's result addresses, best first, searched once for all the tests."""
    def urls(query: str) -> list[str]:
        return [r["url"] for r in search_page.evaluate(SEARCH, [query, {"limit": DEPTH}])]

    return {q["query"]: urls(q["query"]) for q in QUERIES}


def grades(query: dict, urls: list[str], docs: dict[str, Document]) -> list[int]:
    """The judged grade of each address; one the oracle does not know (or a page that is not a
    report or household) is worth nothing."""
    return [grade(query["query"], docs[url], query["first"]) if url in docs else 0
            for url in urls]


def dcg(gains: list[int]) -> float:
    """Discounted cumulative gain over the first DEPTH grades: 2^grade - 1 at rank r counts
    1/log2(r + 1), so the first place weighs most and a grade 3 far more than a grade 1."""
    return sum((2 ** g - 1) / math.log2(rank + 1)
               for rank, g in enumerate(gains[:DEPTH], start=1))


def ndcg(query: dict, urls: list[str], docs: dict[str, Document]) -> float:
    """DCG of the order found over the DCG of the best possible order: ALL relevant documents
    (per the oracle, not only those found) sorted by grade, so missing one costs too."""
    wanted = relevant(query["query"], list(docs.values()))
    ideal = sorted((grade(query["query"], docs[url], query["first"]) for url in wanted),
                   reverse=True)
    return dcg(grades(query, urls, docs)) / dcg(ideal) if ideal else 0.0


def describe(query: dict, urls: list[str], docs: dict[str, Document]) -> str:
    """One line an engineer can act on: the query, its expected first, what came first."""
    top = ", ".join(f"{url} ({g})" for url, g in zip(urls[:3], grades(query, urls[:3], docs)))
    return (f"[{query['group']}] {query['query']!r}: NDCG@{DEPTH} "
            f"{ndcg(query, urls, docs):.3f}; expected {query['first']}; "
            f"top 3 (grade): {top or 'nothing found'}")


def report(lines: list[str], header: str) -> str:
    text = header + "\n  " + "\n  ".join(lines)
    print(text)
    return text


def test_every_expected_first_result_is_relevant(docs):
    """A self-check of the judged set: a `first:` the oracle does not find relevant (a typo in
    the address, a query that does not match the text exactly) would make the measures lie."""
    wrong = [f"{q['query']!r}: {q['first']}" for q in QUERIES
             if q["first"] not in relevant(q["query"], list(docs.values()))]
    assert wrong == []


def test_the_judged_set_covers_each_kind_of_query():
    """The readers' four expectations each need enough queries to be measured."""
    assert {"places", "people", "phrases", "multi_term"} <= set(RANKING)
    assert len(QUERIES) >= 24
    assert len({q["query"] for q in QUERIES}) == len(QUERIES)


def test_the_expected_first_result_comes_first(ranked, docs):
    """What readers asked for in the issue: the report about the place or phrase, the household
    of the name, in first place; a few misses are tolerated, not a pattern."""
    missed = [q for q in QUERIES if ranked[q["query"]][:1] != [q["first"]]]
    share = 1 - len(missed) / len(QUERIES)
    message = report([describe(q, ranked[q["query"]], docs) for q in missed],
                     f"first place for {share:.0%} of {len(QUERIES)} queries "
                     f"(at least {FIRST_PLACE_SHARE:.0%} wanted); missed:")
    assert share >= FIRST_PLACE_SHARE, message


def test_mean_ndcg_at_10_of_the_ranking_queries(ranked, docs):
    """The order of the whole first page, not only its first result: reports about the query
    above those that mention it, above households that match only through their list. The
    message lists every query's NDCG (worst first) and each group's mean, to see what ranked
    wrong."""
    scores = {q["query"]: ndcg(q, ranked[q["query"]], docs) for q in QUERIES}
    mean = statistics.mean(scores.values())
    by_group = {group: statistics.mean(scores[e["query"]] for e in entries)
                for group, entries in RANKING.items()}
    groups = [f"{group}: mean NDCG@{DEPTH} {value:.3f}" for group, value in by_group.items()]
    lines = [describe(q, ranked[q["query"]], docs)
             for q in sorted(QUERIES, key=lambda q: scores[q["query"]])]
    message = report(groups + lines, f"mean NDCG@{DEPTH} {mean:.3f} "
                                     f"(at least {MEAN_NDCG} wanted); per query, worst first:")
    assert mean >= MEAN_NDCG, message
    assert min(by_group.values()) >= MEAN_NDCG, message  # people's names must not carry places


def test_ndcg_rewards_the_expected_order(docs):
    """The measure itself: the ideal order scores 1, the expected first moved down scores less,
    and documents the oracle does not find relevant add nothing."""
    query = next(q for q in QUERIES if q["query"] == "溆浦")
    wanted = relevant(query["query"], list(docs.values()))
    best = sorted(wanted, key=lambda url: -grade(query["query"], docs[url], query["first"]))
    assert ndcg(query, best, docs) == pytest.approx(1.0)
    demoted = best[1:DEPTH] + [best[0]]
    assert ndcg(query, demoted, docs) < 0.9
    unrelated = "reports/hanjiang-yunhe-hexie/"
    assert grade(query["query"], docs[unrelated], query["first"]) == 0
    assert ndcg(query, [unrelated, *best], docs) < 1.0
