"""An axe-core scan of the page as it is now (axe-playwright-python bundles axe-core): the serious
and critical violations, one line each, so a test can assert there are none and show them if not."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from axe_playwright_python.sync_playwright import Axe

BLOCKING = ("serious", "critical")


def serious_violations(page: Any, report: Path | None = None) -> list[str]:
    """Scan ``page``; write every violation (any impact) to ``report`` as JSON when given."""
    violations = Axe().run(page).response["violations"]
    if report is not None:
        report.write_text(json.dumps([{"id": v["id"], "impact": v["impact"], "help": v["help"],
                                       "targets": [", ".join(map(str, n["target"])) for n in v["nodes"]]}
                                      for v in violations], indent=2))
    return [f"{v['id']} ({v['impact']}): {v['help']} at {', '.join(', '.join(map(str, n['target'])) for n in v['nodes'][:5])}"
            for v in violations if v["impact"] in BLOCKING]
