"""The demo's file broker hands a worker whole messages only, however fast it polls."""

from __future__ import annotations

import threading

from kombu import Connection


def _options(tmp_path):  # type: ignore[no-untyped-def]
    folders = {name: tmp_path / name for name in ("queue", "processed", "staging")}
    for folder in folders.values():
        folder.mkdir()
    return {"data_folder_in": str(folders["queue"]), "data_folder_out": str(folders["queue"]),
            "processed_folder": str(folders["processed"]), "staging_folder": str(folders["staging"]),
            "store_processed": False}


def test_it_leaves_nothing_half_written_in_the_queue_folder(tmp_path) -> None:
    options = _options(tmp_path)
    sent, received, errors = 300, [], []
    body = {"answer": "x" * 20000}  # long enough for a reader to catch a write half done

    def consume() -> None:
        with Connection("filesystem://", transport_options=options) as connection:
            queue = connection.SimpleQueue("realtime")
            try:
                while len(received) < sent:
                    try:
                        received.append(queue.get(timeout=10).payload)
                    except queue.Empty:
                        break
                    except Exception as exc:  # noqa: BLE001 - what the worker would die of
                        errors.append(exc)
                        break
            finally:
                queue.close()

    reader = threading.Thread(target=consume)
    reader.start()
    with Connection("filesystem://", transport_options=options) as connection:
        queue = connection.SimpleQueue("realtime")
        for n in range(sent):
            queue.put({**body, "n": n})
        queue.close()
    reader.join(timeout=60)
    assert not reader.is_alive(), "the reader did not finish within 60 s"
    assert not errors, errors[:1]
    assert sorted(m["n"] for m in received) == list(range(sent))
    assert not list((tmp_path / "staging").iterdir()), "every draft was renamed into the queue"


def test_settings_point_the_file_url_at_it(settings) -> None:
    from kombu.transport import resolve_transport

    from lms.filebroker import Transport

    assert resolve_transport("filesystem") is Transport


def test_a_message_is_never_visible_in_the_queue_folder_before_it_is_whole(tmp_path, monkeypatch) -> None:
    import builtins

    options = _options(tmp_path)
    queue_folder = tmp_path / "queue"
    seen_while_writing: list[list[str]] = []
    real_open = builtins.open

    def watching_open(path, mode="r", *args, **kwargs):  # type: ignore[no-untyped-def]
        handle = real_open(path, mode, *args, **kwargs)
        if "w" in mode and str(path).endswith(".msg"):
            write = handle.write

            def recording_write(data):  # type: ignore[no-untyped-def]
                seen_while_writing.append([p.name for p in queue_folder.iterdir()])
                return write(data)

            handle.write = recording_write
        return handle

    monkeypatch.setattr(builtins, "open", watching_open)
    with Connection("filesystem://", transport_options=options) as connection:
        queue = connection.SimpleQueue("realtime")
        queue.put({"n": 1})
        queue.close()
    monkeypatch.undo()
    assert seen_while_writing and seen_while_writing[0] == [], "the queue folder was empty while the message was written"
    assert len(list(queue_folder.iterdir())) == 1
