// Autosave for forms marked data-autosave-url (the learning statement, narratives).
// While the candidate types, the text is posted (debounced) with the version it was loaded at.
// A 409 means another tab or window saved first: the message is announced and autosaving
// stops, and the text stays in the textarea so nothing typed is lost. The form's own Save
// button still works without this script.
// Until the server has saved it, the text is also kept in this browser (localStorage), so a
// session that ended meanwhile loses nothing: the 401 says "signed out" with a link to sign in
// again, and this page, opened again, puts the text back (only over the version it was typed
// on; over a newer one it is shown beside it, for copying).
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
    // Per person and per portfolio or entry (the server says which): on a shared computer a
    // copy is never put back into someone else's text, nor into a later enrollment's.
    var key = form.dataset.draftKey
      ? "portfolio-draft:" + form.dataset.draftKey + ":" + field.name
      : null;
    var timer = null;
    var saving = false;
    var pending = false;
    var stopped = false;
    var submitting = false;
    var signedOut = false; // then the text is kept in this browser, and leaving is safe

    function say(message, problem) {
      status.textContent = message;
      status.classList.toggle("autosave-problem", Boolean(problem));
    }

    function keep() {
      if (!key) {
        return;
      }
      try {
        if (field.value === lastSaved) {
          localStorage.removeItem(key);
        } else {
          localStorage.setItem(key, JSON.stringify({ text: field.value, version: version.value }));
        }
      } catch (error) {
        // Storage full or disabled: the server copy is all there is, as before.
      }
    }

    function kept() {
      if (!key) {
        return null;
      }
      try {
        var copy = JSON.parse(localStorage.getItem(key) || "null");
        return copy && typeof copy.text === "string" ? copy : null;
      } catch (error) {
        return null;
      }
    }

    function signInLink() {
      var link = document.createElement("a");
      link.href = "/sign-in?next=" + encodeURIComponent(location.pathname);
      link.textContent = "Sign in again";
      status.appendChild(document.createTextNode(" "));
      status.appendChild(link);
    }

    function restore() {
      var copy = kept();
      if (!copy || copy.text === field.value) {
        keep();
        return;
      }
      if (copy.version === version.value) {
        field.value = copy.text;
        // Kept because a session ended, a tab closed before its autosave, or a save failed:
        // say what is true in every case.
        say("We put back text you typed here earlier that was not saved. It is not saved yet: it saves in a moment.", true);
        schedule();
        return;
      }
      // Saved elsewhere since: never overwrite that; show the earlier text to copy from.
      say("Text you typed earlier in this browser was not saved, and this was changed since. Your earlier text is below.", true);
      var box = document.createElement("textarea");
      box.readOnly = true;
      box.rows = 6;
      box.value = copy.text;
      box.setAttribute("aria-label", "Your earlier, unsaved text");
      status.insertAdjacentElement("afterend", box);
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
            keep();
            say("Draft saved at " + new Date().toLocaleTimeString() + ".", false);
          } else if (result.response.status === 401) {
            stopped = true;
            signedOut = true;
            keep();
            say(data.message || "You were signed out, so this was not saved. Your text is kept in this browser.", true);
            signInLink();
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

    // Control characters are invisible and the server refuses them (web/input_guard.py): text
    // pasted from a PDF or a word processor may carry a form feed or vertical tab where a
    // line or page broke. Those become line breaks, the others go, so what was typed saves.
    var REFUSED = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/g;
    function clean() {
      var text = field.value;
      if (text.search(REFUSED) === -1) {
        return false;
      }
      var replace = function (part) {
        return part.replace(REFUSED, function (character) {
          return character === "\x0b" || character === "\x0c" ? "\n" : "";
        });
      };
      var caret = field.selectionEnd;
      var before = replace(text.slice(0, caret));
      field.value = before + replace(text.slice(caret));
      field.setSelectionRange(before.length, before.length);
      return true;
    }

    field.addEventListener("input", function () {
      clean();
      keep();
      schedule();
    });
    restore();
    if (clean()) {
      // A copy kept in this browser before this script cleaned text: save it cleaned.
      keep();
      schedule();
    }
    form.addEventListener("submit", function () {
      submitting = true;
      stopped = true;
      if (timer) {
        clearTimeout(timer);
      }
    });
    window.addEventListener("beforeunload", function (event) {
      if (!submitting && !signedOut && field.value !== lastSaved) {
        event.preventDefault();
        event.returnValue = "";
      }
    });
  }

  document.querySelectorAll("form[data-autosave-url]").forEach(setUp);
})();
