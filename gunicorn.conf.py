"""gunicorn reads this file from its working directory (the image's /app) on every start and on every
reload (SIGHUP).

Workers: gunicorn's threaded worker, changed so that a worker told to stop (a reload, a deploy's
SIGTERM, ``max_requests``) drops no connection; see :class:`DrainingThreadWorker`.

Metrics: with PROMETHEUS_MULTIPROC_DIR set, each gunicorn worker process writes its metrics to files
there and a scrape of /metrics adds them all up (lms/ops/metrics.py): the files of an earlier run are
removed at start, and a worker that exits is marked dead so that its live gauges stop counting.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import time
from concurrent import futures
from pathlib import Path
from typing import Any

from gunicorn.workers.gthread import ThreadWorker
from prometheus_client import multiprocess


class DrainingThreadWorker(ThreadWorker):
    """gunicorn's threaded worker (``gthread``, what ``--threads`` selects), which on stopping first
    stops accepting, then serves every connection it already accepted, then exits.

    The stock worker leaves its loop as soon as it is told to stop, and closes the connections it had
    accepted but not yet read from, so their clients get "connection reset" (gunicorn issues 3038 and
    3380). Here a connection that arrives once the worker is stopping stays in the listening socket's
    queue, which the master keeps open, for a worker that is not stopping; the ones already accepted
    are served (with ``Connection: close``) within the graceful timeout.
    """

    def accept(self, server: Any, listener: Any) -> None:
        if self.alive:
            super().accept(server, listener)

    def run(self) -> None:
        # gunicorn 23.0's ThreadWorker.run (MIT licence), with the drain between the loop and the exit.
        for sock in self.sockets:
            sock.setblocking(False)
            server = sock.getsockname()
            self.poller.register(sock, selectors.EVENT_READ, lambda listener, server=server: self.accept(server, listener))

        while self.alive:
            self.notify()
            if self.nr_conns < self.worker_connections:
                for key, _ in self.poller.select(1.0):
                    key.data(key.fileobj)
                result = futures.wait(self.futures, timeout=0, return_when=futures.FIRST_COMPLETED)
            else:
                result = futures.wait(self.futures, timeout=1.0, return_when=futures.FIRST_COMPLETED)
            for fut in result.done:
                self.futures.remove(fut)
            if not self.is_parent_alive():
                break
            self.murder_keepalived()

        deadline = time.monotonic() + self.cfg.graceful_timeout
        self._drain(deadline)
        self.tpool.shutdown(False)
        self.poller.close()
        for s in self.sockets:
            s.close()
        futures.wait(self.futures, timeout=max(0.0, deadline - time.monotonic()))

    def _drain(self, deadline: float) -> None:
        """Serve the connections accepted before stopping: those waiting for their request's first
        bytes (still in the poller), idle keep-alive ones until they send or time out, and the requests
        in the thread pool, until none is left or the graceful timeout has passed."""
        with self._lock:
            for sock in self.sockets:
                with contextlib.suppress(KeyError, ValueError):
                    self.poller.unregister(sock)
        while time.monotonic() < deadline and self.is_parent_alive():
            with self._lock:
                waiting = len(self.poller.get_map())
            if not waiting and not self.futures:
                return
            self.notify()
            for key, _ in self.poller.select(0.1):
                key.data(key.fileobj)
            for fut in futures.wait(self.futures, timeout=0, return_when=futures.FIRST_COMPLETED).done:
                self.futures.remove(fut)
            self.murder_keepalived()


# Used whatever --threads says (one thread is the sync worker's behaviour, with the drain).
worker_class = DrainingThreadWorker


def on_starting(server: Any) -> None:
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        Path(directory).mkdir(parents=True, exist_ok=True)
        for stale in Path(directory).glob("*.db"):
            stale.unlink()


def child_exit(server: Any, worker: Any) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(worker.pid)
