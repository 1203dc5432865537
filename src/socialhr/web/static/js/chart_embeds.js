/* Draws every element with a data-chart-url (a Vega-Lite specification made on the server with Altair)
   through SocialHR.embedChart (js/charts.js); without it, through vega-embed directly. */
(function () {
  "use strict";
  function ready(fn) {
    if (document.readyState !== "loading") fn(); else document.addEventListener("DOMContentLoaded", fn);
  }
  function fail(node, message) {
    var p = document.createElement("p");
    p.className = "error";
    p.textContent = message;
    node.replaceChildren(p);
  }
  ready(function () {
    document.querySelectorAll("[data-chart-url]").forEach(function (node) {
      var url = node.dataset.chartUrl;
      if (window.SocialHR && typeof window.SocialHR.embedChart === "function") {
        Promise.resolve(window.SocialHR.embedChart(node, url)).catch(function (e) { fail(node, String(e.message || e)); });
        return;
      }
      if (typeof window.vegaEmbed !== "function") { fail(node, "The chart library did not load (js/charts.js)."); return; }
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.json().then(function (b) { if (!r.ok) throw new Error(b.error + (b.hint ? " " + b.hint : "")); return b; }); })
        .then(function (spec) { return window.vegaEmbed(node, spec, { actions: false }); })
        .catch(function (e) { fail(node, e.message); });
    });
  });
})();
