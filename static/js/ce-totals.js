// Live continuing-education totals on the renewal page. The server computes the hours (the rule
// lives in one place, the domain); this script only sends the activity as typed and shows the
// answer in the page's aria-live region. Without JavaScript, saving the activity shows the same.
(function () {
  "use strict";
  var box = document.getElementById("ce-totals");
  var form = document.getElementById("ce-form");
  if (!box || !form || !window.fetch || !window.JSON) {
    return;
  }
  var url = box.getAttribute("data-url");
  var message = box.querySelector("[data-ce-message]");
  var note = box.querySelector("[data-ce-note]");
  var tokenInput = form.querySelector("input[name=csrf_token]");
  var watched = { unit: true, amount: true, on_technology: true, done_on: true };
  var timer = null;
  var latest = 0;

  function typed() {
    return {
      unit: form.elements.unit.value,
      amount: form.elements.amount.value,
      on_technology: form.elements.on_technology.checked,
      done_on: form.elements.done_on ? form.elements.done_on.value : ""
    };
  }

  function show(data) {
    // Rewrite only what changed, so screen readers announce changes, not every keystroke.
    if (message.textContent !== data.message) {
      message.textContent = data.message;
    }
    if (note.textContent !== data.note) {
      note.textContent = data.note;
    }
  }

  function update() {
    var request = ++latest;
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "X-CSRFToken": tokenInput ? tokenInput.value : ""
      },
      body: JSON.stringify(typed())
    })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (data && request === latest) {
          show(data);
        }
      })
      .catch(function () {
        // Offline or the server is busy: the totals of the last save stay on the page.
      });
  }

  function schedule(event) {
    if (!watched[event.target.name]) {
      return;
    }
    window.clearTimeout(timer);
    timer = window.setTimeout(update, 300);
  }

  form.addEventListener("input", schedule);
  form.addEventListener("change", schedule);
})();
