"""The upload-ready set: one JPEG per view of the shot list, upright, in sRGB, without the
metadata a seller would not want to share, named for the upload.

A JPEG that is already upright and sRGB (or untagged) keeps its compressed pixels bit for
bit: only its metadata segments are dropped and the sRGB profile is written in. Any other
photo (HEIC, PNG, a rotated or Display P3 or CMYK JPEG, ...) is decoded at full size once,
made upright, flattened on white, converted to sRGB with the profile it carries (Pillow's
ImageCms) and encoded once as JPEG at quality JPEG_QUALITY. Everything is written to a
temporary folder (or file, for a zip) that is renamed into place at the end: a failure
leaves nothing behind, and the submission folder is only read.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import os
import re
import shutil
import struct
import tempfile
import zipfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import BinaryIO

from PIL import Image, ImageCms, ImageOps

from image_review.i18n import _
from image_review.imaging import heif_module, is_truncated, jpeg_end, read_by_heif
from image_review.model import PhotoResult, Review
from image_review.views import SCREEN_ON, Profile

JPEG_QUALITY = 95  # with 4:2:0 chroma, as a camera writes: visually lossless, half of 4:4:4
MANIFEST_NAME = "export-manifest.json"
EXPORT_SCHEMA = "image-review/export/v2"  # v2: `sku` became `product_id`
AMAZON_SLOTS = ("MAIN", *(f"PT{i:02d}" for i in range(1, 9)))  # Amazon's image name suffixes
_PRODUCT_ID = re.compile(r"^(?:[A-Z0-9]{10}|\d{10,14})$")
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # a fixed timestamp: the same input gives the same bytes
_KEPT_SEGMENTS = {0xE0, 0xEE}  # JFIF, and Adobe (it says how the colours are stored)
_NO_LENGTH = {0x01, *range(0xD0, 0xD8)}  # markers without a length field


class ExportError(Exception):
    """The set cannot be written; the message names the file and what to do."""


@dataclass
class Planned:
    """One file of the set: its name, the photo it comes from and the view it shows."""

    name: str
    photo: PhotoResult
    view: str


@dataclass
class Written:
    """One file written, where it came from and what was changed (for export-manifest.json)."""

    file: str
    source: str
    view: str
    source_sha256: str
    sha256: str
    width: int
    height: int
    changes: list[str] = field(default_factory=list)


def check_product_id(product_id: str) -> str:
    """The product ID for Amazon's naming, upper-cased: a 10-character ASIN or a 10 to
    14 digit UPC, EAN, ISBN or GTIN. Raises ExportError otherwise."""
    code = product_id.strip().upper()
    if not _PRODUCT_ID.match(code):
        raise ExportError(
            _(
                "{value} is not an ASIN (10 letters and digits, like B0ABCD1234) or a 10 to "
                "14 digit UPC/EAN/GTIN. A seller SKU cannot be used: Amazon matches image "
                "files to a product by the ASIN or barcode in their names, and your own SKU "
                "is neither"
            ).format(value=product_id)
        )
    return code


def main_view(profile: Profile) -> str:
    """The view whose photo is Amazon's MAIN image: the product's front, else the first
    view of the product itself."""
    ids = [v.id for v in profile.views if v.product]
    return "front" if "front" in ids else (ids or list(profile.required))[0]


def plan(review: Review, naming: str = "views", product_id: str | None = None):
    """The files of the set in order, and the photos left out with the reason.

    Each view's photos in shot-list order (the one that counts first, then any further
    photo of it), then the screen-on photo when it is not one of those. Amazon naming puts
    the main view first as MAIN, then PT01..PT08.
    """
    by_file = {p.file: p for p in review.photos}
    repeats = {p.file for p in review.photos for f in p.findings if f.code == "repeated-photo"}
    chosen: list[tuple[PhotoResult, str]] = []
    for requirement in review.requirements:
        if requirement.id == "min_photos" or requirement.status in ("fail", "not_required"):
            continue
        view = requirement.id.removeprefix("view.")
        for file in requirement.photos:
            if file not in repeats and all(p.file != file for p, _v in chosen):
                chosen.append((by_file[file], view))
    left_out = [
        {"file": p.file, "reason": _("not a photo of a required view that counts")}
        for p in review.photos
        if all(p.file != c.file for c, _v in chosen)
    ]
    if naming == "amazon":
        main = main_view(review.profile)
        chosen.sort(key=lambda pair: pair[1] != main)  # stable: the rest keep their order
        slots = zip(AMAZON_SLOTS, chosen, strict=False)
        named = [Planned(f"{product_id}.{slot}.jpg", p, v) for slot, (p, v) in slots]
        left_out += [
            {"file": p.file, "reason": _("Amazon's naming has no slot after PT08")}
            for p, _v in chosen[len(AMAZON_SLOTS) :]
        ]
        return named, left_out
    counts: dict[str, int] = {}
    named = []
    for number, (photo, view) in enumerate(chosen, start=1):
        counts[view] = counts.get(view, 0) + 1
        suffix = "" if counts[view] == 1 else f"-{counts[view]}"
        stem = "screen-on" if view == SCREEN_ON else view.replace("_", "-")
        named.append(Planned(f"{number:02d}-{stem}{suffix}.jpg", photo, view))
    return named, left_out


# The creation date written into the sRGB profile. LittleCMS stamps the time of the call,
# which would make two exports of one set differ in every JPEG.
PROFILE_DATE = struct.pack(">6H", 2000, 1, 1, 0, 0, 0)
_DATE_FIELD = slice(24, 36)  # the ICC header's dateTimeNumber


@functools.cache
def srgb_profile() -> bytes:
    """The sRGB ICC profile written into every exported JPEG (LittleCMS's, 588 bytes), with
    a fixed creation date and the profile ID (ICC.1 7.2.18: the MD5 of the profile with its
    flags, rendering intent and ID zeroed) computed for it."""
    icc = bytearray(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    icc[_DATE_FIELD] = PROFILE_DATE
    hashed = bytearray(icc)
    for span in (slice(44, 48), slice(64, 68), slice(84, 100)):
        hashed[span] = bytes(span.stop - span.start)
    icc[84:100] = hashlib.md5(hashed, usedforsecurity=False).digest()
    return bytes(icc)


def export_target(out: Path, as_zip: bool) -> Path:
    """Where the set goes: OUT, or OUT.zip with `as_zip`."""
    return out.with_name(out.name + ".zip") if as_zip and out.suffix != ".zip" else out


def _is_srgb(icc: bytes | None) -> bool:
    """No profile (sRGB is assumed), or one that says it is sRGB."""
    if not icc:
        return True
    try:
        description = ImageCms.getProfileDescription(ImageCms.ImageCmsProfile(io.BytesIO(icc)))
    except (ImageCms.PyCMSError, OSError):
        return False
    return "srgb" in description.lower()


def upload_jpeg(data: bytes, fmt: str, max_long_side: int) -> tuple[bytes, list[str]]:
    """The photo as an upload-ready JPEG, and what was changed. Raises ExportError when the
    photo cannot be decoded at full size."""
    if is_truncated(data, fmt):
        raise ExportError(_("the file ends early: part of the picture is missing"))
    image = _open(data, fmt)
    orientation = 1 if read_by_heif(fmt) else image.getexif().get(0x0112, 1)
    lossless = (
        fmt == "JPEG"
        and image.mode in ("RGB", "L")
        and orientation in (0, 1)
        and _is_srgb(image.info.get("icc_profile"))
        and max(image.size) <= max_long_side
    )
    if lossless:
        image.draft(image.mode, (image.width // 8, image.height // 8))  # scaled: quicker
        _load(image)  # the compressed data decodes
        return _strip_jpeg(data), ["metadata-removed"]
    _load(image)
    changes = (
        [] if fmt == "JPEG" else [f"converted-from-{'heic' if fmt == 'HEIF' else fmt.lower()}"]
    )
    if orientation not in (0, 1):
        image = ImageOps.exif_transpose(image)
        changes.append("rotated")
    image, more = _srgb_pixels(image)
    changes += more
    if max(image.size) > max_long_side:
        image.thumbnail((max_long_side, max_long_side), Image.Resampling.LANCZOS)
        changes.append("resized")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=JPEG_QUALITY, subsampling="4:2:0", icc_profile=srgb_profile())
    return out.getvalue(), [*changes, "metadata-removed", "re-encoded"]


def _open(data: bytes, fmt: str) -> Image.Image:
    try:
        if read_by_heif(fmt):
            heif = heif_module().open_heif(io.BytesIO(data), convert_hdr_to_8bit=True)
            return heif[heif.primary_index].to_pillow()  # upright: libheif applies rotation
        return Image.open(io.BytesIO(data))
    except Exception as err:  # the codecs raise many kinds of error on damaged data
        raise ExportError(str(err)) from None


def _load(image: Image.Image) -> None:
    try:
        image.load()
    except Exception as err:
        raise ExportError(str(err)) from None


def _srgb_pixels(image: Image.Image) -> tuple[Image.Image, list[str]]:
    """8-bit RGB in sRGB, flattened on white, and what it took."""
    changes = []
    icc = image.info.get("icc_profile")
    if image.mode.startswith("I;16") or image.mode == "I":
        image = image.point(lambda v: v / 256).convert("L")
        changes.append("16-bit-reduced")
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(white, rgba).convert("RGB")
        changes.append("transparency-flattened")
    if image.mode == "CMYK":
        changes.append("cmyk-converted")
        if icc:
            return _converted(image, icc), [*changes, "profile-converted"]
        return image.convert("RGB"), changes
    if image.mode != "RGB":
        image = image.convert("RGB")
        icc = icc if icc and _colour_space(icc) == "RGB" else None
    if not _is_srgb(icc):
        return _converted(image, icc), [*changes, "profile-converted"]
    return image, changes


def _colour_space(icc: bytes) -> str:
    return icc[16:20].decode("ascii", "replace").strip()


def _converted(image: Image.Image, icc: bytes) -> Image.Image:
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        target = ImageCms.ImageCmsProfile(io.BytesIO(srgb_profile()))
        return ImageCms.profileToProfile(image, source, target, outputMode="RGB")
    except (ImageCms.PyCMSError, OSError) as err:
        raise ExportError(
            _("its colour profile cannot be read ({reason})").format(reason=err)
        ) from None


def _strip_jpeg(data: bytes) -> bytes:
    """The JPEG without its metadata segments (EXIF, XMP, IPTC, comments, other profiles),
    with the sRGB profile written in; the compressed pixels are copied unchanged."""
    out = bytearray(data[:2])
    position, written_profile = 2, False
    while position + 4 <= len(data):
        if data[position] != 0xFF:
            raise ExportError(_("the JPEG's headers are damaged"))
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte
            position += 1
            continue
        if marker in _NO_LENGTH:
            out += data[position : position + 2]
            position += 2
            continue
        length = int.from_bytes(data[position + 2 : position + 4], "big")
        segment = data[position : position + 2 + length]
        is_metadata = 0xE0 <= marker <= 0xEF and marker not in _KEPT_SEGMENTS
        if marker != 0xE0 and not written_profile:
            out += _icc_segment(srgb_profile())
            written_profile = True
        if not (is_metadata or marker == 0xFE):
            out += segment
        position += 2 + length
        if marker == 0xDA:  # start of scan: the compressed image, up to its end marker
            end = jpeg_end(data, position)  # what follows (a gain map, a video) is left out
            if end is None:
                break
            return bytes(out + data[position:end])
    raise ExportError(_("the JPEG's headers are damaged"))


def _icc_segment(icc: bytes) -> bytes:
    payload = b"ICC_PROFILE\0\x01\x01" + icc
    return b"\xff\xe2" + (len(payload) + 2).to_bytes(2, "big") + payload


def export(
    review: Review,
    folder: Path,
    out: Path,
    naming: str = "views",
    product_id: str | None = None,
    as_zip: bool = False,
    force: bool = False,
    max_long_side: int = 10000,
) -> tuple[list[Written], list[dict]]:
    """Write the set of a reviewed submission to OUT (a folder, or OUT.zip with `as_zip`),
    atomically; return what was written and what was left out.

    Raises ExportError (nothing written) when OUT exists and not `force`, when OUT lies in
    the submission folder, or when a photo cannot be read or decoded at full size.
    """
    target = export_target(out, as_zip)
    if target.resolve().is_relative_to(folder.resolve()):
        raise ExportError(
            _("{path}: the export must not go inside the submission folder {folder}").format(
                path=target, folder=folder
            )
        )
    if target.exists() and not force:
        raise ExportError(_("{path} already exists; use --force to replace it").format(path=target))
    if not target.parent.is_dir():
        raise ExportError(
            _("{path}: the folder {folder} does not exist; create it first").format(
                path=target, folder=target.parent
            )
        )
    files, written, left_out = upload_set(review, folder, naming, product_id, max_long_side)
    (_write_zip if as_zip else _write_folder)(target, files)
    return written, left_out


def upload_set(
    review: Review,
    folder: Path,
    naming: str = "views",
    product_id: str | None = None,
    max_long_side: int = 10000,
) -> tuple[dict[str, bytes], list[Written], list[dict]]:
    """The upload-ready files of a reviewed submission (name to bytes, in order, with
    export-manifest.json last), what was written and what was left out; in memory.

    Raises ExportError when a photo cannot be read or decoded at full size.
    """
    planned, left_out = plan(review, naming, product_id)
    files: dict[str, bytes] = {}
    written = []
    for item in planned:
        data = _read(folder, item.photo)
        try:
            jpeg, changes = upload_jpeg(data, item.photo.format or "", max_long_side)
        except ExportError as err:
            raise ExportError(
                _(
                    "{file}: cannot be exported ({reason}); copy the original again from the "
                    "phone. Nothing was written"
                ).format(file=item.photo.file, reason=err)
            ) from None
        files[item.name] = jpeg
        with Image.open(io.BytesIO(jpeg)) as done:
            size = done.size
        written.append(
            Written(
                file=item.name,
                source=item.photo.file,
                view=item.view,
                source_sha256=hashlib.sha256(data).hexdigest(),
                sha256=hashlib.sha256(jpeg).hexdigest(),
                width=size[0],
                height=size[1],
                changes=changes,
            )
        )
    manifest = {
        "schema": EXPORT_SCHEMA,
        "submission": review.path,
        "profile": review.profile.name,
        "naming": naming,
        "product_id": product_id,
        "files": [asdict(w) for w in written],
        "left_out": left_out,
    }
    text = json.dumps(manifest, ensure_ascii=False, indent=2) + "\n"
    files[MANIFEST_NAME] = text.encode("utf-8")
    return files, written, left_out


def _read(folder: Path, photo: PhotoResult) -> bytes:
    try:
        return (folder / photo.file).read_bytes()
    except OSError as err:
        raise ExportError(
            _("{file}: cannot be read ({reason}); nothing was written").format(
                file=photo.file, reason=err.strerror
            )
        ) from None


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _write_folder(target: Path, files: dict[str, bytes]) -> None:
    """Fill a temporary folder beside TARGET, then rename it into place."""
    temporary = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    os.chmod(temporary, 0o777 & ~_umask())  # as a folder made with mkdir would be
    try:
        for name, data in files.items():
            (temporary / name).write_bytes(data)
        if target.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old.", dir=target.parent))
            os.replace(target, old / target.name)
            os.replace(temporary, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(temporary, target)
    finally:
        if temporary.exists():
            shutil.rmtree(temporary, ignore_errors=True)


def _write_zip(target: Path, files: dict[str, bytes]) -> None:
    """The zip (see zip_into) written to a temporary file and renamed into place."""
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    os.chmod(temporary, 0o666 & ~_umask())
    try:
        with os.fdopen(handle, "wb") as raw:
            zip_into(raw, files)
        if target.is_dir():
            shutil.rmtree(target)
        os.replace(temporary, target)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def zip_into(raw: BinaryIO, files: dict[str, bytes]) -> None:
    """A zip with fixed timestamps, permissions and order: the same set gives the same
    bytes. JPEGs are stored (they do not compress), the manifest deflated."""
    with zipfile.ZipFile(raw, "w") as archive:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.create_system = 3  # unix, on every system
            info.external_attr = 0o644 << 16
            info.compress_type = (
                zipfile.ZIP_STORED if name.endswith(".jpg") else zipfile.ZIP_DEFLATED
            )
            archive.writestr(info, data, compresslevel=9)
