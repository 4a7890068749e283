/* showcase search, 2 of 5: folding text exactly as showcase/search/normalize.py does (NFKC, lower
 * case, Traditional to Simplified one code point at a time) and cutting it into units. The fold
 * table comes in pages (search/c/) loaded for a query's characters; every head and block of the
 * index carries the pairs its own text needs. */
(function () {
  "use strict";
  var S = window.showcaseSearch;
  var HAN = [[0x3007, 0x3007], [0x3400, 0x4DBF], [0x4E00, 0x9FFF], [0xF900, 0xFAFF],
             [0x20000, 0x2EBEF], [0x30000, 0x3134F]];
  var table = new Map();
  var pages = null;

  S.isHan = function (ch) {
    var code = ch.codePointAt(0);
    for (var k = 0; k < HAN.length; k += 1) {
      if (code >= HAN[k][0] && code <= HAN[k][1]) { return true; }
    }
    return false;
  };

  S.isHanUnit = function (unit) { return Array.from(unit).length === 1 && S.isHan(unit); };

  function addPairs(map, pairs) {
    var chars = Array.from(pairs || "");
    for (var j = 0; j + 1 < chars.length; j += 2) { map.set(chars[j], chars[j + 1]); }
    return map;
  }

  /* The fold map of an index file of text (a head or a block), made once per file. */
  S.mapOf = function (file) {
    if (!file.folds) { file.folds = addPairs(new Map(), file.m); }
    return file.folds;
  };

  /* Load the pages of the fold table that `text`'s characters fall in. */
  S.prepareFold = function (meta, text) {
    if (!pages) { pages = new Set(S.decodeNumbers(meta.fold)); }
    var wanted = new Set();
    for (var c of String(text).normalize("NFKC").toLowerCase()) {
      var page = c.codePointAt(0) >> 8;
      if (pages.has(page)) { wanted.add(page); }
    }
    return Promise.all(Array.from(wanted).map(function (page) {
      return S.load("c/" + page).then(function (pairs) { addPairs(table, pairs); });
    }));
  };

  function foldChar(ch, map) {
    var out = "";
    for (var c of ch.normalize("NFKC").toLowerCase()) { out += map.get(c) || c; }
    return out;
  }

  S.fold = function (text, map) {
    var out = "";
    for (var ch of text) { out += foldChar(ch, map || table); }
    return out;
  };

  function isWordChar(c) { return (c >= "a" && c <= "z") || (c >= "0" && c <= "9"); }

  /* Segments of units (a Han character, or a word or number, 98.2 being one number), each unit
     with the span of original text it came from; anything else separates segments. */
  S.segments = function (text, map) {
    var folded = [], offset = 0;
    for (var ch of text) {
      for (var c of foldChar(ch, map || table)) { folded.push({ c: c, s: offset, e: offset + ch.length }); }
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
      if (S.isHan(c)) {
        current.push({ u: c, s: item.s, e: item.e });
      } else if (current.length) {
        result.push(current);
        current = [];
      }
    });
    endWord();
    if (current.length) { result.push(current); }
    return result;
  };

  S.units = function (text, map) {
    return S.segments(text, map).map(function (segment) {
      return segment.map(function (unit) { return unit.u; });
    });
  };

  /* Where `term` (a list of units) stands in `text`: [start, end) spans of the original. */
  S.matchSpans = function (text, term, map) {
    var spans = [];
    S.segments(text || "", map).forEach(function (segment) {
      for (var start = 0; start + term.length <= segment.length; start += 1) {
        var ok = true;
        for (var k = 0; k < term.length && ok; k += 1) { ok = segment[start + k].u === term[k]; }
        if (ok) { spans.push([segment[start].s, segment[start + term.length - 1].e]); }
      }
    });
    return spans;
  };
})();
