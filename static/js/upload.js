/* The file upload widget (templates/uploads/widget.html, or any element with id="upload-widget").
 *
 * 1. POST /api/uploads: the server answers with a presigned form POST (up to 100 MB; the file's
 *    SHA-256 is computed first and announced) or a plan of parts. The bytes then go straight
 *    to the object store, never through the app.
 * 2. Parts go 6 at a time. Each is hashed first (SHA-256, WebCrypto in a Web Worker, or
 *    js-sha256 on the page where WebCrypto is missing: pages served over plain http from another
 *    host), one part at a time and up to 16 ahead of the ones on their way; the digests go to
 *    the server, several parts a request (POST .../parts/links), which keeps each and answers
 *    each part's link, signed for that SHA-256: the PUT sends the headers given
 *    (x-amz-checksum-sha256), and the store takes no other bytes. The next parts' links are
 *    asked for while this part is on its way, so no part waits for a round trip to the site
 *    before it goes. Parts are retried with back-off.
 *    After a dropped connection "Resume" asks the server which parts arrived (with their
 *    digests) and sends only the others (also after a reload).
 *    Where the upload says "checks_parts_as_sent", each part goes to an object of its own and
 *    the widget reports it once sent, with the parts that land within a second of it
 *    (POST .../parts/sent; the last parts at once): the server reads each back then
 *    (in the request, or with a task queue in a worker), while the next parts are on their
 *    way, and refuses the file if it differs; the parts still on their way are then stopped.
 * 3. `complete` carries the file's fingerprint: the SHA-256 of the parts' SHA-256s, "-N" parts,
 *    "x" the part size (portfolio/domain/uploads/fingerprint.py); the server compares every
 *    part, reading back those it has not read yet.
 * 4. POST .../complete: the server answers 202 at once and checks size, type and SHA-256 in a
 *    job; the widget shows "checking" and polls the upload until it says verified or why not.
 *    A check that could not run (the store was down, or its process died) offers Resume, which
 *    asks again without sending the bytes; so does a check still running after POLL_LIMIT.
 *    After a reload, choosing the same file again picks up where it stopped: the parts not yet
 *    sent, or only the check.
 */
(function () {
  "use strict";
  if (window.portfolioUploadWidget) return; // the partial may be included more than once
  window.portfolioUploadWidget = true;

  var MiB = 1024 * 1024;
  var DIGEST_IN_ONE_GO = 100 * MiB; // crypto.subtle needs the whole file in memory
  var HASH_SLICE = 8 * MiB;
  var SINGLE_POST_MAX = 100 * MiB; // the server's default; data-single-post-max gives its own
  var PARALLEL_PARTS = 6; // a browser opens at most 6 connections to one host (HTTP/1.1)
  var RETRIES = 4; // per part, with 1, 2, 4, 8 s pauses (data-retries overrides it)
  var URL_BATCH = 16; // part URLs asked for at once
  // Parts one request names: hashed parts whose links are asked for, or parts reported sent
  // (the server takes 16). Each request costs the browser and the site about as much as
  // hashing a few megabytes, so a gigabyte's 64 parts take a few requests each way, not 128.
  var PARTS_AT_ONCE = 16;
  var REPORT_WAIT = 1000; // ms a sent part waits for others to be reported with it
  var URL_MAX_AGE = 4 * 60 * 1000; // presigned URLs live 5 minutes; renew before that
  var STORE_PREFIX = "portfolio-upload:";
  var POLL_FIRST = 100; // ms before the first look at a check in progress; grows to POLL_MAX
  var POLL_MAX = 500; // a finished check is seen within half a second (two cheap GETs a second)
  var POLL_LIMIT = 2 * 60 * 1000; // then stop looking and offer Resume (data-poll-limit overrides)
  var RESUMABLE = ["pending", "checking", "check_failed"];

  function ApiError(status, message) {
    this.status = status;
    this.message = message;
  }
  function Interrupted(message) {
    this.message = message;
  }
  function StillChecking(message) {
    this.message = message;
  }
  function FileChanged(message) {
    this.message = message;
  }
  // The server read a part back and refused the file (it differs from its digest): final.
  function Refused(upload) {
    this.upload = upload;
    this.message = upload.name + " was not accepted: " + upload.reason;
  }
  // The server would not sign a part's link (an ApiError it will answer again): not retried.
  function LinkRefused(error) {
    this.error = error;
  }
  // The browser refuses to read a chosen file that was changed on disk since it was chosen.
  async function unreadable(blob) {
    try {
      await blob.slice(0, 1).arrayBuffer();
      return false;
    } catch (changed) {
      return true;
    }
  }

  function changedOnDisk(file) {
    return new FileChanged(file.name + " changed on disk while it was being sent, so the upload " +
      "was stopped and nothing was kept. Choose the file again.");
  }

  // Where the hashing worker lives: beside this script.
  var WORKER_URL = (function () {
    var script = document.currentScript;
    return script && script.src ? script.src.replace(/upload\.js(\?.*)?$/, "upload-hash-worker.js") : null;
  })();

  // Hashes parts: in a Web Worker with WebCrypto where the page is a secure context (https,
  // or 127.0.0.1 and localhost), else with js-sha256 on the page. hash(blob) gives the part's
  // hex SHA-256; NotReadableError (the file changed on disk) rejects it.
  function PartHasher() {
    this.jobs = new Map();
    this.nextId = 1;
    this.worker = null;
    if (window.isSecureContext && window.crypto && crypto.subtle && window.Worker && WORKER_URL) {
      try {
        this.worker = new Worker(WORKER_URL);
      } catch (refused) {
        this.worker = null;
      }
    }
    var self = this;
    if (this.worker) {
      this.worker.onmessage = function (event) {
        var reply = event.data;
        var job = self.jobs.get(reply.id);
        if (!job) return;
        self.jobs.delete(reply.id);
        if (reply.error) job.reject(reply.error);
        else job.resolve(reply.digest);
      };
      this.worker.onerror = function (event) {
        // The worker could not start (or died): the parts waiting for it are hashed on the page.
        if (event && event.preventDefault) event.preventDefault();
        self.worker = null;
        var waiting = Array.from(self.jobs.values());
        self.jobs.clear();
        waiting.forEach(function (job) { self.onPage(job.blob).then(job.resolve, job.reject); });
      };
    }
  }

  PartHasher.prototype.hash = function (blob) {
    if (!this.worker) return this.onPage(blob);
    var self = this;
    var id = this.nextId++;
    return new Promise(function (resolve, reject) {
      self.jobs.set(id, { blob: blob, resolve: resolve, reject: reject });
      self.worker.postMessage({ id: id, blob: blob });
    });
  };

  // Without the worker, on the page: one part at a time too, each holding its bytes meanwhile.
  PartHasher.prototype.onPage = function (blob) {
    var self = this;
    var hashing = (this.pageQueue || Promise.resolve()).then(async function () {
      if (self.stopped) throw "AbortError"; // the parts still queued when the upload stopped
      var body;
      try {
        body = await blob.arrayBuffer();
      } catch (error) {
        throw (error && error.name) || String(error);
      }
      return window.sha256.hex(body);
    });
    this.pageQueue = hashing.catch(function () { /* the next part is hashed all the same */ });
    return hashing;
  };

  // Parts still waiting for their digest are told so (the upload was stopped).
  PartHasher.prototype.stop = function () {
    this.stopped = true;
    if (this.worker) this.worker.terminate();
    this.worker = null;
    this.jobs.forEach(function (job) { job.reject("AbortError"); });
    this.jobs.clear();
  };

  // The file's fingerprint from its parts' hex digests, in order (see the comment at the top).
  async function compositeFingerprint(digests, partSize) {
    var joined = new Uint8Array(digests.length * 32);
    digests.forEach(function (digest, i) {
      for (var j = 0; j < 32; j++) joined[i * 32 + j] = parseInt(digest.substr(j * 2, 2), 16);
    });
    var whole = window.isSecureContext && window.crypto && crypto.subtle
      ? hex(await crypto.subtle.digest("SHA-256", joined))
      : window.sha256.hex(joined);
    return whole + "-" + digests.length + "x" + partSize;
  }

  function hex(buffer) {
    return Array.prototype.map
      .call(new Uint8Array(buffer), function (b) { return b.toString(16).padStart(2, "0"); })
      .join("");
  }

  function humanSize(size) {
    var units = [["GB", 1024 * MiB], ["MB", MiB], ["KB", 1024]];
    for (var i = 0; i < units.length; i++) {
      if (size >= units[i][1]) {
        var value = size / units[i][1];
        return (value === Math.floor(value) ? value.toFixed(0) : value.toFixed(1)) + " " + units[i][0];
      }
    }
    return size + " bytes";
  }

  function sleep(ms) {
    return new Promise(function (resolve) { setTimeout(resolve, ms); });
  }

  async function sha256Hex(file, onProgress) {
    if (window.crypto && crypto.subtle && file.size <= DIGEST_IN_ONE_GO) {
      var whole = await crypto.subtle.digest("SHA-256", await file.arrayBuffer());
      onProgress(1);
      return hex(whole);
    }
    // Large files (or no crypto.subtle off https): js-sha256, one slice at a time.
    var hash = window.sha256.create();
    for (var offset = 0; offset < file.size; offset += HASH_SLICE) {
      hash.update(await file.slice(offset, offset + HASH_SLICE).arrayBuffer());
      onProgress(Math.min(1, (offset + HASH_SLICE) / file.size));
    }
    return hash.hex();
  }

  function Widget(root) {
    this.root = root;
    this.find = function (name) { return root.querySelector("[data-upload-" + name + "]"); };
    this.ensureMarkup();
    this.input = this.find("file");
    this.bar = this.find("bar");
    this.xhrs = new Set();
    this.state = null;
    this.lastSpoken = -1;
    var self = this;
    this.input.addEventListener("change", function () {
      if (self.input.files.length) self.start(self.input.files[0]);
    });
    this.find("cancel").addEventListener("click", function () { self.cancel(); });
    this.find("resume").addEventListener("click", function () { self.resume(); });
    // A file chosen before this script ran (a slow page) is taken now: its change event is gone.
    if (this.input.files && this.input.files.length) this.start(this.input.files[0]);
  }

  // A bare placeholder (<div id="upload-widget">) gets the same markup the partial renders.
  Widget.prototype.ensureMarkup = function () {
    if (this.find("file")) return;
    var id = this.root.id || "upload-widget";
    this.root.classList.add("upload-widget");
    this.root.innerHTML =
      '<div class="field"><label for="' + id + '-file">File to upload</label>' +
      '<input type="file" id="' + id + '-file" data-upload-file></div>' +
      '<div class="upload-progress" data-upload-progress hidden>' +
      '<label for="' + id + '-progress" data-upload-phase>Uploading</label> ' +
      '<progress id="' + id + '-progress" max="100" value="0" data-upload-bar></progress> ' +
      '<span data-upload-percent aria-hidden="true">0%</span>' +
      '<span class="visually-hidden" aria-live="polite" data-upload-live></span></div>' +
      '<p class="upload-status" role="status" aria-live="polite" data-upload-status></p>' +
      '<div class="actions"><button type="button" class="secondary" data-upload-resume hidden>' +
      'Resume upload</button><button type="button" class="secondary" data-upload-cancel hidden>' +
      "Cancel upload</button></div>";
  };

  Widget.prototype.retries = function () {
    var given = Number(this.root.dataset.retries);
    return this.root.dataset.retries && given >= 0 ? given : RETRIES;
  };

  Widget.prototype.csrfToken = function () {
    if (this.root.dataset.csrfToken) return this.root.dataset.csrfToken;
    var field = document.querySelector('input[name="csrf_token"]');
    return field ? field.value : "";
  };

  Widget.prototype.api = async function (method, url, body) {
    var response;
    try {
      response = await fetch(url, {
        method: method,
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": this.csrfToken() },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (networkError) {
      throw new Interrupted("The connection to the site was lost.");
    }
    var data = {};
    try { data = await response.json(); } catch (notJson) { /* an HTML error page */ }
    if (!response.ok) {
      throw new ApiError(response.status, data.message || "The upload could not go on (error " + response.status + ").");
    }
    return data;
  };

  // --- what the person sees --------------------------------------------------------------

  Widget.prototype.say = function (text, kind) {
    var status = this.find("status");
    status.textContent = text;
    status.className = "upload-status" + (kind ? " upload-" + kind : "");
  };

  // Only what changed is written: each write makes the browser lay out and paint the page
  // again, and six parts on their way report their progress many times a second.
  Widget.prototype.phase = function (label, fraction) {
    var percent = Math.floor(fraction * 100);
    this.find("progress").hidden = false;
    if (label !== this.shownLabel) this.find("phase").textContent = this.shownLabel = label;
    if (percent !== this.shownPercent) {
      this.shownPercent = this.bar.value = percent;
      this.find("percent").textContent = percent + "%";
    }
    var step = Math.floor(percent / 10) * 10;
    if (step !== this.lastSpoken) {
      this.lastSpoken = step;
      this.find("live").textContent = label + ": " + step + "%";
    }
  };

  Widget.prototype.buttons = function (cancel, resume) {
    var hadFocus = this.root.contains(document.activeElement);
    this.find("cancel").hidden = !cancel;
    this.find("resume").hidden = !resume;
    this.input.disabled = cancel || resume;
    // A control just hidden or disabled loses the focus to the page: hand it to the control the
    // person needs next, so that a keyboard user is not sent back to the top of the page.
    var focused = document.activeElement;
    if (hadFocus && (!this.root.contains(focused) || focused.disabled || focused.hidden)) {
      (cancel ? this.find("cancel") : resume ? this.find("resume") : this.input).focus();
    }
  };

  // --- the flow ----------------------------------------------------------------------------

  Widget.prototype.start = async function (file) {
    var max = Number(this.root.dataset.maxBytes || 0);
    this.lastSpoken = -1;
    if (file.size === 0) return this.say("This file is empty; choose a file with something in it.", "error");
    if (max && file.size > max) {
      return this.say("This file is " + humanSize(file.size) + "; files can be at most " + humanSize(max) + ".", "error");
    }
    this.state = {
      file: file, cancelled: false, urls: new Map(), loaded: new Map(), done: new Set(), digests: new Map(),
    };
    this.buttons(true, false);
    try {
      var saved = await this.savedUpload(file);
      if (saved) {
        this.state.upload = saved.upload;
        this.state.partSize = saved.part_size;
        this.state.partCount = saved.part_count;
        this.say("Resuming your earlier upload of " + file.name + ".");
        return await this.sendAndComplete();
      }
      var begun = await this.begin(file);
      if (!begun) return;
      this.state.upload = begun.upload;
      this.state.post = begun.post;
      this.state.partSize = begun.part_size;
      this.state.partCount = begun.part_count;
      if (begun.part_count) this.remember(file, begun.upload);
      await this.sendAndComplete();
    } catch (error) {
      this.fail(error);
    }
  };

  Widget.prototype.singlePostMax = function () {
    var given = Number(this.root.dataset.singlePostMax);
    return given > 0 ? given : SINGLE_POST_MAX;
  };

  // A file sent in parts is announced without a SHA-256: its parts are hashed as they go. A
  // smaller one is hashed first, as one form POST is checked against the whole file's digest.
  Widget.prototype.begin = async function (file) {
    var url = this.root.dataset.beginUrl || "/api/uploads";
    var announced = { filename: file.name, size: file.size, content_type: file.type || null };
    if (this.root.dataset.purpose) announced.purpose = this.root.dataset.purpose;
    if (file.size > this.singlePostMax()) {
      try {
        return await this.api("POST", url, announced);
      } catch (error) {
        // The server sends this size in one piece after all (another limit): hash it first.
        if (!(error instanceof ApiError) || error.status !== 422) throw error;
      }
    }
    var self = this;
    announced.sha256 = await sha256Hex(file, function (f) { self.phase("Preparing the file", f); });
    if (this.state.cancelled) return null;
    return await this.api("POST", url, announced);
  };

  Widget.prototype.sendAndComplete = async function () {
    var s = this.state;
    if (!s.sent) {
      if (s.post) await this.sendForm();
      else await this.sendParts();
      if (s.cancelled) return;
      s.sent = true; // a check asked for again (Resume) does not send the bytes again
      this.remember(s.file, s.upload); // after a reload, only the check is asked again
    }
    this.phase("Checking the file", 1);
    this.say("Checking " + s.file.name + " on the server…");
    this.buttons(false, false);
    var fingerprint = await this.fingerprint();
    var result = await this.api("POST", s.upload.urls.complete, fingerprint ? { fingerprint: fingerprint } : undefined);
    var upload = await this.untilChecked(result.upload);
    if (upload.status === "check_failed") throw new ApiError(503, upload.reason);
    this.finish(upload);
  };

  // The composite of the parts' digests, for an upload checked by parts whose digests are all
  // known here (a check asked for again after a reload needs none: the server has it).
  Widget.prototype.fingerprint = async function () {
    var s = this.state;
    if (!s.upload.by_parts || !s.partCount) return null;
    var digests = [];
    for (var n = 1; n <= s.partCount; n++) {
      if (!s.digests.has(n)) return null;
      digests.push(s.digests.get(n));
    }
    return await compositeFingerprint(digests, s.partSize);
  };

  // The check runs on the server after `complete` answered: look again until it has finished.
  Widget.prototype.untilChecked = async function (upload) {
    var wait = POLL_FIRST;
    var given = Number(this.root.dataset.pollLimit);
    var until = Date.now() + (this.root.dataset.pollLimit && given >= 0 ? given : POLL_LIMIT);
    while (upload.status === "checking") {
      this.root.dataset.uploadChecking = "true"; // for tests and styles
      if (Date.now() >= until) {
        delete this.root.dataset.uploadChecking;
        throw new StillChecking(upload.name + " is still being checked on the server. Choose " +
          "Resume upload to look again, or reload the page later and choose the file again.");
      }
      await new Promise(function (resolve) { setTimeout(resolve, wait); });
      wait = Math.min(POLL_MAX, wait * 1.5);
      upload = (await this.api("GET", upload.urls.self)).upload;
    }
    delete this.root.dataset.uploadChecking;
    return upload;
  };

  Widget.prototype.send = function (method, url, body, onProgress, headers) {
    var self = this;
    return new Promise(function (resolve, reject) {
      var xhr = new XMLHttpRequest();
      self.xhrs.add(xhr);
      xhr.open(method, url);
      Object.keys(headers || {}).forEach(function (name) { xhr.setRequestHeader(name, headers[name]); });
      xhr.upload.onprogress = function (event) { onProgress(event.loaded); };
      xhr.onload = function () {
        self.xhrs.delete(xhr);
        if (xhr.status >= 200 && xhr.status < 300) resolve(xhr);
        else reject(new ApiError(xhr.status, "The storage refused the file (error " + xhr.status + ")."));
      };
      xhr.onerror = xhr.ontimeout = function () {
        self.xhrs.delete(xhr);
        reject(new Interrupted("The connection was lost while sending the file."));
      };
      xhr.onabort = function () {
        self.xhrs.delete(xhr);
        reject(new Interrupted("The upload was stopped."));
      };
      xhr.send(body);
    });
  };

  Widget.prototype.sendForm = async function () {
    var s = this.state;
    var form = new FormData();
    Object.keys(s.post.fields).forEach(function (name) { form.append(name, s.post.fields[name]); });
    form.append("file", s.file); // last: S3 ignores fields after the file
    var self = this;
    await this.send("POST", s.post.url, form, function (loaded) {
      self.phase("Uploading", Math.min(loaded / s.file.size, 1));
    });
  };

  Widget.prototype.partUrl = async function (number) {
    var s = this.state;
    var known = s.urls.get(number);
    if (known && Date.now() - known.at < URL_MAX_AGE) return known.url;
    if (s.asking && s.asking.has(number)) {
      await s.asking.get(number); // another part's request asked for this one too
      return this.partUrl(number);
    }
    var wanted = [];
    for (var n = number; n <= s.partCount && wanted.length < URL_BATCH; n++) {
      if (!s.done.has(n) && !(s.asking && s.asking.has(n))) wanted.push(n);
    }
    var asked = this.api("POST", s.upload.urls.parts, { parts: wanted });
    s.asking = s.asking || new Map();
    wanted.forEach(function (n) { s.asking.set(n, asked.catch(function () { /* its own part throws */ })); });
    try {
      var reply = await asked;
      var at = Date.now();
      reply.parts.forEach(function (p) { s.urls.set(p.part_number, { url: p.url, at: at }); });
    } finally {
      wanted.forEach(function (n) { s.asking.delete(n); });
    }
    return s.urls.get(number).url;
  };

  function partOf(s, number) {
    var start = (number - 1) * s.partSize;
    return s.file.slice(start, Math.min(start + s.partSize, s.file.size));
  }

  // The part's hex SHA-256, hashed once (the worker hashes one part at a time, in the order
  // asked): sendParts keeps the parts about to go hashed ahead while others are on their way.
  Widget.prototype.digestOf = function (number) {
    var s = this.state;
    if (!s.hashing.has(number)) {
      var hashing = s.hasher.hash(partOf(s, number));
      hashing.then(function (digest) { s.hashed.set(number, digest); }, function () {
        /* awaited by the part's sender */
      });
      s.hashing.set(number, hashing);
    }
    return s.hashing.get(number);
  };

  // The link of a part whose digest is known: the server keeps the digest and signs the link
  // for it. Kept until it nears its expiry (or the store refuses it: 403); one asked for ahead
  // (with other parts, by askLinks) is taken if its digest is this one and it is still fresh.
  Widget.prototype.signedPartLink = async function (number, digest) {
    var s = this.state;
    var fresh = function (link) { return link && link.digest === digest && Date.now() - link.at < URL_MAX_AGE; };
    if (fresh(s.urls.get(number))) return s.urls.get(number);
    var early = s.linking.get(number);
    if (early) {
      try {
        await early;
      } catch (error) {
        /* asked again just below, where a refusal stops the part */
      }
      if (fresh(s.urls.get(number))) return s.urls.get(number);
    }
    await this.askLinks(number, digest);
    if (!fresh(s.urls.get(number))) throw new ApiError(502, "The site did not answer with the part's link.");
    return s.urls.get(number);
  };

  // One request for the links of part `number` (whose digest is known) and of the parts after
  // it that are hashed and wait for theirs: the server keeps each digest and answers each
  // link, signed for that SHA-256.
  Widget.prototype.askLinks = function (number, digest) {
    var s = this.state;
    var named = [{ part_number: number, sha256: digest }];
    for (var n = number + 1; n <= s.partCount && named.length < PARTS_AT_ONCE; n++) {
      var known = s.urls.get(n);
      var waiting = s.hashed.has(n) && !s.done.has(n) && !s.linking.has(n);
      if (waiting && !(known && Date.now() - known.at < URL_MAX_AGE)) {
        named.push({ part_number: n, sha256: s.hashed.get(n) });
      }
    }
    var asked = this.api("POST", s.upload.urls.parts + "/links", { parts: named }).then(function (reply) {
      var at = Date.now();
      reply.parts.forEach(function (p) {
        var sent = named.find(function (one) { return one.part_number === p.part_number; });
        if (sent) s.urls.set(p.part_number, { url: p.url, headers: p.headers || {}, at: at, digest: sent.sha256 });
      });
    });
    named.forEach(function (one) { s.linking.set(one.part_number, asked); });
    var done = function () {
      named.forEach(function (one) { if (s.linking.get(one.part_number) === asked) s.linking.delete(one.part_number); });
    };
    asked.then(done, done);
    return asked;
  };

  // Keep the parts about to go hashed (a batch ahead of the ones on their way), and ask for the
  // next part's link while this one is on its way, so that no part waits for a round trip to
  // the site before it goes: with it, the links of the parts hashed after it, in one request.
  Widget.prototype.linkAhead = function (queue) {
    var s = this.state;
    for (var i = 0; i < queue.length && i < PARTS_AT_ONCE; i++) this.digestOf(queue[i]);
    var number = queue[0];
    if (number === undefined || s.linking.has(number) || s.urls.has(number)) return;
    var self = this;
    var asking = this.digestOf(number).then(function (digest) {
      if (!s.linking.has(number) && !s.urls.has(number)) return self.askLinks(number, digest);
    });
    asking.catch(function () { /* the part's sender asks again and reports what went wrong */ });
  };

  Widget.prototype.sendPart = async function (number) {
    var s = this.state;
    var blob = partOf(s, number);
    // A part checked by parts is hashed before it is sent, as its link is signed for its
    // SHA-256. Had the file changed on disk, reading it fails; had its bytes changed unnoticed
    // after hashing, the store refuses them, and the server's own reading of every part finds
    // that they differ from this digest: the file does not count.
    var digest = null;
    if (s.upload.by_parts) {
      try {
        digest = await this.digestOf(number);
      } catch (unreadable) {
        throw s.cancelled ? new Interrupted("The upload was stopped.") : changedOnDisk(s.file);
      } finally {
        s.hashing.delete(number);
      }
    }
    var self = this;
    for (var attempt = 0; ; attempt++) {
      try {
        var link;
        try {
          link = digest ? await this.signedPartLink(number, digest) : { url: await this.partUrl(number) };
        } catch (refused) {
          // The server refused the link (a digest it cannot take): asking again will not help.
          if (refused instanceof ApiError && refused.status < 500 && refused.status !== 429) throw new LinkRefused(refused);
          throw refused;
        }
        // Stopped, or the file refused, while the link was asked for: the part does not go.
        if (s.cancelled || s.refused) throw new Interrupted("The upload was stopped.");
        await this.send("PUT", link.url, blob, function (loaded) {
          s.loaded.set(number, loaded);
          self.showPartProgress();
        }, link.headers);
        s.loaded.set(number, blob.size);
        if (digest) s.digests.set(number, digest);
        s.done.add(number);
        // Not waited for: the next part goes while the server reads this one back.
        // Reported with the parts that land soon after it; the last parts each at once, as
        // the check waits for them.
        var last = s.partCount - s.done.size < s.parallel;
        if (digest && s.upload.checks_parts_as_sent) s.reports.push(this.reportSent(s, number, s.halted || last));
        return;
      } catch (error) {
        if (error instanceof LinkRefused) throw error.error;
        s.loaded.set(number, 0);
        if (s.refused) {
          // Stopped because the file was refused (sendParts says why). Had the part landed even
          // so, the report makes the server delete it now, as nothing names it.
          if (digest && s.upload.checks_parts_as_sent) s.reports.push(this.reportSent(s, number, true));
          throw error;
        }
        // A send that failed because the file changed on disk looks like a lost connection.
        if (error instanceof Interrupted && !s.cancelled && await unreadable(blob)) throw changedOnDisk(s.file);
        if (s.cancelled || attempt >= this.retries() || error instanceof FileChanged) throw error;
        if (error instanceof ApiError && error.status === 403) s.urls.delete(number); // expired
        await sleep(1000 * Math.pow(2, attempt));
        if (s.refused) throw error; // refused while this part waited to try again
      }
    }
  };

  // Tell the server a part has landed, so that it reads the part back (or has a worker read
  // it back) while the next ones are on their way. Parts that land within REPORT_WAIT of each
  // other are reported together (`now`: at once). Only a refusal matters here: a report that
  // is lost (or a part the server cannot find yet) is read back by the check that `complete`
  // asks for.
  // Each batch belongs to its upload's state: a report that waits while the person cancels
  // and chooses another file goes for its own upload, and is sent all the same.
  Widget.prototype.reportSent = function (s, number, now) {
    if (!s.unreported) {
      var batch = s.unreported = { numbers: [] };
      batch.sent = new Promise(function (resolve) { batch.go = resolve; });
      var self = this;
      batch.answered = batch.sent.then(function () { return self.sendReport(s, batch.numbers); });
      batch.timer = setTimeout(function () { flushReports(s); }, REPORT_WAIT);
    }
    var pending = s.unreported;
    pending.numbers.push(number);
    if (now || pending.numbers.length >= PARTS_AT_ONCE) flushReports(s);
    return pending.answered;
  };

  // Send the parts of upload state `s` waiting to be reported now.
  function flushReports(s) {
    var batch = s.unreported;
    if (!batch) return;
    s.unreported = null;
    clearTimeout(batch.timer);
    batch.go();
  }

  Widget.prototype.sendReport = async function (s, numbers) {
    var reply;
    try {
      reply = await this.api("POST", s.upload.urls.parts + "/sent", { parts: numbers });
    } catch (error) {
      return;
    }
    if (reply.upload && reply.upload.status === "rejected" && !s.refused) {
      s.refused = reply.upload;
      s.halted = true; // no further part is taken; sendParts says why
      // Nor are the parts on their way sent on: the person hears why at once, not after
      // several more parts have gone for nothing on a slow line (unless another upload
      // has begun meanwhile: its parts are its own).
      if (this.state === s) this.xhrs.forEach(function (xhr) { xhr.abort(); });
    }
  };

  Widget.prototype.showPartProgress = function () {
    var total = 0;
    this.state.loaded.forEach(function (n) { total += n; });
    this.phase("Uploading", Math.min(total / this.state.file.size, 1));
  };

  Widget.prototype.sendParts = async function () {
    var s = this.state;
    var queue = [];
    for (var n = 1; n <= s.partCount; n++) if (!s.done.has(n)) queue.push(n);
    this.showPartProgress();
    var self = this;
    s.halted = false;
    if (s.upload.by_parts && !s.hasher) s.hasher = new PartHasher();
    s.hashing = new Map();
    s.hashed = new Map();
    s.linking = new Map();
    s.reports = [];
    s.unreported = null;
    s.refused = null;
    async function worker() {
      while (queue.length && !s.cancelled && !s.halted) {
        var number = queue.shift();
        if (s.hasher) {
          self.digestOf(number);
          // Hashed, and its link asked for, while this part is on its way.
          self.linkAhead(queue);
        }
        try {
          await self.sendPart(number);
        } catch (error) {
          s.halted = true; // the other workers stop taking parts; Resume picks up from here
          throw error;
        }
      }
    }
    var workers = [];
    s.parallel = Number(this.root.dataset.parallelParts) || PARALLEL_PARTS;
    for (var i = 0; i < s.parallel; i++) workers.push(worker());
    // Every part on its way finishes (sent, or failed) before the widget offers Resume, so
    // that the server's list of parts is what Resume starts from.
    var outcomes = await Promise.allSettled(workers);
    flushReports(s); // the last parts sent are reported now, not after REPORT_WAIT
    await Promise.all(s.reports); // each part sent was read back (or its report is lost)
    if (s.refused) throw new Refused(s.refused);
    var failed = outcomes.find(function (o) { return o.status === "rejected"; });
    if (failed && failed.reason instanceof ApiError && failed.reason.status === 409) {
      // The upload is finished: refused by a check the site ran apart from the reports (a
      // task queue's worker). Say why, not only that it cannot go on.
      try {
        var now = (await this.api("GET", s.upload.urls.self)).upload;
        if (now.status === "rejected") throw new Refused(now);
      } catch (asked) {
        if (asked instanceof Refused) throw asked;
      }
    }
    if (failed) {
      var changed = outcomes.find(function (o) { return o.status === "rejected" && o.reason instanceof FileChanged; });
      throw (changed || failed).reason;
    }
    if (s.hasher) {
      s.hasher.stop();
      s.hasher = null;
    }
  };

  // Ask the server which parts it holds, then send the rest (after a dropped connection).
  Widget.prototype.resume = async function () {
    var s = this.state;
    if (!s || !s.upload) return;
    this.buttons(true, false);
    this.say("Resuming the upload of " + s.file.name + "…");
    try {
      if (s.post) {
        await this.sendAndComplete(); // a single POST starts over; the link may be renewed
        return;
      }
      // Once every part was sent (the check may have joined them: the store lists none then,
      // and the server answers 404), only the check is asked for again.
      if (!s.sent && s.done.size < s.partCount) {
        var listed = await this.api("GET", s.upload.urls.parts);
        this.markReceived(listed);
      }
      await this.sendAndComplete();
    } catch (error) {
      this.fail(error);
    }
  };

  // A part counts as sent when the store holds it at its size and, for an upload checked by
  // parts, the server has its digest (one whose report was lost is sent again).
  Widget.prototype.markReceived = function (listed) {
    var s = this.state;
    var byParts = listed.upload ? listed.upload.by_parts : s.upload && s.upload.by_parts;
    s.done = new Set();
    s.loaded = new Map();
    s.digests = new Map();
    listed.parts.forEach(function (part) {
      var expected = Math.min(s.partSize, s.file.size - (part.part_number - 1) * s.partSize);
      if (part.size === expected && (!byParts || part.sha256)) {
        s.done.add(part.part_number);
        s.loaded.set(part.part_number, part.size);
        if (part.sha256) s.digests.set(part.part_number, part.sha256);
      }
    });
  };

  Widget.prototype.cancel = async function () {
    var s = this.state;
    if (!s) return;
    s.cancelled = true;
    this.xhrs.forEach(function (xhr) { xhr.abort(); });
    if (s.hasher) s.hasher.stop();
    this.input.value = ""; // so that choosing the same file again starts a new upload
    this.buttons(false, false);
    this.find("progress").hidden = true;
    this.forget(s.file);
    if (!s.upload) return this.say("Upload cancelled.");
    try {
      await this.api("DELETE", s.upload.urls.self);
      this.say("Upload cancelled. Nothing was kept.");
    } catch (error) {
      this.say(error.status === 409 ? error.message : "Upload cancelled. " + error.message, "error");
    }
  };

  Widget.prototype.finish = function (upload) {
    this.forget(this.state.file);
    this.buttons(false, false);
    this.input.value = "";
    if (upload.status === "verified") {
      this.phase("Uploaded and checked", 1);
      var savedBy = this.root.dataset.target && this.root.dataset.savedBy;
      this.say(upload.name + " (" + upload.size_text + ") was checked" +
        (savedBy ? ". " + savedBy + " to attach it." : " and saved."), "ok");
      var target = this.root.dataset.target && document.getElementById(this.root.dataset.target);
      if (target) target.value = upload.id;
      this.root.dispatchEvent(new CustomEvent("upload:verified", { detail: upload, bubbles: true }));
      if (this.root.dataset.attachUrl) this.attach(upload);
    } else {
      this.find("progress").hidden = true;
      this.say(upload.name + " was not accepted: " + (upload.reason || "it could not be checked."), "error");
    }
  };

  // On a page that says where (data-attach-url), the verified file becomes evidence at once.
  Widget.prototype.attach = async function (upload) {
    try {
      var added = await this.api("POST", this.root.dataset.attachUrl, { upload_id: upload.id });
      if (added.location) {
        // The page that follows what was asked (a portfolio import): go there.
        this.say(upload.name + " was checked. Opening the page that shows how it goes.", "ok");
        window.location.assign(added.location);
        return;
      }
      var status = this.find("status");
      status.textContent = upload.name + " was checked and added as evidence. ";
      var link = document.createElement("a");
      link.href = location.pathname + "?added=" + encodeURIComponent(added.artifact_id || upload.id) + "#artifacts";
      link.textContent = "Show it in the list";
      status.appendChild(link);
    } catch (error) {
      this.say(upload.name + " was checked and saved, but could not be added: " + error.message, "error");
    }
  };

  Widget.prototype.fail = function (error) {
    var s = this.state;
    if (s && s.cancelled) return;
    if (s && s.hasher) {
      s.hasher.stop();
      s.hasher = null;
    }
    if (error instanceof Refused) {
      this.xhrs.forEach(function (xhr) { xhr.abort(); });
      s.cancelled = true; // the other parts stop; the server dropped what arrived
      this.finish(error.upload);
      return;
    }
    if (error instanceof FileChanged) {
      // Nothing half-kept: the parts sent so far are dropped with the upload.
      s.cancelled = true;
      this.xhrs.forEach(function (xhr) { xhr.abort(); });
      this.buttons(false, false);
      this.find("progress").hidden = true;
      this.forget(s.file);
      this.input.value = "";
      this.say(error.message, "error");
      if (s.upload) this.api("DELETE", s.upload.urls.self).catch(function () { /* it expires */ });
      return;
    }
    var canResume = s && s.upload && (error instanceof Interrupted || error instanceof StillChecking ||
      (error instanceof ApiError && error.status === 503));
    var message = error && error.message ? error.message : "The upload stopped.";
    if (canResume && error instanceof StillChecking) {
      this.buttons(true, true);
      this.say(message, "error");
    } else if (canResume) {
      this.buttons(true, true);
      this.say(message + " Check your connection, then choose Resume upload.", "error");
    } else {
      this.buttons(false, false);
      this.forget(s && s.file);
      this.say(message, "error");
    }
  };

  // --- surviving a reload: the upload id is kept per file (name, size, modification time) --

  function storageKey(file) {
    return STORE_PREFIX + [file.name, file.size, file.lastModified].join("|");
  }

  // The upload's id and the name the server keeps for it: a name it tidied ("a: b.pdf" is
  // "a_ b.pdf", NFD accents are NFC) is still this file's.
  Widget.prototype.remember = function (file, upload) {
    var saved = String(upload.id) + "|" + upload.name;
    try { localStorage.setItem(storageKey(file), saved); } catch (full) { /* private mode */ }
  };

  Widget.prototype.forget = function (file) {
    if (!file) return;
    try { localStorage.removeItem(storageKey(file)); } catch (unavailable) { /* ignore */ }
  };

  Widget.prototype.savedUpload = async function (file) {
    var saved;
    try { saved = localStorage.getItem(storageKey(file)); } catch (unavailable) { return null; }
    var found = /^(\d+)(?:\|([\s\S]*))?$/.exec(saved || "");
    if (!found) return null;
    var id = found[1];
    var keptName = found[2] === undefined ? file.name : found[2]; // saved by an older widget
    var base = (this.root.dataset.beginUrl || "/api/uploads").replace(/\/$/, "");
    try {
      var shown = (await this.api("GET", base + "/" + id)).upload;
      var same = shown.size === file.size && shown.name === keptName;
      if (!same || RESUMABLE.indexOf(shown.status) < 0) throw new ApiError(409, "not resumable");
      if (shown.status !== "pending") {
        // Sent already (and its parts perhaps joined): only the check is asked for again.
        this.state.sent = true;
        return { upload: shown };
      }
      var listed = await this.api("GET", shown.urls.parts);
      if (!listed.part_count) throw new ApiError(409, "not resumable");
      this.state.partSize = listed.part_size;
      this.state.partCount = listed.part_count;
      this.markReceived(listed);
      return listed;
    } catch (gone) {
      this.forget(file);
      return null;
    }
  };

  function init() {
    var roots = document.querySelectorAll("#upload-widget, [data-upload-widget]");
    Array.prototype.forEach.call(roots, function (root) {
      if (root.dataset.uploadReady) return;
      new Widget(root);
      root.dataset.uploadReady = "true"; // for tests and styles: the widget is live
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
