# Shared by bin/demo and bin/test: make .venv with the pinned requirements, once per change of them.
# Usage: source bin/_setup.sh REQUIREMENTS_FILE
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PYTHON="${PYTHON:-python3}"
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "Pathwise needs Python 3.11 or newer (found: $("$PYTHON" --version 2>&1)). Set PYTHON=/path/to/python3.11." >&2
  exit 1
fi
requirements="$1"
if [ ! -x .venv/bin/python ]; then
  echo "==> Creating .venv"
  "$PYTHON" -m venv .venv
fi
# Every requirements file counts: requirements.txt includes requirements-web.txt.
stamp=".venv/.installed-${requirements%.txt}-$(cat requirements-web.txt requirements.txt "$requirements" | sha256sum | cut -c1-16)"
if [ ! -e "$stamp" ]; then
  echo "==> Installing $requirements (first run: a few minutes)"
  .venv/bin/python -m pip install --disable-pip-version-check -q --upgrade pip==25.2
  .venv/bin/python -m pip install --disable-pip-version-check -q -r "$requirements"
  # Only this file's older stamps: requirements-* would also take requirements-dev's.
  rm -f ".venv/.installed-${requirements%.txt}-"????????????????
  touch "$stamp"
fi
# The translation catalogues are compiled here, not committed (docs/languages.md).
.venv/bin/python bin/compile_catalogues.py >/dev/null
