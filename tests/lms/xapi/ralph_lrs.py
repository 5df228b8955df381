"""Ralph, a real learning-record store, on a free local port: file-system backend in a temporary
folder (appending, see ralph_serve.py), basic authentication from a credentials file.

Ralph runs from a virtualenv of its own (its pins clash with ours, see requirements-lrs.txt),
created once from the package index under var/ and named after the hash of that file, so a
changed lock builds a fresh one.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
LOCK = ROOT / "requirements-lrs.txt"
START_TIMEOUT_S = 90.0
INSTALL_TIMEOUT_S = 600.0
USERNAME = "pathwise"
PASSWORD = "lrs-test-secret"


def ralph_python() -> Path:
    """The interpreter of Ralph's virtualenv, created on first use (atomically, by a rename)."""
    digest = hashlib.sha256(LOCK.read_bytes()).hexdigest()[:12]
    home = ROOT / "var" / f"ralph-venv-{digest}"
    python = home / "bin" / "python"
    if python.exists():
        return python
    building = home.with_name(f"{home.name}.building-{os.getpid()}")
    shutil.rmtree(building, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", str(building)], check=True, timeout=120)
    done = subprocess.run([str(building / "bin" / "python"), "-m", "pip", "install", "--quiet", "--no-deps",
                           "-r", str(LOCK)], capture_output=True, text=True, timeout=INSTALL_TIMEOUT_S)
    if done.returncode != 0:
        shutil.rmtree(building, ignore_errors=True)
        raise RuntimeError(f"could not install Ralph from {LOCK.name}:\n{done.stdout}\n{done.stderr}")
    try:
        building.rename(home)
    except OSError:  # another test process finished first: use theirs
        shutil.rmtree(building, ignore_errors=True)
    return python


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RalphLRS:
    """``start()`` and ``stop()`` may be called again: the statements stay in ``folder``."""

    def __init__(self, folder: Path) -> None:
        self.python = ralph_python()
        self.folder = folder
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None
        (folder / "data").mkdir(parents=True, exist_ok=True)
        hashed = subprocess.run(
            [str(self.python), "-c", "import bcrypt, sys; print(bcrypt.hashpw(sys.argv[1].encode(), "
             "bcrypt.gensalt(4)).decode())", PASSWORD], capture_output=True, text=True, check=True).stdout.strip()
        (folder / "auth.json").write_text(json.dumps([{
            "agent": {"mbox": "mailto:pathwise-tests@example.com"}, "scopes": ["all"],
            "hash": hashed, "username": USERNAME}]))

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}/xAPI/"

    @property
    def log(self) -> str:
        path = self.folder / "ralph.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def start(self) -> None:
        env = {**os.environ,
               "RALPH_APP_DIR": str(self.folder / "app"),
               "RALPH_AUTH_FILE": str(self.folder / "auth.json"),
               "RALPH_RUNSERVER_AUTH_BACKENDS": "basic",
               "RALPH_RUNSERVER_BACKEND": "fs",
               "RALPH_RUNSERVER_MAX_SEARCH_HITS_COUNT": "1000",
               "RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH": str(self.folder / "data")}
        with open(self.folder / "ralph.log", "ab") as log:
            self.process = subprocess.Popen(
                [str(self.python), str(Path(__file__).with_name("ralph_serve.py")), str(self.port)],
                env=env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Ralph exited with {self.process.returncode}:\n{self.log}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/__heartbeat__", timeout=2) as reply:
                    if reply.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"Ralph did not answer on port {self.port} within {START_TIMEOUT_S:.0f} s:\n{self.log}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=20)
        self.process = None

    def is_down(self) -> bool:
        with socket.socket() as sock:
            return sock.connect_ex(("127.0.0.1", self.port)) != 0
