"""A submission put together on the seller's local page: each photo is measured once when
it arrives, the seller moves photos between views, and every change is judged again from
the kept measures and saved to the folder's submission.toml, so the command line, `batch`
and the page always agree.
"""

from __future__ import annotations

import os
import tempfile
import threading
import unicodedata
from pathlib import Path

from image_review.i18n import _
from image_review.imaging import SNIFF_BYTES, DecodeBudget, sniff_format
from image_review.model import Pair, Review
from image_review.policy import Policy
from image_review.review import Evidence, Examined, assess, examine, measure_pairs
from image_review.sidecar import SIDECAR_NAME, Sidecar, read_sidecar, sidecar_text
from image_review.submission import MANIFEST_NAME, PhotoFile, discover
from image_review.views import UNASSIGNED, Profile, canonical_view

MAX_PHOTOS = 200  # photos in one submission folder
_WINDOWS_RESERVED = {"con", "prn", "aux", "nul"} | {
    f"{d}{n}" for d in ("com", "lpt") for n in range(10)
}
_NOT_IN_NAMES = set('<>:"/\\|?*')


class UploadError(ValueError):
    """A photo refused; `status` is the HTTP status that says why."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def safe_name(name: str) -> str:
    """A file name that stays inside the folder and is valid on every system: the last part
    of any path, without control or reserved characters or leading dots, and not a name
    the tool or Windows keeps for itself."""
    name = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if c.isprintable() and c not in _NOT_IN_NAMES)
    name = name.strip().lstrip(".").strip() or "photo"
    stem, dot, extension = name.rpartition(".")
    if not dot:
        stem, extension = name, ""
    reserved = stem.lower() in _WINDOWS_RESERVED or name.lower() in (MANIFEST_NAME, SIDECAR_NAME)
    stem = f"photo-{stem}" if reserved or not stem else stem
    return stem[:120] + (f".{extension[:10]}" if extension else "")


class LiveSubmission:
    """The folder's photos, measured once each, and their views as submission.toml says."""

    def __init__(self, folder: Path, profile: Profile, policy: Policy) -> None:
        self.folder, self.profile, self.policy = folder, profile, policy
        self._lock = threading.RLock()
        self._examined: dict[str, tuple[tuple[int, int], Examined]] = {}  # rel -> (stat, ..)
        self._pairs: dict[tuple[str, str], Pair] = {}
        self._measuring: dict[str, threading.Event] = {}
        self._budget = DecodeBudget(policy.decode_budget_pixels)
        folder.mkdir(parents=True, exist_ok=True)

    def review(self, screen: str = "auto") -> Review:
        """The review of the folder as it is now: photos new or changed on disk are measured
        (once, even when several requests ask at the same time), the others judged again
        from their kept measures."""
        found = discover(self.folder)
        for photo_file in found.photos:
            self._measure(photo_file)
        with self._lock:
            files = [p for p in found.photos if p.rel in self._examined]  # not vanished
            examined = [self._examined[p.rel][1] for p in files]
            present = {p.rel for p in files}
            pairs = [
                pair
                for (first, second), pair in sorted(self._pairs.items())
                if first in present and second in present
            ]
        evidence = Evidence(
            path=self.folder.resolve().name,
            files=files,
            photos=[e.result for e in examined],
            pairs=pairs,
            sidecar=read_sidecar(self.folder),
            ignored=found.ignored,
            outside_links=found.outside_links,
            link_loops=found.link_loops,
            previews={e.result.file: e.preview for e in examined if e.preview is not None},
        )
        return assess(evidence, self.policy, self.profile, screen)

    def _measure(self, photo_file: PhotoFile) -> None:
        """Decode and measure a photo not measured in its present state; when another
        request is measuring it already, wait for that one instead."""
        try:
            stat = photo_file.path.stat()
        except OSError:
            return
        key = (stat.st_size, stat.st_mtime_ns)
        with self._lock:
            known = self._examined.get(photo_file.rel)
            if known is not None and known[0] == key:
                return
            busy = self._measuring.get(photo_file.rel)
            if busy is None:
                self._measuring[photo_file.rel] = threading.Event()
        if busy is not None:
            busy.wait()
            return
        try:
            examined = examine(photo_file, self.policy, preview=True, budget=self._budget)
            with self._lock:
                self._examined[photo_file.rel] = (key, examined)
                others = [e for _key, e in self._examined.values()]
            pairs = measure_pairs(others, newcomer=examined)
            with self._lock:
                for pair in pairs:
                    self._pairs[(pair.first, pair.second)] = pair
        finally:
            with self._lock:
                self._measuring.pop(photo_file.rel).set()

    def preview(self, file: str) -> bytes | None:
        with self._lock:
            known = self._examined.get(file)
        return known[1].preview if known else None

    def add(self, name: str, data: bytes) -> str:
        """Save one uploaded photo into the folder under a safe name that overwrites
        nothing, and measure it; return its name. Raises UploadError."""
        fmt = sniff_format(data[:SNIFF_BYTES])
        if fmt is None:
            raise UploadError(
                _("{name}: not a photo (JPEG, PNG, HEIC, WebP, GIF, TIFF or BMP)").format(
                    name=name
                ),
                415,
            )
        if len(data) > self.policy.max_file_bytes:
            raise UploadError(
                _("{name}: {size:.0f} MiB is over the {limit:.0f} MiB limit").format(
                    name=name, size=len(data) / 2**20, limit=self.policy.max_file_bytes / 2**20
                ),
                413,
            )
        with self._lock:
            if len(discover(self.folder).photos) >= MAX_PHOTOS:
                raise UploadError(
                    _("{name}: the folder already holds {count} photos, the most it takes").format(
                        name=name, count=MAX_PHOTOS
                    ),
                    409,
                )
            path = _write_new(self.folder, safe_name(name), data)
        self._measure(PhotoFile(path.name, path, len(data), fmt))
        return path.name

    def assign(self, file: str, view: str) -> None:
        """Put `file` in `view` (or `unassigned`) in submission.toml, on disk at once.
        Only this photo's line changes: another tab's changes to other photos stay."""
        if view != UNASSIGNED and canonical_view(view, self.profile) != view:
            raise UploadError(_("{view}: not a view of this shot list").format(view=view))
        with self._lock:
            if file not in {p.rel for p in discover(self.folder).photos}:
                raise UploadError(_("{name}: no such photo in the folder").format(name=file), 404)
            sidecar = read_sidecar(self.folder) or Sidecar()
            views = {
                key: [f for f in files if f != file]
                for key, files in sidecar.views.items()
                if key == UNASSIGNED or canonical_view(key, self.profile) is not None
            }
            views.setdefault(view, []).append(file)  # `unassigned` too: its name may say a view
            sidecar.views = {key: files for key, files in views.items() if files}
            self._save(sidecar)

    def set_has_screen(self, value: bool | None) -> None:
        """Say in submission.toml whether the product has a screen (None: not said)."""
        with self._lock:
            sidecar = read_sidecar(self.folder) or Sidecar()
            sidecar.product.has_screen = value
            self._save(sidecar)

    def _save(self, sidecar: Sidecar) -> None:
        from image_review.atomic import write_atomic

        write_atomic(self.folder / SIDECAR_NAME, sidecar_text(sidecar).encode("utf-8"))


def _write_new(folder: Path, name: str, data: bytes) -> Path:
    """Write `data` to folder/name, or name-2, name-3 ... when taken: atomically (a
    temporary file linked into place) and never over an existing file."""
    stem, dot, extension = name.rpartition(".")
    if not dot:
        stem, extension = name, ""
    handle, temporary = tempfile.mkstemp(prefix=".upload-", dir=folder)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        for number in range(1, 10_000):
            candidate = stem if number == 1 else f"{stem}-{number}"
            path = folder / (f"{candidate}.{extension}" if extension else candidate)
            try:
                os.link(temporary, path)  # fails when the name is taken: nothing overwritten
            except FileExistsError:
                continue
            return path
        raise UploadError(_("{name}: too many photos of this name").format(name=name), 409)
    finally:
        os.unlink(temporary)
