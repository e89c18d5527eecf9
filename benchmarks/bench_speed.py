"""Speed and memory of whole runs, against the JPEG decoder's floor, in one run.

    python benchmarks/bench_speed.py [--quick] [--cleanvision-python PATH]

Generates phone-size photos (4032x3024 JPEG, quality 90, about 3 MB each) and prints:
1. one submission of 9 photos: `image-review SUBMISSION` as a whole process, against a
   bare Python process that reads, hashes and decodes each file with
   cv2.IMREAD_REDUCED_COLOR_4 (the decode floor); both include interpreter start-up;
2. a batch of 24 such submissions: --jobs 2 against --jobs 1;
3. peak memory of one batch worker (--jobs 1) on 48-megapixel photos (8000x6000);
4. `image-review --help`;
5. cleanvision's own checks on the same 9 photos, when cleanvision is installed;
6. iPhone-like HEIC (pillow-heif's encoder, 512 px grid tiles as iPhones write them, one
   photo with an EXIF orientation): 9 photos of 4032x3024 against the HEIC decode floor
   (read, sha256 and libheif's full decode, two threads), time and peak memory; and the
   peak memory of a review of two 48 MP HEIC photos (about 3 minutes to encode).
Times are the median of several runs; ratios come from this one run.
"""

from __future__ import annotations

import compileall
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

from image_review.views import load_profile

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
from synthetic import render_view

VIEWS = load_profile().all_views  # the eight required views and the screen switched on
FLOOR = """
import hashlib, sys
from pathlib import Path
import cv2
import numpy as np
for path in sorted(Path(sys.argv[1]).iterdir()):
    data = path.read_bytes()
    hashlib.sha256(data).hexdigest()
    cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_REDUCED_COLOR_4)
"""
PEAK_RSS = """
import resource, subprocess, sys
subprocess.run(sys.argv[1:], check=False, capture_output=True)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""
HEIC_FLOOR = """
import hashlib, sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
import pillow_heif
def one(path):
    data = path.read_bytes()
    hashlib.sha256(data).hexdigest()
    pillow_heif.open_heif(path).data
with ThreadPoolExecutor(2) as pool:
    list(pool.map(one, sorted(Path(sys.argv[1]).iterdir())))
"""
TOOL = [sys.executable, "-m", "image_review"]


def make_submission(folder: Path, size: tuple[int, int]) -> None:
    """Nine photo-like JPEGs at `size`, with sensor noise at full resolution."""
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for number, view in enumerate(VIEWS, start=1):
        small = render_view(view, number)
        big = cv2.resize(small, size, interpolation=cv2.INTER_CUBIC).astype(np.float32)
        big += rng.normal(0, 6.0, big.shape).astype(np.float32)
        photo = np.clip(big, 0, 255).astype(np.uint8)
        cv2.imwrite(str(folder / f"{number:02d}_{view}.jpg"), photo, [cv2.IMWRITE_JPEG_QUALITY, 90])


def make_heic(folder: Path, size: tuple[int, int], count: int) -> None:
    """`count` photo-like HEICs at `size`, encoded as iPhones do (512 px grid tiles); the
    fourth carries EXIF orientation 6 (turned a quarter)."""
    import pillow_heif
    from PIL import Image

    pillow_heif.options.GRID_TILE_SIZE = 512
    folder.mkdir(parents=True)
    rng = np.random.default_rng(1)
    for number, view in enumerate(VIEWS[:count], start=1):
        big = cv2.resize(render_view(view, number), size, interpolation=cv2.INTER_CUBIC)
        noisy = big.astype(np.float32) + rng.normal(0, 1.5, big.shape).astype(np.float32)
        rgb = cv2.cvtColor(np.clip(noisy, 0, 255).astype(np.uint8), cv2.COLOR_BGR2RGB)
        exif = Image.Exif()
        if number == 4:
            exif[0x0112] = 6
        heif = pillow_heif.from_bytes(mode="RGB", size=size, data=rgb.tobytes())
        heif.save(folder / f"{number:02d}_{view}.heic", quality=80, exif=exif.tobytes())


def peak_mb(command: list[str]) -> float:
    """Peak resident memory of a command, in MB."""
    peak = subprocess.run(
        [sys.executable, "-c", PEAK_RSS, *command], capture_output=True, text=True, check=True
    )
    return int(peak.stdout.strip()) / 1024


def timed(command: list[str], runs: int) -> float:
    """Median wall time of `runs` runs of a command, in seconds."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, check=False, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def batch_root(root: Path, photos: Path, count: int) -> None:
    """`count` submissions made of hard links to the same photos (no extra disk)."""
    for index in range(count):
        folder = root / f"submission-{index:02d}"
        folder.mkdir(parents=True)
        for photo in photos.iterdir():
            os.link(photo, folder / photo.name)


CLEANVISION = """
import sys
from cleanvision import Imagelab
Imagelab(data_path=sys.argv[1]).find_issues()
"""


def cleanvision_seconds(python: str, folder: Path) -> float | None:
    """Whole-process time of cleanvision's default checks, or None when not installed."""
    probe = subprocess.run([python, "-c", "import cleanvision"], capture_output=True)
    if probe.returncode != 0:
        return None
    return timed([python, "-c", CLEANVISION, str(folder)], 1)


def main() -> None:
    quick = "--quick" in sys.argv
    # Measure the package as pip installs it, with its bytecode compiled (an editable
    # install under PYTHONDONTWRITEBYTECODE parses every module on every run: ~40 ms).
    compileall.compile_dir(Path(__file__).resolve().parent.parent / "image_review", quiet=1)
    # cleanvision may live in another virtual environment: --cleanvision-python PATH
    args = sys.argv[1:]
    cleanvision_python = sys.executable
    if "--cleanvision-python" in args:
        cleanvision_python = args[args.index("--cleanvision-python") + 1]
    runs = 1 if quick else 3
    work = Path(tempfile.mkdtemp(prefix="image-review-bench-"))
    try:
        phone = work / "phone"
        make_submission(phone, (4032, 3024))
        megabytes = sum(p.stat().st_size for p in phone.iterdir()) / len(VIEWS) / 1e6
        print(f"machine: {os.cpu_count()} CPUs; photos: 9 x 4032x3024 JPEG q90, {megabytes:.1f} MB")

        floor = timed([sys.executable, "-c", FLOOR, str(phone)], runs)
        whole = timed([*TOOL, str(phone), "--out", str(work / "m.json"), "--quiet"], runs)
        print(
            f"1. one submission: image-review {whole:.2f} s, decode floor {floor:.2f} s, "
            f"ratio {whole / floor:.2f} (target <= 1.3)"
        )

        reported = timed(
            [
                *TOOL,
                str(phone),
                "--out",
                str(work / "m.json"),
                "--quiet",
                "--report",
                str(work / "r.html"),
                "--contact-sheet",
                str(work / "s.jpg"),
            ],
            runs,
        )
        print(
            f"   with --report and --contact-sheet: {reported:.2f} s, "
            f"+{(reported / whole - 1) * 100:.0f}% (target <= +20%)"
        )

        root = work / "batch"
        batch_root(root, phone, 24)
        one = timed([*TOOL, "batch", str(root), "--out-dir", str(work / "o1"), "--jobs", "1"], 1)
        two = timed([*TOOL, "batch", str(root), "--out-dir", str(work / "o2"), "--jobs", "2"], 1)
        print(
            f"2. batch of 24: --jobs 1 {one:.1f} s, --jobs 2 {two:.1f} s, "
            f"speed-up {one / two:.2f}x (target >= 1.6x on 2 cores)"
        )

        huge = work / "huge"
        make_submission(huge, (8000, 6000))
        huge_root = work / "huge-root"
        huge_root.mkdir()
        shutil.move(str(huge), huge_root / "huge")
        command = [*TOOL, "batch", str(huge_root), "--out-dir", str(work / "o3"), "--jobs", "1"]
        print(
            f"3. peak memory of one worker on 9 x 48 MP JPEG photos: {peak_mb(command):.0f} MB "
            "(target < 150 MB)"
        )

        helps = timed([*TOOL, "--help"], 5)
        script = shutil.which("image-review")
        if script:
            helps = min(helps, timed([script, "--help"], 5))
        print(f"4. image-review --help: {helps * 1000:.0f} ms (target < 300 ms)")

        seconds = cleanvision_seconds(cleanvision_python, phone)
        if seconds is None:
            print("5. cleanvision: not installed (pip install cleanvision to compare)")
        else:
            print(
                f"5. cleanvision find_issues on the same 9 photos, whole process: {seconds:.2f} s;"
                f" image-review {whole:.2f} s ({seconds / whole:.1f}x less time)"
            )

        heic = work / "heic"
        make_heic(heic, (4032, 3024), len(VIEWS))
        heic_floor = timed([sys.executable, "-c", HEIC_FLOOR, str(heic)], runs)
        heic_whole = timed([*TOOL, str(heic), "--out", str(work / "h.json"), "--quiet"], runs)
        floor_peak = peak_mb([sys.executable, "-c", HEIC_FLOOR, str(heic)])
        whole_peak = peak_mb([*TOOL, str(heic), "--out", str(work / "h.json"), "--quiet"])
        print(
            f"6. 9 HEIC 4032x3024: image-review {heic_whole:.2f} s, HEIC decode floor "
            f"{heic_floor:.2f} s, ratio {heic_whole / heic_floor:.2f} (target <= 1.15); "
            f"peak {whole_peak:.0f} MB against the floor's {floor_peak:.0f} MB, ratio "
            f"{whole_peak / floor_peak:.2f} (target <= 1.3)"
        )
        if not quick:
            big_heic = work / "heic48"
            make_heic(big_heic, (8064, 6048), 2)
            command = [*TOOL, str(big_heic), "--out", str(work / "h48.json"), "--quiet"]
            print(
                f"   2 HEIC of 48 MP (8064x6048): peak {peak_mb(command):.0f} MB (target < 500 MB)"
            )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
