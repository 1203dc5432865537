/* socialhr's pages: what every page needs (loaded by base.html).
 * - htmx requests carry the session's CSRF token (from <meta name="csrf-token">) in X-CSRF-Token;
 * - buttons with data-confirm ask before submitting their form.
 */
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="csrf-token"]');
  var token = meta ? meta.content : "";
  document.addEventListener("htmx:configRequest", function (e) {
    if (token) e.detail.headers["X-CSRF-Token"] = token;
  });
  window.SocialHR = window.SocialHR || {};
  window.SocialHR.csrfToken = token;
  document.addEventListener("click", function (e) {
    var button = e.target.closest("[data-confirm]");
    if (button && !window.confirm(button.dataset.confirm)) e.preventDefault();
  });
})();
