"""How well the copy check tells a copy of a photo from a different photo of the same scene.

    python benchmarks/copy_check.py LABELS.csv [LABELS.csv ...]

Copies: each photo of the labels files (in the `images/` folder beside each) cropped,
resized and saved again as JPEG, in each of COPIES (a crop of each side, a scale, a JPEG
quality), decoded as a review decodes it: each should be within the policy's
`duplicate_tile_limit`. Different photos: every pair of two photos of one group (the
`group` column, else `source_repo`) whose hashes are close enough to be compared (the
policy's `duplicate_hash_distance`): each should be over the limit. Identical files are
left out. Prints the copies missed by kind and the different pairs called copies, closest
first, with their tile differences.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
from pathlib import Path

import cv2
import numpy as np

from image_review.evaluate import csv_rows
from image_review.imaging import DecodeError, decode, sniff_format
from image_review.measures.fingerprint import dhash, hamming, thumbnail, tile_difference
from image_review.policy import DEFAULT_POLICY

COPIES = ((0.0, 1.0, 90), (0.03, 0.8, 70), (0.05, 0.5, 50), (0.08, 0.6, 40))
SHOWN = 8  # closest different pairs listed


def _copy_of(gray: np.ndarray, crop: float, scale: float, quality: int) -> np.ndarray:
    """The frame cropped by `crop` of each side, resized by `scale`, saved and decoded."""
    h, w = gray.shape
    dy, dx = int(h * crop), int(w * crop)
    small = cv2.resize(gray[dy : h - dy, dx : w - dx], None, fx=scale, fy=scale)
    _, data = cv2.imencode(".jpg", small, [cv2.IMWRITE_JPEG_QUALITY, quality])
    return decode(data.tobytes(), "JPEG", 10**9).gray


def _photos(labels: list[Path]) -> list[tuple[str, str, np.ndarray]]:
    """(group, file, frame) of every readable photo, one per distinct file content."""
    photos, seen = [], set()
    for path in labels:
        for row in csv_rows(path):
            data = (path.parent / "images" / row["file"]).read_bytes()
            digest = hashlib.sha256(data).hexdigest()
            if digest in seen:
                continue
            seen.add(digest)
            try:
                frame = decode(data, sniff_format(data[:32]) or "", 10**9)
            except DecodeError:
                continue
            group = f"{path.parent.name}:{row.get('group') or row.get('source_repo', '')}"
            photos.append((group, row["file"], frame.gray))
    return photos


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("labels", type=Path, nargs="+")
    args = parser.parse_args()
    limit = DEFAULT_POLICY.duplicate_tile_limit
    photos = _photos(args.labels)
    thumbs = [thumbnail(gray) for _, _, gray in photos]
    print(f"{len(photos)} photos; a copy is within a tile difference of {limit:g}")
    for kind in COPIES:
        copies = (thumbnail(_copy_of(gray, *kind)) for _, _, gray in photos)
        values = np.array([tile_difference(t, c) for t, c in zip(thumbs, copies, strict=True)])
        print(
            f"  copies cropped {kind[0]:.0%} a side, scaled {kind[1]:g}, JPEG quality "
            f"{kind[2]}: {np.count_nonzero(values >= limit)} missed, "
            f"largest {values.max():.3f}, 99th percentile {np.percentile(values, 99):.3f}"
        )
    hashes = [dhash(gray) for _, _, gray in photos]
    pairs = []
    for i, j in itertools.combinations(range(len(photos)), 2):
        close = hamming(hashes[i], hashes[j]) <= DEFAULT_POLICY.duplicate_hash_distance
        if photos[i][0] == photos[j][0] and close:
            pairs.append((tile_difference(thumbs[i], thumbs[j]), photos[i][1], photos[j][1]))
    pairs.sort()
    called = sum(difference < limit for difference, _, _ in pairs)
    print(f"  different photos of one group compared: {len(pairs)}, called copies: {called}")
    for difference, first, second in pairs[:SHOWN]:
        print(f"    {difference:.3f}  {first}  {second}")


if __name__ == "__main__":
    main()
