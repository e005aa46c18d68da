// Live preview of a narrative: the server renders the Markdown and sanitizes it (nh3), and the
// answer replaces the preview's content. The HTML comes only from that endpoint, never from
// the textarea directly.
(function () {
  "use strict";

  var DELAY_MS = 600;

  function setUp(target) {
    var source = document.getElementById(target.dataset.previewSource);
    var token = source && source.form && source.form.elements.csrf_token;
    if (!source || !token) {
      return;
    }
    var timer = null;

    function refresh() {
      var body = new URLSearchParams();
      body.set("text", source.value);
      fetch(target.dataset.previewUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRFToken": token.value, Accept: "application/json" },
        body: body,
      })
        .then(function (response) {
          return response.ok ? response.json() : null;
        })
        .then(function (data) {
          if (data && typeof data.html === "string") {
            target.innerHTML = data.html;
          }
        })
        .catch(function () {
          // The preview is a convenience: on a failed request the last one stays shown.
        });
    }

    source.addEventListener("input", function () {
      if (timer) {
        clearTimeout(timer);
      }
      timer = setTimeout(refresh, DELAY_MS);
    });
  }

  document.querySelectorAll("[data-preview-url]").forEach(setUp);
})();
