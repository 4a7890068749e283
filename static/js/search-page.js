/* The search page (search/index.html): results as one types, counts per kind, filters kept in the
 * address so a search can be shared, and a clear message when nothing is found. Everything from
 * the index is put on the page as text, never as HTML. */
(function () {
  "use strict";

  var form = document.getElementById("search-form");
  if (!form || !window.showcase) { return; }
  var input = document.getElementById("search-q");
  var status = document.getElementById("search-status");
  var list = document.getElementById("search-results");
  var more = document.getElementById("search-more");
  var chips = document.getElementById("search-chips");
  var root = form.getAttribute("data-root");
  /* A copy built with --offline is opened from disk, where a folder's address shows a listing:
     its results link to the page's own file (showcase/offline.py marks the form). */
  var offline = form.hasAttribute("data-offline");
  var FILTERS = ["kind", "category", "region", "year", "honour"];
  var LABELS = { kind: "类型", category: "栏目", region: "地区", year: "年份", honour: "荣誉" };
  var KINDS = { report: "报告", household: "家庭" };
  var PAGE = 10;
  var limit = PAGE, timer = null, asked = 0;

  function state() {
    var params = {};
    params.q = input.value.trim();
    FILTERS.forEach(function (name) {
      var field = form.elements[name];
      if (field && field.value) { params[name] = field.value; }
    });
    return params;
  }

  function remember(params) {
    var query = new URLSearchParams();
    Object.keys(params).forEach(function (name) { if (params[name]) { query.set(name, params[name]); } });
    var address = location.pathname + (query.toString() ? "?" + query.toString() : "");
    history.replaceState(null, "", address);
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function chineseDate(date) {
    var parts = date.split("-").map(Number);
    return parts.length === 3 ? parts[0] + "年" + parts[1] + "月" + parts[2] + "日" : date + "年";
  }

  function highlighted(text, spans) {
    var fragment = document.createDocumentFragment(), at = 0;
    spans.forEach(function (span) {
      if (span[0] < at) { return; }
      fragment.appendChild(document.createTextNode(text.slice(at, span[0])));
      fragment.appendChild(element("mark", "", text.slice(span[0], span[1])));
      at = span[1];
    });
    fragment.appendChild(document.createTextNode(text.slice(at)));
    return fragment;
  }

  function showResults(params, results) {
    list.textContent = "";
    var counts = results.counts, total = counts.report + counts.household;
    var atLeast = results.exact ? "" : "至少 ";
    if (!params.q) {
      status.textContent = "请输入要找的词，例如地名、家庭名称或“留守儿童”。";
    } else if (!results.length) {
      status.textContent = "";
      var empty = element("div", "search-empty");
      empty.appendChild(element("p", "search-empty-title",
        (results.exact ? "没有找到" : "暂未找到") + "与“" + params.q + "”相关的内容。"));
      var tips = element("ul");
      tips.appendChild(element("li", "", "检查字词是否有误，或换一个说法。"));
      if (Array.from(params.q.replace(/\s/g, "")).length > 2) {
        tips.appendChild(element("li", "", "试试更短的词，例如“" + Array.from(params.q.trim()).slice(0, 2).join("") + "”。"));
      }
      if (FILTERS.some(function (name) { return params[name]; })) {
        tips.appendChild(element("li", "", "去掉上面的筛选条件再找一次。"));
      }
      tips.appendChild(element("li", "", "繁体、简体和拼音（如 xupu）都可以搜索。"));
      if (!results.exact) {
        tips.insertBefore(element("li", "", "只查看了一部分内容，点“更多结果”接着找。"), tips.firstChild);
      }
      empty.appendChild(tips);
      list.appendChild(empty);
    } else {
      status.textContent = "找到 " + atLeast + total + " 条：报告 " + counts.report +
        " 篇，家庭 " + counts.household + " 户。";
      results.forEach(function (result) {
        var item = element("li", "item search-result");
        var link = element("a", "item-title", result.title);
        link.href = root + result.url + (offline && /\/$/.test(result.url) ? "index.html" : "");
        item.appendChild(link);
        var meta = element("p", "meta");
        meta.appendChild(element("span", "badge", KINDS[result.kind]));
        meta.appendChild(element("span", "", chineseDate(result.date)));
        meta.appendChild(element("span", "", result.region.split("/").slice(-2).join(" ")));
        item.appendChild(meta);
        if (result.matched) { item.appendChild(element("p", "matched", result.matched)); }
        var excerpt = element("p", "summary");
        excerpt.appendChild(highlighted(result.excerpt, result.highlights));
        item.appendChild(excerpt);
        list.appendChild(item);
      });
    }
    more.hidden = !(params.q && (!results.exact || total > results.length));
    showChips(params);
  }

  function showChips(params) {
    chips.textContent = "";
    FILTERS.forEach(function (name) {
      if (!params[name]) { return; }
      var chip = element("button", "chip", LABELS[name] + "：" + (KINDS[params[name]] || params[name]) + " ×");
      chip.type = "button";
      chip.setAttribute("aria-label", "去掉筛选 " + LABELS[name] + " " + params[name]);
      chip.addEventListener("click", function () {
        form.elements[name].value = "";
        run(true);
      });
      chips.appendChild(chip);
    });
  }

  function run(fresh) {
    if (fresh) { limit = PAGE; }
    var params = state(), ticket = ++asked;
    remember(params);
    var options = { limit: limit };
    FILTERS.forEach(function (name) { if (params[name]) { options[name] = params[name]; } });
    status.textContent = params.q ? "正在查找……" : "";
    window.showcase.search(params.q, options).then(function (results) {
      if (ticket === asked) { showResults(params, results); }
    }, function () {
      if (ticket === asked) { status.textContent = "搜索索引未能载入，请刷新页面再试。"; }
    });
  }

  function fillChoices(table) {
    function options(name, values) {
      var select = form.elements[name];
      values.forEach(function (value) {
        var option = element("option", "", value[1]);
        option.value = value[0];
        select.appendChild(option);
      });
    }
    options("category", table.categorys.map(function (c) { return [c, c]; }));
    options("honour", table.honours.map(function (h) { return [h, h]; }));
    options("year", table.years.slice().reverse().map(function (y) { return [y, y + "年"]; }));
    var paths = [];
    table.regions.forEach(function (entry, index) {
      var parts = [], depth = 0;
      for (var at = index; at >= 0; at = table.regions[at][1]) { parts.unshift(table.regions[at][0]); depth += 1; }
      paths.push([parts.join("/"), "\u3000".repeat(depth - 1) + entry[0]]);
    });
    options("region", paths);
  }

  /* The choices of the filters come from search/f.js, which grows with the site: it is loaded
     only when the reader opens the filters, or arrives with filters in the address. */
  var filters = document.getElementById("search-filters");
  var choices = null;
  function loadChoices() {
    choices = choices || window.showcase.facets().then(fillChoices);
    return choices;
  }
  filters.addEventListener("toggle", function () { if (filters.open) { loadChoices(); } });

  var params = new URLSearchParams(location.search);
  input.value = params.get("q") || "";
  var filtered = FILTERS.filter(function (name) { return params.get(name); });
  if (filtered.length) {
    filters.open = true;
    loadChoices().then(function () {
      filtered.forEach(function (name) { form.elements[name].value = params.get(name); });
      run(true);
    }, function () { run(true); });
  } else {
    run(true);
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () { run(true); }, 250);
  });
  form.addEventListener("change", function (event) {
    if (event.target !== input) { run(true); }
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    clearTimeout(timer);
    run(true);
  });
  more.addEventListener("click", function () {
    limit += PAGE;
    run(false);
  });
})();
