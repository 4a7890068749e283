/* showcase search: filters, loaded by search.js the first time a search is filtered. Kind
 * (report or household) from the document's number; category, honour, year and region (with
 * everything below it) from the facet table search/f.js. */
(function () {
  "use strict";
  var S = window.showcaseSearch;

  function decodeFacets(table) {
    if (!table.decoded) {
      table.decoded = {};
      ["category", "honour", "year", "region"].forEach(function (name) {
        table.decoded[name] = S.decodeNumbers(table[name]);
      });
    }
    return table.decoded;
  }

  function regionMatcher(table, wanted) {
    var names = table.regions, inside = new Set(), roots = [];
    function path(index) {
      var parts = [];
      for (var at = index; at >= 0; at = names[at][1]) { parts.unshift(names[at][0]); }
      return parts.join("/");
    }
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

  S.filter = function (hits, options) {
    if (options.kind) {
      hits = hits.filter(function (hit) { return hit.report === (options.kind === "report"); });
    }
    if (!(options.category || options.region || options.year || options.honour)) {
      return Promise.resolve(hits);
    }
    return S.load("f").then(function (table) {
      var facets = decodeFacets(table);
      var regions = options.region ? regionMatcher(table, String(options.region)) : null;
      function is(name, values, number) {
        return !options[name] || values[facets[name][number] - 1] === String(options[name]);
      }
      return hits.filter(function (hit) {
        return is("category", table.categorys, hit.number) && is("honour", table.honours, hit.number) &&
          is("year", table.years, hit.number) && (!regions || regions.has(facets.region[hit.number]));
      });
    });
  };
})();
