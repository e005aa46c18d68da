// Autosave for the scoring screen (templates/reviewer/assignment.html).
// Sends the whole form to data-autosave-url a moment after each change, with the CSRF token
// from the form's hidden input. The server answers with the new version, which goes back into
// the form, so a second tab's stale save gets a 409 and its message instead of overwriting.
// Until a save has answered, the ratings and comments are also kept in this browser, so a
// session that ended loses nothing: a 401 says "signed out" with a link to sign in again, and
// the page, opened again on the same version, puts them back and saves them.
(function () {
  "use strict";
  var form = document.getElementById("review-form");
  if (form && form.dataset.closed === "true") {
    try {
      // Submitted: done. Its ratings and comments are not kept on this computer any longer.
      localStorage.removeItem("portfolio-review:" + (form.dataset.draftKey || location.pathname));
    } catch (error) {
      // nothing kept
    }
  }
  if (!form || form.dataset.closed === "true" || !window.fetch || !window.FormData) {
    return;
  }
  var url = form.dataset.autosaveUrl;
  var status = document.getElementById("autosave-status");
  var versionInput = form.querySelector("input[name=version]");
  var tokenInput = form.querySelector("input[name=csrf_token]");
  var DELAY_MS = 1500;
  var key = "portfolio-review:" + (form.dataset.draftKey || location.pathname);
  var timer = null;
  var saving = null; // the promise of the save in flight
  var dirty = false;
  var stopped = false;

  function say(message) {
    if (status) {
      status.textContent = message;
    }
  }

  function entries() {
    var kept = [];
    new FormData(form).forEach(function (value, name) {
      if (/^(rating|comment)-|^overall_comment$/.test(name)) {
        kept.push([name, String(value)]);
      }
    });
    return kept;
  }

  function keep() {
    try {
      localStorage.setItem(key, JSON.stringify({ version: versionInput.value, entries: entries() }));
    } catch (error) {
      // Storage full or disabled: the server's draft is all there is, as before.
    }
  }

  function forget() {
    try {
      localStorage.removeItem(key);
    } catch (error) {
      // nothing kept
    }
  }

  function restore() {
    var copy = null;
    try {
      copy = JSON.parse(localStorage.getItem(key) || "null");
    } catch (error) {
      copy = null;
    }
    if (!copy || !Array.isArray(copy.entries)) {
      return;
    }
    if (copy.version !== versionInput.value) {
      forget(); // a newer draft was saved since: it wins, as a second tab's would
      return;
    }
    var changedAny = false;
    copy.entries.forEach(function (pair) {
      var fields = form.elements[pair[0]];
      if (!fields) {
        return;
      }
      if (fields.type === "textarea" || fields.tagName === "TEXTAREA") {
        if (fields.value !== pair[1]) {
          fields.value = pair[1];
          changedAny = true;
        }
        return;
      }
      Array.prototype.forEach.call(fields.length ? fields : [fields], function (input) {
        if (input.type === "radio" && input.value === pair[1] && !input.checked) {
          input.checked = true;
          changedAny = true;
        }
      });
    });
    if (changedAny) {
      // Kept because a session ended, a tab closed before its autosave, or a save failed:
      // say what is true in every case (as static/js/autosave.js does).
      say("We put back ratings and comments you gave here earlier that were not saved. They save in a moment.");
      changed();
    } else {
      forget();
    }
  }

  function signedOut(message) {
    say(message || "You were signed out, so this was not saved.");
    var link = document.createElement("a");
    link.href = "/sign-in?next=" + encodeURIComponent(location.pathname);
    link.textContent = "Sign in again";
    status.appendChild(document.createTextNode(" "));
    status.appendChild(link);
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
          if (dirty) {
            keep(); // changed again while this save was in flight
          } else {
            forget();
          }
          say("Draft saved at " + result.body.saved_at + ".");
        } else if (result.status === 401) {
          stopped = true;
          signedOut(result.body.message);
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
    keep(); // also once stopped (signed out, or a conflict): what is typed stays in the browser
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
  restore();

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
