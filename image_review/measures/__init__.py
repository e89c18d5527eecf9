"""Pure functions from a decoded Frame to numbers. No thresholds live here."""

from __future__ import annotations

from typing import Any

import numpy as np

from image_review.imaging import Frame
from image_review.measures.fingerprint import dhash
from image_review.measures.quality import measure_quality
from image_review.measures.screen import measure_screen


def measure(frame: Frame, thumb: np.ndarray, detect_screen: bool = True) -> dict[str, Any]:
    """Every measure of one frame, in the manifest's order (the screen only when asked).

    `thumb` is the frame's fingerprint thumbnail (see fingerprint.thumbnail).
    """
    screen = {"screen": measure_screen(frame)} if detect_screen else {}
    return {
        **measure_quality(frame.gray),
        "dhash": dhash(thumb),
        "gps": frame.has_gps,
        "truncated": frame.truncated,
        "frames": frame.frames,
        "transparent": frame.transparent,
        "screen_capture": frame.screen_capture,
        **screen,
    }
