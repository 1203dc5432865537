// Draws the map named by ?data=URL with SocialHR.drawNetwork; clicks go to window.socialhrClicked.
(function () {
  "use strict";
  window.socialhrClicked = [];
  var params = new URLSearchParams(location.search);
  fetch(params.get("data"))
    .then(function (response) { return response.json(); })
    .then(function (data) {
      window.socialhrMap = SocialHR.drawNetwork(document.getElementById("map"), data, {
        legend: "#legend",
        search: "#find",
        onClickNode: function (key) {
          window.socialhrClicked.push(key);
          document.getElementById("clicked").textContent = "Clicked " + key;
        }
      });
    })
    .catch(function (error) { window.socialhrMapError = String(error); throw error; });
})();
