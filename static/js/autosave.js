// Autosave for forms marked data-autosave-url (the learning statement, narratives).
// While the candidate types, the text is posted (debounced) with the version it was loaded at.
// A 409 means another tab or window saved first: the message is announced and autosaving
// stops, and the text stays in the textarea so nothing typed is lost. The form's own Save
// button still works without this script.
(function () {
  "use strict";

  var DELAY_MS = 1500;

  function setUp(form) {
    var field = form.elements[form.dataset.autosaveField];
    var version = form.elements.version;
    var token = form.elements.csrf_token;
    var status = form.querySelector("[data-autosave-status]");
    if (!field || !version || !token || !status) {
      return;
    }
    var lastSaved = field.value;
    var timer = null;
    var saving = false;
    var pending = false;
    var stopped = false;
    var submitting = false;

    function say(message, problem) {
      status.textContent = message;
      status.classList.toggle("autosave-problem", Boolean(problem));
    }

    function schedule() {
      if (timer) {
        clearTimeout(timer);
      }
      timer = setTimeout(save, DELAY_MS);
    }

    function save() {
      timer = null;
      if (stopped || field.value === lastSaved) {
        return;
      }
      if (saving) {
        pending = true; // save again once the request in flight has answered
        return;
      }
      saving = true;
      var text = field.value;
      var body = new URLSearchParams();
      body.set("text", text);
      body.set("version", version.value);
      fetch(form.dataset.autosaveUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRFToken": token.value, Accept: "application/json" },
        body: body,
      })
        .then(function (response) {
          return response
            .json()
            .catch(function () {
              return {};
            })
            .then(function (data) {
              return { response: response, data: data };
            });
        })
        .then(function (result) {
          var data = result.data || {};
          if (result.response.ok && typeof data.version === "number") {
            version.value = String(data.version);
            lastSaved = text;
            say("Draft saved at " + new Date().toLocaleTimeString() + ".", false);
          } else if (result.response.status === 409) {
            stopped = true;
            say(data.message || "This was changed in another tab or window. Reload to see the latest version; your text is shown below so you can copy it.", true);
          } else {
            say((data.message || "Your draft could not be saved just now.") +
              " Your text is still here.", true);
          }
        })
        .catch(function () {
          say("Your draft could not be saved: the connection failed. Your text is still here.", true);
        })
        .then(function () {
          saving = false;
          if (pending) {
            pending = false;
            schedule();
          }
        });
    }

    field.addEventListener("input", schedule);
    form.addEventListener("submit", function () {
      submitting = true;
      stopped = true;
      if (timer) {
        clearTimeout(timer);
      }
    });
    window.addEventListener("beforeunload", function (event) {
      if (!submitting && field.value !== lastSaved) {
        event.preventDefault();
        event.returnValue = "";
      }
    });
  }

  document.querySelectorAll("form[data-autosave-url]").forEach(setUp);
})();
