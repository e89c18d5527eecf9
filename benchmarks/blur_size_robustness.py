"""How much the size a photo was saved at moves its blur estimate.

    python benchmarks/blur_size_robustness.py LABELS.csv [LABELS.csv ...]

Each labelled sharp or blurred photo of at least --smallest px on its long side is saved
again as JPEG (quality 90) at its own size and at each of --sides that is smaller, decoded
as a review decodes it (JPEG at reduced size: the analysis frame is 768-1024 px, depending
on the size) and measured. Prints how far one photo's softness moves across its sizes
(median and 90th percentile of largest over smallest, less one) and every photo whose
verdict (`blurry`, `possibly-blurry` or none, at the shipped limits) changes with the size.
The photos are in the `images/` folder beside each labels file (as eval-quality reads them).
"""

from __future__ import annotations

import argparse
import io
from pathlib import Path

import numpy as np
from PIL import Image

from image_review.evaluate_quality import read_quality_labels
from image_review.imaging import decode
from image_review.measures.quality import measure_quality
from image_review.photo_checks import blur_verdict, measured_softness
from image_review.policy import DEFAULT_POLICY

SIDES = (3264, 2048, 1600, 1280)  # an 8 MP phone, a web export, WhatsApp, older WhatsApp


def _saved_at(image: Image.Image, side: int) -> dict:
    """The quality measures of `image` saved as JPEG with `side` px on its long side."""
    if side != max(image.size):
        scale = side / max(image.size)
        size = (round(image.width * scale), round(image.height * scale))
        image = image.resize(size, Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    return measure_quality(decode(buffer.getvalue(), "JPEG", 10**9).gray)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("labels", type=Path, nargs="+")
    parser.add_argument("--sides", type=int, nargs="+", default=SIDES)
    parser.add_argument("--smallest", type=int, default=1400)
    args = parser.parse_args()
    spreads, changed = [], []
    for labels in args.labels:
        for label in read_quality_labels(labels):
            if label.blur not in ("sharp", "blurred"):
                continue
            with Image.open(labels.parent / "images" / label.file) as opened:
                image = opened.convert("RGB")
            long_side = max(image.size)
            if long_side < args.smallest:
                continue
            sides = [long_side, *(side for side in args.sides if side < long_side)]
            measured = [_saved_at(image, side) for side in sides]
            softness = [measured_softness(m) for m in measured]
            if None in softness:
                continue
            spreads.append(max(softness) / min(softness) - 1)
            verdicts = [blur_verdict(m, DEFAULT_POLICY) or "none" for m in measured]
            if len(set(verdicts)) > 1:
                sizes = ", ".join(
                    f"{side} px {value:.2f} {verdict}"
                    for side, value, verdict in zip(sides, softness, verdicts, strict=True)
                )
                changed.append(f"  {label.file} ({label.blur}): {sizes}")
    print(
        f"{len(spreads)} photos of {args.smallest} px or more, each saved at its own size and "
        f"at {', '.join(map(str, args.sides))} px where smaller"
    )
    print(
        f"softness moves by {np.median(spreads):.1%} at the median, "
        f"{np.percentile(spreads, 90):.1%} at the 90th percentile"
    )
    print(f"verdicts that change with the size: {len(changed)}")
    print("\n".join(changed))


if __name__ == "__main__":
    main()
