/* socialhr's charts: Vega-Lite specs (made on the server with Altair) drawn with vega-embed, as SVG.
 *
 *   SocialHR.embedChart(element, specOrUrl)  -> a Promise of vega-embed's result
 *
 * Also, when the page loads, every element with data-chart-url="/api/charts/..." (a URL answering a
 * Vega-Lite spec) or data-chart-spec="ID" (the id of a <script type="application/json"> holding one) is
 * drawn. Needs /static/vendor/vega.min.js, vega-lite.min.js and vega-embed.min.js.
 */
(function () {
  "use strict";
  var SocialHR = (window.SocialHR = window.SocialHR || {});

  SocialHR.embedChart = function (element, specOrUrl) {
    var options = { actions: false, renderer: "svg" };
    var spec = typeof specOrUrl === "string"
      ? fetch(specOrUrl, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (r) {
          if (!r.ok) throw new Error(specOrUrl + ": " + r.status);
          return r.json();
        })
      : Promise.resolve(specOrUrl);
    return spec.then(function (s) {
      return window.vegaEmbed(element, s, options);
    }).then(function (result) {
      element.dataset.drawn = "1";
      return result;
    }).catch(function (err) {
      element.dataset.drawn = "error";
      element.textContent = "This chart could not be drawn: " + err.message;
    });
  };

  function drawAll() {
    document.querySelectorAll("[data-chart-url]").forEach(function (el) {
      SocialHR.embedChart(el, el.dataset.chartUrl);
    });
    document.querySelectorAll("[data-chart-spec]").forEach(function (el) {
      var holder = document.getElementById(el.dataset.chartSpec);
      if (holder) SocialHR.embedChart(el, JSON.parse(holder.textContent));
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", drawAll);
  else drawAll();
})();
