/* showcase search, 1 of 5: loading the index. Each index file is a script that calls
 * showcaseSearch.receive(name, payload), so search works from file:// as from any host. */
(function () {
  "use strict";
  var S = window.showcaseSearch = window.showcaseSearch || {};
  var here = document.currentScript;
  var base = (here && here.getAttribute("data-root") || "./") + "search/";
  var ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_.~!*()+,;:";
  var DIGIT = {};
  for (var i = 0; i < ALPHABET.length; i += 1) { DIGIT[ALPHABET.charAt(i)] = i; }
  var pending = {};
  var scripts = {};

  /* The address of the filters' script (hashed like every asset), loaded when first needed. */
  S.filterScript = here && here.getAttribute("data-filter");

  /* A script of the search client itself, loaded once. */
  S.script = function (src) {
    if (!scripts[src]) {
      scripts[src] = new Promise(function (resolve, reject) {
        var tag = document.createElement("script");
        tag.src = src;
        tag.onload = resolve;
        tag.onerror = function () { delete scripts[src]; reject(new Error("missing " + src)); };
        document.head.appendChild(tag);
      });
    }
    return scripts[src];
  };

  /* Files requested so far: a search stops checking candidates after a budget of them. */
  S.requested = 0;

  S.load = function (name) {
    if (!pending[name]) {
      var entry = {};
      entry.promise = new Promise(function (resolve, reject) {
        entry.resolve = resolve;
        entry.reject = reject;
      });
      pending[name] = entry;
      S.requested += 1;
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
  };

  S.receive = function (name, payload) {
    if (pending[name]) { pending[name].resolve(payload); }
  };

  S.digit = function (ch) { return DIGIT[ch]; };

  /* Numbers written by showcase/search/encode.py: five bits a digit, low bits first; digits
     of 32 and above continue a number. */
  S.decodeNumbers = function (text) {
    var numbers = [], value = 0, scale = 1;
    for (var k = 0; k < text.length; k += 1) {
      var digit = DIGIT[text.charAt(k)];
      if (digit >= 32) { value += (digit - 32) * scale; scale *= 32; }
      else { numbers.push(value + digit * scale); value = 0; scale = 1; }
    }
    return numbers;
  };

  S.fnv1a = function (text) {
    var value = 0x811C9DC5;
    for (var ch of text) { value = Math.imul(value ^ ch.codePointAt(0), 0x01000193) >>> 0; }
    return value;
  };
})();
