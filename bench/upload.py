"""Upload, as a person waits for it: the real widget in Chromium against boto3, into moto's S3.

    python bench/upload.py [--size-mib 1024] [--peak-size-mib 2048] [--broker redis://...]
    python bench/upload.py --smoke   # seconds: proves the bench works (make test runs it)

One run: moto's S3 server on loopback (a process of its own: neither the browser's driver nor
boto3 shares its interpreter lock); the app in a subprocess (werkzeug, threaded) on a SQLite
file, with OBJECT_STORE_URL pointing at moto; headless Chromium (Debian's, with the browser
tests' flags) signs a demo candidate in through the real form and opens the upload widget. The
timed span is the person's whole wait: from choosing a file of random bytes (starting like a
PDF) to the widget saying it was checked and saved: each part hashed in the browser (the next
ones while this one is sent), its link asked for with its SHA-256 (with the other parts hashed
ahead, in one request) and signed for it, the part sent straight to moto with that checksum as
an object of its own (a staged part), reported sent (with the parts that landed within a second
of it) and read back by the server while the next parts go, then `complete`, the server's check
(the parts nobody reported, the type, the composite fingerprint) and the widget's polling. The
store joins the parts after the file counts (services.uploads.staged_parts): the bench waits for
that join before timing anything else ("widget_joined_after_s"), so that moto's copying never
slows what comes next, and before each upload it times it empties the bucket, has the disk's
dirty pages written and waits for the machine to be quiet (settle_store), so that no upload pays
for freeing and writing out what the one before it left. The same file then goes up with boto3's
upload_file to the same moto server: "ratio" is boto3's time over the widget's (1 or more: the
widget is as fast). The widget's own split (until every part was sent; the check after) is
reported too.

Each round then times two floors on the same page (browser_floor): the same parts sent as the
widget sends them but with their links signed beforehand, into one multipart upload joined by
the store and then read back (as files were checked until parts were staged), with no app and no
hashing in the browser ("floor_ratio"), and the same with each part hashed first in the widget's
hashing worker ("hashed_floor_ratio"): the most that way of checking a file could reach from
this browser on this store, where the join alone takes seconds.

A second upload, of --peak-size-mib (2 GB, the largest file accepted), runs against a fresh app
process and reports its peak memory (VmHWM) over its idle size: the bytes never pass through the
app, and the check reads them back a chunk per stream, so it must stay flat. The check runs in
the web process (the task queue's eager mode) unless --broker names a Redis database: then a
Celery worker runs it, and its memory is reported on its own.

"phases" says where the widget's wait went (from the page's resource timings and the check's own
log line): the requests for part links (each naming parts with their digests), the part PUTs,
the requests reporting parts sent (each part read back by the server), `complete`, and how many
parts the check itself still read back; "boto3_join_s" is moto joining boto3's parts. --designs
(and the smoke run) also times the store's share of checking a file as the app did before its
parts were staged (parts sent with their SHA-256, joined part by part, then read back) against
parts sent without checksums (moto then copies the whole file to compute a checksum of the whole
object) and against verifying each part as it lands with the join in the wait (temporary objects
copied into a server-owned multipart upload), parts sent from Python, so that only the store's
work differs.

Every upload timed also reports the CPU seconds each process spent on it (psutil): the browser
(all of Chromium's processes), moto, the app (and its worker), and this process (boto3's side):
on a machine of few cores, where all of them take turns, the side that needs more CPU waits
longer whatever the design ("widget_cpu_s", "boto3_cpu_s").

The last line printed is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import logging
import os
import queue
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import boto3  # noqa: E402
import psutil  # noqa: E402
from botocore.config import Config  # noqa: E402

from portfolio.tools.fingerprint import file_fingerprint  # noqa: E402
from tests.web.conftest import CHROMIUM, CHROMIUM_FLAGS  # noqa: E402

MiB = 1024 * 1024
BUCKET = "bench-uploads"
CHUNK = 64 * MiB
SAVED = "was checked and saved"
# The widget as the portfolio entry page has it (a bare placeholder the script fills), with the
# app's limits; the scripts load by URL, as the Content-Security-Policy requires.
INJECT = """([singlePostMax, maxBytes, parallelParts]) => {
  const main = document.querySelector("main");
  main.insertAdjacentHTML("beforeend", '<div id="upload-widget"></div>');
  const root = document.getElementById("upload-widget");
  root.dataset.csrfToken = document.querySelector('input[name="csrf_token"]').value;
  root.dataset.singlePostMax = String(singlePostMax);
  root.dataset.maxBytes = String(maxBytes);
  if (parallelParts) root.dataset.parallelParts = String(parallelParts);
  // When the last part has gone and the check begins: the widget's phase label says so.
  window.benchTimes = {};
  performance.setResourceTimingBufferSize(10000); // every part's PUT and report, for the phases
  root.addEventListener("upload:verified", (event) => { window.benchTimes.upload = event.detail; });
  new MutationObserver(() => {
    const phase = document.querySelector("[data-upload-phase]");
    if (phase && phase.textContent.startsWith("Checking") && !window.benchTimes.sent) {
      window.benchTimes.sent = performance.now();
    }
  }).observe(root, { subtree: true, childList: true, characterData: true });
  for (const src of ["/static/vendor/js-sha256-0.11.1/sha256.min.js", "/static/js/upload.js"]) {
    const script = document.createElement("script");
    script.src = src;
    script.async = false;
    document.body.append(script);
  }
}"""

# The floor: the same parts sent from the same page as the widget sends them (XHR PUTs of slices
# of the chosen file, `parallel` at once, each with the x-amz-checksum-sha256 header its link was
# signed for), but with nothing else: the bench hashed the parts beforehand and signed every link
# at once; no app, no progress, no looking. With `hashed`, each part is also hashed in the app's
# own hashing worker before it goes (every part handed to the worker at the start, so hashing
# runs as far ahead of sending as it can), and its digest must be the one signed. Seconds.
SEND_RAW = """async ([links, partBytes, parallel, hashed]) => {
  const file = document.getElementById("bench-floor-file").files[0];
  const started = performance.now();
  let next = 0;
  const digests = [];
  const worker = hashed ? new Worker("/static/js/upload-hash-worker.js") : null;
  if (hashed) {
    const waiting = new Map();
    worker.onmessage = (event) => waiting.get(event.data.id)(event.data.digest);
    for (let index = 0; index < links.length; index++) {
      digests.push(new Promise((resolve) => waiting.set(index, resolve)));
      const blob = file.slice(index * partBytes, (index + 1) * partBytes);
      worker.postMessage({ id: index, blob });
    }
  }
  const bytes = (hex) => hex.match(/../g).map((pair) => parseInt(pair, 16));
  const base64 = (hex) => btoa(String.fromCharCode(...bytes(hex)));
  function put(link, body) {
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open("PUT", link.url);
      for (const [name, value] of Object.entries(link.headers)) xhr.setRequestHeader(name, value);
      xhr.onload = () => (xhr.status < 300 ? resolve() : reject(new Error("PUT " + xhr.status)));
      xhr.onerror = () => reject(new Error("PUT failed"));
      xhr.send(body);
    });
  }
  async function sender() {
    while (next < links.length) {
      const index = next++;
      const signed = links[index].headers["x-amz-checksum-sha256"];
      if (hashed && base64(await digests[index]) !== signed) {
        throw new Error("part " + (index + 1) + " hashed to another digest");
      }
      await put(links[index], file.slice(index * partBytes, (index + 1) * partBytes));
    }
  }
  try {
    await Promise.all(Array.from({ length: parallel }, sender));
  } finally {
    if (hashed) worker.terminate();
  }
  return (performance.now() - started) / 1000;
}"""

# Where the wait went, from the page's resource timings (seconds after the file was chosen):
# the part links (asked for with the parts' digests, several parts a request, before they go;
# "links" and "reports" count requests), the part PUTs to
# the store, `complete` (which, with the check run in the web process, answers once the check
# has run) and the widget's looks at the upload after it.
PHASES = r"""(started) => {
  const entries = performance.getEntriesByType("resource").filter((e) => e.startTime >= started);
  const at = (ms) => Math.round(ms - started) / 1000;
  // A staged part's own object ("<key>.part00001"), or a part of the store's multipart upload.
  const puts = entries.filter((e) => /[?&]partNumber=|\.part\d{5}(\?|$)/i.test(e.name));
  // Requests, each for several parts: their links asked for, or their reports as sent.
  const links = entries.filter((e) => /\/api\/uploads\/\d+\/parts\/links$/.test(e.name));
  const reports = entries.filter((e) => /\/api\/uploads\/\d+\/parts\/sent$/.test(e.name));
  const complete = entries.find((e) => /\/complete$/.test(e.name));
  const looks = complete ? entries.filter((e) => /\/api\/uploads\/\d+$/.test(e.name) &&
                                                 e.startTime >= complete.responseEnd) : [];
  const span = (list, key, pick) => list.length ? at(pick(...list.map((e) => e[key]))) : null;
  return {
    parts: puts.length,
    first_put_start_s: span(puts, "startTime", Math.min),
    last_put_end_s: span(puts, "responseEnd", Math.max),
    links: links.length,
    last_link_end_s: span(links, "responseEnd", Math.max),
    reports: reports.length,
    last_report_end_s: span(reports, "responseEnd", Math.max),
    complete_start_s: complete ? at(complete.startTime) : null,
    complete_end_s: complete ? at(complete.responseEnd) : null,
    looks_after_complete: looks.length,
  };
}"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_moto(log: Path) -> tuple[subprocess.Popen[bytes], str]:
    """moto's S3 server in its own process on a free loopback port; its URL once it answers."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=log.open("w"),
    )
    endpoint = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return process, endpoint
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit(f"moto did not start:\n{log.read_text()[-3000:]}")


def serve(multipart_above_mib: int | None) -> None:
    """The app, configured by the environment, on a free loopback port (printed first)."""
    from werkzeug.serving import make_server

    from portfolio import create_app

    # The check logs where its time went (the join, the read-back): the bench reads it back.
    for name in ("verification", "staged_parts"):
        check_log = logging.getLogger(f"portfolio.services.uploads.{name}")
        check_log.setLevel(logging.INFO)
        check_log.addHandler(logging.StreamHandler(sys.stderr))

    settings: dict[str, object] = {"ENV_NAME": "development"}
    if multipart_above_mib is not None:
        settings["UPLOAD_SINGLE_POST_MAX"] = multipart_above_mib * MiB
    server = make_server("127.0.0.1", 0, create_app(settings), threaded=True)
    print(server.server_port, flush=True)
    server.serve_forever()


def prepare_database(env: dict[str, str]) -> tuple[str, str]:
    """Schema and the demo candidate in a fresh SQLite file; returns (email, password)."""
    from portfolio import create_app
    from portfolio.commands.demo import DEMO_ACCOUNTS
    from portfolio.extensions import db
    from portfolio.models import Base, Role
    from portfolio.services.accounts.users import create_account

    email, name, _role, password = next(a for a in DEMO_ACCOUNTS if a[2] == Role.CANDIDATE)
    app = create_app({**env, "ENV_NAME": "development"})
    with app.app_context():
        Base.metadata.create_all(db.engine)
        create_account(db.session, email=email, name=name, password=password, confirmed=True)
        db.session.commit()
    return email, password


def make_file(path: Path, size: int) -> None:
    """Random bytes that start like a PDF."""
    with path.open("wb") as out:
        written = 0
        while written < size:
            block = os.urandom(min(CHUNK, size - written))
            if written == 0:
                block = b"%PDF-1.7\n" + block[9:]
            out.write(block)
            written += len(block)


def start_app(
    env: dict[str, str], multipart_above_mib: int | None, log: Path
) -> tuple[subprocess.Popen[str], str]:
    threshold = (
        [] if multipart_above_mib is None else ["--multipart-above-mib", str(multipart_above_mib)]
    )
    process = subprocess.Popen(
        [sys.executable, __file__, "--serve", *threshold],
        env={**os.environ, **env, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=log.open("w"),  # the app's own log: shown if the run fails
        text=True,
    )
    assert process.stdout is not None
    port = process.stdout.readline().strip()
    if not port.isdigit():
        process.kill()
        raise SystemExit(f"the app did not start:\n{log.read_text()[-3000:]}")
    return process, f"http://127.0.0.1:{port}"


def start_worker(env: dict[str, str], log: Path) -> subprocess.Popen[str]:
    """A Celery worker (one process, no pool children) on the app's settings."""
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "portfolio.worker", "worker", "--pool=solo",
         "--concurrency=1", "--without-gossip", "--without-mingle", "--loglevel=WARNING"],
        env={**os.environ, **env, "PYTHONPATH": str(ROOT)},
        cwd=ROOT,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        text=True,
    )  # fmt: skip


def cpu_seconds(pids: dict[str, int]) -> dict[str, float]:
    """CPU seconds (user and system) so far: each named process, and "browser", every Chromium
    process this bench started (the browser's own, its network service, the page's renderer
    with the hashing worker). "bench" is this process: boto3's side of its uploads."""
    spent: dict[str, float] = {}

    def used(process: psutil.Process, name_part: str = "") -> float:
        try:
            if name_part not in process.name().lower():
                return 0.0
            times = process.cpu_times()
        except psutil.NoSuchProcess:  # a Chromium helper that has just gone
            return 0.0
        return times.user + times.system

    me = psutil.Process()
    spent["browser"] = sum(used(child, "chrom") for child in me.children(recursive=True))
    spent["bench"] = used(me)
    for name, pid in pids.items():
        spent[name] = used(psutil.Process(pid))
    return spent


def cpu_spent(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    return {name: round(after[name] - before[name], 2) for name in before}


def stop(process: subprocess.Popen[Any]) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=30)


def memory_mib(pid: int, field: str) -> float:
    """VmHWM (peak) or VmRSS (now) of a process, in MiB, from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def reset_peak(pid: int) -> None:
    """Start VmHWM afresh (Linux: "5" to clear_refs), so the peak is this upload's, not the
    start-up's."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")


def sign_in(page: Any, base: str, email: str, password: str) -> None:
    page.goto(f"{base}/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="Sign out").wait_for(timeout=30_000)


def widget_upload(
    page: Any, base: str, path: Path, single_post_max: int, max_bytes: int, parallel: int | None
) -> dict[str, Any]:
    """Choose `path` in the widget and wait until it says verified; the timings and the
    upload as the API shows it."""
    page.goto(f"{base}/")
    page.evaluate(INJECT, [single_post_max, max_bytes, parallel])
    page.locator("#upload-widget[data-upload-ready=true]").wait_for(state="attached")
    chooser = page.get_by_label("File to upload")
    status = page.get_by_role("status")
    started_js = page.evaluate("performance.now()")
    started = time.perf_counter()
    chooser.set_input_files(str(path))
    page.wait_for_function(
        """() => { const s = document.querySelector("[data-upload-status]");
                   return s && (s.textContent.includes("was checked") ||
                                s.classList.contains("upload-error")); }""",
        timeout=1_800_000,
        polling=50,
    )
    seconds = time.perf_counter() - started
    shown = status.text_content()
    if SAVED not in shown:
        raise SystemExit(f"the widget did not save the file: {shown}")
    times = page.evaluate("window.benchTimes")
    return {
        "seconds": seconds,
        "transfer_seconds": (times["sent"] - started_js) / 1000,
        "upload": times["upload"],
        "phases": page.evaluate(PHASES, started_js),
    }


def run_widget(
    browser: Any,
    env: dict[str, str],
    args: argparse.Namespace,
    work: Path,
    path: Path,
    broker: str | None,
    store_pid: int,
    warm_up: Path | None = None,
    baseline: Callable[[], dict[str, float]] | None = None,
    rounds: int = 1,
    floor: Callable[[Any, Callable[..., dict[str, Any]]], dict[str, Any]] | None = None,
    settle: Callable[[], None] | None = None,
) -> dict[str, Any]:
    """Widget uploads of `path` against a fresh app and database (and worker): timings and
    memory. Idle is measured after sign-in, or after uploading `warm_up` (the code the upload
    runs is loaded then, so what grows after is what the file's size costs).

    With a `baseline` (boto3 sending the same file), `rounds` pairs of the two, in turns: the
    widget first in the first round, the baseline first in the second, and so on, so that a
    machine getting busier or quieter favours neither. A `floor` (given the page) runs once per
    round after all of them. `settle` runs before each upload timed."""
    log = work / "app.log"
    worker_log = work / "worker.log"
    if broker:
        env = {**env, "TASK_BROKER_URL": broker}
    database = Path(env["DATABASE_URL"].removeprefix("sqlite:///"))
    database.unlink(missing_ok=True)
    email, password = prepare_database(env)
    process, base = start_app(env, args.multipart_above_mib, log)
    worker = start_worker(env, worker_log) if broker else None
    context = browser.new_context()
    page = context.new_page()
    try:
        sign_in(page, base, email, password)
        if worker is not None:
            time.sleep(3)  # the worker connects to the broker
        single_post_max = (args.multipart_above_mib or 100) * MiB
        if warm_up is not None:
            warmed = widget_upload(page, base, warm_up, single_post_max, 2048 * MiB, args.parallel)
            wait_for_join(database, warmed["upload"]["id"], [log, worker_log])
        idle = memory_mib(process.pid, "VmRSS")
        reset_peak(process.pid)
        worker_idle = None
        if worker is not None:
            worker_idle = memory_mib(worker.pid, "VmRSS")
            reset_peak(worker.pid)
        pids = {"store": store_pid, "app": process.pid}
        if worker is not None:
            pids["worker"] = worker.pid

        def measured(upload: Callable[[], dict[str, Any]]) -> dict[str, Any]:
            """The upload's figures, with the CPU seconds each process spent on it."""
            if settle is not None:
                settle()
            started = cpu_seconds(pids)
            figures = upload()
            figures["cpu_s"] = cpu_spent(started, cpu_seconds(pids))
            return figures

        def send() -> dict[str, Any]:
            return widget_upload(page, base, path, single_post_max, 2048 * MiB, args.parallel)

        turns = []
        for turn in range(rounds):
            widget_first = baseline is None or turn % 2 == 0
            before = None if widget_first or baseline is None else measured(baseline)
            upload = measured(send)
            upload["phases"].update(check_split(log if worker is None else worker_log))
            upload["join_after_s"] = wait_for_join(
                database, upload["upload"]["id"], [log, worker_log]
            )
            after = measured(baseline) if widget_first and baseline is not None else None
            upload["baseline"] = before or after
            upload["widget_first"] = widget_first
            turns.append(upload)
        # The floors run once all the timed uploads are done, one per round: they leave moto
        # with a joined gigabyte to free, which slowed whichever timed upload came next.
        for upload in turns:
            upload["floor"] = floor(page, measured) if floor is not None else None
        result: dict[str, Any] = {"turns": turns}
        result["web_idle_mib"] = idle
        result["web_peak_mib"] = memory_mib(process.pid, "VmHWM")
        if worker is not None:
            result["worker_idle_mib"] = worker_idle
            result["worker_peak_mib"] = memory_mib(worker.pid, "VmHWM")
    except BaseException:
        print(f"The app's log ends:\n{log.read_text()[-4000:]}", file=sys.stderr)
        if worker is not None:
            print(f"The worker's log ends:\n{worker_log.read_text()[-4000:]}", file=sys.stderr)
        raise
    finally:
        context.close()
        stop(process)
        if worker is not None:
            stop(worker)
    return result


def boto3_upload(s3: Any, path: Path) -> dict[str, float]:
    """boto3's upload_file of `path` to the emptied bucket (emptied again after): its time and
    the time moto took to join its parts."""
    empty_bucket(s3)
    joins = time_joins(s3)
    started = time.perf_counter()
    s3.upload_file(str(path), BUCKET, "bench/boto3-upload_file")
    seconds = time.perf_counter() - started
    joined = sum(joins)
    empty_bucket(s3)
    return {"seconds": seconds, "join_s": joined}


def part_digests(path: Path, part_bytes: int) -> list[bytes]:
    """Each part's SHA-256, in order."""
    digests = []
    with path.open("rb") as source:
        while block := source.read(part_bytes):
            digests.append(hashlib.sha256(block).digest())
    return digests


def read_back_digests(s3: Any, key: str, part_bytes: int) -> list[bytes]:
    """Each part's SHA-256 of the joined object, read back in one stream as the check does."""
    digests: list[bytes] = []
    current, filled = hashlib.sha256(), 0
    for chunk in s3.get_object(Bucket=BUCKET, Key=key)["Body"].iter_chunks(MiB):
        view = memoryview(chunk)
        while view:
            take = min(len(view), part_bytes - filled)
            current.update(view[:take])
            filled, view = filled + take, view[take:]
            if filled == part_bytes:
                digests.append(current.digest())
                current, filled = hashlib.sha256(), 0
    if filled:
        digests.append(current.digest())
    return digests


def browser_floor(
    page: Any,
    s3: Any,
    path: Path,
    part_bytes: int,
    parallel: int,
    digests: list[bytes],
    *,
    hashed: bool,
) -> dict[str, float]:
    """The least any upload sent from this browser and read back by the server can take on this
    store: the widget's parts, sent from the same page in the same way (SEND_RAW) but with their
    SHA-256s computed beforehand and every link signed at once, then joined by the store as the
    app has it joined (a SHA-256 multipart upload, each part's checksum listed) and read back in
    one stream, each part's digest compared. No app, no polling, and unless `hashed` no hashing
    in the browser: what is left is the browser's sending (and hashing), the store's join and
    the read-back the issue requires."""
    empty_bucket(s3)
    key = "bench/floor"
    size = path.stat().st_size
    upload_id = s3.create_multipart_upload(Bucket=BUCKET, Key=key, ChecksumAlgorithm="SHA256")[
        "UploadId"
    ]
    checksums = [base64.b64encode(digest).decode() for digest in digests]
    links = []
    for number, checksum in enumerate(checksums, start=1):
        params = {
            "Bucket": BUCKET,
            "Key": key,
            "UploadId": upload_id,
            "PartNumber": number,
            "ContentLength": min(part_bytes, size - (number - 1) * part_bytes),
            "ChecksumSHA256": checksum,
        }
        url = s3.generate_presigned_url("upload_part", Params=params, ExpiresIn=3600)
        links.append({"url": url, "headers": {"x-amz-checksum-sha256": checksum}})
    page.evaluate(
        """() => { if (document.getElementById("bench-floor-file")) return;
                   const input = Object.assign(
                     document.createElement("input"),
                     { type: "file", id: "bench-floor-file", hidden: true });
                   document.body.append(input); }"""
    )
    page.set_input_files("#bench-floor-file", str(path))
    sending = float(page.evaluate(SEND_RAW, [links, part_bytes, parallel, hashed]))
    started = time.perf_counter()
    listed = s3.list_parts(Bucket=BUCKET, Key=key, UploadId=upload_id)["Parts"]
    etags = {part["PartNumber"]: part["ETag"] for part in listed}
    parts = [
        {"PartNumber": number, "ETag": etags[number], "ChecksumSHA256": checksum}
        for number, checksum in enumerate(checksums, start=1)
    ]
    s3.complete_multipart_upload(
        Bucket=BUCKET, Key=key, UploadId=upload_id, MultipartUpload={"Parts": parts}
    )
    joined = time.perf_counter()
    if read_back_digests(s3, key, part_bytes) != digests:
        raise SystemExit("the floor's upload did not read back as it was sent")
    done = time.perf_counter()
    empty_bucket(s3)
    return {
        "seconds": sending + done - started,
        "sending_s": sending,
        "join_s": joined - started,
        "read_back_s": done - joined,
    }


def lower_median(values: list[float]) -> float:
    """The middle value (the lower middle of an even count)."""
    return sorted(values)[(len(values) - 1) // 2]


def check_split(log: Path) -> dict[str, float]:
    """The last check's times, as the process that ran it logged them: for parts staged and
    checked as they landed, how many the check itself still read back and how long it took;
    for parts joined before the check, the join and the read-back."""
    text = log.read_text()
    staged = re.findall(r"(\d+) of \d+ parts read back by the check in ([0-9.]+) s", text)
    if staged:
        count, seconds = staged[-1]
        return {"check_parts_read_back": int(count), "check_read_back_s": float(seconds)}
    found = re.findall(r"parts joined in ([0-9.]+) s, read back and compared in ([0-9.]+) s",
                       text)  # fmt: skip
    if not found:
        return {}
    joined, read_back = found[-1]
    return {"check_join_s": float(joined), "check_read_back_s": float(read_back)}


def wait_for_join(database: Path, upload_id: int, logs: list[Path]) -> float:
    """Seconds until the store has joined the staged parts of `upload_id` (after the file
    counted; the person does not wait for it), so that its copying never slows what is timed
    next. 0 when the upload was joined before the check (it has no staged parts)."""
    started = time.perf_counter()
    with sqlite3.connect(database) as connection:
        while True:
            staged, joined = connection.execute(
                "SELECT parts_staged, joined_at FROM upload WHERE id = ?", (upload_id,)
            ).fetchone()
            if not staged or joined is not None:
                return time.perf_counter() - started
            if time.perf_counter() - started > 600:
                tails = "\n".join(log.read_text()[-3000:] for log in logs if log.exists())
                raise SystemExit(f"upload {upload_id} was never joined:\n{tails}")
            time.sleep(0.05)


def time_joins(s3: Any) -> list[float]:
    """The seconds each CompleteMultipartUpload of `s3` takes from now on (moto joining the
    parts: boto3 pays it too), appended to the list returned (until the next call)."""
    seconds: list[float] = []
    began: list[float] = []
    for event, name in (("before-call", "began"), ("after-call", "ended")):
        s3.meta.events.unregister(
            f"{event}.s3.CompleteMultipartUpload", unique_id=f"bench-join-{name}"
        )
    s3.meta.events.register(
        "before-call.s3.CompleteMultipartUpload",
        lambda **_: began.append(time.perf_counter()),
        unique_id="bench-join-began",
    )
    s3.meta.events.register(
        "after-call.s3.CompleteMultipartUpload",
        lambda **_: seconds.append(time.perf_counter() - began.pop()),
        unique_id="bench-join-ended",
    )
    return seconds


def read_part(path: Path, number: int, part_bytes: int) -> bytes:
    with path.open("rb") as source:
        source.seek((number - 1) * part_bytes)
        return source.read(part_bytes)


def store_designs(s3: Any, path: Path, part_bytes: int, parallel: int) -> dict[str, Any]:
    """The store's share of three ways to check a file sent in parts, on this moto server, with
    the parts sent from Python (`parallel` at once) so that only the store's work differs:

    - "join_then_read": parts of one multipart upload created without a checksum algorithm
      (the app's before 3 December 2026, and still that of uploads begun before), joined, read
      back whole;
    - "verify_as_parts_land": each part a temporary object, read back and hashed as soon as it
      lands, copied (UploadPartCopy) into a SHA-256 multipart upload the server alone writes,
      joined when the last part is copied; the store's composite checksum of the joined
      object is compared with the parts' digests;
    - "sha256_parts_join_then_read" (the app's): the multipart upload is created with a
      SHA-256 checksum and each part carries its own (as the widget sends the digest it
      computes, in the x-amz-checksum-sha256 header signed into the part's link); moto then
      joins part by part.

    Seconds per phase; "after_sending" is what a person would wait once every part was sent."""
    size = path.stat().st_size
    count = -(-size // part_bytes)
    numbers = range(1, count + 1)
    figures: dict[str, Any] = {}

    started = time.perf_counter()
    upload_id = s3.create_multipart_upload(Bucket=BUCKET, Key="designs/x")["UploadId"]

    def send_part(number: int) -> dict[str, Any]:
        body = read_part(path, number, part_bytes)
        reply = s3.upload_part(
            Bucket=BUCKET, Key="designs/x", UploadId=upload_id, PartNumber=number, Body=body
        )
        return {"PartNumber": number, "ETag": reply["ETag"]}

    with ThreadPoolExecutor(parallel) as pool:
        parts = list(pool.map(send_part, numbers))
    sent = time.perf_counter()
    s3.complete_multipart_upload(
        Bucket=BUCKET, Key="designs/x", UploadId=upload_id, MultipartUpload={"Parts": parts}
    )
    joined = time.perf_counter()
    whole = hashlib.sha256()
    for chunk in s3.get_object(Bucket=BUCKET, Key="designs/x")["Body"].iter_chunks(MiB):
        whole.update(chunk)
    done = time.perf_counter()
    figures["join_then_read"] = {
        "sending_s": round(sent - started, 2),
        "join_s": round(joined - sent, 2),
        "read_back_s": round(done - joined, 2),
        "after_sending_s": round(done - sent, 2),
    }
    empty_bucket(s3)

    started = time.perf_counter()
    upload_id = s3.create_multipart_upload(
        Bucket=BUCKET, Key="designs/y", ChecksumAlgorithm="SHA256"
    )["UploadId"]
    landed: queue.Queue[int | None] = queue.Queue()
    copied: dict[int, str] = {}
    digests: dict[int, bytes] = {}

    def send_object(number: int) -> None:
        s3.put_object(
            Bucket=BUCKET, Key=f"designs/y.{number}", Body=read_part(path, number, part_bytes)
        )
        landed.put(number)

    def verify() -> None:
        while (number := landed.get()) is not None:
            digest = hashlib.sha256()
            body = s3.get_object(Bucket=BUCKET, Key=f"designs/y.{number}")["Body"]
            for chunk in body.iter_chunks(MiB):
                digest.update(chunk)
            digests[number] = digest.digest()
            reply = s3.upload_part_copy(
                Bucket=BUCKET,
                Key="designs/y",
                UploadId=upload_id,
                PartNumber=number,
                CopySource={"Bucket": BUCKET, "Key": f"designs/y.{number}"},
            )
            copied[number] = reply["CopyPartResult"]["ETag"]

    verifiers = [threading.Thread(target=verify) for _ in range(2)]
    for verifier in verifiers:
        verifier.start()
    with ThreadPoolExecutor(parallel) as pool:
        list(pool.map(send_object, numbers))
    sent = time.perf_counter()
    for _ in verifiers:
        landed.put(None)
    for verifier in verifiers:
        verifier.join()
    verified = time.perf_counter()
    s3.complete_multipart_upload(
        Bucket=BUCKET,
        Key="designs/y",
        UploadId=upload_id,
        MultipartUpload={"Parts": [{"PartNumber": n, "ETag": copied[n]} for n in numbers]},
    )
    joined = time.perf_counter()
    head = s3.head_object(Bucket=BUCKET, Key="designs/y", ChecksumMode="ENABLED")
    combined = hashlib.sha256(b"".join(digests[n] for n in numbers)).digest()
    done = time.perf_counter()
    figures["verify_as_parts_land"] = {
        "sending_s": round(sent - started, 2),
        "verifying_after_sending_s": round(verified - sent, 2),
        "join_s": round(joined - verified, 2),
        "after_sending_s": round(done - sent, 2),
        "store_checksum_matches": str(head.get("ChecksumSHA256", "")).split("-")[0]
        == base64.b64encode(combined).decode(),
    }
    empty_bucket(s3)

    started = time.perf_counter()
    upload_id = s3.create_multipart_upload(
        Bucket=BUCKET, Key="designs/z", ChecksumAlgorithm="SHA256"
    )["UploadId"]

    def send_hashed_part(number: int) -> dict[str, Any]:
        body = read_part(path, number, part_bytes)
        checksum = base64.b64encode(hashlib.sha256(body).digest()).decode()
        reply = s3.upload_part(
            Bucket=BUCKET,
            Key="designs/z",
            UploadId=upload_id,
            PartNumber=number,
            Body=body,
            ChecksumSHA256=checksum,
        )
        return {"PartNumber": number, "ETag": reply["ETag"], "ChecksumSHA256": checksum}

    with ThreadPoolExecutor(parallel) as pool:
        parts = list(pool.map(send_hashed_part, numbers))
    sent = time.perf_counter()
    s3.complete_multipart_upload(
        Bucket=BUCKET, Key="designs/z", UploadId=upload_id, MultipartUpload={"Parts": parts}
    )
    joined = time.perf_counter()
    whole = hashlib.sha256()
    for chunk in s3.get_object(Bucket=BUCKET, Key="designs/z")["Body"].iter_chunks(MiB):
        whole.update(chunk)
    done = time.perf_counter()
    figures["sha256_parts_join_then_read"] = {
        "sending_s": round(sent - started, 2),
        "join_s": round(joined - sent, 2),
        "read_back_s": round(done - joined, 2),
        "after_sending_s": round(done - sent, 2),
    }
    empty_bucket(s3)
    return figures


def empty_bucket(s3: Any) -> None:
    """moto keeps objects (and unfinished parts) in memory: drop them between uploads."""
    for item in s3.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        s3.delete_object(Bucket=BUCKET, Key=item["Key"])
    for upload in s3.list_multipart_uploads(Bucket=BUCKET).get("Uploads", []):
        s3.abort_multipart_upload(Bucket=BUCKET, Key=upload["Key"], UploadId=upload["UploadId"])


def settle_store(s3: Any, quiet: bool) -> None:
    """Before each upload timed: the bucket emptied (the last upload's objects, the app's
    joined file too, which moto keeps in temporary files on disk), and with `quiet` the disk's
    dirty pages written and the machine quiet (under 10% of its CPUs for half a second, or 20 s
    at most), so that no upload pays for freeing and writing out what the one before it left
    (the widget's leaves more: the joined file besides its parts)."""
    empty_bucket(s3)
    if not quiet:
        return
    os.sync()
    deadline = time.monotonic() + 20
    while psutil.cpu_percent(interval=0.5) > 10 and time.monotonic() < deadline:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mib", type=int, default=1024, help="the timed file")
    parser.add_argument(
        "--peak-size-mib", type=int, default=2048, help="the file whose memory is measured"
    )
    parser.add_argument(
        "--multipart-above-mib",
        type=int,
        help="the app's single-POST limit (UPLOAD_SINGLE_POST_MAX; its default is 100 MiB)",
    )
    parser.add_argument(
        "--parallel", type=int, help="parts the widget sends at once (its default is 6)"
    )
    parser.add_argument(
        "--part-mib",
        type=int,
        help="the app's part size (UPLOAD_PART_BYTES; its default is 16 MiB)",
    )
    parser.add_argument(
        "--verify-streams",
        type=int,
        default=1,
        help="ranged GETs at once in the server's check (UPLOAD_VERIFY_STREAMS, whose default "
        "for S3 is 4): 1 here, as moto reads the whole object from its spool file for every "
        "GET, ranged or not, so parallel ranges multiply its work",
    )
    parser.add_argument(
        "--broker", help="a Redis URL (its own database): a Celery worker runs the check"
    )
    parser.add_argument(
        "--rounds",
        type=int,
        help="widget and boto3 uploads of the timed file, in turns (5; the smoke run 2): the "
        "round with the median ratio is reported, every round's figures too",
    )
    parser.add_argument(
        "--designs",
        action="store_true",
        help="also time the store's share of three ways to check a file sent in parts (join then "
        "read back; verify each part as it lands and join copies; parts sent with their SHA-256, "
        "joined, read back), parts sent from Python (the smoke run does)",
    )
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="a run of seconds that only proves the bench works (make test): "
        "11 MiB and 6 MiB files in 5 MiB parts (multipart above 1 MiB)",
    )
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        return serve(args.multipart_above_mib)
    if args.smoke:
        args.size_mib, args.peak_size_mib, args.multipart_above_mib = 11, 6, 1
    args.rounds = max(1, args.rounds or (2 if args.smoke else 5))

    from playwright.sync_api import sync_playwright

    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    size = args.size_mib * MiB

    with tempfile.TemporaryDirectory(prefix="bench-upload-") as folder, sync_playwright() as pw:
        work = Path(folder)
        moto, endpoint = start_moto(work / "moto.log")
        config = Config(s3={"addressing_style": "path"}, signature_version="s3v4")
        s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", config=config)
        s3.create_bucket(Bucket=BUCKET)
        env = {
            "PORTFOLIO_ENV": "development",
            "DATABASE_URL": f"sqlite:///{work / 'bench.sqlite3'}",
            "OBJECT_STORE_URL": f"s3://{BUCKET}",
            "S3_ENDPOINT_URL": endpoint,
            "S3_ACCESS_KEY_ID": "testing",
            "S3_SECRET_ACCESS_KEY": "testing",
            "SECRET_KEY": "bench-secret-key",
            "RATELIMIT_STORAGE_URI": "memory://",
        }
        if args.smoke:
            env["UPLOAD_PART_BYTES"] = str(5 * MiB)  # several parts even in a small file
        elif args.part_mib:
            env["UPLOAD_PART_BYTES"] = str(args.part_mib * MiB)
        env["UPLOAD_VERIFY_STREAMS"] = str(args.verify_streams)
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            print(f"Writing {args.size_mib} MiB of random bytes ...", flush=True)
            path = work / "bench.pdf"
            make_file(path, size)
            part_bytes = int(env.get("UPLOAD_PART_BYTES", 16 * MiB))
            expected = file_fingerprint(path, part_bytes)
            digests = part_digests(path, part_bytes)
            # Both sides warm, as a server that has been up a while is: the app's first upload
            # (the code it runs loaded), the browser's page and worker, and boto3's client.
            warm_up = work / "warm-up.pdf"  # the smallest file sent in parts
            make_file(warm_up, ((args.multipart_above_mib or 100) + 1) * MiB)
            boto3_upload(s3, warm_up)
            timed = run_widget(
                browser, env, args, work, path, None, moto.pid, warm_up,
                baseline=lambda: boto3_upload(s3, path), rounds=args.rounds,
                settle=lambda: settle_store(s3, quiet=not args.smoke),
                floor=lambda page, measured: {
                    name: measured(partial(
                        browser_floor, page, s3, path, part_bytes, args.parallel or 6, digests,
                        hashed=hashed,
                    ))
                    for name, hashed in (("raw", False), ("hashed", True))
                },
            )  # fmt: skip
            for turn in timed["turns"]:
                shown = turn["upload"]
                assert shown["status"] == "verified" and shown["fingerprint"] == expected, (
                    shown,
                    expected,
                )
            empty_bucket(s3)
            designs = None
            if args.designs or args.smoke:
                designs = store_designs(s3, path, part_bytes, args.parallel or 6)
            path.unlink()

            print(f"Writing {args.peak_size_mib} MiB of random bytes ...", flush=True)
            big = work / "peak.pdf"
            make_file(big, args.peak_size_mib * MiB)
            peak = run_widget(browser, env, args, work, big, args.broker, moto.pid, warm_up)
            assert peak["turns"][0]["upload"]["status"] == "verified", peak["turns"][0]["upload"]
            empty_bucket(s3)
        finally:
            browser.close()
            stop(moto)

    mib = size / MiB
    turns = [
        {
            "widget_first": turn["widget_first"],
            "widget_s": round(turn["seconds"], 2),
            "boto3_s": round(turn["baseline"]["seconds"], 2),
            "ratio": round(turn["baseline"]["seconds"] / turn["seconds"], 3),
            "widget_sent_s": turn["phases"]["last_put_end_s"],
            "widget_join_s": turn["phases"].get("check_join_s"),
            "widget_read_back_s": turn["phases"].get("check_read_back_s"),
            # Parts the check itself read back (the rest were read as they landed), and how
            # long the store then took to join them, after the widget showed the file checked.
            "widget_parts_read_back_by_check": turn["phases"].get("check_parts_read_back"),
            "widget_joined_after_s": round(turn["join_after_s"], 2),
            "boto3_join_s": round(turn["baseline"]["join_s"], 2),
            # CPU seconds each process spent: the widget's upload (the browser, moto, the app)
            # against boto3's (this process, moto).
            "widget_cpu_s": turn["cpu_s"],
            "boto3_cpu_s": turn["baseline"]["cpu_s"],
            **{
                f"{prefix}_{name}": round(floor[key], 2)
                for prefix, floor in (
                    ("floor", turn["floor"]["raw"]),
                    ("hashed_floor", turn["floor"]["hashed"]),
                )
                for name, key in (
                    ("s", "seconds"),
                    ("sent_s", "sending_s"),
                    ("join_s", "join_s"),
                    ("read_back_s", "read_back_s"),
                )
            },
            # The hashed floor's whole run: the browser's sending and hashing, moto's join and
            # this process reading the file back.
            "hashed_floor_cpu_s": turn["floor"]["hashed"]["cpu_s"],
            "floor_ratio": round(turn["baseline"]["seconds"] / turn["floor"]["raw"]["seconds"], 3),
            "hashed_floor_ratio": round(
                turn["baseline"]["seconds"] / turn["floor"]["hashed"]["seconds"], 3
            ),
        }
        for turn in timed["turns"]
    ]
    # The round whose ratio is the median stands for the run (the lower middle of an even count).
    middle = sorted(range(len(turns)), key=lambda n: turns[n]["ratio"])[(len(turns) - 1) // 2]
    chosen = timed["turns"][middle]
    widget_s = chosen["seconds"]
    boto_seconds = chosen["baseline"]["seconds"]
    figures: dict[str, Any] = {
        "smoke": args.smoke,
        "size_mib": args.size_mib,
        "rounds": turns,
        "median_round": middle + 1,
        "widget_s": round(widget_s, 2),
        "widget_transfer_s": round(chosen["transfer_seconds"], 2),
        "widget_check_s": round(widget_s - chosen["transfer_seconds"], 2),
        "boto3_s": round(boto_seconds, 2),
        "boto3_join_s": round(chosen["baseline"]["join_s"], 2),
        "ratio": turns[middle]["ratio"],
        # The most any browser upload the server reads back could reach here (browser_floor): the
        # median of the rounds' floor ratios.
        "floor_ratio": lower_median([turn["floor_ratio"] for turn in turns]),
        # The same with the browser hashing each part as the widget does (in its worker).
        "hashed_floor_ratio": lower_median([turn["hashed_floor_ratio"] for turn in turns]),
        # The same without the time moto took to join each side's parts (both must wait for
        # it): what is left is the sending, and for the widget the reading back and looking.
        "ratio_without_joins": round(
            (boto_seconds - chosen["baseline"]["join_s"])
            / (widget_s - chosen["phases"].get("check_join_s", 0.0)),
            3,
        ),
        # The CPU seconds every process spent on each side's upload in that round, all told:
        # on a machine of few cores, the side that needs more of them waits longer.
        "widget_cpu_s": round(sum(chosen["cpu_s"].values()), 2),
        "boto3_cpu_s": round(sum(chosen["baseline"]["cpu_s"].values()), 2),
        "cpus": os.cpu_count(),
        "widget_mib_s": round(mib / widget_s, 1),
        "boto3_mib_s": round(mib / boto_seconds, 1),
        "part_mib": part_bytes // MiB,
        "phases": chosen["phases"],
        "peak_size_mib": args.peak_size_mib,
        "verify_streams": args.verify_streams,
        "check_in": "worker" if args.broker else "web process (eager)",
        "web_idle_mib": round(peak["web_idle_mib"], 1),
        "web_peak_mib": round(peak["web_peak_mib"], 1),
        "web_growth_mib": round(peak["web_peak_mib"] - peak["web_idle_mib"], 1),
    }
    if args.broker:
        figures["worker_idle_mib"] = round(peak["worker_idle_mib"], 1)
        figures["worker_peak_mib"] = round(peak["worker_peak_mib"], 1)
        figures["worker_growth_mib"] = round(peak["worker_peak_mib"] - peak["worker_idle_mib"], 1)
    for number, turn in enumerate(turns, start=1):
        print(f"round {number}: {json.dumps(turn)}")
    print(
        f"median round {middle + 1}: widget (choose -> verified) {mib:.0f} MiB in "
        f"{widget_s:.2f} s (parts sent after {chosen['transfer_seconds']:.2f} s, then the check)"
    )
    print(f"phases (s after choosing the file): {json.dumps(chosen['phases'])}")
    print(
        f"boto3 upload_file:           {mib:.0f} MiB in {boto_seconds:.2f} s "
        f"(of which moto joined its parts in {chosen['baseline']['join_s']:.2f} s)"
    )
    print(f"ratio boto3/widget: {figures['ratio']:.3f}")
    print(
        f"CPU seconds in that round: widget {json.dumps(chosen['cpu_s'])}, boto3 "
        f"{json.dumps(chosen['baseline']['cpu_s'])} ({figures['cpus']} CPUs)"
    )
    print(
        f"floor (the same parts sent raw from the page, joined, read back): ratio "
        f"{figures['floor_ratio']:.3f}; hashed in the browser first: "
        f"{figures['hashed_floor_ratio']:.3f} (medians of the rounds)"
    )
    print(
        f"{args.peak_size_mib} MiB upload: web process {figures['web_idle_mib']} MiB idle, "
        f"{figures['web_peak_mib']} MiB peak"
        + (
            f"; worker {figures['worker_idle_mib']} MiB idle, {figures['worker_peak_mib']} MiB peak"
            if args.broker
            else ""
        )
    )
    if designs is not None:
        figures["store_designs"] = designs
        print(f"the store's share of three designs: {json.dumps(designs)}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
