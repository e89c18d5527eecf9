"""Render the report of an example submission in headless Chromium, for the README.

    python scripts/make_screenshot.py [SUBMISSION] [OUTPUT.png]

Needs Debian's chromium (and a CJK font, e.g. fonts-wqy-microhei, for the Chinese labels).
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


def main() -> None:
    args = sys.argv[1:]
    submission = Path(args[0]) if args else ROOT / "fixtures/images/examples/missing-views"
    output = Path(args[1]) if len(args) > 1 else ROOT / "docs/report.png"
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        sys.exit("chromium is not installed: apt-get install chromium")
    with tempfile.TemporaryDirectory() as work:
        page = Path(work) / "report.html"
        page.write_text(render_report(review(submission, previews=True)), encoding="utf-8")
        output.parent.mkdir(parents=True, exist_ok=True)
        command = [
            chromium,
            *FLAGS,
            f"--user-data-dir={work}/profile",
            "--window-size=1100,1000",
            f"--screenshot={output.resolve()}",
            page.as_uri(),
        ]
        subprocess.run(command, check=True, capture_output=True, timeout=120)
    print(f"wrote {output}")


if __name__ == "__main__":
    main()
