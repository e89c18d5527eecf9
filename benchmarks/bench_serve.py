"""The local page's speed against the command line, on phone-size photos.

    python benchmarks/bench_serve.py

9 JPEGs of 4032x3024 (quality 90). Prints, measured in this one run:
1. `image-review FOLDER` (the library's review, the CPU count of threads) against
   dropping the same 9 photos on the page: each sent on its own, two at a time as the page
   does, measured on arrival, then the page's state fetched: the ratio (target <= 1.5);
2. moving a photo to another slot: the request's time at the client (an upper bound of the
   server's), median and worst of 20, and how many photos were decoded meanwhile (target:
   <= 50 ms, no decode).
"""

from __future__ import annotations

import http.client
import json
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import cv2

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
from make_fixtures import jpeg
from synthetic import render_view

import image_review.review as review_module
from image_review.policy import load_policy
from image_review.review import review
from image_review.serve import local_server
from image_review.views import load_profile

VIEWS = (*load_profile().all_views,)


def photos() -> dict[str, bytes]:
    out = {}
    for seed, view in enumerate(VIEWS):
        pixels = cv2.resize(render_view(view, seed), (4032, 3024), interpolation=cv2.INTER_CUBIC)
        out[f"IMG_{4031 + seed}.jpg" if view in ("left", "right") else f"{view}.jpg"] = jpeg(
            pixels, 90
        )
    return out


def request(address: str, method: str, path: str, body: bytes | None = None) -> dict:
    parts = urlsplit(address)
    token = parts.query.removeprefix("token=")
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
    headers = {"X-Image-Review-Token": token, "Content-Type": "application/json"}
    connection.request(method, path, body=body, headers=headers)
    data = json.loads(connection.getresponse().read())
    connection.close()
    return data


def main() -> None:
    files = photos()
    with tempfile.TemporaryDirectory() as work:
        folder = Path(work) / "cli"
        folder.mkdir()
        for name, data in files.items():
            (folder / name).write_bytes(data)
        start = time.perf_counter()
        review(folder)
        cli = time.perf_counter() - start

        server = local_server(Path(work) / "page", load_profile(), load_policy())
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        time.sleep(0.5)
        address = server.address
        start = time.perf_counter()
        with ThreadPoolExecutor(max_workers=2) as pool:  # as the page sends them
            list(
                pool.map(
                    lambda item: request(address, "POST", f"/api/photos?name={item[0]}", item[1]),
                    files.items(),
                )
            )
        state = request(address, "GET", "/api/state")
        page = time.perf_counter() - start
        assert len(state["photos"]) == len(files)

        decodes = []
        original = review_module.decode
        review_module.decode = lambda *args, **kwargs: (
            decodes.append(1) or original(*args, **kwargs)
        )
        moves = []
        for i in range(20):
            view = "left" if i % 2 == 0 else "unassigned"
            body = json.dumps({"file": "IMG_4037.jpg", "view": view}).encode()
            start = time.perf_counter()
            moved = request(address, "POST", "/api/assign", body)
            moves.append(time.perf_counter() - start)
            assert moved["photos"]["IMG_4037.jpg"] == view, moved
        review_module.decode = original
        server.stop()
        thread.join(10)
    print(f"9 JPEG photos of 4032x3024 (q90, {sum(map(len, files.values())) / 2**20:.0f} MB)")
    print(
        f"1. image-review FOLDER: {cli:.2f} s; dropped on the page, measured and shown: "
        f"{page:.2f} s; ratio {page / cli:.2f} (target <= 1.5)"
    )
    print(
        f"2. moving a photo: median {statistics.median(moves) * 1000:.1f} ms, worst "
        f"{max(moves) * 1000:.1f} ms at the client (target <= 50 ms); photos decoded: "
        f"{len(decodes)}"
    )


if __name__ == "__main__":
    main()
