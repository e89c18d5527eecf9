"""Would the lit-screen network learn more from photos whose screen was switched on or off
by hand? The experiment behind the README's "Counterfactual screens" (not shipped), by the
network's grouped cross-validation.

    pip install -e '.[train]'
    python benchmarks/screen_counterfactual.py ../shared/datasets/screen-dev/labels.csv \\
        [--outlines benchmarks/screen-dev-outlines.csv] [--lit-copies 3] [--dark-copies 1]

For each fold of the network's grouped split, copies are made from the training photos
only: every dark screen the detector outlines (`Analysis.dark`) is lit (`--lit-copies`
times) with content from the same photos: a lit screen cut out along its hand-drawn
outline, a settings-like page of text rows (light or dark), a lock screen (a clock on a
piece of photo) or a piece of photo; every hand-outlined lit screen covering under 70% of
its photo is switched off (`--dark-copies` times): dark glass with a blurred, dim
reflection and now and then a glare band. Each copy differs from its photo only inside the
screen, so the label can only be read there. The network (the review's, same recipe and
seeds) is trained on the photos and the copies; each photo is scored by the network of the
fold that never saw it, all on a 512 px copy of the photo.

Printed as `screen_backbone.py` prints: AUC, and recall, specificity and balanced accuracy
where the precision of `on` first reaches 0.95, for all photos and the trade-in batch.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
from screen_backbone import line, network  # needs PyTorch: it says so and exits

from image_review.evaluate import cross_validated, load_screen_data, read_labels, read_outlines
from image_review.imaging import decode, sniff_format
from image_review.measures.screen import _ordered, _upright, analyse
from image_review.models import JoinedModel, load_model
from image_review.models.convnet import network_input

torch = network.torch
WORK_SIDE = 512  # the copies are made on (and every photo scored from) a copy this size
FULL_SCREEN = 0.7  # a lit screen covering more of its photo is not switched off


def size_of(quad: np.ndarray) -> tuple[int, int]:
    """Width and height of an upright rectangle as large as the quad (16 px at least)."""
    q = _ordered(quad)
    width = max(np.linalg.norm(q[1] - q[0]), np.linalg.norm(q[2] - q[3]), 16)
    height = max(np.linalg.norm(q[3] - q[0]), np.linalg.norm(q[2] - q[1]), 16)
    return int(width), int(height)


def piece(rng: np.random.Generator, photos: list[np.ndarray]) -> np.ndarray:
    """A random piece (40-90% of each side) of a random photo."""
    photo = photos[rng.integers(len(photos))]
    h, w = photo.shape[:2]
    ch, cw = int(h * rng.uniform(0.4, 0.9)), int(w * rng.uniform(0.4, 0.9))
    top, left = rng.integers(0, h - ch + 1), rng.integers(0, w - cw + 1)
    return photo[top : top + ch, left : left + cw]


def text_page(rng: np.random.Generator, width: int, height: int) -> np.ndarray:
    """A settings-like page: rows of text (bars) on white or, in dark mode, on black, with
    now and then a coloured header, toggles and dividers."""
    dark = rng.random() < 0.4
    paper = int(rng.integers(0, 40) if dark else rng.integers(225, 256))
    ink = 230 if dark else 30
    page = np.full((height, width, 3), paper, np.uint8)
    if rng.random() < 0.3:
        page[: int(height * rng.uniform(0.08, 0.2))] = rng.integers(0, 256, 3)
    y = int(height * rng.uniform(0.05, 0.2))
    while y < height * 0.95:
        row = max(2, int(height * rng.uniform(0.015, 0.035)))
        left, right = int(width * rng.uniform(0.04, 0.12)), int(width * rng.uniform(0.3, 0.9))
        page[y : y + row, left:right] = ink + rng.integers(-20, 20)
        if rng.random() < 0.3:
            colour = tuple(int(v) for v in rng.integers(0, 256, 3))
            cv2.circle(page, (int(width * 0.85), y + row // 2), row, colour, -1)
        if rng.random() < 0.15:
            divider = (paper + (30 if dark else -30),) * 3
            cv2.line(page, (0, y + 2 * row), (width, y + 2 * row), divider, 1)
        y += int(row * rng.uniform(2.2, 4.5))
    return page


def screen_content(
    rng: np.random.Generator, size: tuple[int, int], lit: list, photos: list
) -> np.ndarray:
    """What a lit screen shows: a real lit screen, a text page, a lock screen or a photo."""
    width, height = size
    kind = rng.random()
    if kind < 0.35 and lit:
        return cv2.resize(lit[rng.integers(len(lit))], size)
    if kind < 0.6:
        return text_page(rng, width, height)
    page = cv2.resize(piece(rng, photos), size)
    if kind < 0.8:  # a lock screen: a clock on the wallpaper
        scale = width / 120
        colour = (255, 255, 255) if page.mean() < 150 else (20, 20, 20)
        clock = f"{rng.integers(1, 13)}:{rng.integers(0, 60):02d}"
        at = (int(width * 0.12), int(height * 0.28))
        cv2.putText(page, clock, at, cv2.FONT_HERSHEY_SIMPLEX, scale, colour, int(scale * 2) + 1)
        return page
    return np.clip(255 * (page / 255.0) ** 0.8, 0, 255).astype(np.uint8)  # emitted: lifted


def pasted(image: np.ndarray, quad: np.ndarray, content: np.ndarray, keep: float) -> np.ndarray:
    """The photo with `content` warped into the quad (a soft 1 px seam), keeping `keep` of
    what the quad showed."""
    h, w = content.shape[:2]
    corners = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    warp = cv2.getPerspectiveTransform(corners, _ordered(quad).astype(np.float32))
    size = (image.shape[1], image.shape[0])
    shown = cv2.warpPerspective(content, warp, size, flags=cv2.INTER_AREA).astype(np.float32)
    mask = cv2.warpPerspective(np.full((h, w), 255, np.uint8), warp, size)
    mask = cv2.GaussianBlur(mask, (3, 3), 0.7).astype(np.float32)[..., None] / 255
    base = image.astype(np.float32)
    mixed = shown * (1 - keep) + base * keep
    return (base * (1 - mask) + mixed * mask).clip(0, 255).astype(np.uint8)


def lit_copy(rng, image: np.ndarray, quad: np.ndarray, lit: list, photos: list) -> np.ndarray:
    """The photo with its dark screen switched on (inset 2%: the bezel stays)."""
    quad = _ordered(quad)
    quad = quad.mean(axis=0) + (quad - quad.mean(axis=0)) * 0.98
    content = screen_content(rng, size_of(quad), lit, photos)
    content = (content * rng.uniform(0.75, 1.05)).clip(0, 255).astype(np.uint8)
    return pasted(image, quad, content, keep=rng.uniform(0.05, 0.2))  # some reflection stays


def dark_copy(rng, image: np.ndarray, quad: np.ndarray, photos: list) -> np.ndarray:
    """The photo with its lit screen switched off: dark glass, a dim blurred reflection and
    now and then a glare band."""
    width, height = size_of(quad)
    reflection = cv2.resize(piece(rng, photos), (width, height)).astype(np.float32)
    reflection = cv2.GaussianBlur(reflection, (0, 0), rng.uniform(1, 6)) * rng.uniform(0.08, 0.3)
    glass = np.full((height, width, 3), rng.uniform(5, 25), np.float32)
    if rng.random() < 0.4:
        y, x = np.mgrid[0:height, 0:width]
        band = np.abs(x / width - y / height * rng.uniform(0.3, 1.5) - rng.uniform(-0.5, 0.5))
        glass += (np.exp(-((band / rng.uniform(0.05, 0.2)) ** 2)) * rng.uniform(20, 80))[..., None]
    return pasted(image, quad, (glass + reflection).clip(0, 255).astype(np.uint8), keep=0.0)


def copies(rng, photos: list, dark: list, lit: list, lit_count: int, dark_count: int):
    """The counterfactual copies of these photos (inputs, labels): `dark` and `lit` hold
    each photo's dark-screen quad and lit-screen outline, or None."""
    screens = [_upright(p, q) for p, q in zip(photos, lit, strict=True) if q is not None]
    inputs, labels = [], []
    for photo, dark_quad, lit_quad in zip(photos, dark, lit, strict=True):
        if dark_quad is not None:
            for _ in range(lit_count):
                inputs.append(lit_copy(rng, photo, dark_quad, screens, photos))
                labels.append(1.0)
        if lit_quad is not None and cv2.contourArea(lit_quad) < FULL_SCREEN * photo[..., 0].size:
            for _ in range(dark_count):
                inputs.append(dark_copy(rng, photo, lit_quad, photos))
                labels.append(0.0)
    return [network_input(x, network.SIDE) for x in inputs], labels


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("labels", type=Path, help="labels.csv beside images/")
    here = Path(__file__).resolve().parent
    parser.add_argument("--outlines", type=Path, default=here / "screen-dev-outlines.csv")
    parser.add_argument("--lit-copies", type=int, default=3, help="per dark screen")
    parser.add_argument("--dark-copies", type=int, default=1, help="per lit screen")
    args = parser.parse_args()
    torch.set_num_threads(2)
    images = args.labels.parent / "images"
    data = load_screen_data(read_labels(args.labels), images)
    outlines = read_outlines(args.outlines)
    photos, dark, lit = [], [], []
    for label in data.labels:
        raw = (images / label.file).read_bytes()
        frame = decode(raw, sniff_format(raw[:32]) or "", 100_000_000)
        scale = min(1.0, WORK_SIDE / max(frame.width, frame.height))
        photo = cv2.resize(frame.bgr, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        seen = analyse(frame) if label.truth == "no" else None
        if seen is not None and seen.dark is not None:
            dark.append(seen.dark.quad * photo.shape[1] / seen.planes["value"].shape[1])
        else:
            dark.append(None)
        outline = outlines.get(label.file)
        lit.append(None if outline is None else (outline * photo.shape[1::-1]).astype(np.float32))
        photos.append(photo)
    truth, groups = data.truth, np.array([label.group for label in data.labels])
    inputs = np.stack([network_input(p, network.SIDE) for p in photos])
    logits = np.zeros(len(truth))
    for k, fold in enumerate(network.folds_of(list(groups))):
        held = np.array([group in fold for group in groups])
        kept = np.flatnonzero(~held)
        made, made_truth = copies(
            np.random.default_rng(100 + k),
            [photos[i] for i in kept],
            [dark[i] for i in kept],
            [lit[i] for i in kept],
            args.lit_copies,
            args.dark_copies,
        )
        x = torch.from_numpy(np.concatenate([inputs[kept], np.stack(made)]))
        y = torch.tensor(np.concatenate([truth[kept], made_truth]), dtype=torch.float32)
        net = network.train(x, y, network.SEED + 1 + k)
        with torch.no_grad():
            logits[held] = net(torch.from_numpy(inputs[held])).numpy()
        print(f"fold {k}: {held.sum()} photos held out, {len(made)} copies", file=sys.stderr)
    model, meta = load_model("screen")
    assert isinstance(model, JoinedModel)
    model = replace(model, backbone=None)  # the numbers and the network, as compared here
    today = cross_validated(data, model, meta["fit"]["l2"])
    numbers = cross_validated(data, model.numbers, meta["fit"]["l2"])
    today, numbers = np.log(today / (1 - today)), np.log(numbers / (1 - numbers))
    sizes = {group: (groups == group).sum() for group in set(groups)}
    largest = groups == max(sizes, key=sizes.get)
    print(f"{len(truth)} photos, {truth.sum()} lit, {len(sizes)} groups; grouped CV")
    print(line("today: numbers + network", today, truth, largest))
    print(line("today's network alone", data.unseen_network, truth, largest))
    print(line("network with the copies", logits, truth, largest))
    print(line("numbers + network with the copies", (numbers + logits) / 2, truth, largest))
    joined = (numbers + data.unseen_network + logits) / 3
    print(line("numbers + both networks", joined, truth, largest))


if __name__ == "__main__":
    main()
