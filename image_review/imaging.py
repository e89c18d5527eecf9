"""Open and decode photos: format sniffing, one reduced decode, orientation, HEIC, limits.

Every photo is decoded exactly once, at analysis size (long side about 1024 px). JPEG is
decoded at reduced size by the codec itself (DCT scaling through Pillow's `draft`), so a
12-megapixel phone photo never exists at full resolution in memory.
"""

from __future__ import annotations

import contextlib
import functools
import io
import math
import re
import threading
import warnings
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image, ImageFile, UnidentifiedImageError

from image_review.i18n import _

# Truncation is detected from the file structure (see `is_truncated`), so Pillow may load
# what is there; the pixel cap is enforced here before decoding, not by Pillow's warning.
ImageFile.LOAD_TRUNCATED_IMAGES = True
Image.MAX_IMAGE_PIXELS = None
warnings.filterwarnings("ignore", module=r"PIL\..*")

ANALYSIS_LONG_SIDE = 1024
_DNG_VERSION = 50706  # the TIFF tag that makes a TIFF a camera raw file (DNG)
_REDUCIBLE = frozenset({"RGB", "RGBA", "L", "LA"})  # modes Pillow's reduce() takes

_FTYP_HEIF = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1", b"heif"}
_FTYP_AVIF = {b"avif", b"avis"}


def sniff_format(head: bytes) -> str | None:
    """The image format named by a file's first bytes, or None when it is not a photo."""
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "GIF"
    if head.startswith(b"BM") and len(head) >= 26:
        return "BMP"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "TIFF"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    if head.startswith((b"\xff\x0a", b"\x00\x00\x00\x0cJXL \r\n\x87\n")):
        return "JXL"  # a bare codestream, or the container
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        compatible = {head[i : i + 4] for i in range(16, len(head) - 3, 4)}
        if brand in _FTYP_AVIF or (brand in (b"mif1", b"msf1") and compatible & _FTYP_AVIF):
            return "AVIF"  # an AVIF may name the generic HEIF brand first
        if brand in _FTYP_HEIF:
            return "HEIF"
    return None


SNIFF_BYTES = 32


class DecodeError(Exception):
    """A photo that cannot be analysed; `code` is the finding code to report, `limit` the
    pixel cap a `pixel-limit` broke."""

    def __init__(self, code: str, detail: str, limit: int | None = None) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail
        self.limit = limit


@dataclass
class Frame:
    """One decoded photo: small upright pixels for every measure, plus header facts."""

    bgr: np.ndarray  # analysis-size colour image, upright, uint8 HxWx3
    gray: np.ndarray  # the same as 8-bit luminance
    width: int  # full size as displayed (after EXIF orientation)
    height: int
    orientation: int  # EXIF orientation tag as stored (1 when absent or invalid)
    has_gps: bool = False
    truncated: bool = False
    frames: int = 1  # animation frames or TIFF pages
    transparent: bool = False
    screen_capture: bool = False  # the metadata calls it a screenshot


@functools.cache
def _pillow_reads_avif() -> bool:
    from PIL import features

    return bool(features.check("avif"))


def read_by_heif(fmt: str) -> bool:
    """Whether pillow-heif reads this format: HEIC always, AVIF where Pillow cannot (Pillow
    11.3 and later read AVIF themselves; pillow-heif 1.x has no AV1 decoder any more)."""
    return fmt == "HEIF" or (fmt == "AVIF" and not _pillow_reads_avif())


@functools.cache
def heif_module():
    """pillow_heif, set to decode the primary image only (no thumbnails, depth or auxiliary
    images). Heavy: imported only when a HEIC/AVIF photo is met."""
    import pillow_heif

    pillow_heif.options.THUMBNAILS = False
    pillow_heif.options.DEPTH_IMAGES = False
    pillow_heif.options.AUX_IMAGES = False
    return pillow_heif


class DecodeBudget:
    """At most `pixels` decoded at full size at once, across threads: a decode waits until
    its pixels fit (one always runs, however large). `peak` is the most ever held."""

    def __init__(self, pixels: int) -> None:
        self.pixels = pixels
        self.held = 0
        self.peak = 0
        self._changed = threading.Condition()

    @contextlib.contextmanager
    def hold(self, pixels: int):
        with self._changed:
            self._changed.wait_for(lambda: self.held == 0 or self.held + pixels <= self.pixels)
            self.held += pixels
            self.peak = max(self.peak, self.held)
        try:
            yield
        finally:
            with self._changed:
                self.held -= pixels
                self._changed.notify_all()


UNLIMITED = DecodeBudget(2**62)


def _decode_heif(data: bytes, max_pixels: int, budget: DecodeBudget) -> Frame:
    """HEIC/AVIF: the primary image decoded by libheif (upright: it applies the stored
    rotation), viewed as a numpy array without a copy and shrunk to analysis size before
    anything else; the full-size buffer is released before the next decode may start."""
    heif = heif_module()
    try:
        container = heif.open_heif(io.BytesIO(data), convert_hdr_to_8bit=True)
        image = container[container.primary_index]
        width, height = image.size
        _check_pixels(width, height, max_pixels)
        exif = Image.Exif()
        if image.info.get("exif"):
            with contextlib.suppress(Exception):  # corrupt EXIF: decode the pixels anyway
                exif.load(image.info["exif"])
        channels = 4 if image.mode in ("RGBA", "BGRA") else 3
        with budget.hold(width * height):
            full = np.lib.stride_tricks.as_strided(  # rows may be padded: a view, no copy
                np.frombuffer(image.data, np.uint8),
                shape=(height, width, channels),
                strides=(image.stride, channels, 1),
                writeable=False,
            )
            small = _fit(full)
            del full, image, container
        rgb = _on_white(small) if channels == 4 else small
    except DecodeError:
        raise
    except MemoryError as err:
        raise DecodeError(
            "pixel-limit",
            _("the image is too large to decode ({reason})").format(reason=err),
            max_pixels,
        ) from None
    except Exception as err:  # libheif raises many kinds of error on damaged data
        raise DecodeError(
            "unreadable", _("the image data cannot be decoded ({reason})").format(reason=err)
        ) from None
    return _frame(rgb, width, height, 1, exif, data, "HEIF", frames=1, transparent=channels == 4)


def _on_white(rgba: np.ndarray) -> np.ndarray:
    """RGB of RGBA pixels with transparency flattened on white."""
    values = rgba.astype(np.float32)
    alpha = values[..., 3:4] / 255.0
    return (values[..., :3] * alpha + 255.0 * (1.0 - alpha)).round().astype(np.uint8)


def pixel_limit(width: int, height: int, max_pixels: int) -> DecodeError | None:
    """The error for an image of more pixels than the limit, else None."""
    if width * height <= max_pixels:
        return None
    return DecodeError(
        "pixel-limit",
        _(
            "its header claims {width}x{height} pixels ({megapixels:.0f} MP), more than the "
            "{limit:.0f} MP limit"
        ).format(
            width=width, height=height, megapixels=width * height / 1e6, limit=max_pixels / 1e6
        ),
        max_pixels,
    )


def _check_pixels(width: int, height: int, max_pixels: int) -> None:
    error = pixel_limit(width, height, max_pixels)
    if error is not None:
        raise error


# A JPEG marker: FF then a code that is not a stuffed zero, a restart, a fill byte or TEM.
_JPEG_MARKER = re.compile(rb"\xff[^\x00\x01\xd0-\xd7\xff]")


def jpeg_end(data: bytes, position: int = 2) -> int | None:
    """Where the first image's end marker (FF D9) ends, walking its segments and scans from
    `position` (a segment's start, or inside a scan); None when the data stops first. What
    follows (a phone's trailer, a gain map, a motion photo's video) is not walked."""
    while found := _JPEG_MARKER.search(data, position):
        position = found.start()
        if data[position + 1] == 0xD9:
            return position + 2
        if position + 4 > len(data):
            return None
        position += 2 + int.from_bytes(data[position + 2 : position + 4], "big")
    return None


def is_truncated(data: bytes, fmt: str) -> bool:
    """True when the file stops before its format's end marker."""
    if fmt == "JPEG":
        if data.rstrip(b"\x00\r\n ").endswith(b"\xff\xd9"):
            return False  # the usual case, decided without a scan of the file
        # Data may follow the image (a maker's trailer, a gain map, a motion photo's
        # video, whose bytes may hold anything): walk the image to its own end marker.
        return jpeg_end(data) is None
    if fmt == "PNG":
        return b"IEND" not in data[-64:]
    return False


def _orientation(exif: Image.Exif) -> int:
    value = exif.get(0x0112, 1)
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def _degrees(value: object, limit: float) -> float | None:
    """Degrees from EXIF's (degrees, minutes, seconds); None unless three finite numbers
    within `limit` (phones write empty blocks, 0/0 rationals (NaN) or a bare tag)."""
    try:
        parts = [float(part) for part in value]  # type: ignore[union-attr]
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    if len(parts) != 3 or not all(math.isfinite(p) and p >= 0 for p in parts):
        return None
    degrees = parts[0] + parts[1] / 60 + parts[2] / 3600
    return degrees if degrees <= limit else None


def _has_gps(exif: Image.Exif) -> bool:
    """Whether the photo records a real position: a latitude and a longitude that are
    numbers, not both zero (what a phone without a fix may write)."""
    try:
        gps = exif.get_ifd(0x8825)
    except Exception:  # a corrupt GPS block says nothing usable about a location
        return False
    latitude, longitude = _degrees(gps.get(2), 90), _degrees(gps.get(4), 180)
    return latitude is not None and longitude is not None and (latitude, longitude) != (0, 0)


def _to_rgb_array(im: Image.Image) -> tuple[np.ndarray, bool]:
    """8-bit RGB pixels of any Pillow mode, transparency flattened on white."""
    transparent = im.mode in ("RGBA", "LA", "PA") or "transparency" in im.info
    if im.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        values = np.asarray(im, dtype=np.float32)
        top = 65535.0 if values.max(initial=0) > 255 else 255.0
        gray8 = np.clip(values * (255.0 / top), 0, 255).astype(np.uint8)
        return np.dstack([gray8] * 3), False
    if transparent:
        return _on_white(np.asarray(im.convert("RGBA"))), True
    # An RGB image is read as it is: convert() would make one more full-size copy.
    return np.asarray(im if im.mode == "RGB" else im.convert("RGB")), False


def _apply_orientation(pixels: np.ndarray, orientation: int) -> np.ndarray:
    """Turn stored pixels upright as EXIF orientation 1..8 says."""
    if orientation in (2, 4, 5, 7):
        pixels = pixels[:, ::-1]
    turns = {3: 2, 4: 2, 5: 1, 6: 3, 7: 3, 8: 1}.get(orientation, 0)
    return np.ascontiguousarray(np.rot90(pixels, turns))


def decode(data: bytes, fmt: str, max_pixels: int, budget: DecodeBudget = UNLIMITED) -> Frame:
    """Decode a photo once at analysis size; raise DecodeError when it cannot be analysed.

    JPEG is decoded at reduced size by the codec (DCT scaling); other formats are decoded
    at full size, at most `budget` pixels of them at once, and shrunk at once.
    """
    if read_by_heif(fmt):
        return _decode_heif(data, max_pixels, budget)
    if fmt == "JXL":  # no decoder here, nor in the upload
        raise DecodeError(
            "unsupported-format",
            _("it is a JPEG XL image, which the upload does not take; export it as JPEG"),
        )
    try:
        im = Image.open(io.BytesIO(data))
        width, height = im.size
        _check_pixels(width, height, max_pixels)
        if fmt == "TIFF" and _DNG_VERSION in getattr(im, "tag_v2", {}):
            raise DecodeError(  # its first image is only a preview; the raw data needs a converter
                "unsupported-format",
                _(
                    "it is a camera raw file (DNG), which the upload does not take; export it "
                    "as JPEG (iPhone: share it as JPEG, or turn ProRAW off in Settings > Camera "
                    "> Formats)"
                ),
            )
        try:
            exif = im.getexif()
        except Exception:  # corrupt EXIF: decode the pixels anyway
            exif = Image.Exif()
        # A JPEG's further images (Pillow's MPO: an Ultra HDR gain map, a depth map, a
        # preview) are not frames of an animation: the photo is its first image.
        frames = 1 if fmt == "JPEG" else getattr(im, "n_frames", 1)
        long_side = max(width, height)
        if long_side > ANALYSIS_LONG_SIDE:
            scale = (ANALYSIS_LONG_SIDE * 0.75) / long_side
            im.draft(None, (max(1, int(width * scale)), max(1, int(height * scale))))
        with budget.hold(im.size[0] * im.size[1]):  # after draft: the size really decoded
            im.load()
            factor = max(im.size) // ANALYSIS_LONG_SIDE
            if factor > 1 and im.mode in _REDUCIBLE:
                im = im.reduce(factor)  # box-averaged in place of a full-size array copy
            rgb, transparent = _to_rgb_array(im)
            del im
            rgb = _fit(rgb)
    except DecodeError:
        raise
    except (MemoryError, Image.DecompressionBombError) as err:
        raise DecodeError(
            "pixel-limit",
            _("the image is too large to decode ({reason})").format(reason=err),
            max_pixels,
        ) from None
    except UnidentifiedImageError:
        raise DecodeError("unreadable", _("the image data is not in a format it claims")) from None
    except Exception as err:  # decoders raise many kinds of error on damaged data
        raise DecodeError(
            "unreadable", _("the image data cannot be decoded ({reason})").format(reason=err)
        ) from None
    return _frame(rgb, width, height, _orientation(exif), exif, data, fmt, frames, transparent)


def _frame(
    rgb: np.ndarray,
    width: int,
    height: int,
    orientation: int,
    exif: Image.Exif,
    data: bytes,
    fmt: str,
    frames: int,
    transparent: bool,
) -> Frame:
    """The Frame of analysis-size RGB pixels: turned upright, with the header facts."""
    if rgb.size == 0:
        raise DecodeError("unreadable", _("the image has no pixels"))
    rgb = _apply_orientation(rgb, orientation)
    bgr = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)
    shown_w, shown_h = (height, width) if orientation in (5, 6, 7, 8) else (width, height)
    return Frame(
        bgr=bgr,
        gray=cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY),
        width=shown_w,
        height=shown_h,
        orientation=_orientation(exif),
        has_gps=_has_gps(exif),
        truncated=is_truncated(data, fmt),
        frames=frames,
        transparent=transparent,
        screen_capture=_says_screen_capture(exif, data),
    )


_CAMERA_TAGS = (0x010F, 0x0110)  # EXIF Make and Model
_EXIF_IFD, _USER_COMMENT = 0x8769, 0x9286
_METADATA_BYTES = 65536  # where a PNG's or JPEG's XMP packet sits, before the pixels


def _says_screen_capture(exif: Image.Exif, data: bytes) -> bool:
    """Whether the metadata calls the picture a screenshot and names no camera: Apple's
    phones and Macs write "Screenshot" as its user comment (in XMP, or in EXIF)."""
    if any(exif.get(tag) for tag in _CAMERA_TAGS):
        return False
    if b">Screenshot<" in data[:_METADATA_BYTES]:
        return True
    try:
        comment = exif.get_ifd(_EXIF_IFD).get(_USER_COMMENT)
    except Exception:  # a corrupt EXIF block says nothing usable
        return False
    return isinstance(comment, (bytes, str)) and "Screenshot" in str(comment)


def _fit(pixels: np.ndarray) -> np.ndarray:
    """Shrink to at most ANALYSIS_LONG_SIDE on the long side (area averaging), read from
    the pixels as they are (OpenCV takes padded rows): the only new buffer is the small one."""
    h, w = pixels.shape[:2]
    long_side = max(h, w)
    if long_side <= ANALYSIS_LONG_SIDE:
        return np.ascontiguousarray(pixels)
    scale = ANALYSIS_LONG_SIDE / long_side
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return cv2.resize(pixels, size, interpolation=cv2.INTER_AREA)
