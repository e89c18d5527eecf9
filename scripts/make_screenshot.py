"""Render the report of an example submission in headless Chromium, for the README.

    python scripts/make_screenshot.py [SUBMISSION] [OUTPUT.png]

Needs Debian's chromium (and a CJK font, e.g. fonts-wqy-zenhei, for the Chinese labels).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from image_review.report import render_report
from image_review.review import review

ROOT = Path(__file__).resolve().parent.parent
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def screenshot(page: Path, output: Path, size: tuple[int, int]) -> None:
    """A PNG of an HTML file as headless Chromium shows it in a window of `size`."""
    if CHROMIUM is None:
        raise RuntimeError("chromium is not installed: apt-get install chromium")
    with tempfile.TemporaryDirectory() as profile:
        command = [
            CHROMIUM,
            *FLAGS,
            f"--user-data-dir={profile}",
            f"--window-size={size[0]},{size[1]}",
            f"--screenshot={output.resolve()}",
            page.resolve().as_uri(),
        ]
        subprocess.run(command, check=True, capture_output=True, timeout=120)


def main() -> None:
    args = sys.argv[1:]
    submission = Path(args[0]) if args else ROOT / "fixtures/images/examples/missing-views"
    output = Path(args[1]) if len(args) > 1 else ROOT / "docs/report.png"
    with tempfile.TemporaryDirectory() as work:
        page = Path(work) / "report.html"
        page.write_text(render_report(review(submission, previews=True)), encoding="utf-8")
        output.parent.mkdir(parents=True, exist_ok=True)
        screenshot(page, output, (1100, 1000))
    print(f"wrote {output}")


if __name__ == "__main__":
    main()
