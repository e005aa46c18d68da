// Live eligibility on the application form. The server computes the hours (the rule lives in
// one place, the domain); this script only sends the entries as typed and shows the answer in
// the page's aria-live region. Without JavaScript, saving the draft shows the same message.
(function () {
  "use strict";
  var box = document.getElementById("eligibility");
  var form = document.getElementById("application-form");
  if (!box || !form || !window.fetch || !window.JSON) {
    return;
  }
  var url = box.getAttribute("data-url");
  var message = box.querySelector("[data-eligibility-message]");
  var details = box.querySelector("[data-eligibility-details]");
  var tokenInput = form.querySelector("input[name=csrf_token]");
  var entryField = /^entries-(\d+)-(\w+)$/;
  var timer = null;
  var latest = 0;

  function typedEntries() {
    var rows = {};
    Array.prototype.forEach.call(form.elements, function (element) {
      var match = entryField.exec(element.name || "");
      if (!match || ((element.type === "radio" || element.type === "checkbox") && !element.checked)) {
        return;
      }
      rows[match[1]] = rows[match[1]] || {};
      rows[match[1]][match[2]] = element.value;
    });
    return Object.keys(rows)
      .sort(function (a, b) { return Number(a) - Number(b); })
      .map(function (key) { return rows[key]; });
  }

  function show(data) {
    var sentences = (data.overlaps || []).concat(data.notes || []);
    var text = sentences.join("\n");
    // Rewrite only what changed, so screen readers announce changes, not every keystroke.
    if (message.textContent !== data.message) {
      message.textContent = data.message;
    }
    if (details.getAttribute("data-text") !== text) {
      details.setAttribute("data-text", text);
      details.textContent = "";
      sentences.forEach(function (sentence) {
        var item = document.createElement("li");
        item.textContent = sentence;
        details.appendChild(item);
      });
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
      body: JSON.stringify({ entries: typedEntries() })
    })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (data && request === latest) {
          show(data);
        }
      })
      .catch(function () {
        // Offline or the server is busy: the message of the last save stays on the page.
      });
  }

  function schedule(event) {
    if (!entryField.test(event.target.name || "")) {
      return;
    }
    window.clearTimeout(timer);
    timer = window.setTimeout(update, 400);
  }

  form.addEventListener("input", schedule);
  form.addEventListener("change", schedule);
})();
