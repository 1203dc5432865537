/* Draws data.json with SocialHR.drawNetwork; a click on a node writes its key into #clicked. */
fetch("data.json").then(function (r) { return r.json(); }).then(function (data) {
  window.renderer = SocialHR.drawNetwork(document.getElementById("map"), data, {
    onClickNode: function (key) { document.getElementById("clicked").textContent = key; }
  });
  SocialHR.drawLegend(document.getElementById("legend"), data.legend);
});
