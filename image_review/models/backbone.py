"""The lit-screen model's third opinion: a pretrained image backbone, run by OpenCV's dnn.

`models/screen_backbone.onnx` is EfficientNet-Lite0 trained on ImageNet (its weights in
int8), built by `scripts/build_screen_backbone.py`. It sees the photo letterboxed to SIDE
px on black (RGB) and gives the mean and the maximum of each channel of its last feature
map: FEATURES numbers, which a logistic head in `models/screen.json` turns into a logit.
It costs about 22 ms a photo, so the screen measure runs it only on photos that the
numbers and the small network already find likely lit (`measures/screen.py`).
"""

from __future__ import annotations

import functools
import hashlib
import threading

import cv2
import numpy as np

from image_review.models import MODELS
from image_review.models.convnet import letterbox

FILE = "screen_backbone.onnx"
SIDE = 256  # px: the letterbox the backbone sees (320 scored alike in grouped CV, 1.7x the time)
CHANNELS = 320  # of its last feature map
NAMES = tuple(f"{kind}_{channel}" for kind in ("mean", "max") for channel in range(CHANNELS))
FEATURES = len(NAMES)  # the mean and the maximum of each channel
_lock = threading.Lock()  # one dnn network for all threads: forward() is not re-entrant


def backbone_input(bgr: np.ndarray) -> np.ndarray:
    """(1, 3, SIDE, SIDE) float32 RGB levels 0..255, letterboxed on black."""
    rgb = letterbox(bgr, SIDE, pad=0)[:, :, ::-1].transpose(2, 0, 1)
    return rgb[None].astype(np.float32)


@functools.cache
def _network() -> cv2.dnn.Net:
    return cv2.dnn.readNetFromONNX(str(MODELS / FILE))


def read_backbone() -> None:
    """Read the network now (once per process), so a later photo need not wait for it."""
    with _lock:
        _network()


def backbone_features(bgr: np.ndarray) -> np.ndarray:
    """The FEATURES pooled numbers of one photo (float64). One network serves every thread,
    one photo at a time: it is asked for few photos, and a second copy would cost its load
    (about 20 ms) and its memory (about 50 MB once it has run) again."""
    photo = backbone_input(bgr)
    with _lock:
        net = _network()
        net.setInput(photo)
        return net.forward().ravel().astype(np.float64)


@functools.cache
def backbone_digest() -> str:
    """The SHA-256 of the shipped backbone file (the manifest's provenance)."""
    return hashlib.sha256((MODELS / FILE).read_bytes()).hexdigest()
