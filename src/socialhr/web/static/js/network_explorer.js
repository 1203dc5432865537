/* The network explorer (/network): fetches the map's JSON (computed and laid out on the server) from the
   container's data-url, draws it with SocialHR.drawNetwork (js/network.js, sigma.js), fills the legend,
   and shows a person's pseudonymised profile from /api/people/{key} when a node is clicked.
   When the map has drawn, window.socialhrNetworkDrawnMs holds the milliseconds since the page began loading
   and the container's data-drawn the number of people drawn (benchmarks/web.py reads both). */
(function () {
  "use strict";

  function ready(fn) {
    if (document.readyState !== "loading") fn(); else document.addEventListener("DOMContentLoaded", fn);
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (r) {
      return r.json().then(function (body) {
        if (!r.ok) throw new Error((body && body.error ? body.error : r.statusText) + (body && body.hint ? " " + body.hint : ""));
        return body;
      });
    });
  }

  function fmt(v) {
    if (v === null || v === undefined) return "–";
    if (typeof v === "number" && !Number.isInteger(v)) return v < 0.01 && v > 0 ? v.toExponential(2) : v.toFixed(3);
    return typeof v === "number" ? v.toLocaleString() : String(v);
  }

  var SHOWN = [["network_size", "people they work with"], ["network_size_external", "outside their team"],
    ["strong_ties", "strong ties"], ["diverse_ties", "diverse ties"], ["betweenness", "betweenness"],
    ["pagerank", "PageRank"], ["constraint", "constraint"], ["effective_size", "effective size"]];

  function showProfile(panel, url, key) {
    panel.replaceChildren(el("h2", {}, "Person"), el("p", { class: "muted" }, "Loading…"));
    getJSON(url).then(function (p) {
      var dl = el("dl", { class: "profile" });
      function row(label, value) { dl.appendChild(el("dt", {}, label)); dl.appendChild(el("dd", {}, fmt(value))); }
      row("pseudonym", p.key);
      row("department", p.department); row("team", p.team); row("level", p.level); row("location", p.location);
      row("community", p.community === null ? null : p.community + " (" + fmt(p.community_size) + " people)");
      row("ties", p.ties);
      SHOWN.forEach(function (m) { row(m[1], p.metrics[m[0]]); });
      var teams = el("ul", { class: "ties-by-team" });
      p.ties_by_team.slice(0, 12).forEach(function (t) {
        teams.appendChild(el("li", {}, t.team + (t.own_team ? " (own team)" : "") + ": " + t.ties));
      });
      if (p.ties_by_team.length > 12) teams.appendChild(el("li", { class: "muted" }, "… " + (p.ties_by_team.length - 12) + " more teams"));
      panel.replaceChildren(el("h2", {}, "Person"), dl, el("h3", {}, "Ties by team"), teams,
        el("p", { class: "muted" }, "Window " + p.window + ". This view is recorded in the audit trail."));
    }).catch(function (e) {
      panel.replaceChildren(el("h2", {}, "Person"), el("p", { class: "error" }, e.message));
    });
  }

  ready(function () {
    var map = document.getElementById("network-map");
    if (!map) return;
    var legend = document.getElementById("network-legend");
    var panel = document.getElementById("network-profile");
    function onNode(key) {
      if (!key || !panel) return;
      var url = map.dataset.profileUrl + encodeURIComponent(key) + "?window=" + encodeURIComponent(map.dataset.window || "");
      showProfile(panel, url, key);
    }
    map.addEventListener("socialhr:node-click", function (ev) { onNode(ev.detail && ev.detail.key); });
    getJSON(map.dataset.url).then(function (data) {
      if (legend) {
        legend.replaceChildren();
        data.legend.forEach(function (item) {
          var li = el("li");
          var swatch = el("span", { class: "swatch", "aria-hidden": "true" });
          swatch.style.background = item.color;
          li.appendChild(swatch);
          li.appendChild(document.createTextNode(item.label));
          legend.appendChild(li);
        });
      }
      if (!(window.SocialHR && typeof window.SocialHR.drawNetwork === "function")) {
        map.replaceChildren(el("p", { class: "error" }, "The map library did not load (js/network.js): " +
          data.nodes.length + " people and " + data.edges.length + " ties were received."));
        return;
      }
      map.replaceChildren();
      window.SocialHR.drawNetwork(map, data, {});  // (a click arrives as the socialhr:node-click event above)
      requestAnimationFrame(function () {
        map.dataset.drawn = String(data.nodes.length);
        if (window.socialhrNetworkDrawnMs === undefined) window.socialhrNetworkDrawnMs = Math.round(performance.now());
      });
    }).catch(function (e) {
      map.replaceChildren(el("p", { class: "error" }, e.message));
    });
  });
})();
