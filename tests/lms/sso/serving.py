"""An identity provider in a process of its own: started, waited for until it prints its READY line
(a bounded wait that fails with what it printed), and stopped at the end."""

from __future__ import annotations

import queue
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def serving(command: list[str], *, cwd: Path, env: dict[str, str], what: str, timeout_s: float) -> Iterator[str]:
    """Run ``command`` while the block runs; yields the line it printed that starts with ``READY``."""
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: queue.Queue[str] = queue.Queue()
    output = process.stdout
    assert output is not None

    def read_output() -> None:
        for text in output:
            lines.put(text)

    threading.Thread(target=read_output, daemon=True).start()
    seen: list[str] = []
    try:
        while True:
            try:
                line = lines.get(timeout=timeout_s)
            except queue.Empty:
                raise AssertionError(f"{what} did not start in {timeout_s} s: {seen}") from None
            seen.append(line)
            if line.startswith("READY "):
                break
            if process.poll() is not None and lines.empty():
                raise AssertionError(f"{what} stopped: {''.join(seen)}")
        yield line
    finally:
        process.terminate()
        process.wait(timeout=30)
