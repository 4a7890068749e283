/* showcase search: the site's own Chinese search, run in the reader's browser.
 *
 * window.showcase.search(query, {category, region, year, honour, kind, limit})
 *   -> Promise of [{url, title, kind, date, region, excerpt, highlights}], best first.
 *
 * The index (built by showcase/search/index.py) is a set of small script files under search/,
 * loaded with <script> tags so that search works from file:// as well as from any host and
 * sub-path. Text is folded exactly as in showcase/search/normalize.py: NFKC, lower case,
 * Traditional to Simplified, one code point at a time.
 */
(function () {
  "use strict";

  var here = document.currentScript;
  var base = (here && here.getAttribute("data-root") || "./") + "search/";
  var ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_";
  var DIGIT = {};
  for (var i = 0; i < ALPHABET.length; i += 1) { DIGIT[ALPHABET.charAt(i)] = i; }
  var HAN = [[0x3007, 0x3007], [0x3400, 0x4DBF], [0x4E00, 0x9FFF], [0xF900, 0xFAFF],
             [0x20000, 0x2EBEF], [0x30000, 0x3134F]];
  var K1 = 1.2, B = 0.75, DEFAULT_LIMIT = 10;
  var FIELDS = [["ft", 8, 2], ["fn", 3, 1], ["fg", 0, 0.5], ["fm", 0, 0.5], ["fb", 1, 0]];
  var PINYIN = [["pt", 8, 2], ["pg", 0, 0.5]];
  var FLAG_BONUS = [[1, 2], [2, 1], [4, 0.5]];  /* the same boosts, as index.py's FIELD_FLAGS */

  /* A posting's value: saturated frequency in sevenths (3 bits), then the boost flags. */
  function approximate(value) {
    var score = (value & 7) / 7 * (K1 + 1);
    FLAG_BONUS.forEach(function (flag) { if (value >> 3 & flag[0]) { score += flag[1]; } });
    return score;
  }
  /* [field, weight in the text frequency, bonus]: a match in the title, unit or region is a
     strong boost on top of the saturated frequency of the text, so a report named for the query
     comes first and a place's own reports come before others that mention it. */
  var pending = {};
  var foldMap = null;

  /* ---- loading index files ---- */

  function load(name) {
    if (!pending[name]) {
      var entry = {};
      entry.promise = new Promise(function (resolve, reject) {
        entry.resolve = resolve;
        entry.reject = reject;
      });
      pending[name] = entry;
      var tag = document.createElement("script");
      tag.src = base + name + ".js";
      tag.async = true;
      tag.onload = function () { tag.remove(); };
      tag.onerror = function () {
        tag.remove();
        delete pending[name];
        entry.reject(new Error("search index file missing: " + name));
      };
      document.head.appendChild(tag);
    }
    return pending[name].promise;
  }

  function receive(name, payload) {
    if (pending[name]) { pending[name].resolve(payload); }
  }

  function ready() {
    return Promise.all([load("m"), load("fold")]).then(function (parts) {
      if (!foldMap) {
        foldMap = new Map();
        var chars = Array.from(parts[1]);
        for (var j = 0; j + 1 < chars.length; j += 2) { foldMap.set(chars[j], chars[j + 1]); }
      }
      return parts[0];
    });
  }

  /* ---- folding and units, as in normalize.py ---- */

  function isHan(ch) {
    var code = ch.codePointAt(0);
    for (var k = 0; k < HAN.length; k += 1) {
      if (code >= HAN[k][0] && code <= HAN[k][1]) { return true; }
    }
    return false;
  }

  function isWordChar(ch) { return (ch >= "a" && ch <= "z") || (ch >= "0" && ch <= "9"); }

  function isHanUnit(unit) { return Array.from(unit).length === 1 && isHan(unit); }

  function foldChar(ch) {
    var out = "";
    for (var c of ch.normalize("NFKC").toLowerCase()) { out += foldMap.get(c) || c; }
    return out;
  }

  function fold(text) {
    var out = "";
    for (var ch of text) { out += foldChar(ch); }
    return out;
  }

  /* Segments of units (a Han character, or a word or number, 98.2 being one number), each unit
     with the span of original text it came from; anything else separates segments. */
  function segments(text) {
    var folded = [], offset = 0;
    for (var ch of text) {
      for (var c of foldChar(ch)) { folded.push({ c: c, s: offset, e: offset + ch.length }); }
      offset += ch.length;
    }
    var result = [], current = [], word = "", wordStart = 0, wordEnd = 0;
    function endWord() {
      if (word) { current.push({ u: word, s: wordStart, e: wordEnd }); word = ""; }
    }
    folded.forEach(function (item, index) {
      var c = item.c, after = folded[index + 1];
      if (isWordChar(c) || (c === "." && /[0-9]$/.test(word) && after && /[0-9]/.test(after.c))) {
        if (!word) { wordStart = item.s; }
        word += c;
        wordEnd = item.e;
        return;
      }
      endWord();
      if (isHan(c)) {
        current.push({ u: c, s: item.s, e: item.e });
      } else if (current.length) {
        result.push(current);
        current = [];
      }
    });
    endWord();
    if (current.length) { result.push(current); }
    return result;
  }

  function units(text) {
    return segments(text).map(function (segment) {
      return segment.map(function (unit) { return unit.u; });
    });
  }

  function queryKeys(term) {
    var keys = [];
    term.forEach(function (unit, index) {
      var before = index > 0 ? term[index - 1] : "";
      var after = index + 1 < term.length ? term[index + 1] : "";
      if (!isHanUnit(unit)) { keys.push(unit); }
      else if (after && isHanUnit(after)) { keys.push(unit + after); }
      else if (!(before && isHanUnit(before))) { keys.push(unit); }
    });
    return keys;
  }

  /* ---- index files ---- */

  function fnv1a(text) {
    var value = 0x811C9DC5;
    for (var ch of text) { value = Math.imul(value ^ ch.codePointAt(0), 0x01000193) >>> 0; }
    return value;
  }

  function decodeNumbers(text) {
    var numbers = [], value = 0, shift = 0;
    for (var k = 0; k < text.length; k += 1) {
      var digit = DIGIT[text.charAt(k)];
      if (digit >= 32) { value += (digit - 32) * Math.pow(2, shift); shift += 5; }
      else { numbers.push(value + digit * Math.pow(2, shift)); value = 0; shift = 0; }
    }
    return numbers;
  }

  /* Map document number -> quantised frequency for one key (empty when the key is unknown). */
  function postings(meta, key) {
    var hashed = fnv1a(key);
    return load("k/" + (hashed % meta.shards)).then(function (shard) {
      if (!(key in shard)) { return ""; }
      if (shard[key] !== 0) { return shard[key]; }
      return load("b/" + ("0000000" + hashed.toString(16)).slice(-8));
    }).then(function (encoded) {
      var found = new Map(), number = -1, k = 0, value = 0, shift = 0;
      while (k < encoded.length) {
        var digit = DIGIT[encoded.charAt(k)];
        k += 1;
        if (digit >= 32) { value += (digit - 32) * Math.pow(2, shift); shift += 5; continue; }
        number += value + digit * Math.pow(2, shift) + 1;
        found.set(number, DIGIT[encoded.charAt(k)]);
        k += 1;
        value = 0;
        shift = 0;
      }
      return found;
    });
  }

  /* ---- matching a document's own text ---- */

  function matchSpans(text, term) {
    var spans = [];
    segments(text || "").forEach(function (segment) {
      for (var start = 0; start + term.length <= segment.length; start += 1) {
        var ok = true;
        for (var k = 0; k < term.length && ok; k += 1) { ok = segment[start + k].u === term[k]; }
        if (ok) { spans.push([segment[start].s, segment[start + term.length - 1].e]); }
      }
    });
    return spans;
  }

  function idf(count, total) {
    return Math.log(1 + (total - count + 0.5) / (count + 0.5));
  }

  /* The exact score of a document for the query, or null when a term is not in it. */
  function scoreDocument(doc, terms, meta) {
    var total = 0, length = 0;
    units(doc.ft + " " + doc.fb).forEach(function (s) { length += s.length; });
    var norm = K1 * (1 - B + B * length / meta.average);
    for (var k = 0; k < terms.length; k += 1) {
      var term = terms[k], found = false, frequency = 0, bonus = 0;
      FIELDS.forEach(function (field) {
        var hits = matchSpans(doc[field[0]], term.units).length;
        if (hits) {
          found = true;
          frequency += hits * field[1];
          bonus += field[2];
        }
      });
      if (term.units.length === 1 && !isHanUnit(term.units[0])) {
        PINYIN.forEach(function (field) {
          if ((" " + doc[field[0]] + " ").indexOf(" " + term.units[0] + " ") >= 0) {
            found = true;
            frequency += field[1];
            bonus += field[2];
          }
        });
      }
      if (!found) { return null; }
      total += term.weight * (frequency * (K1 + 1) / (frequency + norm) + bonus);
    }
    return total;
  }

  function excerpt(doc, terms) {
    var text = doc.fb || doc.fm;
    var spans = [];
    terms.forEach(function (term) { spans = spans.concat(matchSpans(text, term.units)); });
    spans.sort(function (a, b) { return a[0] - b[0]; });
    var start = spans.length ? Math.max(0, spans[0][0] - 30) : 0;
    var end = Math.min(text.length, start + 110);
    var shown = (start > 0 ? "…" : "") + text.slice(start, end) + (end < text.length ? "…" : "");
    var shift = start > 0 ? 1 - start : 0;
    var highlights = spans.filter(function (s) { return s[0] >= start && s[1] <= end; })
      .map(function (s) { return [s[0] + shift, s[1] + shift]; });
    return { text: shown, highlights: highlights };
  }

  /* ---- filters ---- */

  function decodeFacets(table) {
    if (!table.decoded) {
      table.decoded = {};
      ["category", "honour", "year", "region"].forEach(function (name) {
        table.decoded[name] = decodeNumbers(table[name]);
      });
    }
    return table.decoded;
  }

  function regionMatcher(table, wanted) {
    var names = table.regions, inside = new Set();
    var path = function (index) {
      var parts = [];
      while (index >= 0) { parts.unshift(names[index][0]); index = names[index][1]; }
      return parts.join("/");
    };
    var roots = [];
    names.forEach(function (entry, index) {
      if (path(index) === wanted || entry[0] === wanted) { roots.push(index); }
    });
    names.forEach(function (entry, index) {
      for (var at = index; at >= 0; at = names[at][1]) {
        if (roots.indexOf(at) >= 0) { inside.add(index); return; }
      }
    });
    return inside;
  }

  function applyFilters(numbers, options, meta) {
    if (options.kind) {
      var reports = options.kind === "report";
      numbers = numbers.filter(function (n) { return (n < meta.reports) === reports; });
    }
    if (!(options.category || options.region || options.year || options.honour)) {
      return Promise.resolve(numbers);
    }
    return load("f").then(function (table) {
      var facets = decodeFacets(table);
      var regions = options.region ? regionMatcher(table, String(options.region)) : null;
      return numbers.filter(function (n) {
        if (options.category && table.categorys[facets.category[n] - 1] !== options.category) {
          return false;
        }
        if (options.honour && table.honours[facets.honour[n] - 1] !== options.honour) {
          return false;
        }
        if (options.year && table.years[facets.year[n] - 1] !== String(options.year)) {
          return false;
        }
        return !regions || regions.has(facets.region[n]);
      });
    });
  }

  /* ---- the search ---- */

  function parse(query) {
    return units(String(query || "")).map(function (term) {
      return { units: term, keys: queryKeys(term) };
    });
  }

  function search(query, options) {
    options = options || {};
    var limit = options.limit || DEFAULT_LIMIT;
    return ready().then(function (meta) {
      var terms = parse(query);
      if (!terms.length) {
        var none = finish([], 0, 0);
        none.counts = { report: 0, household: 0 };
        return none;
      }
      var keys = [];
      terms.forEach(function (term) {
        term.keys.forEach(function (key) { if (keys.indexOf(key) < 0) { keys.push(key); } });
      });
      return Promise.all(keys.map(function (key) { return postings(meta, key); }))
        .then(function (lists) {
          var byKey = new Map();
          keys.forEach(function (key, k) { byKey.set(key, lists[k]); });
          var guess = new Map(), candidates = null;
          terms.forEach(function (term) {
            term.weight = Infinity;
            term.keys.forEach(function (key) {
              var list = byKey.get(key), weight = idf(list.size, meta.documents);
              term.weight = Math.min(term.weight, weight);
              var kept = new Set();
              list.forEach(function (quantum, number) {
                if (!candidates || candidates.has(number)) {
                  kept.add(number);
                  guess.set(number, (guess.get(number) || 0) + weight * approximate(quantum));
                }
              });
              candidates = kept;
            });
          });
          var numbers = Array.from(candidates || []);
          return applyFilters(numbers, options, meta).then(function (filtered) {
            filtered.sort(function (a, b) {
              return guess.get(b) - guess.get(a) || a - b;
            });
            return verify(filtered, terms, meta, limit).then(function (results) {
              var reports = filtered.filter(function (n) { return n < meta.reports; }).length;
              results.counts = { report: reports, household: filtered.length - reports };
              return results;
            });
          });
        });
    });
  }

  /* Check candidates against their own text, best guesses first, until `limit` are found. */
  function verify(numbers, terms, meta, limit) {
    var found = [], at = 0, batch = Math.max(limit, 10);
    function step() {
      if (found.length >= limit || at >= numbers.length) {
        return Promise.resolve(finish(found, numbers.length - at, limit));
      }
      var slice = numbers.slice(at, at + batch);
      at += slice.length;
      return Promise.all(slice.map(function (n) { return load("t/" + n); })).then(function (docs) {
        docs.forEach(function (doc, k) {
          var score = scoreDocument(doc, terms, meta);
          if (score !== null) {
            found.push({ number: slice[k], doc: doc, score: score, terms: terms });
          }
        });
        return step();
      });
    }
    return step();
  }

  function finish(found, unchecked, limit) {
    found.sort(function (a, b) {
      return b.score - a.score || (a.doc.d < b.doc.d ? 1 : a.doc.d > b.doc.d ? -1 : 0) ||
        a.number - b.number;
    });
    /* `unchecked`: candidates not yet read (their counts are then upper bounds) */
    var results = found.slice(0, limit).map(function (hit) {
      var cut = excerpt(hit.doc, hit.terms);
      return {
        url: hit.doc.u, title: hit.doc.t, kind: hit.doc.k === "r" ? "report" : "household",
        date: hit.doc.d, region: hit.doc.g, excerpt: cut.text, highlights: cut.highlights
      };
    });
    results.unchecked = unchecked;
    return results;
  }

  window.showcaseSearch = { receive: receive };
  window.showcase = window.showcase || {};
  window.showcase.search = search;
  window.showcase.fold = function (text) { return ready().then(function () { return fold(text); }); };
  window.showcase.units = function (text) { return ready().then(function () { return units(text); }); };
  window.showcase.facets = function () { return ready().then(function () { return load("f"); }); };
})();
