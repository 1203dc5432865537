/* socialhr's network map: draws the JSON of GET /api/network with sigma.js (WebGL) on a graphology graph.
 *
 *   SocialHR.drawNetwork(container, data, {onClickNode, search, labels})  -> the sigma renderer
 *
 * data: {"window", "nodes": [{"key", "x", "y", "size", "color", "group", "community"}],
 *        "edges": [{"source", "target", "weight"}], "legend": [{"label", "color"}]}
 * Positions come from the server (a force layout computed once there), so a 10,000-person map draws at
 * once; when no node has a position, ForceAtlas2 runs here for a bounded number of iterations.
 * After the first frame: container.dataset.drawn = node count, window.socialhrNetworkDrawnMs = milliseconds
 * from the call (the browser tests and benchmarks read both).
 * Needs /static/vendor/graphology.umd.min.js, sigma.min.js (and graphology-library.min.js for ForceAtlas2).
 */
(function () {
  "use strict";
  var SocialHR = (window.SocialHR = window.SocialHR || {});

  function SigmaClass() {
    var s = window.Sigma;
    return s && s.Sigma ? s.Sigma : s && s.default ? s.default : s;
  }

  SocialHR.drawNetwork = function (container, data, options) {
    options = options || {};
    var started = performance.now();
    var Graph = window.graphology.Graph || window.graphology;
    var graph = new Graph({ type: "undirected", multi: false, allowSelfLoops: false });
    var nodes = data.nodes || [];
    var placed = nodes.some(function (n) { return typeof n.x === "number" && typeof n.y === "number"; });
    nodes.forEach(function (n, i) {
      graph.addNode(n.key, {
        x: placed ? n.x : Math.cos(i) * (1 + i % 97),
        y: placed ? n.y : Math.sin(i) * (1 + i % 89),
        size: n.size || 3,
        color: n.color || "#6b7280",
        label: n.label || n.key,
        group: n.group,
        community: n.community
      });
    });
    var maxWeight = 0;
    (data.edges || []).forEach(function (e) { if (e.weight > maxWeight) maxWeight = e.weight; });
    (data.edges || []).forEach(function (e) {
      if (e.source === e.target || !graph.hasNode(e.source) || !graph.hasNode(e.target)) return;
      if (graph.hasEdge(e.source, e.target)) return;
      graph.addEdge(e.source, e.target, {
        size: maxWeight ? 0.3 + 1.7 * Math.sqrt(e.weight / maxWeight) : 0.5,
        color: "#d5dbe3"
      });
    });
    if (!placed && window.graphologyLibrary && graph.order) {
      var fa2 = window.graphologyLibrary.layoutForceAtlas2;
      var settings = fa2.inferSettings(graph);
      fa2.assign(graph, { iterations: graph.order > 2000 ? 50 : 200, settings: settings });
    }

    var hovered = null, neighbours = null;
    var Sigma = SigmaClass();
    var renderer = new Sigma(graph, container, {
      renderLabels: options.labels !== undefined ? options.labels : graph.order <= 300,
      labelRenderedSizeThreshold: 8,
      hideEdgesOnMove: graph.size > 20000,
      zIndex: true,
      nodeReducer: function (node, attrs) {
        if (!hovered) return attrs;
        if (node === hovered || neighbours.has(node)) return Object.assign({}, attrs, { zIndex: 1, highlighted: node === hovered });
        return Object.assign({}, attrs, { color: "#e5e7eb", label: "", zIndex: 0 });
      },
      edgeReducer: function (edge, attrs) {
        if (!hovered) return attrs;
        var ends = graph.extremities(edge);
        if (ends[0] === hovered || ends[1] === hovered) return Object.assign({}, attrs, { color: "#2563eb" });
        return Object.assign({}, attrs, { hidden: true });
      }
    });
    renderer.on("enterNode", function (e) {
      hovered = e.node;
      neighbours = new Set(graph.neighbors(e.node));
      renderer.refresh({ skipIndexation: true });
    });
    renderer.on("leaveNode", function () {
      hovered = null;
      neighbours = null;
      renderer.refresh({ skipIndexation: true });
    });
    if (options.onClickNode) {
      renderer.on("clickNode", function (e) { options.onClickNode(e.node, graph.getNodeAttributes(e.node)); });
    }
    var first = true;
    renderer.on("afterRender", function () {
      if (!first) return;
      first = false;
      var ms = Math.round(performance.now() - started);
      container.dataset.drawn = String(graph.order);
      window.socialhrNetworkDrawnMs = ms;
    });
    renderer.refresh();
    if (options.search) {
      options.search.addEventListener("change", function () { SocialHR.focusNode(renderer, options.search.value.trim()); });
    }
    return renderer;
  };

  /* Centre the camera on a node (by key) and highlight it; returns whether it was found. */
  SocialHR.focusNode = function (renderer, key) {
    var graph = renderer.getGraph();
    if (!key || !graph.hasNode(key)) return false;
    var d = renderer.getNodeDisplayData(key);
    renderer.getCamera().animate({ x: d.x, y: d.y, ratio: 0.15 }, { duration: 400 });
    return true;
  };

  /* The legend: a list of colour swatches and labels. */
  SocialHR.drawLegend = function (element, legend) {
    element.textContent = "";
    (legend || []).forEach(function (item) {
      var li = document.createElement("li");
      var swatch = document.createElement("span");
      swatch.className = "swatch";
      swatch.style.background = item.color;
      li.appendChild(swatch);
      li.appendChild(document.createTextNode(" " + item.label));
      element.appendChild(li);
    });
  };
})();
