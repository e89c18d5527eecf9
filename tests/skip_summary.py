"""A pytest plugin: one line at the end naming each skipped test and why, so a run that
skips the browser, font or dataset tests says so without `-rs`."""

from __future__ import annotations

# What installs the browser and the Chinese font the skipped tests need (Debian/Ubuntu).
APT_LINE = "sudo apt-get install chromium fonts-wqy-zenhei"


def _reason(report) -> str:
    text = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
    return text.removeprefix("Skipped: ")


def pytest_terminal_summary(terminalreporter) -> None:
    skipped = [r for r in terminalreporter.stats.get("skipped", []) if r.when != "teardown"]
    if not skipped:
        return
    by_reason: dict[str, list[str]] = {}
    for report in skipped:
        by_reason.setdefault(_reason(report), []).append(report.nodeid.rsplit("::", 1)[-1])
    parts = [f"{', '.join(names)} ({reason})" for reason, names in by_reason.items()]
    line = f"skipped {len(skipped)}: {'; '.join(parts)}"
    if any("apt-get" in reason for reason in by_reason):  # one line installs all they need
        line += f"; on Debian or Ubuntu, `{APT_LINE}` gives the browser and the font"
    terminalreporter.write_line(line, yellow=True, bold=True)
