"""Shared test helpers: the committed example submissions and small image builders."""

from __future__ import annotations

import io
import shutil
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from image_review import judge as judge_module
from image_review.measures import screen as screen_module
from image_review.models import load_model
from image_review.submission import MANIFEST_NAME

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "fixtures" / "images" / "examples"
sys.path.insert(0, str(ROOT / "scripts"))  # the fixture and screenshot helpers
pytest_plugins = ["skip_summary"]  # one line naming what was skipped and why

from make_screenshot import CHROMIUM  # noqa: E402

needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="needs Debian's chromium: apt-get install chromium"
)


def photo_bytes(
    size: tuple[int, int] = (1200, 900), fmt: str = "JPEG", seed: int = 0, **save: object
) -> bytes:
    """A textured photo-like image (noise blobs and edges) encoded in `fmt`."""
    rng = np.random.default_rng(seed)
    w, h = size
    base = cv2.resize(rng.integers(0, 255, (h // 16 + 1, w // 16 + 1, 3), dtype=np.uint8), (w, h))
    for _ in range(12):
        x, y = int(rng.integers(0, w)), int(rng.integers(0, h))
        colour = tuple(int(c) for c in rng.integers(0, 255, 3))
        cv2.rectangle(base, (x, y), (x + w // 8, y + h // 8), colour, -1)
    out = io.BytesIO()
    Image.fromarray(base).save(out, fmt, **save)
    return out.getvalue()


def manifest_times(out: Path) -> dict[str, int]:
    """When each submission's manifest under a batch's OUT_DIR was last written."""
    return {p.parent.name: p.stat().st_mtime_ns for p in out.glob("*/review-manifest.json")}


def copy_example(source: Path | str, target: Path) -> Path:
    """Copy a committed example submission, without what a review wrote into it (the
    README's first command leaves review-manifest.json there), and return the copy."""
    shutil.copytree(source, target, ignore=shutil.ignore_patterns(MANIFEST_NAME))
    return target


@pytest.fixture
def example(tmp_path: Path):
    """Copy a committed example submission into a temporary folder and return its path."""

    def copy(name: str) -> Path:
        return copy_example(EXAMPLES / name, tmp_path / name)

    return copy


@pytest.fixture
def phone_with(example):
    """The complete-phone example without its screen-on photo, plus one screen case
    (fixtures/images/screens/CASE) saved as NAME (replacing a photo of that name)."""

    def build(case: str, name: str) -> Path:
        folder = example("complete-phone")
        (folder / "09_screen-on.jpg").unlink()
        shutil.copy(EXAMPLES.parent / "screens" / case, folder / name)
        return folder

    return build


@pytest.fixture(autouse=True)
def english_locale(monkeypatch):
    """Every test starts in English, whatever the machine's locale, and a test that switches
    the language (a CLI call with --lang) leaves it as it was."""
    from image_review.i18n import set_language

    for variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    yield
    set_language("en")


def surer_of_dark(monkeypatch, off: float) -> None:
    """Make the screen measure and the judge read the screen states with the off band at
    `off` (the drawn dark screens sit just above the band fitted on real photos)."""
    model, meta = load_model("screen")
    surer = {**meta, "bands": {**meta["bands"], "off": off}}
    monkeypatch.setattr(screen_module, "load_model", lambda name: (model, surer))
    monkeypatch.setattr(judge_module, "load_model", lambda name: (model, surer))
