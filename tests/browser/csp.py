"""Collect the Content-Security-Policy violations a page reports, from both the console and the
``securitypolicyviolation`` event, across navigations."""

from __future__ import annotations

from typing import Any

REPORT = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.reportCspViolation(`${event.violatedDirective} blocked ${event.blockedURI || "inline"} on ${document.location.pathname}`);
});
"""


def watch_csp(page: Any) -> list[str]:
    violations: list[str] = []
    def report(text: str) -> None:
        violations.append(text)

    page.expose_function("reportCspViolation", report)
    page.add_init_script(REPORT)
    page.on("console", lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text else None)
    return violations
