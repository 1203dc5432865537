/*
 * socialhr's network map: draws GET /api/network's JSON with sigma.js (WebGL).
 *
 * A plain browser script, no build step. It needs, loaded before it:
 *   /static/vendor/graphology.umd.min.js   (window.graphology)
 *   /static/vendor/sigma.min.js            (window.Sigma)
 *   /static/vendor/graphology-library.min.js (window.graphologyLibrary; only used when the
 *                                            server sent no positions and ForceAtlas2 must run here)
 *
 *   var map = SocialHR.drawNetwork(container, data, {
 *     onClickNode: function (key) { ... },   // a click on a person (also the "socialhr:node-click" event)
 *     highlight: true,                       // hovering a node shows its neighbours and fades the rest
 *     search: "#find",                       // an <input> (or selector): Enter finds and centres a key
 *     legend: "#legend",                     // an element (or selector) for SocialHR.drawLegend
 *     labels: "auto"                         // true, false, or "auto": off above labelLimit nodes
 *   });
 *   map.focus(key); map.positionOf(key); map.destroy();
 *
 * Positions come from the server (a force layout in igraph), so a 10,000-person map draws at once;
 * only when every node lacks x/y does ForceAtlas2 run here, for a bounded number of iterations.
 * Sizes and edge weights are relative: they are rescaled to pixel ranges here.
 *
 * After the first frame is on screen: container.dataset.drawn = node count and
 * window.socialhrNetworkDrawnMs = milliseconds from the call to that frame (tests and benchmarks read them).
 *
 * A page without inline scripts (the app's Content-Security-Policy) can simply carry
 *   <div class="network-map" data-network-url="/api/network?window=2026-W40"
 *        data-legend="#legend" data-search="#find" data-node-href="/people/{key}"></div>
 * and this script fetches and draws it when the page has loaded.
 */
(function (global) {
  "use strict";

  var SocialHR = (global.SocialHR = global.SocialHR || {});

  var DEFAULTS = {
    highlight: true,
    labels: "auto",
    labelLimit: 500, // "auto" labels: shown only for maps of at most this many people
    minNodeSize: null, // null: by the map's size (see nodePixels)
    maxNodeSize: null,
    minEdgeSize: 0.5,
    maxEdgeSize: 3,
    edgeColor: "#d3d8e0", // opaque: sigma's thin translucent lines all but vanish
    fadedColor: "#e4e7ec",
    nodeColor: "#7c8799",
    layoutIterations: null, // null: bounded by the map's size (see layoutIterations below)
    seed: 1,
    thinEdgesAbove: 20000,
    onClickNode: null,
    search: null,
    legend: null
  };

  function element(target) {
    if (!target) return null;
    if (typeof target === "string") return document.querySelector(target);
    return target;
  }

  function finite(v) {
    return typeof v === "number" && isFinite(v);
  }

  // A small seeded generator (mulberry32), so a layout made here is the same on every draw.
  function random(seed) {
    var a = seed >>> 0;
    return function () {
      a = (a + 0x6d2b79f5) >>> 0;
      var t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  // A function mapping [lo, hi] linearly onto [a, b] (clamped); the middle of [a, b] when all values are equal.
  function rescale(lo, hi, a, b) {
    if (!(hi > lo)) {
      var mid = (a + b) / 2;
      return function () { return mid; };
    }
    return function (v) { return Math.max(a, Math.min(b, a + ((v - lo) / (hi - lo)) * (b - a))); };
  }

  function range(items, field) {
    var lo = Infinity, hi = -Infinity;
    for (var i = 0; i < items.length; i++) {
      var v = items[i][field];
      if (finite(v)) {
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
    }
    return [lo, hi];
  }

  // ForceAtlas2 iterations when the browser lays out: fewer for bigger maps, so drawing stays bounded.
  function layoutIterations(order, asked) {
    if (finite(asked) && asked >= 0) return Math.round(asked);
    return Math.max(20, Math.min(300, Math.round(200000 / Math.max(order, 1))));
  }

  // Node sizes in pixels: smaller for bigger maps, unless the page asked for its own.
  function nodePixels(order, opts) {
    var auto = order > 5000 ? [1.5, 8] : order > 1000 ? [2.5, 10] : [4, 14];
    return [finite(opts.minNodeSize) ? opts.minNodeSize : auto[0], finite(opts.maxNodeSize) ? opts.maxNodeSize : auto[1]];
  }

  function buildGraph(data, opts) {
    var Graph = global.graphology && (global.graphology.Graph || global.graphology);
    if (!Graph) throw new Error("socialhr: graphology is not loaded (/static/vendor/graphology.umd.min.js)");
    var graph = new Graph({ type: "undirected", multi: false, allowSelfLoops: false });
    var nodes = data.nodes || [];
    var edges = data.edges || [];
    // Sizes are relative (a metric): drawn as areas (square root), from the smallest to the 99th percentile
    // (a few very large values do not shrink everyone else), within [minNodeSize, maxNodeSize] pixels.
    var px = nodePixels(nodes.length, opts);
    var sizes = [];
    for (var q = 0; q < nodes.length; q++) if (nodes[q] && finite(nodes[q].size)) sizes.push(nodes[q].size);
    sizes.sort(function (x, y) { return x - y; });
    var lo = sizes[0], hi = sizes[Math.floor(0.99 * (sizes.length - 1))];
    var uniform = (px[0] + px[1]) / 2.5;
    function sizeOf(v) {
      if (!(hi > lo) || !finite(v)) return uniform;
      var t = Math.sqrt(Math.max(0, Math.min(v, hi) - lo) / (hi - lo));
      return px[0] + t * (px[1] - px[0]);
    }
    var placed = 0;
    for (var i = 0; i < nodes.length; i++) {
      var n = nodes[i];
      if (n == null || n.key == null) continue;
      var key = String(n.key);
      if (graph.hasNode(key)) continue;
      var hasXY = finite(n.x) && finite(n.y);
      if (hasXY) placed++;
      graph.addNode(key, {
        x: hasXY ? n.x : NaN,
        y: hasXY ? n.y : NaN,
        size: sizeOf(n.size),
        color: n.color || opts.nodeColor,
        label: n.label != null ? String(n.label) : key,
        group: n.group == null ? null : n.group,
        community: n.community == null ? null : n.community
      });
    }
    var wr = range(edges, "weight");
    var thickness = rescale(wr[0], wr[1], opts.minEdgeSize, opts.maxEdgeSize);
    var skipped = 0;
    for (var j = 0; j < edges.length; j++) {
      var e = edges[j];
      var s = String(e.source), t = String(e.target);
      if (s === t || !graph.hasNode(s) || !graph.hasNode(t)) { skipped++; continue; }
      var w = finite(e.weight) ? e.weight : 1;
      if (graph.hasEdge(s, t)) {
        // The same tie sent twice (A-B and B-A): keep the stronger.
        if (w > graph.getEdgeAttribute(s, t, "weight")) {
          graph.mergeEdgeAttributes(s, t, { weight: w, size: thickness(w) });
        }
        continue;
      }
      graph.addEdge(s, t, { weight: w, size: thickness(w), color: opts.edgeColor });
    }
    return { graph: graph, placed: placed, skippedEdges: skipped };
  }

  // Give every node a position: the server's, or (when none has one) ForceAtlas2's here.
  function placeNodes(graph, placed, opts) {
    var rand = random(opts.seed);
    if (placed === 0) {
      var radius = Math.sqrt(graph.order) * 10;
      graph.forEachNode(function (node) {
        graph.mergeNodeAttributes(node, { x: (rand() - 0.5) * radius, y: (rand() - 0.5) * radius });
      });
      var lib = global.graphologyLibrary;
      var fa2 = lib && lib.layoutForceAtlas2;
      if (fa2 && graph.order > 1) {
        var settings = fa2.inferSettings(graph);
        settings.edgeWeightInfluence = 1;
        fa2.assign(graph, { iterations: layoutIterations(graph.order, opts.layoutIterations), settings: settings,
                            getEdgeWeight: "weight" });
      }
      return "browser";
    }
    if (placed < graph.order) {
      // A few without positions: next to their placed neighbours, or at random inside the map's box.
      var xs = [], ys = [];
      graph.forEachNode(function (node, a) { if (finite(a.x)) { xs.push(a.x); ys.push(a.y); } });
      var minX = Math.min.apply(null, xs), maxX = Math.max.apply(null, xs);
      var minY = Math.min.apply(null, ys), maxY = Math.max.apply(null, ys);
      graph.forEachNode(function (node, a) {
        if (finite(a.x) && finite(a.y)) return;
        var sx = 0, sy = 0, k = 0;
        graph.forEachNeighbor(node, function (m, b) { if (finite(b.x) && finite(b.y)) { sx += b.x; sy += b.y; k++; } });
        var jitter = (maxX - minX + maxY - minY) / 200 || 1;
        graph.mergeNodeAttributes(node, k
          ? { x: sx / k + (rand() - 0.5) * jitter, y: sy / k + (rand() - 0.5) * jitter }
          : { x: minX + rand() * (maxX - minX), y: minY + rand() * (maxY - minY) });
      });
    }
    return "server";
  }

  /**
   * Draw a legend: one row per {label, color}. With options.onSelect, each row is a toggle button
   * that calls onSelect(color) (or onSelect(null) when pressed again).
   */
  function drawLegend(el, legend, options) {
    el = element(el);
    if (!el) return null;
    options = options || {};
    el.textContent = "";
    // Into a list the page already has (<ul class="legend">), or a new one inside the element.
    var list = el.tagName === "UL" || el.tagName === "OL" ? el : document.createElement("ul");
    list.classList.add("legend");
    var pressed = null;
    (legend || []).forEach(function (item) {
      var li = document.createElement("li");
      var row = document.createElement(options.onSelect ? "button" : "span");
      row.className = "legend-item";
      if (options.onSelect) {
        row.type = "button";
        row.setAttribute("aria-pressed", "false");
        row.addEventListener("click", function () {
          var on = pressed !== row;
          if (pressed) pressed.setAttribute("aria-pressed", "false");
          pressed = on ? row : null;
          row.setAttribute("aria-pressed", on ? "true" : "false");
          options.onSelect(on ? item.color : null, on ? item : null);
        });
      }
      var swatch = document.createElement("span");
      swatch.className = "swatch";
      swatch.style.backgroundColor = item.color;
      swatch.setAttribute("aria-hidden", "true");
      var text = document.createElement("span");
      text.className = "legend-label";
      text.textContent = item.label;
      row.appendChild(swatch);
      row.appendChild(text);
      li.appendChild(row);
      list.appendChild(li);
    });
    if (list !== el) el.appendChild(list);
    return list;
  }

  function drawNetwork(container, data, options) {
    var started = global.performance ? performance.now() : Date.now();
    container = element(container);
    if (!container) throw new Error("socialhr: drawNetwork needs a container element");
    if (!global.Sigma) throw new Error("socialhr: sigma.js is not loaded (/static/vendor/sigma.min.js)");
    var opts = {};
    var k;
    for (k in DEFAULTS) opts[k] = DEFAULTS[k];
    for (k in options || {}) if (options[k] !== undefined) opts[k] = options[k];
    data = data || {};

    if (container._socialhrMap) container._socialhrMap.destroy();
    delete container.dataset.drawn;
    container.classList.add("network-map");
    container.classList.remove("network-empty", "network-error");
    container.querySelectorAll(".loading").forEach(function (el) { el.remove(); });

    var clock = function () { return global.performance ? performance.now() : Date.now(); };
    var timings = {};
    var t = clock();
    var built = buildGraph(data, opts);
    var graph = built.graph;
    timings.graph = clock() - t; t = clock();
    var layout = placeNodes(graph, built.placed, opts);
    timings.layout = clock() - t; t = clock();
    var showLabels = opts.labels === "auto" ? graph.order <= opts.labelLimit : !!opts.labels;

    var state = { hovered: null, selected: null, neighbours: null, colour: null };
    var font = getComputedStyle(container).fontFamily || "system-ui, sans-serif";

    function focusNode() { return state.hovered || state.selected; }

    function nodeReducer(node, attrs) {
      var centre = focusNode();
      if (centre) {
        if (node === centre) return Object.assign({}, attrs, { highlighted: true, forceLabel: true, zIndex: 2 });
        if (state.neighbours.has(node)) {
          return state.neighbours.size <= 40 ? Object.assign({}, attrs, { forceLabel: true, zIndex: 1 }) : attrs;
        }
        return Object.assign({}, attrs, { color: opts.fadedColor, label: "", zIndex: 0 });
      }
      if (state.colour && attrs.color !== state.colour) {
        return Object.assign({}, attrs, { color: opts.fadedColor, label: "", zIndex: 0 });
      }
      return attrs;
    }

    function edgeReducer(edge, attrs) {
      var centre = focusNode();
      if (centre) {
        if (!graph.hasExtremity(edge, centre)) return Object.assign({}, attrs, { hidden: true });
        return Object.assign({}, attrs, { color: "#6b7689", size: Math.max(attrs.size, 1), zIndex: 1 });
      }
      if (state.colour) {
        var ends = graph.extremities(edge);
        if (graph.getNodeAttribute(ends[0], "color") !== state.colour ||
            graph.getNodeAttribute(ends[1], "color") !== state.colour) {
          return Object.assign({}, attrs, { hidden: true });
        }
      }
      return attrs;
    }

    // Above thinEdgesAbove ties, edges are drawn as 1-pixel GL lines (two vertices each instead of a
    // rectangle's six): much faster without a GPU, at the cost of weights no longer shown as thickness.
    var lines = global.Sigma.rendering && global.Sigma.rendering.EdgeLineProgram;
    var thin = !!lines && graph.size > opts.thinEdgesAbove;
    var renderer = new global.Sigma(graph, container, {
      edgeProgramClasses: thin ? { line: lines } : {},
      renderLabels: showLabels,
      labelFont: font,
      labelSize: 12,
      labelColor: { color: "#1f2937" },
      labelRenderedSizeThreshold: graph.order > 1000 ? 9 : 5,
      defaultEdgeColor: opts.edgeColor,
      defaultNodeColor: opts.nodeColor,
      minEdgeThickness: 0.5,
      hideEdgesOnMove: graph.size > 20000,
      zIndex: true,
      nodeReducer: nodeReducer,
      edgeReducer: edgeReducer
    });

    timings.sigma = clock() - t;

    function setFocus(kind, node) {
      state[kind] = node;
      var centre = focusNode();
      state.neighbours = centre ? new Set(graph.neighbors(centre)) : null;
      renderer.refresh({ skipIndexation: true });
    }

    if (opts.highlight) {
      renderer.on("enterNode", function (e) { setFocus("hovered", e.node); container.style.cursor = "pointer"; });
      renderer.on("leaveNode", function () { setFocus("hovered", null); container.style.cursor = ""; });
    } else {
      renderer.on("enterNode", function () { container.style.cursor = "pointer"; });
      renderer.on("leaveNode", function () { container.style.cursor = ""; });
    }
    renderer.on("clickNode", function (e) {
      if (opts.highlight) setFocus("selected", e.node);
      container.dispatchEvent(new CustomEvent("socialhr:node-click", { bubbles: true, detail: { key: e.node } }));
      if (typeof opts.onClickNode === "function") opts.onClickNode(e.node);
    });
    renderer.on("clickStage", function () { if (state.selected) setFocus("selected", null); });

    function find(query) {
      if (query == null) return null;
      query = String(query).trim();
      if (!query) return null;
      if (graph.hasNode(query)) return query;
      var lower = query.toLowerCase(), found = null;
      graph.someNode(function (node, attrs) {
        if (node.toLowerCase() === lower || String(attrs.label).toLowerCase() === lower) { found = node; return true; }
        return false;
      });
      if (found) return found;
      graph.someNode(function (node, attrs) {
        if (node.toLowerCase().indexOf(lower) === 0 || String(attrs.label).toLowerCase().indexOf(lower) === 0) {
          found = node; return true;
        }
        return false;
      });
      return found;
    }

    // Centre the camera on a person and keep their neighbourhood highlighted; false when not on the map.
    function focus(query, animate) {
      var node = find(query);
      if (!node) return false;
      var display = renderer.getNodeDisplayData(node);
      var camera = renderer.getCamera();
      var target = { x: display.x, y: display.y, ratio: Math.min(camera.ratio, graph.order > 1000 ? 0.15 : 0.4) };
      if (animate === false) camera.setState(target);
      else camera.animate(target, { duration: 400 });
      if (opts.highlight) setFocus("selected", node);
      return node;
    }

    var searchInput = element(opts.search);
    function onSearch(event) {
      if (event.type === "keydown" && event.key !== "Enter") return;
      if (event.type === "keydown") event.preventDefault();
      var found = focus(searchInput.value);
      searchInput.setAttribute("aria-invalid", found ? "false" : "true");
      searchInput.classList.toggle("not-found", !found && !!searchInput.value.trim());
    }
    if (searchInput) {
      searchInput.addEventListener("keydown", onSearch);
      searchInput.addEventListener("change", onSearch);
    }

    var legendEl = element(opts.legend);
    if (legendEl) {
      drawLegend(legendEl, data.legend || [], {
        onSelect: opts.highlight ? function (colour) {
          state.colour = colour;
          renderer.refresh({ skipIndexation: true });
        } : null
      });
    }

    // A person's position in CSS pixels inside the container (for tests and overlays).
    function positionOf(key) {
      if (!graph.hasNode(key)) return null;
      var a = graph.getNodeAttributes(key);
      var p = renderer.graphToViewport({ x: a.x, y: a.y });
      return { x: p.x, y: p.y, size: renderer.getNodeDisplayData(key).size };
    }

    var handle = {
      sigma: renderer,
      graph: graph,
      layout: layout,
      thinEdges: thin,
      timings: timings, // milliseconds: graph (building it), layout, sigma (its first render), frame (to the screen)
      skippedEdges: built.skippedEdges,
      focus: focus,
      find: find,
      positionOf: positionOf,
      highlightColour: function (colour) { state.colour = colour || null; renderer.refresh({ skipIndexation: true }); },
      destroy: function () {
        if (searchInput) {
          searchInput.removeEventListener("keydown", onSearch);
          searchInput.removeEventListener("change", onSearch);
        }
        renderer.kill();
        delete container._socialhrMap;
        delete container.dataset.drawn;
      }
    };
    container._socialhrMap = handle;

    // Sigma rendered synchronously in its constructor; the frame is on screen after the next two frames.
    requestAnimationFrame(function () {
      requestAnimationFrame(function () {
        if (container._socialhrMap !== handle) return;
        var now = clock();
        timings.frame = now - started - timings.graph - timings.layout - timings.sigma;
        global.socialhrNetworkDrawnMs = Math.round(now - started);
        container.dataset.drawn = String(graph.order);
        container.dispatchEvent(new CustomEvent("socialhr:network-drawn", {
          bubbles: true, detail: { nodes: graph.order, edges: graph.size, ms: global.socialhrNetworkDrawnMs }
        }));
      });
    });
    return handle;
  }

  // Fetch a map's JSON (the session cookie goes along) and draw it.
  function loadNetwork(container, url, options) {
    container = element(container);
    container.setAttribute("aria-busy", "true");
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.json().then(function (body) {
          if (!response.ok) {
            var message = (body && (body.error || body.detail)) || ("The map could not be loaded (" + response.status + ").");
            throw new Error(typeof message === "string" ? message : JSON.stringify(message));
          }
          return body;
        });
      })
      .then(function (data) {
        container.removeAttribute("aria-busy");
        if (!data.nodes || !data.nodes.length) {
          container.classList.add("network-empty");
          container.textContent = "No one to show for this selection.";
          return null;
        }
        return drawNetwork(container, data, options);
      })
      .catch(function (error) {
        container.removeAttribute("aria-busy");
        container.classList.add("network-error");
        container.textContent = error.message;
        throw error;
      });
  }

  // <div data-network-url="..." data-legend="#id" data-search="#id" data-node-href="/people/{key}">
  function autoDraw(root) {
    (root || document).querySelectorAll("[data-network-url]").forEach(function (el) {
      if (el._socialhrMap || el.getAttribute("aria-busy") === "true") return;
      var href = el.getAttribute("data-node-href");
      loadNetwork(el, el.getAttribute("data-network-url"), {
        legend: el.getAttribute("data-legend") || null,
        search: el.getAttribute("data-search") || null,
        onClickNode: href ? function (key) { global.location.href = href.replace("{key}", encodeURIComponent(key)); } : null
      }).catch(function () { /* shown in the container */ });
    });
  }

  SocialHR.drawNetwork = drawNetwork;
  SocialHR.drawLegend = drawLegend;
  SocialHR.loadNetwork = loadNetwork;
  SocialHR.autoDrawNetworks = autoDraw;

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", function () { autoDraw(); });
  else autoDraw();
  // Maps inside content that htmx swaps in.
  document.addEventListener("htmx:afterSettle", function (e) { autoDraw(e.target); });
})(window);
