"""Upload throughput: the app's multipart flow against plain boto3, both into moto's S3 server.

    python bench/upload.py [--size-mib 1024] [--parallel 4]
    python bench/upload.py --smoke   # seconds: proves the bench works (make test runs it)

One run: moto on loopback; the app in a subprocess (werkzeug, threaded) on a SQLite file, with
OBJECT_STORE_URL pointing at moto; a demo candidate signs in through the real form; a file of
random bytes (starting like a PDF) goes through POST /api/uploads, presigned part PUTs in
parallel and POST .../complete, which answers 202 while a job (eager in the app process here)
runs the server's SHA-256 check; the bench polls until it is done, timed on its own; then the same
file goes up with boto3's upload_file. The app's peak memory is the subprocess's VmHWM: the
bytes never pass through the app, so it must not grow with the file. The last line printed
is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import re
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import boto3  # noqa: E402
import requests  # noqa: E402
from botocore.config import Config  # noqa: E402

MiB = 1024 * 1024
BUCKET = "bench-uploads"
CHUNK = 64 * MiB
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def serve(multipart_above_mib: int | None) -> None:
    """The app, configured by the environment, on a free loopback port (printed first)."""
    from werkzeug.serving import make_server

    from portfolio import create_app

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


def make_file(path: Path, size: int) -> str:
    """Random bytes that start like a PDF; returns their SHA-256 (as the browser computes it)."""
    digest = hashlib.sha256()
    with path.open("wb") as out:
        written = 0
        while written < size:
            block = os.urandom(min(CHUNK, size - written))
            if written == 0:
                block = b"%PDF-1.7\n" + block[9:]
            out.write(block)
            digest.update(block)
            written += len(block)
    return digest.hexdigest()


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
        raise SystemExit("the app did not start")
    return process, f"http://127.0.0.1:{port}"


def memory_mib(pid: int, field: str) -> float:
    """VmHWM (peak) or VmRSS (now) of a process, in MiB, from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def sign_in(base: str, email: str, password: str) -> tuple[requests.Session, str]:
    browser = requests.Session()
    token = CSRF.search(browser.get(f"{base}/sign-in", timeout=30).text)
    assert token, "no CSRF token on the sign-in page"
    form = {"csrf_token": token.group(1), "email": email, "password": password}
    reply = browser.post(f"{base}/sign-in", data=form, timeout=30, allow_redirects=False)
    assert reply.status_code == 302, f"sign-in failed: {reply.status_code}"
    token = CSRF.search(browser.get(f"{base}/", timeout=30).text)  # a new session, a new token
    assert token, "no CSRF token once signed in"
    return browser, token.group(1)


def app_upload(
    base: str, browser: requests.Session, token: str, path: Path, sha256: str, parallel: int
) -> tuple[float, float, dict[str, object], int]:
    """(transfer s, complete s, final upload JSON, part size) through the app's flow."""
    headers = {"X-CSRFToken": token}
    size = path.stat().st_size
    started = time.perf_counter()
    body = {"filename": "bench.pdf", "size": size, "sha256": sha256}
    begun = browser.post(f"{base}/api/uploads", json=body, headers=headers, timeout=30).json()
    if "part_size" not in begun:
        raise SystemExit(f"the app did not offer a multipart upload: {begun}")
    upload, part_size, count = begun["upload"], begun["part_size"], begun["part_count"]
    numbers = list(range(1, count + 1))
    parts_url = f"{base}{upload['urls']['parts']}"
    reply = browser.post(parts_url, json={"parts": numbers}, headers=headers, timeout=30)
    urls = {p["part_number"]: p["url"] for p in reply.json()["parts"]} if reply.ok else {}
    assert len(urls) == count, reply.text

    def put(number: int) -> None:
        with path.open("rb") as source:
            source.seek((number - 1) * part_size)
            data = source.read(part_size)
        answer = requests.put(urls[number], data=data, timeout=300)
        answer.raise_for_status()

    with ThreadPoolExecutor(parallel) as pool:
        list(pool.map(put, numbers))
    sent = time.perf_counter()
    done = browser.post(f"{base}{upload['urls']['complete']}", headers=headers, timeout=600)
    if not done.ok:
        raise SystemExit(f"completing the upload failed: {done.status_code} {done.text[:2000]}")
    final = done.json()["upload"]
    while final["status"] == "checking":  # as the widget does: look again until it is done
        time.sleep(0.2)
        final = browser.get(f"{base}{upload['urls']['self']}", timeout=30).json()["upload"]
    checked = time.perf_counter()
    return sent - started, checked - sent, final, part_size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--parallel", type=int, default=4, help="part PUTs at once (app flow)")
    parser.add_argument(
        "--multipart-above-mib",
        type=int,
        help="the app's single-POST limit (UPLOAD_SINGLE_POST_MAX; its default is 100 MiB)",
    )
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="a run of seconds that only proves the bench works (make test): "
        "24 MiB in 16 MiB parts (multipart above 1 MiB)",
    )
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        return serve(args.multipart_above_mib)
    if args.smoke:
        args.size_mib, args.multipart_above_mib = 24, 1

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto logs every request

    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    moto.start()
    host, port = moto.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    config = Config(s3={"addressing_style": "path"}, signature_version="s3v4")
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", config=config)
    s3.create_bucket(Bucket=BUCKET)
    size = args.size_mib * MiB

    with tempfile.TemporaryDirectory(prefix="bench-upload-") as folder:
        work = Path(folder)
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
        email, password = prepare_database(env)
        print(f"Writing {args.size_mib} MiB of random bytes ...", flush=True)
        path = work / "bench.pdf"
        hash_started = time.perf_counter()
        sha256 = make_file(path, size)
        hash_seconds = time.perf_counter() - hash_started
        log = work / "app.log"
        process, base = start_app(env, args.multipart_above_mib, log)
        try:
            rss_start = memory_mib(process.pid, "VmRSS")
            browser, token = sign_in(base, email, password)
            transfer, verify, upload, part_size = app_upload(
                base, browser, token, path, sha256, args.parallel
            )
            peak = memory_mib(process.pid, "VmHWM")
        except BaseException:
            print(f"The app's log ends:\n{log.read_text()[-4000:]}", file=sys.stderr)
            raise
        finally:
            process.terminate()
            process.wait(timeout=30)
        assert upload["status"] == "verified", upload
        for item in s3.list_objects_v2(Bucket=BUCKET).get("Contents", []):
            s3.delete_object(Bucket=BUCKET, Key=item["Key"])  # moto keeps objects in memory

        started = time.perf_counter()
        s3.upload_file(str(path), BUCKET, "bench/boto3-upload_file")
        boto_seconds = time.perf_counter() - started
    moto.stop()

    mib = size / MiB
    figures = {
        "smoke": args.smoke,
        "size_mib": args.size_mib,
        "app_mib_s": round(mib / transfer, 1),
        "boto3_mib_s": round(mib / boto_seconds, 1),
        "ratio": round(boto_seconds / transfer, 3),
        "verify_mib_s": round(mib / verify, 1),
        "app_with_verify_mib_s": round(mib / (transfer + verify), 1),
        "peak_rss_mib": round(peak, 1),
        "start_rss_mib": round(rss_start, 1),
        "parallel_parts": args.parallel,
        "part_mib": part_size // MiB,
    }
    print(f"app multipart flow: {mib:.0f} MiB in {transfer:.2f} s = {figures['app_mib_s']} MiB/s")
    print(
        f"  server check (join + SHA-256 + type): {verify:.2f} s = {figures['verify_mib_s']} MiB/s"
    )
    boto_rate = figures["boto3_mib_s"]
    print(f"boto3 upload_file:  {mib:.0f} MiB in {boto_seconds:.2f} s = {boto_rate} MiB/s")
    print(f"ratio app/boto3: {figures['ratio']:.1%}")
    print(f"app memory: {rss_start:.0f} MiB at start, {peak:.0f} MiB peak")
    print(f"(the client's own SHA-256 + writing the file took {hash_seconds:.1f} s; not counted)")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
