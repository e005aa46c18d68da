"""The independent verifier (tests/credentials/verify.mjs: Digital Bazaar's vc libraries under
Node), run once for many documents: process start-up is most of its cost."""

from __future__ import annotations

import fcntl
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

DIRECTORY = Path(__file__).with_name("credentials")


def ensure_installed() -> None:
    """`npm ci` unless the pinned packages are there already (`make test` runs it first)."""
    if shutil.which("node") is None:
        raise RuntimeError("Node is needed for the credential tests: apt-get install nodejs npm")
    marker = DIRECTORY / "node_modules" / ".package-lock.json"
    if marker.exists():
        return
    # The SQLite and PostgreSQL passes run side by side: one installs, the other waits.
    with open(DIRECTORY / ".npm-ci.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not marker.exists():
            subprocess.run(
                ["npm", "ci", "--no-audit", "--no-fund", "--silent"],
                cwd=DIRECTORY,
                check=True,
                timeout=300,
            )


def verify(
    credentials: dict[str, Any], documents: dict[str, Any], now: str | None = None
) -> dict[str, dict[str, Any]]:
    """name -> {"verified": bool, "revoked": bool | None, "errors": [...]} for each credential,
    with `documents` (URL -> JSON) the only ones the verifier can load besides the contexts."""
    ensure_installed()
    payload: dict[str, Any] = {"credentials": credentials, "documents": documents}
    if now is not None:
        payload["now"] = now
    result = subprocess.run(
        ["node", str(DIRECTORY / "verify.mjs")],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    answer: dict[str, dict[str, Any]] = json.loads(result.stdout)
    return answer
