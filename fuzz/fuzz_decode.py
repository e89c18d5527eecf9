"""Fuzz the decode path with atheris: any bytes must decode or raise DecodeError.

    python fuzz/fuzz_decode.py -runs=3000 -max_len=65536 [CORPUS_DIR ...]

CI runs it for a bounded number of runs, seeded with the fixture photos.
"""

from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports():
    from image_review.imaging import DecodeError, decode, sniff_format

FORMATS = ("JPEG", "PNG", "GIF", "TIFF", "WEBP", "BMP", "HEIF")


def test_one_input(data: bytes) -> None:
    """Decode the bytes as what they sniff as, else as a format chosen by the first byte."""
    if not data:
        return
    fmt = sniff_format(data[:32]) or FORMATS[data[0] % len(FORMATS)]
    try:
        frame = decode(data, fmt, max_pixels=4_000_000)
    except DecodeError:
        return
    if frame.gray.ndim != 2 or frame.width <= 0 or frame.height <= 0:
        raise AssertionError(f"bad frame from {len(data)} bytes as {fmt}")


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
