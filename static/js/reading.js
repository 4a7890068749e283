/* The header's controls. Elderly-friendly reading (适老化): large type and high contrast, chosen
 * with two buttons in the header and remembered across pages and visits (localStorage). Loaded in <head> so the choice
 * applies before the page is painted; without JavaScript the buttons stay hidden and the page
 * reads in the normal mode. */
(function () {
  "use strict";
  var KEY = "showcase-reading";
  var MODES = { large: "reading-large", contrast: "reading-contrast" };
  var root = document.documentElement;

  function saved() {
    try { return JSON.parse(localStorage.getItem(KEY) || "{}") || {}; } catch (e) { return {}; }
  }

  function apply(choice) {
    Object.keys(MODES).forEach(function (mode) {
      root.classList.toggle(MODES[mode], Boolean(choice[mode]));
      document.querySelectorAll("[data-reading='" + mode + "']").forEach(function (button) {
        button.setAttribute("aria-pressed", choice[mode] ? "true" : "false");
      });
    });
  }

  apply(saved());
  document.addEventListener("DOMContentLoaded", function () {
    var controls = document.getElementById("reading-controls");
    if (!controls) { return; }
    controls.hidden = false;
    apply(saved());
    controls.addEventListener("click", function (event) {
      var button = event.target.closest("[data-reading]");
      if (!button) { return; }
      var choice = saved();
      choice[button.getAttribute("data-reading")] = !choice[button.getAttribute("data-reading")];
      try { localStorage.setItem(KEY, JSON.stringify(choice)); } catch (e) { /* private mode */ }
      apply(choice);
    });
  });
  window.addEventListener("storage", function (event) { if (event.key === KEY) { apply(saved()); } });

  /* The section menu: on a phone, one 栏目 button opens it (all sections in rows); without
     JavaScript the button stays hidden and every section is shown. */
  root.classList.add("menu-ready");
  document.addEventListener("DOMContentLoaded", function () {
    var button = document.getElementById("menu-button");
    var menu = document.getElementById("site-menu");
    if (!button || !menu) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      var open = button.getAttribute("aria-expanded") !== "true";
      button.setAttribute("aria-expanded", open ? "true" : "false");
      menu.parentNode.classList.toggle("open", open);
    });
  });
})();
