"""The demo's message broker: kombu's file-system transport, with messages that appear whole.

Kombu's transport writes a message straight into the queue folder, so a worker polling the folder can
take the file while it is still being written, read it empty and stop with a JSON error (seen with a
worker per queue polling every 50 ms). Here a message is written into a staging folder next to the
queue folder and renamed into the queue folder when complete: a rename within one file system is
atomic, so a reader sees the whole message or nothing. ``lms.settings`` points the ``filesystem://``
URL at this transport.
"""

from __future__ import annotations

import os
import uuid
from time import monotonic
from typing import Any

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps


class Channel(filesystem.Channel):
    # The signature of kombu's filesystem Channel, which names the message ``payload`` where kombu's
    # AbstractChannel names it ``message``; kombu's own stubs ignore the same mismatch on that class.
    def _put(self, queue: str, payload: dict[str, Any], **kwargs: Any) -> None:  # type: ignore[override]
        """Put ``payload`` on ``queue``: written in the staging folder, then renamed into the queue."""
        name = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        staging = self.transport_options.get("staging_folder") or os.path.join(
            os.path.dirname(os.path.abspath(self.data_folder_out)), "staging")
        os.makedirs(staging, exist_ok=True)
        draft = os.path.join(staging, name)
        try:
            with open(draft, "wb") as handle:
                handle.write(str_to_bytes(dumps(payload)))
            os.replace(draft, os.path.join(self.data_folder_out, name))
        except OSError as exc:
            raise ChannelError(f"Cannot add {name!r} to the queue folder: {exc}") from exc


class Transport(filesystem.Transport):
    Channel = Channel
