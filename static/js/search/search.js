/* showcase search, 5 of 5: the search itself, run in the reader's browser.
 *
 * window.showcase.search(query, {category, region, year, honour, kind, limit})
 *   -> Promise of [{url, title, kind, date, region, excerpt, highlights, matched}], best first,
 *      with .counts {report, household} and .exact (false: the counts are lower bounds).
 *
 * A term is looked up by keys: a phrase filed whole (平安家庭), else its character pairs. A
 * term of several keys is checked against the document's fields and body blocks (its postings
 * say which block to start at), best candidates first, within a budget of files. */
(function () {
  "use strict";
  var S = window.showcaseSearch;
  var DEFAULT_LIMIT = 10, BUDGET = 24;

  function ready() { return S.load("m"); }

  /* Keys of a term: the term itself when it is a phrase filed whole; else every pair of
     neighbouring units (留守儿童: 留守, 守儿, 儿童; 2023年), or its one unit. */
  function termKeys(meta, term) {
    var units = term.units, keys = units.length === 1 ? [units[0]] : [];
    for (var k = 0; k + 1 < units.length; k += 1) { keys.push(units[k] + units[k + 1]); }
    if (units.length < 3 || !units.every(S.isHanUnit)) { return Promise.resolve(keys); }
    return S.entry(meta, units.join("")).then(function (filed) { return filed ? [units.join("")] : keys; });
  }

  /* The keys whose lists are read: all of a term's keys whose lists come with their shard, or
     else the rarest; the others are checked against the text, which is cheaper than reading
     several long lists (邻里和谐: the pair 里和 alone rules out nearly every document). */
  function chooseKeys(term, entries) {
    if (term.keys.length === 1) { return term.keys; }
    var inline = term.keys.filter(function (key) { return typeof entries.get(key)[0] === "string"; });
    if (inline.length) { return inline; }
    return [term.keys.slice().sort(function (a, b) {
      return entries.get(a)[1] + entries.get(a)[2] - entries.get(b)[1] - entries.get(b)[2];
    })[0]];
  }

  function parse(meta, query) {
    return S.prepareFold(meta, query).then(function () {
      var terms = S.units(query).map(function (units) { return { units: units }; });
      return Promise.all(terms.map(function (term) {
        return termKeys(meta, term).then(function (keys) {
          term.keys = keys;
          term.exact = keys.length === 1;  /* one key: its list is exactly where it stands */
        });
      })).then(function () { return terms; });
    });
  }

  /* Is `hit` a real match: does every term of several keys stand whole in a field or in the
     body? true, false, or null when the budget ran out first. Sets the fields that hold each
     term, and where in the body one was found (for the excerpt). */
  function check(hit, terms, spent) {
    return S.load("h/" + hit.number).then(function (head) {
      hit.head = head;
      var map = S.mapOf(head);
      return Promise.all(terms.map(function (term, index) {
        var entry = hit.terms[index];
        if (term.exact) { return true; }
        entry.flags = 0;
        Object.keys(S.FIELD_FLAGS).forEach(function (field) {
          (head[field] || []).forEach(function (value) {
            if (S.matchSpans(value, term.units, map).length) { entry.flags |= S.FIELD_FLAGS[field]; }
          });
        });
        if (entry.hint === 0) { return entry.flags !== 0; }
        return findInBody(hit, head, term, Math.max(entry.hint - 1, 0), spent).then(function (found) {
          if (found === false) { entry.sevenths = 0; }
          return found || entry.flags !== 0 || (found === null ? null : false);
        });
      })).then(function (found) {
        if (found.indexOf(false) >= 0) { return false; }
        if (found.indexOf(null) >= 0) { return null; }
        hit.score = 0;
        terms.forEach(function (term, index) {
          hit.score += S.termScore(term, hit.terms[index].sevenths, hit.terms[index].flags, hit.report);
        });
        return true;
      });
    });
  }

  function spentAll(spent) { return S.requested - spent >= 2 * BUDGET; }

  /* What `test(text, map)` first gives for a report's blocks from `first` to before `last`,
     read one at a time, or undefined; `stop()`, asked before each block, ends it with null. */
  function searchBlocks(hit, first, last, test, stop) {
    function from(block) {
      if (block >= last) { return Promise.resolve(undefined); }
      if (stop && stop()) { return Promise.resolve(null); }
      return S.load("x/" + hit.number + "-" + block).then(function (data) {
        return test(data.b, S.mapOf(data)) || from(block + 1);
      });
    }
    return from(first);
  }

  /* Whether a body block from `first` on holds the term (null: the budget ran out first); a
     household's body is its story, in its head. */
  function findInBody(hit, head, term, first, spent) {
    if (head.k === "h") { return Promise.resolve(found(hit, head.o, S.mapOf(head), term)); }
    return searchBlocks(hit, first, head.n, function (text, map) {
      return found(hit, text, map, term);
    }, function () { return spentAll(spent); }).then(function (result) {
      return result === undefined ? false : result;
    });
  }

  function found(hit, text, map, term) {
    if (!S.matchSpans(text, term.units, map).length) { return false; }
    hit.body = hit.body || { text: text, map: map };
    return true;
  }

  /* Candidates best first, checked until the page is full and no unchecked candidate could
     beat it, or the budget of files is spent (then the counts are lower bounds). */
  function collect(candidates, terms, limit) {
    candidates.sort(S.byScore);
    if (terms.every(function (term) { return term.exact; })) {
      return Promise.resolve({ hits: candidates, exact: true });
    }
    var hits = [], at = 0, spent = S.requested, undecided = false;
    function step() {
      hits.sort(S.byScore);
      var full = hits.length >= limit && (at >= candidates.length ||
        hits[limit - 1].score >= candidates[at].score);
      if (at >= candidates.length || undecided || (full && S.requested - spent >= BUDGET) ||
          spentAll(spent)) {
        return Promise.resolve({ hits: hits, exact: at >= candidates.length && !undecided });
      }
      var batch = candidates.slice(at, at + limit);
      at += batch.length;
      return Promise.all(batch.map(function (hit) {
        return check(hit, terms, spent).then(function (ok) {
          if (ok) { hits.push(hit); } else if (ok === null) { undecided = true; }
        });
      })).then(step);
    }
    return step();
  }

  /* Filters (filter.js, loaded the first time a search is filtered). */
  function filtered(options) {
    return ["kind", "category", "region", "year", "honour"].some(function (name) { return options[name]; });
  }

  function filter(hits, options) {
    if (!filtered(options)) { return Promise.resolve(hits); }
    return S.script(S.filterScript).then(function () { return S.filter(hits, options); });
  }

  function excerpt(hit, terms) {
    var head = hit.head, cut = null;
    if (hit.body) { cut = S.sentence(hit.body.text, terms, hit.body.map); }
    var inBody = hit.terms.some(function (entry) { return entry.sevenths > 0; });
    if (!cut && inBody) { cut = S.sentence(head.o || "", terms, S.mapOf(head)); }
    if (cut || !inBody || head.k === "h") {
      return Promise.resolve(cut || S.opening(head, terms));
    }
    var hint = Math.max.apply(null, hit.terms.map(function (entry) { return entry.hint; }));
    var first = hint > 0 ? hint - 1 : 0;
    return searchBlocks(hit, first, Math.min(head.n, first + 3), function (text, map) {
      return S.sentence(text, terms, map);
    }).then(function (sentence) { return sentence || S.opening(head, terms); });
  }

  function present(hits, terms) {
    return Promise.all(hits.map(function (hit) {
      return (hit.head ? Promise.resolve(hit.head) : S.load("h/" + hit.number)).then(function (head) {
        hit.head = head;
        return excerpt(hit, terms);
      }).then(function (cut) {
        var head = hit.head;
        return {
          url: head.u, title: head.ft[0], kind: head.k === "r" ? "report" : "household",
          date: head.d, region: head.fr.join("/"), excerpt: cut.text, highlights: cut.highlights,
          matched: cut.highlights.length ? "" : S.matchedFields(head, terms)
        };
      });
    }));
  }

  function search(query, options) {
    options = options || {};
    var limit = options.limit || DEFAULT_LIMIT;
    return ready().then(function (meta) {
      return parse(meta, String(query || "")).then(function (terms) {
        if (!terms.length) { return finish([], { report: 0, household: 0 }, true); }
        /* One word alone, unfiltered: its count is known and its best documents suffice. */
        var alone = terms.length === 1 && terms[0].keys.length === 1 && !filtered(options);
        var keys = [];
        terms.forEach(function (term) {
          term.keys.forEach(function (key) { if (keys.indexOf(key) < 0) { keys.push(key); } });
        });
        return Promise.all(keys.map(function (key) { return S.entry(meta, key); }))
          .then(function (found) {
            if (found.indexOf(null) >= 0) { return finish([], { report: 0, household: 0 }, true); }
            var entries = new Map();
            keys.forEach(function (key, k) { entries.set(key, found[k]); });
            var read = [];
            terms.forEach(function (term) {
              term.read = chooseKeys(term, entries);
              term.read.forEach(function (key) { if (read.indexOf(key) < 0) { read.push(key); } });
            });
            var whole = !alone || entries.get(read[0])[3] === undefined ||
              S.decodeTop(entries.get(read[0])).numbers.length < limit;
            return Promise.all(read.map(function (key) { return S.postings(meta, entries.get(key), whole); }))
              .then(function (lists) {
                var byKey = new Map();
                read.forEach(function (key, k) { byKey.set(key, lists[k]); });
                return filter(S.candidates(terms, byKey, meta), options).then(function (candidates) {
                  return collect(candidates, terms, limit);
                }).then(function (outcome) {
                  var counts = alone ? lists[0].counts : countKinds(outcome.hits);
                  return present(outcome.hits.slice(0, limit), terms).then(function (results) {
                    return finish(results, counts, outcome.exact);
                  });
                });
              });
          });
      });
    });
  }

  function countKinds(hits) {
    var reports = hits.filter(function (hit) { return hit.report; }).length;
    return { report: reports, household: hits.length - reports };
  }

  function finish(results, counts, exact) {
    results.counts = counts;
    results.exact = exact;
    return results;
  }

  window.showcase = window.showcase || {};
  window.showcase.search = search;
  window.showcase.fold = function (text) {
    return ready().then(function (meta) { return S.prepareFold(meta, text); })
      .then(function () { return S.fold(text); });
  };
  window.showcase.units = function (text) {
    return ready().then(function (meta) { return S.prepareFold(meta, text); })
      .then(function () { return S.units(text); });
  };
  window.showcase.facets = function () { return S.load("f"); };
})();
