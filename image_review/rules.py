"""The rule registry: every finding code, its severity, its kind and where it comes from.

Kinds:
- `requirement`: stated by Amazon (the seed text or an Amazon image page); failing it fails;
- `recommendation`: good practice for the upload or the reviewer; a warning or a note;
- `estimate`: a heuristic measured from pixels (blur, exposure, screen); the finding shows
  the measured value and the limit so a person can overrule it.
"""

from __future__ import annotations

from dataclasses import dataclass

RENEWED = "Amazon Seller Central help 201648580, Amazon Renewed: how to apply"
APPLY = f"{RENEWED}, criterion 3"
SCREEN = f"{RENEWED}, criterion 3.1"
QUALITY = "Amazon Seller Central help G202190320, Amazon Renewed quality requirements"
AMAZON_IMAGES = "Amazon Seller Central, product image requirements"
TOOL = "image-review"


@dataclass(frozen=True)
class Rule:
    """One finding code as documented in the README."""

    code: str
    severity: str  # error | warning | info
    kind: str  # requirement | recommendation | estimate
    source: str
    summary: str


_RULES = (
    Rule("too-few-photos", "error", "requirement", APPLY, "fewer usable photos than the minimum"),
    Rule("view-missing", "error", "requirement", APPLY, "no usable photo shows a required view"),
    Rule("screen-on-missing", "error", "requirement", SCREEN, "no photo shows the screen on"),
    Rule("duplicate", "error", "requirement", APPLY, "the same photo is used for two views"),
    Rule("screenshot", "error", "requirement", APPLY, "a screenshot, not a photo of the unit"),
    Rule("unreadable", "error", "requirement", TOOL, "the file is a photo that cannot be decoded"),
    Rule("unsupported-format", "error", "requirement", TOOL, "the file is not an image format"),
    Rule("empty-file", "error", "requirement", TOOL, "the file has no bytes"),
    Rule("too-small", "error", "requirement", AMAZON_IMAGES, "longest side under the minimum"),
    Rule("pixel-limit", "error", "requirement", TOOL, "more pixels than the decode limit"),
    Rule("file-too-large", "error", "requirement", TOOL, "file larger than the size limit"),
    Rule("blurry", "error", "estimate", TOOL, "softer than every sharp photo: no crisp edge"),
    Rule("possibly-blurry", "warning", "estimate", TOOL, "soft edges: a reviewer will look"),
    Rule("too-dark", "error", "estimate", TOOL, "the brightest tenth dim, or half near black"),
    Rule("possibly-too-dark", "warning", "estimate", TOOL, "the brightest tenth rather dim"),
    Rule("overexposed", "error", "estimate", TOOL, "washed out, the subject blown to white"),
    Rule("possibly-overexposed", "warning", "estimate", TOOL, "bright with no shadows: pale?"),
    Rule("low-information", "error", "estimate", TOOL, "the photo is nearly one flat colour"),
    Rule("screen-not-lit", "warning", "estimate", SCREEN, "named screen-on; confidently dark"),
    Rule("screen-uncertain", "warning", "estimate", SCREEN, "named screen-on; not confirmed"),
    Rule("screen-confirmed", "warning", "estimate", SCREEN, "the seller overruled it"),
    Rule("screen-unnamed", "warning", "estimate", SCREEN, "maybe lit, not sure: name it"),
    Rule("screen-unknown", "warning", "recommendation", SCREEN, "has it a screen? not said"),
    Rule("screen-glare", "warning", "estimate", SCREEN, "glare covers much of the screen"),
    Rule("screen-uneven", "info", "estimate", QUALITY, "lit but strongly uneven: dimming?"),
    Rule("low-resolution", "warning", "recommendation", AMAZON_IMAGES, "under 1000 px: no zoom"),
    Rule("too-large", "warning", "recommendation", AMAZON_IMAGES, "longest side over the maximum"),
    Rule("needs-conversion", "warning", "recommendation", AMAZON_IMAGES, "format not uploadable"),
    Rule("truncated", "warning", "recommendation", TOOL, "the file ends early; part is missing"),
    Rule("animated", "warning", "recommendation", AMAZON_IMAGES, "several frames; stills only"),
    Rule("multi-page", "warning", "recommendation", AMAZON_IMAGES, "several pages; one is used"),
    Rule("transparency", "info", "recommendation", TOOL, "transparent pixels shown on white"),
    Rule("repeated-photo", "warning", "recommendation", TOOL, "the same photo appears twice"),
    Rule("unassigned", "warning", "recommendation", TOOL, "the name says no view"),
    Rule("extra-photo", "info", "recommendation", TOOL, "every view has its photo; one more"),
    Rule("screenshot-extra", "warning", "recommendation", APPLY, "a screenshot beside the views"),
    Rule("camera-raw-extra", "info", "recommendation", TOOL, "a raw file beside its JPEG"),
    Rule("name-gb18030", "info", "recommendation", TOOL, "a GBK name (Chinese Windows zip)"),
    Rule("view-conflict", "warning", "recommendation", TOOL, "the sidecar names a file twice"),
    Rule("sidecar-missing-file", "warning", "recommendation", TOOL, "sidecar names no such file"),
    Rule("sidecar-path-outside", "error", "requirement", TOOL, "sidecar path leaves the folder"),
    Rule("link-outside", "warning", "recommendation", TOOL, "a link leads outside the folder"),
    Rule("link-loop", "warning", "recommendation", TOOL, "a link leads back to itself"),
    Rule("ignored-files", "info", "recommendation", TOOL, "files that are not photos"),
    Rule("gps-location", "info", "recommendation", TOOL, "the photo records where it was taken"),
)

RULES: dict[str, Rule] = {rule.code: rule for rule in _RULES}

# A photo with one of these counts for nothing, though it fails nothing.
UNCOUNTED_CODES = frozenset({"screenshot-extra", "camera-raw-extra"})

# A file that cannot be a photo of the set at all: naming it fixes nothing, so it is fixed first.
BROKEN_FILE_CODES = frozenset(
    {"unreadable", "unsupported-format", "empty-file", "pixel-limit", "file-too-large"}
)
