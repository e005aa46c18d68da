// A page that comes back with problems moves focus to its error summary, so keyboard and
// screen-reader users start at the list of what to fix; each item links to its field.
(function () {
  "use strict";
  var summary = document.querySelector(".error-summary[tabindex='-1']");
  if (summary) {
    summary.focus();
  }
})();
