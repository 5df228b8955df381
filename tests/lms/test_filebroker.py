"""The demo's file broker hands a worker whole messages only, however fast it polls.

Each check runs in a fresh interpreter: kombu keeps per-process state (transports and their
polling cycles) that other tests in the session, which stop and restart brokers, leave behind.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SETUP = """
import builtins, json, sys, threading
from pathlib import Path
from kombu import Connection
transport, root = sys.argv[1], Path(sys.argv[2])
for name in ("queue", "processed", "staging"):
    (root / name).mkdir()
options = {"data_folder_in": str(root / "queue"), "data_folder_out": str(root / "queue"),
           "processed_folder": str(root / "processed"), "staging_folder": str(root / "staging"),
           "store_processed": False}
"""


def _run(tmp_path: Path, transport: str, body: str) -> dict:
    script = SETUP + textwrap.dedent(body)
    done = subprocess.run([sys.executable, "-c", script, transport, str(tmp_path)], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


VISIBLE_WHILE_WRITING = """
queue_folder = root / "queue"
seen = []
real_open = builtins.open
def watching_open(path, mode="r", *args, **kwargs):
    handle = real_open(path, mode, *args, **kwargs)
    if "w" in mode and str(path).endswith(".msg"):
        write = handle.write
        def recording_write(data):
            seen.append([p.name for p in queue_folder.iterdir()])
            return write(data)
        handle.write = recording_write
    return handle
builtins.open = watching_open
with Connection(transport=transport, transport_options=options) as connection:
    queue = connection.SimpleQueue("realtime")
    queue.put({"n": 1})
    queue.close()
builtins.open = real_open
print(json.dumps({"seen": seen, "queued": [p.name for p in queue_folder.iterdir()]}))
"""

MANY_WHILE_READING = """
sent, received, errors = 300, [], []
def consume():
    with Connection(transport=transport, transport_options=options) as connection:
        queue = connection.SimpleQueue("realtime")
        try:
            while len(received) < sent:
                try:
                    received.append(queue.get(timeout=10).payload["n"])
                except queue.Empty:
                    break
                except Exception as exc:
                    errors.append(repr(exc))
                    break
        finally:
            queue.close()
reader = threading.Thread(target=consume)
reader.start()
with Connection(transport=transport, transport_options=options) as connection:
    queue = connection.SimpleQueue("realtime")
    for n in range(sent):
        queue.put({"answer": "x" * 20000, "n": n})
    queue.close()
reader.join(timeout=60)
print(json.dumps({"received": sorted(received), "errors": errors, "alive": reader.is_alive(),
                  "staging": [p.name for p in (root / "staging").iterdir()]}))
"""


def test_a_message_is_never_visible_in_the_queue_folder_before_it_is_whole(tmp_path) -> None:
    result = _run(tmp_path, "lms.filebroker:Transport", VISIBLE_WHILE_WRITING)
    assert result["seen"] and result["seen"][0] == [], "the queue folder was empty while the message was written"
    assert len(result["queued"]) == 1


def test_kombus_own_transport_shows_a_message_while_it_is_written(tmp_path) -> None:
    """What the check above catches: kombu's transport writes the message in the queue folder."""
    result = _run(tmp_path, "kombu.transport.filesystem:Transport", VISIBLE_WHILE_WRITING)
    assert result["seen"] and result["seen"][0] != []


def test_a_worker_reading_while_messages_arrive_gets_every_one_whole(tmp_path) -> None:
    result = _run(tmp_path, "lms.filebroker:Transport", MANY_WHILE_READING)
    assert not result["alive"], "the reader did not finish within 60 s"
    assert not result["errors"], result["errors"][:1]
    assert result["received"] == list(range(300))
    assert result["staging"] == [], "every draft was renamed into the queue"


def test_settings_point_the_file_url_at_it(settings) -> None:
    from kombu.transport import resolve_transport

    from lms.filebroker import Transport

    assert resolve_transport("filesystem") is Transport
