"""Is the Celery broker reachable? Shared by the readiness probe, the metrics and beat's healthcheck.

``python -m lms.ops.broker`` exits 0 when the broker answers and 1 (saying why) when it does not.
It loads the settings but not the apps, so it is quick enough for a container healthcheck.
"""

from __future__ import annotations

import sys

from kombu import Connection

from lms.celery import app


def connect() -> Connection:
    """A fresh connection to the broker (not from the pool), made without retrying: a broker that is
    down fails this at once, within the transport's own connection timeout. The caller closes it."""
    conn = app.connection_for_write()
    try:
        conn.ensure_connection(max_retries=0)
    except BaseException:
        conn.release()
        raise
    return conn


def main() -> int:
    try:
        connect().release()
    except Exception as exc:  # noqa: BLE001 - any failure is an unhealthy process, reported as such
        print(f"the broker is unreachable: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
