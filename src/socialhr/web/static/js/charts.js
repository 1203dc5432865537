/*
 * socialhr's charts: Vega-Lite specs (Altair's, from the server) drawn with vega-embed.
 *
 * Needs, loaded before it: /static/vendor/vega.min.js, vega-lite.min.js, vega-embed.min.js.
 *
 *   SocialHR.embedChart(el, specOrUrl [, options]) -> Promise of vega-embed's result
 *
 * Charts render as SVG with vega-embed's action menu off. Vega's expressions are run by its
 * interpreter (ast: true), not compiled with eval, so charts work under a strict Content-Security-Policy.
 *
 * A page without inline scripts can carry either
 *   <div class="chart" data-chart-url="/api/charts/ties-by-week"></div>
 *   <div class="chart" data-chart-spec="spec-id"></div>  with  <script type="application/json" id="spec-id">{...}</script>
 * and this script embeds them when the page has loaded (and inside content that htmx swaps in).
 */
(function (global) {
  "use strict";

  var SocialHR = (global.SocialHR = global.SocialHR || {});

  function element(target) {
    return typeof target === "string" ? document.querySelector(target) : target;
  }

  function embedChart(el, specOrUrl, options) {
    el = element(el);
    if (!el) return Promise.reject(new Error("socialhr: embedChart needs an element"));
    if (!global.vegaEmbed) return Promise.reject(new Error("socialhr: vega-embed is not loaded (/static/vendor/vega-embed.min.js)"));
    var opts = { actions: false, renderer: "svg", ast: true, tooltip: true };
    for (var k in options || {}) opts[k] = options[k];
    el.classList.add("chart");
    el.setAttribute("aria-busy", "true");
    return global.vegaEmbed(el, specOrUrl, opts).then(
      function (result) {
        el.removeAttribute("aria-busy");
        el.dataset.rendered = "true";
        return result;
      },
      function (error) {
        el.removeAttribute("aria-busy");
        el.classList.add("chart-error");
        el.textContent = "The chart could not be drawn: " + (error && error.message ? error.message : error);
        throw error;
      }
    );
  }

  function autoEmbed(root) {
    (root || document).querySelectorAll("[data-chart-url], [data-chart-spec]").forEach(function (el) {
      if (el.dataset.rendered || el.getAttribute("aria-busy") === "true") return;
      var source = el.getAttribute("data-chart-url");
      if (!source) {
        var holder = document.getElementById(el.getAttribute("data-chart-spec"));
        if (!holder) return;
        try {
          source = JSON.parse(holder.textContent);
        } catch (e) {
          el.classList.add("chart-error");
          el.textContent = "The chart's specification is not valid JSON.";
          return;
        }
      }
      embedChart(el, source).catch(function () { /* shown in the element */ });
    });
  }

  SocialHR.embedChart = embedChart;
  SocialHR.autoEmbedCharts = autoEmbed;

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", function () { autoEmbed(); });
  else autoEmbed();
  document.addEventListener("htmx:afterSettle", function (e) { autoEmbed(e.target); });
})(window);
