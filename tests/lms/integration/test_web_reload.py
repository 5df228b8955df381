"""A graceful reload of the web server refuses and drops no request (docs/deployment.md, "Deploying
without a refused request").

gunicorn runs as the image runs it (gunicorn.conf.py, threaded workers, the application loaded in each
worker, never preloaded in the master) on a port of its own, against the test database. A thread
keeps asking for the probes and the sign-in page over fresh connections while the master gets
SIGHUP; every request must answer 200, the old workers must exit, and the new ones must serve
(the access log names the process that served each request).
Nothing here depends on timing: each step waits on a condition with a generous bound and says which
one it was waiting for.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import pytest
import requests
from django.conf import settings

from tests.lms.integration import worker as workers
from tests.lms.integration.worker import ROOT, wait_for
from tests.lms.redis_server import free_port

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

WORKERS = 2
BOUND_S = 120  # for every wait: the machine running the tests may be busy
STOCK_LOOP_EXIT_S = 5  # well past the stock worker's 1 s poll, well inside the 120 s graceful timeout
PATHS = ("/healthz", "/readyz", "/accounts/login/")


@dataclass
class Traffic:
    """Requests sent one after another, each over a new connection (as a proxy without upstream
    keep-alive sends them): when each started, and what came back."""

    base_url: str
    #: (started, seconds taken, path, status or None when no answer came, what went wrong)
    results: list[tuple[float, float, str, int | None, str]] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def run(self) -> None:
        n = 0
        while not self.stop.is_set():
            path = PATHS[n % len(PATHS)]
            n += 1
            started = time.monotonic()
            try:
                # Long enough for a request that waits in the listening socket's queue while new
                # workers load the application.
                response = requests.get(self.base_url + path, timeout=BOUND_S, headers={"Connection": "close"})
                outcome: tuple[int | None, str] = (response.status_code, "" if response.ok else response.text[:300])
            except requests.RequestException as exc:  # refused, reset or timed out: all count as failed
                outcome = (None, f"{type(exc).__name__}: {exc}")
            with self.lock:
                self.results.append((started, time.monotonic() - started, path, *outcome))
            time.sleep(0.02)

    def snapshot(self) -> list[tuple[float, float, str, int | None, str]]:
        with self.lock:
            return list(self.results)

    def succeeded_since(self, moment: float) -> int:
        return sum(1 for started, _, _, status, _ in self.snapshot() if started >= moment and status == 200)


def _served_by(access_log: Path) -> dict[int, int]:
    """Worker pid → requests it logged (the access log's format starts each line with the pid)."""
    counts: dict[int, int] = {}
    for line in access_log.read_text().splitlines():
        pid = line.partition(" ")[0].strip("<>")  # gunicorn writes %(p)s as <pid>
        if pid.isdigit():
            counts[int(pid)] = counts.get(int(pid), 0) + 1
    return counts


def _holder(pids: set[int], client_port: int) -> int | None:
    """The process among ``pids`` that has accepted the connection from ``client_port``, if any."""
    for pid in pids:
        try:
            if any(c.raddr and c.raddr.port == client_port for c in psutil.Process(pid).net_connections("tcp")):
                return pid
        except psutil.NoSuchProcess:
            continue
    return None


def _read_reply(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection."""
    chunks = []
    try:
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    except ConnectionResetError:  # what the stock threaded worker did: closed unanswered
        chunks.append(b"<connection reset>")
    finally:
        sock.close()
    return b"".join(chunks)


def _workers_of(master: psutil.Process) -> set[int]:
    return {child.pid for child in master.children() if child.status() != psutil.STATUS_ZOMBIE}


def test_it_reloads_on_sighup_without_refusing_or_failing_a_request(tmp_path: Path) -> None:
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    server_log, access_log = tmp_path / "gunicorn.log", tmp_path / "access.log"
    env = {
        **os.environ,
        "DATABASE_URL": workers.test_database_url(),
        "DJANGO_SETTINGS_MODULE": "lms.settings_test",
        "PATHWISE_MODEL_DIR": str(settings.PATHWISE_MODEL_DIR),
        "PYTHONUNBUFFERED": "1",
    }
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or "gunicorn"
    with open(server_log, "w") as log:
        process = subprocess.Popen(
            [gunicorn, "lms.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers", str(WORKERS),
             "--threads", "4", "--timeout", str(BOUND_S), "--graceful-timeout", str(BOUND_S), "--access-logfile", str(access_log),
             "--access-logformat", "%(p)s %(s)s %(U)s"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    traffic = Traffic(base_url)
    sender = threading.Thread(target=traffic.run, name="reload-traffic", daemon=True)

    def log_tail() -> str:
        return server_log.read_text()[-3000:]

    try:
        master = psutil.Process(process.pid)

        def answering() -> bool:
            assert process.poll() is None, f"gunicorn exited at start:\n{log_tail()}"
            try:
                return requests.get(base_url + "/healthz", timeout=10).status_code == 200
            except requests.RequestException:  # not listening yet
                return False

        wait_for(answering, timeout=BOUND_S, what="gunicorn to answer /healthz")
        wait_for(lambda: len(_workers_of(master)) == WORKERS, timeout=BOUND_S, what=f"{WORKERS} workers to start")
        old_workers = _workers_of(master)

        sender.start()
        started = time.monotonic()
        wait_for(lambda: traffic.succeeded_since(started) >= 2 * len(PATHS), timeout=BOUND_S,
                 what="the first requests to be served")

        # A connection an old worker has accepted but not read from yet: the stock threaded worker
        # closed such a connection unanswered when told to stop.
        held = socket.create_connection(("127.0.0.1", port), timeout=BOUND_S)
        held_port = held.getsockname()[1]
        wait_for(lambda: _holder(old_workers, held_port) is not None, timeout=BOUND_S,
                 what="an old worker to accept the held connection")
        holder = _holder(old_workers, held_port)

        reloaded_at = time.monotonic()
        os.kill(process.pid, signal.SIGHUP)
        assert holder is not None
        others = old_workers - {holder}
        wait_for(lambda: not (_workers_of(master) & others), timeout=BOUND_S,
                 what="the old workers with nothing to finish to exit")
        # The stock worker leaves its loop at most a second after being told to stop (its poll
        # timeout), closing the held connection; a draining one keeps it for the graceful timeout.
        time.sleep(STOCK_LOOP_EXIT_S)
        assert holder in _workers_of(master), "the worker holding an accepted connection exited without answering it"
        held.sendall(f"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
        held_reply = _read_reply(held)

        def replaced() -> bool:
            assert process.poll() is None, f"the gunicorn master exited on SIGHUP:\n{log_tail()}"
            current = _workers_of(master)
            return not (current & old_workers) and len(current) == WORKERS

        wait_for(replaced, timeout=BOUND_S, what="the old workers to exit and new ones to take their place")
        old_gone_at = time.monotonic()
        new_workers = _workers_of(master)

        def new_workers_serve() -> bool:
            served = _served_by(access_log)
            return sum(served.get(pid, 0) for pid in new_workers) >= 10 and traffic.succeeded_since(old_gone_at) >= 10

        wait_for(new_workers_serve, timeout=BOUND_S, what="the new workers to serve 10 requests")
    finally:
        traffic.stop.set()
        if sender.is_alive():
            sender.join(timeout=BOUND_S)
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    assert held_reply.startswith(b"HTTP/1.1 200"), f"the held connection got {held_reply[:300]!r}\n{log_tail()}"
    assert b"connection: close" in held_reply.lower(), "a stopping worker must close the connection it answered"
    results = traffic.snapshot()
    failed = [r for r in results if r[3] != 200]
    assert not failed, f"{len(failed)} of {len(results)} requests failed during the reload: {failed[:5]}\n{log_tail()}"
    during = [r for r in results if r[0] < old_gone_at and r[0] + r[1] >= reloaded_at]
    assert during, "no request was in flight while the old workers were being replaced: the test proved nothing"
    served = _served_by(access_log)
    assert set(served) <= old_workers | new_workers, f"requests from unknown processes: {served}"
    assert sum(served.get(pid, 0) for pid in old_workers) >= 2 * len(PATHS), served
    slowest = max(r[1] for r in results if r[0] >= reloaded_at)
    print(f"\nreload: {len(results)} requests, 0 failed; {len(during)} sent while the workers were replaced "
          f"({old_gone_at - reloaded_at:.1f} s); the slowest after SIGHUP took {slowest:.2f} s")
