"""moto's S3-compatible server on a free local port, for the tests of what lives in a bucket
(checkpoints, module images): a real HTTP server speaking S3, started and stopped by the tests."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from moto.server import ThreadedMotoServer

from tests.lms.redis_server import free_port


@contextlib.contextmanager
def s3_server() -> Iterator[str]:
    """Run the server while the block runs; yields its endpoint URL."""
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()
