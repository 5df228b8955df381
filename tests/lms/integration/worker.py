"""Start a real Celery worker process against the test database and the configured broker."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[3]


def test_database_url() -> str:
    """The address of the database the tests are using right now (the test database)."""
    cfg = connection.settings_dict
    if cfg["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{Path(cfg['NAME']).resolve()}"
    user = cfg.get("USER") or ""
    password = f":{cfg['PASSWORD']}" if cfg.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    port = f":{cfg['PORT']}" if cfg.get("PORT") else ""
    return f"postgres://{auth}{cfg.get('HOST') or 'localhost'}{port}/{cfg['NAME']}"


@contextmanager
def running_worker(queues: str = "default,realtime,training", extra_env: dict[str, str] | None = None) -> Iterator[subprocess.Popen]:
    env = {
        **os.environ,
        "DATABASE_URL": test_database_url(),
        "DJANGO_SETTINGS_MODULE": "lms.settings_test",
        "PYTHONUNBUFFERED": "1",
        **(extra_env or {}),
    }
    log_path = Path(settings.VAR_DIR) / f"worker-{os.getpid()}.log"
    log = open(log_path, "w")  # noqa: SIM115
    celery = shutil.which("celery", path=str(Path(sys.executable).parent)) or "celery"
    process = subprocess.Popen(
        [celery, "-A", "lms", "worker", "-Q", queues, "--pool", "solo", "--loglevel", "INFO",
         "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        # Until the worker has declared its queues, a message sent to the file broker has nowhere to go.
        wait_for(lambda: "ready." in log_path.read_text() or process.poll() is not None, timeout=90,
                 what="the worker to start")
        if process.poll() is not None:
            raise AssertionError(f"the worker exited at start:\n{log_path.read_text()[-3000:]}")
        yield process
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


def wait_for(condition: Callable[[], bool], timeout: float = 120.0, what: str = "condition") -> None:
    """Poll ``condition`` until it holds; the bound is generous (a worker on a loaded machine may take
    tens of seconds to start), and passing it fails with what was awaited."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
