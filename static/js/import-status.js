/* A portfolio import's page while it waits or runs (templates/candidate/portfolio_import_result.html):
 * polls the import's status every few seconds and reloads the page once it changes, so the
 * result shows without the "Refresh" link (which stays, for pages without JavaScript).
 */
(function () {
  "use strict";
  var POLL_MS = 3000;
  var GIVE_UP_AFTER = 60 * 60 * 1000; // then the link is there

  function watch(root) {
    var started = Date.now();
    var shown = root.dataset.status;
    async function look() {
      if (Date.now() - started > GIVE_UP_AFTER) return;
      try {
        var response = await fetch(root.dataset.statusUrl, {
          credentials: "same-origin",
          headers: { Accept: "application/json" },
        });
        if (response.ok) {
          var data = await response.json();
          if (data.status && data.status !== shown) {
            window.location.reload();
            return;
          }
        }
      } catch (offline) {
        /* try again at the next tick */
      }
      window.setTimeout(look, POLL_MS);
    }
    window.setTimeout(look, POLL_MS);
  }

  function init() {
    var roots = document.querySelectorAll("[data-import-status]");
    Array.prototype.forEach.call(roots, watch);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
