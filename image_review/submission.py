"""Find the photos in a submission folder and decide which view each one shows."""

from __future__ import annotations

import contextlib
import os
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from image_review.i18n import _
from image_review.imaging import SNIFF_BYTES, sniff_format
from image_review.model import Finding
from image_review.sidecar import SIDECAR_NAME, Sidecar, SidecarError, leaves_folder
from image_review.views import (
    SCREEN_ON,
    UNASSIGNED,
    Profile,
    canonical_view,
    load_profile,
    parse_name,
)

MANIFEST_NAME = "review-manifest.json"
#: Extensions that promise a photo: such a file is reported even when its bytes are not one.
# Camera raw files: photos, but not what the upload takes (a TIFF-based one opens only as
# the preview it starts with); the JPEG a camera saves beside each is the photo to send.
CAMERA_RAW_EXTENSIONS = frozenset(
    {".dng", ".raw", ".cr2", ".cr3", ".crw", ".nef", ".nrw", ".arw", ".srf", ".sr2", ".orf"}
    | {".rw2", ".raf", ".pef", ".srw", ".3fr", ".iiq", ".erf", ".kdc", ".dcr", ".mrw", ".x3f"}
)
IMAGE_EXTENSIONS = (
    frozenset(
        {".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".gif", ".bmp", ".tif", ".tiff", ".webp"}
        | {".heic", ".heif", ".hif", ".avif", ".jxl", ".psd"}
    )
    | CAMERA_RAW_EXTENSIONS
)


def is_camera_raw(rel: str) -> bool:
    """Whether the file's name says it is a camera raw file."""
    return PurePosixPath(rel).suffix.lower() in CAMERA_RAW_EXTENSIONS


_SKIPPED_NAMES = frozenset({MANIFEST_NAME, SIDECAR_NAME, "thumbs.db", "desktop.ini"})


class SubmissionError(Exception):
    """The folder itself cannot be reviewed (missing, not a folder, unreadable)."""


@dataclass
class PhotoFile:
    """A file that is, or claims by its name to be, a photo."""

    rel: str  # relative path with '/', printable (undecodable bytes replaced)
    path: Path
    size: int
    format: str | None  # sniffed from the bytes; None when they are no known image format


@dataclass
class Discovery:
    """Everything found in a submission folder."""

    photos: list[PhotoFile] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)  # files that are not photos
    outside_links: list[str] = field(default_factory=list)
    link_loops: list[str] = field(default_factory=list)


@dataclass
class Assignment:
    """The view a photo shows, where that came from, and a hint when it is unassigned."""

    view: str
    source: str
    screen_label: bool = False
    hint: str = ""
    read_as: str = ""  # the name as GB18030 read it, when only that reading names a view


def printable(rel: str) -> str:
    """A relative path safe to print and store in JSON: bytes that are not UTF-8 are shown
    as `\\xff` escapes, so two such names never print alike."""
    return rel.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def name_bytes(rel: str) -> bytes:
    """The bytes of a name `printable` made: its `\\xNN` escapes back to bytes."""
    return re.sub(rb"\\x([0-9a-f]{2})", lambda m: bytes([int(m[1], 16)]), rel.encode("utf-8"))


def _sniff(path: Path) -> str | None:
    with path.open("rb") as handle:
        return sniff_format(handle.read(SNIFF_BYTES))


def discover(folder: Path) -> Discovery:
    """Every photo under `folder` (sub-folders too), sorted by relative path.

    Hidden files, the tool's own outputs and the sidecar are skipped; links leading outside
    the folder are reported, never followed.
    """
    if not folder.exists():
        raise SubmissionError(_("{folder}: no such folder").format(folder=folder))
    if not folder.is_dir():
        if zipfile.is_zipfile(folder):
            message = _("{folder}: a zip archive; unzip it and give the folder it holds")
        else:
            message = _("{folder}: not a folder; give the folder that holds the photos")
        raise SubmissionError(message.format(folder=folder))
    root = folder.resolve()
    found = Discovery()

    def walk_error(err: OSError) -> None:
        if Path(err.filename or "").resolve() == root:
            raise SubmissionError(
                _("{folder}: cannot be read ({reason})").format(folder=folder, reason=err.strerror)
            )

    for dirpath, dirnames, filenames in os.walk(folder, onerror=walk_error):
        here = Path(dirpath)
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d != "__MACOSX")
        for name in dirnames:
            _unfollowed(found, root, here / name, _rel(folder, here / name))
        for name in sorted(filenames):
            if name.startswith(".") or name.lower() in _SKIPPED_NAMES:
                continue
            _add_file(found, folder, root, here / name)
    found.photos.sort(key=lambda p: p.rel)
    return found


SUBMISSION_PHOTOS = 5  # a sub-folder with this many photos and no view name is a submission


def nested_submissions(found: Discovery, folder: Path, profile: Profile | None = None) -> list[str]:
    """The direct sub-folders that look like submissions of their own: one holding its own
    `submission.toml`, or, when there are several, folders whose names are no view and that
    hold a set of photos (SUBMISSION_PHOTOS or more) each. Empty when the folder is one
    submission (a single `DCIM/` of photos is still one)."""
    counts: dict[str, int] = {}
    for photo in found.photos:
        parts = PurePosixPath(photo.rel).parts
        if len(parts) > 1:
            counts[parts[0]] = counts.get(parts[0], 0) + 1
    with_sidecar = [name for name in counts if (folder / name / SIDECAR_NAME).is_file()]
    if with_sidecar:
        return sorted(counts)
    looks_like = [
        name
        for name, photos in counts.items()
        if photos >= SUBMISSION_PHOTOS and not _names_a_view(name, profile)
    ]
    return sorted(looks_like) if len(looks_like) > 1 else []


def _names_a_view(name: str, profile: Profile | None) -> bool:
    meaning = parse_name(name, profile)
    return bool(meaning.view or meaning.side_number or meaning.ambiguous)


def _add_file(found: Discovery, folder: Path, root: Path, path: Path) -> None:
    rel = _rel(folder, path)
    if _unfollowed(found, root, path, rel):
        return
    try:
        if not path.is_file():
            return
        size = path.stat().st_size
        fmt = _sniff(path) if size else None
    except OSError:
        fmt, size = None, 0
    if fmt is None and path.suffix.lower() not in IMAGE_EXTENSIONS:
        found.ignored.append(rel)
        return
    found.photos.append(PhotoFile(rel=rel, path=path, size=size, format=fmt))


def _rel(folder: Path, path: Path) -> str:
    return printable(path.relative_to(folder).as_posix())


def _unfollowed(found: Discovery, root: Path, path: Path, rel: str) -> bool:
    """Note a link that loops or leads outside the folder (neither is followed); True
    for either."""
    if not path.is_symlink():
        return False
    try:
        target = path.resolve(strict=True)
    except FileNotFoundError:  # a link to nothing: where it points still tells
        target = path.resolve(strict=False)
    except (OSError, RuntimeError):  # a loop: RuntimeError up to Python 3.12, ELOOP after
        found.link_loops.append(rel)
        return True
    inside = target.is_relative_to(root)
    if not inside:
        found.outside_links.append(rel)
    return not inside


def _key(rel: str) -> str:
    """Comparable form of a relative path (macOS writes decomposed Unicode)."""
    return unicodedata.normalize("NFC", rel).casefold()


def assign_views(
    photos: list[PhotoFile], sidecar: Sidecar | None, profile: Profile | None = None
) -> tuple[dict[str, Assignment], list[Finding]]:
    """The view of every photo, in the profile's words: sidecar first, then folder names,
    then file names. Raises SidecarError for a [views] key that names no view."""
    profile = profile or load_profile()
    assigned: dict[str, Assignment] = {}
    findings: list[Finding] = []
    if sidecar is not None:
        findings += _from_sidecar(photos, sidecar, profile, assigned)
    generic: list[tuple[int, str, str]] = []  # (side number, rel, source)
    for photo in photos:
        if photo.rel in assigned:
            continue
        assignment, side = _from_name(photo.rel, profile)
        if side is not None:
            generic.append((side, photo.rel, assignment.source))
        assigned[photo.rel] = assignment
        if assignment.read_as:
            findings.append(_read_as_gb18030(photo.rel))
    _fill_side_slots(generic, assigned, profile.side_views)
    return assigned, findings


def views_named(files: list[str], profile: Profile) -> dict[str, list[str]]:
    """The files (not photos: videos, documents) whose folder or file name names a view,
    by view; one whose name says the screen is on is listed under SCREEN_ON too."""
    named: dict[str, list[str]] = {}
    for rel in files:
        assignment, _side = _from_name(rel, profile)
        views = {assignment.view} - {UNASSIGNED}
        if assignment.screen_label:
            views.add(SCREEN_ON)
        for view in sorted(views):
            named.setdefault(view, []).append(rel)
    return named


def _sidecar_views(sidecar: Sidecar, profile: Profile) -> dict[str, list[str]]:
    """The sidecar's [views], keyed by view id of the profile."""
    views: dict[str, list[str]] = {}
    for key, files in sidecar.views.items():
        view = UNASSIGNED if key == UNASSIGNED else canonical_view(key, profile)
        if view is None:
            guessed = _(
                " (the file is not UTF-8 and was read as GBK, as Chinese Windows saves it; "
                "if the key looks garbled, save the file as UTF-8)"
            )
            raise SidecarError(
                _(
                    "{file}: [views] key {key!r} is not a view of the {profile} profile; use "
                    "one of {views}"
                ).format(
                    file=sidecar.where,
                    key=key,
                    profile=profile.name,
                    views=", ".join(profile.all_views),
                )
                + (guessed if sidecar.read_as_gbk else "")
            )
        views.setdefault(view, []).extend(files)
    return views


def _from_sidecar(
    photos: list[PhotoFile], sidecar: Sidecar, profile: Profile, assigned: dict[str, Assignment]
) -> list[Finding]:
    by_key = {_key(p.rel): p.rel for p in photos}
    findings = []
    screen_files: list[str] = []
    for view, files in _sidecar_views(sidecar, profile).items():
        for name in files:
            pure = PurePosixPath(name.replace("\\", "/"))
            if leaves_folder(name):
                findings.append(
                    Finding(
                        "sidecar-path-outside",
                        _(
                            "{sidecar}: views.{view} names a path outside the submission "
                            "folder (…/{name}); list files by their path inside the folder"
                        ).format(sidecar=SIDECAR_NAME, view=view, name=pure.name),
                    )
                )
                continue
            rel = by_key.get(_key(pure.as_posix().removeprefix("./")))
            if rel is None:
                findings.append(
                    Finding(
                        "sidecar-missing-file",
                        _(
                            "{sidecar}: views.{view} names {name!r}, which is not a photo in "
                            "the folder; correct the name or add the photo"
                        ).format(sidecar=SIDECAR_NAME, view=view, name=name),
                    )
                )
            elif view == SCREEN_ON:
                screen_files.append(rel)
            elif view == UNASSIGNED and rel not in assigned:
                hint = _("listed under unassigned in {sidecar}").format(sidecar=SIDECAR_NAME)
                assigned[rel] = Assignment(UNASSIGNED, "sidecar", hint=hint)
            elif rel in assigned:
                findings.append(
                    Finding(
                        "view-conflict",
                        _(
                            "{sidecar}: {file} is listed for both {first} and {view}; one "
                            "photo shows one view, so {view} is ignored for it"
                        ).format(
                            sidecar=SIDECAR_NAME, file=rel, first=assigned[rel].view, view=view
                        ),
                        file=rel,
                    )
                )
            else:
                assigned[rel] = Assignment(view, "sidecar")
    for rel in screen_files:
        if rel in assigned:
            assigned[rel].screen_label = True
        else:
            assigned[rel] = Assignment(SCREEN_ON, "sidecar", screen_label=True)
    return findings


def _from_name(rel: str, profile: Profile) -> tuple[Assignment, int | None]:
    """Assignment from the innermost folder that names a view, else from the file name;
    a name Chinese Windows wrote is read as GB18030 when only that reading names a view."""
    assignment, side = _from_words(rel, profile)
    if assignment.view != UNASSIGNED or side is not None:
        return assignment, side
    for reading in _gb18030_readings(rel):
        read, read_side = _from_words(reading, profile)
        if read.view != UNASSIGNED or read_side is not None:
            read.read_as = reading
            return read, read_side
    return assignment, side


# How unzip tools outside China decode a name a zip stored without its UTF-8 flag.
_DOS_CODE_PAGES = ("cp437", "cp850")


def _gb18030_readings(rel: str) -> list[str]:
    """The name as Chinese Windows may have written it. A zip made there stores names in
    GBK (which GB18030 contains) without saying so: unzipped as raw bytes the name is not
    UTF-8 (printed with `\\xNN` escapes, see `printable`); unzipped with a DOS code page
    it is mojibake (`顶部.jpg` arrives as `╢Ñ▓┐.jpg`)."""
    if "\\x" in rel:
        stored = [name_bytes(rel)]
    elif rel.isascii():
        return []
    else:
        stored = []
        for page in _DOS_CODE_PAGES:
            with contextlib.suppress(UnicodeEncodeError):
                stored.append(rel.encode(page))
    readings = []
    for raw in stored:
        with contextlib.suppress(UnicodeDecodeError):
            readings.append(raw.decode("gb18030"))
    return readings


def _read_as_gb18030(rel: str) -> Finding:
    """One message for every such photo, so the terminal says it once for all of them."""
    if "\\x" in rel:
        message = _(
            "{file}: its name is not UTF-8; it was read as GB18030 (as Chinese Windows "
            "names files in a zip) to find its view. Make the zip with UTF-8 names, or "
            "rename the photos, so other tools read them too"
        )
    else:
        message = _(
            "{file}: its name looks garbled, as a Chinese Windows name in a zip does when "
            "it is unzipped elsewhere; it was read as GB18030 to find its view. Make the "
            "zip with UTF-8 names, or rename the photos, so other tools read them too"
        )
    return Finding("name-gb18030", message.format(file=rel), file=rel)


def _from_words(rel: str, profile: Profile) -> tuple[Assignment, int | None]:
    """Assignment from the words of a relative path: the innermost folder that names a
    view, else the file name."""
    parts = PurePosixPath(rel).parts
    stem = PurePosixPath(rel).stem
    named_on = parse_name(stem, profile).screen_on  # "screen on" in the file name counts too
    ambiguous: tuple[str, ...] = ()
    for name, source in [*((d, "folder") for d in reversed(parts[:-1])), (stem, "filename")]:
        meaning = parse_name(name, profile)
        if meaning.view is not None:
            screen_label = meaning.screen_on or named_on
            return Assignment(meaning.view, source, screen_label=screen_label), None
        if meaning.side_number is not None:
            return Assignment(UNASSIGNED, source), meaning.side_number
        ambiguous = ambiguous or meaning.ambiguous
    if ambiguous:
        hint = _("its name mentions several views ({views}); keep one in the name").format(
            views=", ".join(ambiguous)
        )
    else:
        hint = _("its name names no view")
    return Assignment(UNASSIGNED, "none", hint=hint), None


def _fill_side_slots(
    generic: list[tuple[int, str, str]], assigned: dict[str, Assignment], sides: tuple[str, ...]
) -> None:
    """Give generic `side1..side4` photos the side slots no photo is named for."""
    named = {a.view for a in assigned.values()}
    free = [slot for slot in sides if slot not in named]
    for (_side, rel, source), slot in zip(sorted(generic), free, strict=False):
        assigned[rel] = Assignment(slot, source)
    for _side, rel, _source in sorted(generic)[len(free) :]:
        assigned[rel].hint = _("a generic side name, but all four side slots are already taken")
