"""A small convolutional network: the lit-screen network's inference, on OpenCV and numpy.

The network is trained by `scripts/train_screen_network.py` (PyTorch, the `train` extra):
the photo letterboxed to `side` pixels, then blocks of a 3x3 convolution (batch norm folded
in), ReLU and 2x2 max pooling, then the mean and the maximum of each channel into one
linear output, a logit. It ships twice, with the same numbers:
- `models/NAME.onnx`: the network fitted on all photos, which a review runs with OpenCV's
  `dnn` module (about 1.5 ms a photo, outside the interpreter);
- `models/NAME.npz`: its weights (`final`) and those of one network per cross-validation
  fold (`foldK`), each with the SHA-256 digests of the photos it never saw, run on numpy
  (`ConvNet`), so a photo of the training set is scored, for evaluation, by a network that
  did not see it (`unseen_logit`).
"""

from __future__ import annotations

import functools
import hashlib
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from image_review.models import MODELS

PAD_LEVEL = 128  # the grey the letterbox is padded with (0 after normalising)


def letterbox(bgr: np.ndarray, side: int, pad: int = PAD_LEVEL) -> np.ndarray:
    """The photo shrunk to fit a side x side square (area averaging), centred on `pad`."""
    h, w = bgr.shape[:2]
    scale = side / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    small = cv2.resize(bgr, size, interpolation=cv2.INTER_AREA)
    out = np.full((side, side, 3), pad, np.uint8)
    top, left = (side - size[1]) // 2, (side - size[0]) // 2
    out[top : top + size[1], left : left + size[0]] = small
    return out


def network_input(bgr: np.ndarray, side: int) -> np.ndarray:
    """(3, side, side) float32 RGB planes, levels mapped to (level / 255 - 0.5) / 0.25."""
    rgb = letterbox(bgr, side)[:, :, ::-1].transpose(2, 0, 1).astype(np.float32)
    return (rgb / 255 - 0.5) / 0.25


def _convolve(planes: np.ndarray, weights: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """A same-padded 3x3 convolution of (C, H, W) planes with (O, C, 3, 3) weights."""
    channels, height, width = planes.shape
    padded = np.pad(planes, ((0, 0), (1, 1), (1, 1)))
    windows = sliding_window_view(padded, (3, 3), axis=(1, 2))  # (C, H, W, 3, 3)
    columns = windows.transpose(1, 2, 0, 3, 4).reshape(height * width, channels * 9)
    # OpenCV's product, not numpy's: OpenBLAS starts (and spins) a thread pool of its own,
    # which costs more than these small products when photos are measured in threads
    out = cv2.gemm(columns, weights.reshape(len(weights), -1), 1, None, 0, flags=cv2.GEMM_2_T)
    return (out + bias).T.reshape(len(weights), height, width)


def _max_pool(planes: np.ndarray) -> np.ndarray:
    """2x2 max pooling (an odd last row or column dropped)."""
    c, h, w = planes.shape
    h2, w2 = h // 2, w // 2
    return planes[:, : 2 * h2, : 2 * w2].reshape(c, h2, 2, w2, 2).max(axis=(2, 4))


@dataclass(frozen=True)
class ConvNet:
    """One trained network: its input side, its blocks' (weights, bias) and its output."""

    side: int
    blocks: tuple[tuple[np.ndarray, np.ndarray], ...]
    out_weights: np.ndarray  # (2 * last channels,): over channel means, then maxima
    out_bias: float

    def logit(self, bgr: np.ndarray) -> float:
        """The network's logit for one BGR photo."""
        planes = network_input(bgr, self.side)
        for weights, bias in self.blocks:
            planes = _max_pool(np.maximum(_convolve(planes, weights, bias), 0))
        pooled = np.concatenate([planes.mean(axis=(1, 2)), planes.max(axis=(1, 2))])
        return float(pooled @ self.out_weights + self.out_bias)

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, np.ndarray], prefix: str) -> ConvNet:
        """The network stored under `prefix` in an .npz file's arrays."""
        count = sum(1 for key in arrays if key.startswith(f"{prefix}.conv") and key.endswith(".w"))
        blocks = tuple(
            (
                arrays[f"{prefix}.conv{i}.w"].astype(np.float32),
                arrays[f"{prefix}.conv{i}.b"].astype(np.float32),
            )
            for i in range(count)
        )
        return cls(
            side=int(arrays["side"]),
            blocks=blocks,
            out_weights=arrays[f"{prefix}.out.w"].astype(np.float32),
            out_bias=float(arrays[f"{prefix}.out.b"].reshape(-1)[0]),
        )


def photo_digest(data: bytes) -> str:
    """How the network file names a photo: the first 16 hex digits of its SHA-256."""
    return hashlib.sha256(data).hexdigest()[:16]


class OnnxNet:
    """The network fitted on all photos, run by OpenCV's dnn module (one forward at a time:
    a dnn network is not to be run from two threads at once)."""

    def __init__(self, path: Path, side: int) -> None:
        self.side = side
        self._net = cv2.dnn.readNetFromONNX(str(path))
        self._lock = threading.Lock()

    def logit(self, bgr: np.ndarray) -> float:
        """The network's logit for one BGR photo."""
        blob = network_input(bgr, self.side)[None]
        with self._lock:
            self._net.setInput(blob)
            return float(self._net.forward().ravel()[0])


@dataclass(frozen=True)
class NetworkSet:
    """The shipped network; the cross-validation folds' networks are read when asked for."""

    path: Path  # the .npz file
    final: OnnxNet

    @functools.cached_property
    def digest(self) -> str:
        """SHA-256 of the file: which network reviewed a photo."""
        return hashlib.sha256(self.path.read_bytes()).hexdigest()

    @functools.cached_property
    def folds(self) -> tuple[tuple[ConvNet, frozenset[str]], ...]:
        """(network, digests of the photos it never saw) of each fold."""
        with np.load(self.path, allow_pickle=False) as stored:
            return tuple(
                (
                    ConvNet.from_arrays(stored, f"fold{k}"),
                    frozenset(str(d) for d in stored[f"fold{k}.held_out"]),
                )
                for k in range(int(stored["folds"]))
            )

    def unseen_logit(self, bgr: np.ndarray, digest: str, final: float | None = None) -> float:
        """The logit from a network that never saw this photo: its fold's network for a
        training photo, else the final one (`final`, when the caller has it already)."""
        for net, held_out in self.folds:
            if digest in held_out:
                return net.logit(bgr)
        return self.final.logit(bgr) if final is None else final


_loading = threading.Lock()


def load_network(name: str) -> NetworkSet:
    """The network of `models/NAME.onnx`, and the folds of `models/NAME.npz`, read once
    per process (the photos' threads ask for it together: the first reads, the rest wait)."""
    with _loading:
        return _read_network(name)


@functools.cache
def _read_network(name: str) -> NetworkSet:
    path = MODELS / f"{name}.npz"
    with np.load(path, allow_pickle=False) as stored:
        side = int(stored["side"])
    return NetworkSet(path, OnnxNet(path.with_suffix(".onnx"), side))
