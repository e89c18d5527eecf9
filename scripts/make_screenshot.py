"""The pictures of the README, from the example submissions: the HTML report and the batch
index rendered in headless Chromium, and a contact sheet.

    python scripts/make_screenshot.py      # writes docs/report.png, docs/report-zh.png,
                                           # docs/index.png, docs/index-zh.png (1280 px),
                                           # docs/contact-sheet.jpg and
                                           # docs/serve.png (the local page, via Playwright)

Needs Debian's chromium (and a CJK font, e.g. fonts-wqy-zenhei, for the Chinese labels).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from image_review.batch import review_batch
from image_review.contact_sheet import render_contact_sheet
from image_review.i18n import language
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
    examples = ROOT / "fixtures/images/examples"
    docs = ROOT / "docs"
    docs.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        page = Path(work) / "report.html"
        missing = review(examples / "missing-views", previews=True)
        page.write_text(render_report(missing), encoding="utf-8")
        screenshot(page, docs / "report.png", (1100, 1000))
        with language("zh-hans"):
            page.write_text(
                render_report(review(examples / "missing-views", previews=True)), encoding="utf-8"
            )
        screenshot(page, docs / "report-zh.png", (1100, 1000))
        (docs / "contact-sheet.jpg").write_bytes(
            render_contact_sheet(review(examples / "blurry", previews=True))
        )
        root = Path(work) / "batch"
        for name in ("complete-phone", "missing-views", "blurry", "dark", "corrupt"):
            shutil.copytree(examples / name, root / name)
        review_batch(root, Path(work) / "out", jobs=1, report=True)
        screenshot(Path(work) / "out" / "index.html", docs / "index.png", (1100, 420))
        review_batch(root, Path(work) / "out-zh", jobs=1, report=True, lang="zh-hans")
        screenshot(Path(work) / "out-zh" / "index.html", docs / "index-zh.png", (1280, 420))
        serve_screenshot(examples / "complete-phone", Path(work) / "page", docs / "serve.png")
    print(f"wrote the pictures of the README to {docs}")


def serve_screenshot(example: Path, folder: Path, output: Path) -> None:
    """The local page of `image-review serve` with two photos still in the tray."""
    import threading

    from playwright.sync_api import sync_playwright

    from image_review.policy import load_policy
    from image_review.serve import local_server
    from image_review.views import load_profile

    shutil.copytree(example, folder)
    (folder / "07_left-side.jpg").rename(folder / "IMG_4031.jpg")
    (folder / "08_right-side.jpg").rename(folder / "IMG_4032.jpg")
    server = local_server(folder, load_profile(), load_policy())
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1100, "height": 1500})
        page.goto(server.address)
        page.wait_for_function("document.querySelectorAll('.photo[data-file] img').length === 9")
        page.wait_for_function("[...document.images].every(image => image.complete)")
        page.screenshot(path=str(output), full_page=True)
        browser.close()
    server.stop()
    thread.join(10)


if __name__ == "__main__":
    main()
