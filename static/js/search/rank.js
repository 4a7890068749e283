/* showcase search, 3 of 5: postings and ranking. A posting entry gives a document, its
 * saturated frequency of the key in sevenths and which fields hold the key (1 title or name,
 * 2 unit or region, 4 category, tags, honour or list); inline postings also give the first body
 * block holding the key. What ranks first is what a reader expects: a document named for the
 * query, then one about the query's place, then one that only mentions it. */
(function () {
  "use strict";
  var S = window.showcaseSearch;
  var K1 = 1.2;
  var TITLE = 1, PLACE = 2, META = 4;
  /* Which flag each field of a head stands for: title (a household's name), unit and region,
     meta (category, tags, honour, list, year). */
  S.FIELD_FLAGS = { ft: TITLE, fu: PLACE, fr: PLACE, fm: META };

  /* A list of postings: after "=", one value character per document (value 0: not there);
     else entries of a gap (a number), a value character and, in a top list, a block hint. */
  function decode(text, withHints) {
    var list = { numbers: [], values: [], hints: withHints ? [] : null }, k = 0, number = -1;
    function read() {
      var value = 0, scale = 1, digit;
      while ((digit = S.digit(text.charAt(k++))) >= 32) { value += (digit - 32) * scale; scale *= 32; }
      return value + digit * scale;
    }
    if (text.charAt(0) === "=") {
      for (k = 1; k < text.length; k += 1) {
        if (S.digit(text.charAt(k))) { list.numbers.push(k - 1); list.values.push(S.digit(text.charAt(k))); }
      }
      return list;
    }
    while (k < text.length) {
      number += read() + 1;
      list.numbers.push(number);
      list.values.push(S.digit(text.charAt(k++)));
      if (withHints) { list.hints.push(read()); }
    }
    return list;
  }

  /* A key's entry in its shard: [postings, hints], or [file, reports, households, top list]
     for a key with a file of its own; null for a key no document holds. */
  S.entry = function (meta, key) {
    return S.load("k/" + (S.fnv1a(key) % meta.shards)).then(function (keys) {
      return keys[key] || null;
    });
  };

  /* The best documents a common key's shard keeps, with its counts. */
  S.decodeTop = function (entry) {
    var top = decode(entry[3], true);
    top.counts = { report: entry[1], household: entry[2] };
    return top;
  };

  /* A key's postings {numbers, values, hints or null, counts {report, household}}; a common
     key's whole list is loaded only when `whole`, else its best documents stand in (top). */
  S.postings = function (meta, entry, whole) {
    if (!entry) { entry = ["", ""]; }
    if (typeof entry[0] === "string") {
      var list = decode(entry[0], false);
      list.hints = S.decodeNumbers(entry[1]);
      list.counts = { report: list.numbers.filter(function (n) { return S.isReport(meta, n); }).length };
      list.counts.household = list.numbers.length - list.counts.report;
      return Promise.resolve(list);
    }
    var top = S.decodeTop(entry);
    if (!whole) { return Promise.resolve(top); }
    return S.load("p/" + entry[0]).then(function (text) {
      var all = decode(text, false);
      all.counts = top.counts;
      return all;
    });
  };

  S.idf = function (count, total) {
    return Math.log(1 + (total - count + 0.5) / (count + 0.5));
  };

  /* The same numbers as showcase/search/index.py (TITLE_BONUS and the others). */
  S.bonus = function (flags, report) {
    return (flags & TITLE ? 3 : 0) + (flags & PLACE ? (report ? 1.5 : 1) : 0) +
      (flags & META ? 0.5 : 0);
  };

  S.termScore = function (term, sevenths, flags, report) {
    return term.weight * (sevenths / 7 * (K1 + 1) + S.bonus(flags, report));
  };

  /* Documents holding every key of every term, each with the best score it can have: a term of
     several keys counts the rarest key's frequency and the fields holding all of them. */
  S.candidates = function (terms, byKey, meta) {
    var found = null;
    terms.forEach(function (term) {
      var lists = term.read.map(function (key) { return byKey.get(key); });
      term.weight = Math.min.apply(null, lists.map(function (list) {
        return S.idf(list.counts.report + list.counts.household, meta.documents);
      }));
      var merged = new Map();
      lists.forEach(function (list, index) {
        list.numbers.forEach(function (number, k) {
          var value = list.values[k], hint = list.hints ? list.hints[k] : -1;
          if (index === 0) {
            merged.set(number, { sevenths: value & 7, flags: value >> 3, hint: hint, seen: 1 });
            return;
          }
          var entry = merged.get(number);
          if (!entry || entry.seen !== index) { return; }
          entry.seen += 1;
          entry.sevenths = Math.min(entry.sevenths, value & 7);
          entry.flags &= value >> 3;
          entry.hint = hint === 0 || entry.hint === 0 ? 0 : Math.max(hint, entry.hint);
        });
      });
      var next = new Map();
      merged.forEach(function (entry, number) {
        if (entry.seen !== lists.length) { return; }
        var before = found ? found.get(number) : { score: 0, terms: [] };
        if (!before) { return; }
        var report = S.isReport(meta, number);
        next.set(number, {
          number: number, report: report,
          /* ties: reports first, then households, the newest (numbered last) first in each */
          order: (report ? 0 : meta.documents) + meta.documents - 1 - number,
          score: before.score + S.termScore(term, entry.sevenths, entry.flags, report),
          terms: before.terms.concat([entry])
        });
      });
      found = next;
    });
    return Array.from((found || new Map()).values());
  };

  /* Documents are numbered in the order they were published, in runs of households and of
     reports (meta.kinds, households first: showcase/search/documents.py), read once. */
  S.isReport = function (meta, number) {
    if (!meta.reported) {
      var reported = new Uint8Array(meta.documents), at = 0;
      S.decodeNumbers(meta.kinds).forEach(function (run, k) {
        if (k % 2 === 1) { reported.fill(1, at, at + run); }
        at += run;
      });
      meta.reported = reported;
    }
    return meta.reported[number] === 1;
  };

  S.byScore = function (a, b) { return b.score - a.score || a.order - b.order; };
})();
