/* showcase search, 4 of 5: what a result shows. A result that matched in its text shows the
 * sentence with the terms marked; one that matched only on its fields shows its opening, with
 * the fields that matched named ("地区：溆浦县 · 荣誉：平安家庭示范户"). */
(function () {
  "use strict";
  var S = window.showcaseSearch;
  var LONGEST = 60;

  function spansOf(text, terms, map) {
    var spans = [];
    terms.forEach(function (term) { spans = spans.concat(S.matchSpans(text, term.units, map)); });
    return spans.sort(function (a, b) { return a[0] - b[0]; });
  }

  /* The sentence holding the first match, cut to LONGEST characters around it; null when no
     term stands in `text`. */
  S.sentence = function (text, terms, map) {
    var spans = spansOf(text, terms, map);
    if (!spans.length) { return null; }
    var at = spans[0][0], start = at, end = spans[0][1];
    while (start > 0 && !/[。！？；\n]/.test(text.charAt(start - 1))) { start -= 1; }
    while (end < text.length && !/[。！？；\n]/.test(text.charAt(end - 1))) { end += 1; }
    if (end - start > LONGEST) {
      start = Math.max(start, at - 16);
      while (start > 0 && /[0-9A-Za-z.%]/.test(text.charAt(start - 1))) { start -= 1; }
      end = Math.min(end, start + LONGEST);
    }
    return cut(text, start, end, spans);
  };

  function cut(text, start, end, spans) {
    var piece = text.slice(start, end), trimmed = piece.replace(/^\s+/, "");
    var lead = piece.length - trimmed.length;
    piece = trimmed.replace(/\s+$/, "");
    var before = start > 0 && !/[。！？；\n]/.test(text.charAt(start - 1)) ? "…" : "";
    var after = end < text.length && !/[。！？；\n]/.test(text.charAt(end - 1)) ? "…" : "";
    var from = start + lead, shift = before.length - from;
    var highlights = spans.filter(function (s) { return s[0] >= from && s[1] <= from + piece.length; })
      .map(function (s) { return [s[0] + shift, s[1] + shift]; });
    return { text: before + piece + after, highlights: highlights };
  }

  /* The opening of a document (its summary or first sentences), terms marked where they stand. */
  S.opening = function (head, terms) {
    var text = head.o || "", map = S.mapOf(head);
    return cut(text, 0, Math.min(text.length, LONGEST), spansOf(text, terms, map));
  };

  /* What a meta value is, by its place: a report's category, tags and year; a household's
     honour, list, year and tags (showcase/search/documents.py writes them in that order). */
  function metaLabel(head, index) {
    if (head.k === "h") { return ["荣誉", "名单", "年度"][index] || "标签"; }
    return index === 0 ? "栏目" : index === head.fm.length - 1 ? "年份" : "标签";
  }

  /* The fields other than the title that hold a term, at most two, as "地区：溆浦县 · 名单：…";
     the unit only when the region did not match (it mostly repeats the place). */
  S.matchedFields = function (head, terms) {
    var map = S.mapOf(head), parts = [];
    function holds(value) { return spansOf(value, terms, map).length > 0; }
    var region = (head.fr || []).filter(holds).pop();
    if (region) { parts.push("地区：" + region); }
    var meta = (head.fm || []).findIndex(holds);
    if (meta >= 0) { parts.push(metaLabel(head, meta) + "：" + head.fm[meta]); }
    var unit = (head.fu || []).find(holds);
    if (unit && !region) { parts.push("单位：" + unit); }
    return parts.slice(0, 2).join(" · ");
  };
})();
