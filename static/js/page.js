// What every page runs.
(function () {
  "use strict";
  // A page that comes back with problems moves focus to its error summary, so keyboard and
  // screen-reader users start at the list of what to fix; each item links to its field.
  var summary = document.querySelector(".error-summary[tabindex='-1']");
  if (summary) {
    summary.focus();
  }

  // A table wider than a phone scrolls inside itself (static/css/site.css): let the keyboard
  // focus it to scroll, and name it by its caption for screen readers.
  document.querySelectorAll("main table").forEach(function (table) {
    if (table.scrollWidth > table.clientWidth) {
      table.setAttribute("tabindex", "0");
    }
  });

  // Signing out forgets the unsaved text autosave kept in this browser (static/js/autosave.js,
  // review.js): on a shared computer the next person must not find it.
  var signOut = document.querySelector("form[data-sign-out]");
  if (signOut) {
    signOut.addEventListener("submit", function () {
      try {
        Object.keys(localStorage)
          .filter(function (key) {
            return key.indexOf("portfolio-draft:") === 0 || key.indexOf("portfolio-review:") === 0;
          })
          .forEach(function (key) {
            localStorage.removeItem(key);
          });
      } catch (error) {
        // Storage disabled: nothing was kept.
      }
    });
  }
})();
