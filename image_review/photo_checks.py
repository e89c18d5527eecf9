"""The checks of one photo, one small function per rule of the registry (rules.py).

Each check takes the photo (its measures, size and format) and the policy and returns zero
or more findings. It is registered with the codes it can give: a group of codes that
exclude each other (too small, low resolution, too large) is one check. The checks run in
the order they are registered, which is the order their findings are listed in. Adding a
check is one function here and one entry in the registry.

Nothing here reads pixels: each check compares numbers the review measured (or a re-judge
read from a manifest) with the policy. The quality verdicts are plain functions too, so
`image-review eval-quality` judges labelled photos with the very same comparisons.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import PurePosixPath

from image_review.i18n import _
from image_review.model import Finding, PhotoResult
from image_review.policy import Policy
from image_review.rules import RULES
from image_review.views import UNASSIGNED

Check = Callable[[PhotoResult, Policy], list[Finding]]
CHECKS: list[tuple[tuple[str, ...], Check]] = []  # (codes it gives, check), in order


def check(*codes: str) -> Callable[[Check], Check]:
    """Register a check as the one that gives `codes`, each a rule of the registry."""
    unknown = [code for code in codes if code not in RULES]
    if unknown:
        raise ValueError(f"no rule in rules.py for {', '.join(unknown)}")

    def register(function: Check) -> Check:
        CHECKS.append((codes, function))
        return function

    return register


def photo_findings(photo: PhotoResult, policy: Policy) -> list[Finding]:
    """Findings about one decoded photo, from its measures alone: every check, in order.
    A screenshot gets that finding alone: the other checks judge photos of the unit."""
    if is_screenshot(photo):
        return screenshot(photo, policy)
    return [finding for _codes, run in CHECKS for finding in run(photo, policy)]


def _finding(
    photo: PhotoResult,
    code: str,
    message: str,
    value: float | None = None,
    limit: float | None = None,
) -> list[Finding]:
    text = _("{file}: {message}").format(file=photo.file, message=message)  # "：" in Chinese
    return [Finding(code, text, photo.file, value, limit)]


# The names phones and computers give a screenshot: the word, then the date it was taken
# ("Screenshot_20240101-120000.png", "Screen Shot 2020-01-01 at …", "截屏2024-…",
# "屏幕截图 2024-…"). A name without the date ("screen shot.jpg") may mean a shot of the screen.
_SCREENSHOT_NAME = re.compile(
    r"(screen ?shot|screen capture|截屏|截图|截圖|屏幕快照|螢幕快照|螢幕擷取畫面|bildschirmfoto"
    r"|capture d.écran|captura de pantalla)[\s_-]*\d{4}",
    re.IGNORECASE,
)


def is_screenshot(photo: PhotoResult) -> bool:
    """A screen capture, by its metadata (see imaging) or by the name a phone or computer
    gave it."""
    named = _SCREENSHOT_NAME.search(PurePosixPath(photo.file).name)
    return bool(named or photo.measures.get("screen_capture"))


@check("screenshot", "screenshot-extra")
def screenshot(photo: PhotoResult, policy: Policy) -> list[Finding]:
    """A screen capture shows what a screen showed, not the sample unit: named for a view,
    it cannot count for it; among the other photos it counts for none."""
    if not is_screenshot(photo):
        return []
    if photo.view == UNASSIGNED:
        return _finding(
            photo,
            "screenshot-extra",
            _(
                "a screenshot (its name or its metadata says so), not a photo of the sample "
                "unit: it counts for no view; leave it out unless the application asks for it"
            ),
        )
    return _finding(
        photo,
        "screenshot",
        _(
            "a screenshot (its name or its metadata says so), not a photo of the sample unit; "
            "send the original photo, not a screenshot of it, or photograph the product (for "
            "the screen-on view: the device with its screen switched on)"
        ),
    )


def _conversion_advice(fmt: str | None) -> str:
    if fmt == "HEIF":
        return _("export it as JPEG (iPhone: Settings > Camera > Formats > Most Compatible)")
    if fmt == "AVIF":
        return _("export it as JPEG")
    if fmt == "BMP":
        return _("save it as JPEG or PNG")
    return _("save it as JPEG")


@check("needs-conversion")
def needs_conversion(photo: PhotoResult, policy: Policy) -> list[Finding]:
    if photo.format in policy.accepted_formats:
        return []
    shown = "HEIC" if photo.format == "HEIF" else photo.format
    return _finding(
        photo,
        "needs-conversion",
        _("{format} is not accepted by the upload; {advice}").format(
            format=shown, advice=_conversion_advice(photo.format)
        ),
    )


@check("too-small", "low-resolution", "too-large")
def size(photo: PhotoResult, policy: Policy) -> list[Finding]:
    """The first size limit the photo's longest side breaks, if any."""
    long_side = max(photo.width or 0, photo.height or 0)
    limits = (
        (
            "too-small",
            long_side < policy.min_long_side,
            policy.min_long_side,
            _(
                "{width}x{height} px is too small (longest side under {limit} px); send the "
                "original photo, not a thumbnail"
            ),
        ),
        (
            "low-resolution",
            long_side < policy.recommended_long_side,
            policy.recommended_long_side,
            _(
                "{width}x{height} px: under {limit} px the reviewer cannot zoom in; send the "
                "original from the camera"
            ),
        ),
        (
            "too-large",
            long_side > policy.max_long_side,
            policy.max_long_side,
            _(
                "{width}x{height} px exceeds {limit} px on the longest side; resize it before "
                "uploading"
            ),
        ),
    )
    for code, broken, limit, message in limits:
        if broken:
            text = message.format(width=photo.width, height=photo.height, limit=limit)
            return _finding(photo, code, text, long_side, limit)
    return []


def screen_state(photo: PhotoResult) -> str | None:
    """The detected screen state of a photo, or None when the detector did not run."""
    return photo.measures.get("screen", {}).get("state")


def is_flat(measures: dict, policy: Policy) -> bool:
    """Nearly one flat colour: few tones (entropy under min_entropy) and no edge anywhere
    (edge_width None: nothing rises 24 grey levels, even over a wide span). A product on a
    plain backdrop has few tones too, but its outline is an edge. (A manifest from before
    edge_width was measured is judged by its entropy alone.)"""
    return measures["entropy"] < policy.min_entropy and measures.get("edge_width") is None


@check("low-information")
def low_information(photo: PhotoResult, policy: Policy) -> list[Finding]:
    m = photo.measures
    if not is_flat(m, policy) or dark_code(m["exposure"], policy) == "too-dark":
        return []  # a dark photo is too dark, not flat
    return _finding(
        photo,
        "low-information",
        _(
            "the photo is nearly one flat colour (entropy {entropy:.2f} bits); "
            "photograph the product itself"
        ).format(entropy=m["entropy"]),
        m["entropy"],
        policy.min_entropy,
    )


@check("too-dark", "possibly-too-dark")
def too_dark(photo: PhotoResult, policy: Policy) -> list[Finding]:
    """Dark by its brightest tenth (`p90`) or by its median (`p50`): an error under the
    error's limits, a warning when only the brightest tenth is dim. The photo named as
    showing the screen switched on gets the warning instead of the error (unless its screen
    is confidently dark): its subject is the lit display, often shot in a dim room so the
    screen reads well, and one showing dark content (a night scene in a game) is as dim as
    a dark photo. The finding shows the level that told, against its limit."""
    exposure = photo.measures["exposure"]
    dark = dark_verdict(exposure, policy)
    if dark is None:
        return []
    code, level = dark
    # The named screen-on photo, unless its screen is confidently dark: a warning.
    eased = code == "too-dark" and photo.screen_label and screen_state(photo) != "off"
    if code == "possibly-too-dark":
        message = _(
            "may be too dark: the brightest tenth of the photo is under {limit:g} of 255 "
            "({p90:.0f}; estimate, a reviewer will look); if the product looks dim, retake "
            "it in more light"
        )
        limit = policy.dark_warning_p90
    elif level == "p90":
        message = (
            _(
                "may be too dark: even the brightest tenth of the photo is under {limit:g} of "
                "255 ({p90:.0f}); a photo of the screen switched on may be shot in a dim room, "
                "so a reviewer will look (estimate); if the screen or the product looks dim, "
                "retake it in more light"
            )
            if eased
            else _(
                "too dark: even the brightest tenth of the photo is under {limit:g} of 255 "
                "({p90:.0f}); retake it in more light or with the flash"
            )
        )
        limit = policy.dark_p90
    else:
        message = (
            _(
                "may be too dark: half of the photo is under {limit:g} of 255 ({p50:.0f}); a "
                "photo of the screen switched on may be shot in a dim room, so a reviewer will "
                "look (estimate); if the screen or the product looks dim, retake it in more "
                "light"
            )
            if eased
            else _(
                "too dark: half of the photo is under {limit:g} of 255 ({p50:.0f}), and a "
                "lamp or window in it does not light the product; retake it in more light "
                "or with the flash"
            )
        )
        limit = policy.dark_p50
    if eased:
        code = "possibly-too-dark"
    text = message.format(limit=limit, **{level: exposure[level]})
    return _finding(photo, code, text, exposure[level], limit)


@check("overexposed", "possibly-overexposed")
def overexposed(photo: PhotoResult, policy: Policy) -> list[Finding]:
    """Washed out: an error by the share blown to white, a warning by the mean level."""
    exposure = photo.measures["exposure"]
    bright = bright_verdict(exposure, policy)
    if bright is None:
        return []
    blown = bright == "overexposed"
    value = exposure["bright_share"] if blown else exposure["mean"]
    limit = policy.blown_share if blown else policy.bright_mean
    template = (
        _(
            "washed out: {share:.0%} is blown to white and the rest has no shadows (the "
            "darkest 5% are above {p05:.0f} of 255); retake it with less light or tap the "
            "product to set the exposure"
        )
        if blown
        else _(
            "may be washed out: mean brightness {mean:.0f} of 255 with no shadows (the "
            "darkest 5% are above {p05:.0f}; estimate, a reviewer will look); if the "
            "product looks pale, retake it with less light"
        )
    )
    message = template.format(
        share=exposure["bright_share"], mean=exposure["mean"], p05=exposure["p05"]
    )
    return _finding(photo, bright, message, value, limit)


@check("blurry", "possibly-blurry")
def blurred(photo: PhotoResult, policy: Policy) -> list[Finding]:
    m = photo.measures
    blur = blur_verdict(m, policy)
    if not blur:
        return []
    value = measured_softness(m)
    if blur == "blurry":
        message = _(
            "estimated blurry: softness {value:.1f}, over {limit:g} (even the crispest "
            "edges are {width:.1f} px wide, fine detail {detail:.2f}; sharp photos "
            "measure about 4); hold the phone still, tap the product to focus and retake it"
        )
    else:
        message = _(
            "may be blurred: softness {value:.1f}, over {limit:g} (the crispest edges "
            "are {width:.1f} px wide, fine detail {detail:.2f}; estimate, a reviewer will "
            "look); if the product looks soft when zoomed in, retake it"
        )
    limit = blur_limit(blur, policy)
    text = message.format(value=value, limit=limit, width=m["edge_width"], detail=m["detail"])
    return _finding(photo, blur, text, round(value, 3), limit)


@check("truncated")
def truncated(photo: PhotoResult, policy: Policy) -> list[Finding]:
    if not photo.measures["truncated"]:
        return []
    return _finding(
        photo,
        "truncated",
        _(
            "the file ends early, so part of the picture may be grey or missing; copy "
            "the original again from the phone"
        ),
    )


@check("multi-page", "animated")
def several_frames(photo: PhotoResult, policy: Policy) -> list[Finding]:
    frames = photo.measures["frames"]
    if frames > 1 and photo.format == "TIFF":
        return _finding(
            photo,
            "multi-page",
            _("holds {count} pages; only the first was reviewed: save each as JPEG").format(
                count=frames
            ),
        )
    if frames > 1:
        return _finding(
            photo,
            "animated",
            _("holds {count} frames; the upload takes one still image").format(count=frames),
        )
    return []


@check("transparency")
def transparency(photo: PhotoResult, policy: Policy) -> list[Finding]:
    if not photo.measures["transparent"]:
        return []
    return _finding(
        photo, "transparency", _("has transparent pixels (shown here on white); save it as JPEG")
    )


@check("screen-glare", "screen-uneven")
def screen_defects(photo: PhotoResult, policy: Policy) -> list[Finding]:
    """Glare and uneven backlight, judged only on a screen detected `on` with a high
    probability and its outline: on a screen the model is unsure of, the quad may not be
    the screen at all. Both may be found."""
    screen = photo.measures.get("screen")
    if (
        not screen
        or screen["state"] != "on"
        or screen["probability"] < policy.screen_defect_probability
        or not screen["quad"]
    ):
        return []
    found = []
    if screen["glare_share"] > policy.screen_glare_share:
        message = _(
            "{file}: glare covers {share:.0%} of the screen (estimate); tilt the phone "
            "or turn off the lamp and retake it"
        ).format(file=photo.file, share=screen["glare_share"])
        limit = policy.screen_glare_share
        found.append(Finding("screen-glare", message, photo.file, screen["glare_share"], limit))
    spread = screen.get("unevenness")  # absent when the screen shows no flat page
    if spread is not None and spread > policy.screen_unevenness:
        message = _(
            "{file}: the lit screen is strongly uneven (estimate {unevenness:.2f}); "
            "check for dimming or backlight bleed, which the Renewed quality policy "
            "rejects"
        ).format(file=photo.file, unevenness=spread)
        limit = policy.screen_unevenness
        found.append(Finding("screen-uneven", message, photo.file, spread, limit))
    return found


@check("gps-location")
def gps_location(photo: PhotoResult, policy: Policy) -> list[Finding]:
    if not photo.measures["gps"]:
        return []
    return _finding(
        photo,
        "gps-location",
        _(
            "carries the GPS position where it was taken; `image-review export` writes "
            "the upload-ready copies without it (or, on the phone: iPhone: Share > Options "
            "> Location off; Google Photos: Details > Location > Remove)"
        ),
    )


def blur_verdict(measures: dict, policy: Policy) -> str | None:
    """`blurry` when the photo's softness (both blur measures in one number) is over the
    error limit, which sits above every sharp labelled photo; `possibly-blurry` over the
    warning limit; else None (a flat photo, or one with too little structure or too few
    edges to measure, is not judged)."""
    value = measured_softness(measures)
    if value is None or is_flat(measures, policy):
        return None
    if value > policy.blur_error_softness:
        return "blurry"
    if value > policy.blur_warning_softness:
        return "possibly-blurry"
    return None


def blur_limit(verdict: str, policy: Policy) -> float:
    """The softness limit a blur verdict was judged against."""
    return policy.blur_error_softness if verdict == "blurry" else policy.blur_warning_softness


DETAIL_FLOOR = 0.25  # below this, detail no longer tells blur from a plain, smooth subject


def measured_softness(measures: dict) -> float | None:
    """The softness of a photo's measures, or None when either blur measure is missing."""
    detail, width = measures["detail"], measures.get("edge_width")
    return None if detail is None or width is None else softness(detail, width)


def softness(detail: float, edge_width: float) -> float:
    """The two blur measures as one number that grows with blur: edge width over the square
    root of detail (detail counted at DETAIL_FLOOR at least): about 4 for a sharp photo,
    over 6 for a blurred one."""
    return edge_width / max(detail, DETAIL_FLOOR) ** 0.5


def dark_verdict(exposure: dict[str, float | None], policy: Policy) -> tuple[str, str] | None:
    """The finding a dark photo gets and the level that tells it: `too-dark` by `p90` when
    even its brightest tenth is dim (a lit screen or a lit subject filling a tenth of the
    frame lifts that), or by `p50` when half of it is near black, even with lamps or
    windows in it, unless that black ends in a step up to a lit subject (a black
    backdrop); `possibly-too-dark` by `p90` when the brightest tenth is only somewhat dim
    (a dim room, or a black product on a dark table, look alike); else None."""
    if exposure["p90"] < policy.dark_p90:
        return "too-dark", "p90"
    black_backdrop = (exposure.get("black_edge") or 0) >= policy.black_backdrop_edge
    if exposure.get("p50", 255) < policy.dark_p50 and not black_backdrop:
        return "too-dark", "p50"
    if exposure["p90"] < policy.dark_warning_p90:
        return "possibly-too-dark", "p90"
    return None


def dark_code(exposure: dict[str, float | None], policy: Policy) -> str | None:
    """The code of the dark finding a photo gets (`dark_verdict`), or None."""
    verdict = dark_verdict(exposure, policy)
    return verdict[0] if verdict else None


def bright_verdict(exposure: dict[str, float | None], policy: Policy) -> str | None:
    """Washed out (bright overall, no shadows left: a product shot on white keeps the
    product's own dark tones): `overexposed` when a large part is also blown to white,
    `possibly-overexposed` when not (a pale product on a pale table looks alike), else None.
    White that ends in a step down to the product's tones is a backdrop, not a blown
    subject: no finding."""
    if exposure["mean"] <= policy.bright_mean or exposure["p05"] <= policy.bright_p05:
        return None
    white_edge = exposure.get("white_edge")
    if white_edge is not None and white_edge < policy.white_backdrop_edge:
        return None
    if exposure["bright_share"] > policy.blown_share:
        return "overexposed"
    return "possibly-overexposed"
