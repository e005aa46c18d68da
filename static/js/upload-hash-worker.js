/* Hashes the parts of a file being uploaded, off the page's thread (started by static/js/upload.js).
 *
 * Each message is {id, blob}: one part of the chosen file; its SHA-256 (WebCrypto, at native
 * speed) goes back as hex, one part after the other. The page then sends the part, with its link signed for that digest,
 * straight from the file (a buffer handed to fetch or XHR is copied through the browser's
 * processes several times slower), while this worker hashes the next one. A file that changed
 * on disk cannot be read any more: the error's name (NotReadableError) goes back instead.
 */
"use strict";

function hex(buffer) {
  var bytes = new Uint8Array(buffer);
  var out = "";
  for (var i = 0; i < bytes.length; i++) out += (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16);
  return out;
}

async function hashPart(job) {
  try {
    var body = await job.blob.arrayBuffer();
    var digest = await crypto.subtle.digest("SHA-256", body);
    self.postMessage({ id: job.id, digest: hex(digest) });
  } catch (error) {
    self.postMessage({ id: job.id, error: (error && error.name) || String(error) });
  }
}

// One part at a time, in the order asked: the page asks for several parts ahead, and each
// part being hashed holds its bytes (twice, with WebCrypto's copy) until its digest is known.
var hashed = Promise.resolve();
self.onmessage = function (event) {
  var job = event.data;
  hashed = hashed.then(function () { return hashPart(job); });
};
