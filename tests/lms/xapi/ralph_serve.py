"""Run Ralph's LRS API with its file-system backend appending (run by Ralph's own interpreter).

Ralph 5.1.0's file-system LRS backend writes each POST with the "create" operation to one fixed
file (fs_lrs.jsonl), so every POST after the first fails with "already exists". Appending is an
operation the same backend supports; this sets it as the default and changes nothing else
(validation, duplicate detection and queries are Ralph's own).

Usage: python ralph_serve.py PORT
"""

import sys

import uvicorn
from ralph.backends.data.base import BaseOperationType
from ralph.backends.lrs.fs import FSLRSBackend

FSLRSBackend.default_operation_type = BaseOperationType.APPEND

if __name__ == "__main__":
    uvicorn.run("ralph.api:app", host="127.0.0.1", port=int(sys.argv[1]), log_level="info")
