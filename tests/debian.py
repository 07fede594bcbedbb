"""Debian packages the tests and benchmarks need, installed when missing.

`make test` and `make bench` promise all set-up on a fresh machine, and a few tools come
from the distribution rather than from PyPI (Chromium, wrk, a Chinese font). They are
installed with apt-get when the process runs as root; otherwise the caller gets the
reason and decides whether that skips or fails.
"""

from __future__ import annotations

import os
import shutil
import subprocess


def apt_install(packages: list[str]) -> str | None:
    """Install ``packages``; the reason it could not be done, or None.

    A first ``install`` that fails is retried after ``apt-get update``: a fresh image's
    package lists are often empty or stale.
    """
    if not packages:
        return None
    names = " ".join(packages)
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        return f"needs Debian's {names} (apt-get install -y {names}, as root)"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", *packages]
    for argv in (install, ["apt-get", "update"], install):
        done = subprocess.run(argv, env=env, capture_output=True, check=False)
        if argv[1] == "install" and done.returncode == 0:
            return None
    return f"apt-get install -y {names} failed"


def ensure_command(command: str, package: str) -> str | None:
    """None once ``command`` is on the PATH, installing ``package`` if need be."""
    if shutil.which(command) is not None:
        return None
    reason = apt_install([package])
    if shutil.which(command) is not None:
        return None
    return reason or f"{package} installed but {command} is not on the PATH"
