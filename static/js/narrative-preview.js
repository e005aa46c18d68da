// Live preview of a narrative: the server renders the Markdown and sanitizes it (nh3), and the
// answer replaces the preview's content. The HTML comes only from that endpoint, never from
// the textarea directly. A refusal (a text too long, too many previews a minute) is said in the
// status line under the preview, and the last preview stays.
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
    var status = target.parentNode.querySelector("[data-preview-status]");

    function say(message) {
      if (status) {
        status.textContent = message;
        status.classList.toggle("autosave-problem", message !== "");
      }
    }

    function refused(response) {
      if (response.status === 429) {
        say("The preview is paused: too many previews this minute. Drafts still save as you type.");
        return null;
      }
      return response.json().then(
        function (data) {
          say((data && data.message) || "The preview could not be updated.");
          return null;
        },
        function () {
          say("The preview could not be updated.");
          return null;
        }
      );
    }

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
          if (!response.ok) {
            return refused(response);
          }
          say("");
          return response.json();
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
