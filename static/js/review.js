// Autosave for the scoring screen (templates/reviewer/assignment.html).
// Sends the whole form to data-autosave-url a moment after each change, with the CSRF token
// from the form's hidden input. The server answers with the new version, which goes back into
// the form, so a second tab's stale save gets a 409 and its message instead of overwriting.
(function () {
  "use strict";
  var form = document.getElementById("review-form");
  if (!form || form.dataset.closed === "true" || !window.fetch || !window.FormData) {
    return;
  }
  var url = form.dataset.autosaveUrl;
  var status = document.getElementById("autosave-status");
  var versionInput = form.querySelector("input[name=version]");
  var tokenInput = form.querySelector("input[name=csrf_token]");
  var DELAY_MS = 1500;
  var timer = null;
  var saving = null; // the promise of the save in flight
  var dirty = false;
  var stopped = false;

  function say(message) {
    if (status) {
      status.textContent = message;
    }
  }

  function save() {
    timer = null;
    if (stopped || !dirty) {
      return Promise.resolve();
    }
    if (saving) {
      return saving.then(save);
    }
    dirty = false;
    var data = new FormData(form);
    data.delete("action");
    say("Saving your draft…");
    saving = fetch(url, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-CSRFToken": tokenInput ? tokenInput.value : "", Accept: "application/json" },
    })
      .then(function (response) {
        return response.json().then(function (body) {
          return { ok: response.ok, status: response.status, body: body };
        });
      })
      .then(function (result) {
        if (result.ok) {
          versionInput.value = String(result.body.version);
          say("Draft saved at " + result.body.saved_at + ".");
        } else if (result.status === 409) {
          stopped = true;
          say(result.body.message + " Autosave is paused on this page.");
        } else {
          say("Not saved: " + result.body.message);
        }
      })
      .catch(function () {
        dirty = true;
        say("Not saved: the connection failed. Your entries are still on this page; we will try again.");
      })
      .then(function () {
        saving = null;
      });
    return saving;
  }

  function changed() {
    if (stopped) {
      return;
    }
    dirty = true;
    if (timer) {
      window.clearTimeout(timer);
    }
    timer = window.setTimeout(save, DELAY_MS);
  }

  form.addEventListener("change", changed);
  form.addEventListener("input", changed);

  // A button press posts the form normally; first let any save in flight finish, so the
  // version the form sends is the newest one.
  form.addEventListener("submit", function (event) {
    if (timer) {
      window.clearTimeout(timer); // the form post carries these entries itself
      timer = null;
    }
    if (!saving) {
      stopped = true;
      return;
    }
    event.preventDefault();
    var submitter = event.submitter;
    saving.then(function () {
      if (form.requestSubmit) {
        form.requestSubmit(submitter || undefined);
      } else {
        form.submit();
      }
    });
  });
})();
