"""Thresholds: the defaults, and loading a policy file (TOML).

A policy file holds any of the fields below at its top level, for example:

    min_photos = 10
    blur_warning_softness = 6.0

A profile (views.py) may set policy fields too, in its [policy] table; a policy file given
with it sets fields on top of the profile's.
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from image_review.i18n import _


class PolicyError(ValueError):
    """A policy file that cannot be used; the message names the file and the problem."""


@dataclass(frozen=True)
class Policy:
    """Every number the judging compares a measure with."""

    min_photos: int = 8
    # Size, in pixels of the longest side (Amazon: 500 minimum, 1000+ for zoom, 10000 max).
    min_long_side: int = 500
    recommended_long_side: int = 1000
    max_long_side: int = 10000
    # Resource caps: files past these are refused before decoding. A JPEG is decoded at
    # reduced size by its codec (a large one at an eighth of each side), so it may claim
    # more: a 200 MP phone photo (16320 x 12240) decodes as 3 MP.
    max_pixels: int = 100_000_000
    max_jpeg_pixels: int = 400_000_000
    max_file_bytes: int = 200 * 1024 * 1024
    # Memory: at most this many pixels decoded at full size at once (HEIC, PNG, TIFF, WebP;
    # JPEG decodes at reduced size). 50 MP is one 48 MP photo, or four of 12 MP.
    decode_budget_pixels: int = 50_000_000
    accepted_formats: tuple[str, ...] = ("JPEG", "PNG", "GIF", "TIFF")
    # Estimates (see measures/quality.py for what each number is). The blur and exposure
    # limits are the ones `image-review eval-quality` chooses on real labelled photos.
    blur_error_softness: float = 6.75  # blurry (error) when softness is above this ...
    blur_warning_softness: float = 6.05  # ... possibly blurry (warning) when above this
    dark_p90: float = 60.0  # too dark when even the brightest tenth is below this level,
    dark_p50: float = 15.0  # or when half the photo is below this level ...
    black_backdrop_edge: float = 60.0  # ... unless that black ends in a step up to this level
    dark_warning_p90: float = 85.0  # possibly too dark (a warning) when p90 is below this
    bright_mean: float = 180.0  # washed out when the mean luminance is above this ...
    bright_p05: float = 80.0  # ... and even the darkest 5% are above this (no shadows left),
    white_backdrop_edge: float = 185.0  # unless the white ends in a step down to this level
    blown_share: float = 0.15  # an error when this share is also clipped white, else a warning
    min_entropy: float = 2.5
    # Screen (see measures/screen.py): glare and uneven backlight, judged only on a screen
    # whose probability of being lit is at least screen_defect_probability.
    screen_defect_probability: float = 0.9
    # A photo nobody named as showing the screen on passes that requirement only from this
    # probability of a lit screen: the model's `sure` band (cross-validated precision of
    # 'on' >= 0.98 on screen-dev, and at most 0.15% of photos without a lit screen expected
    # above it; `image-review eval-screen` prints the figures).
    screen_unnamed_probability: float = 0.96
    # With none named and none detected lit, the failure points at the likeliest unsure
    # product photo from this probability (in grouped CV on screen-dev, 76% of the lit
    # screens left uncertain score at least this, and 43% of the photos without one).
    screen_hint_probability: float = 0.2
    screen_glare_share: float = 0.25
    screen_unevenness: float = 0.6
    # Duplicates: a hash distance nominates a pair, the aligned tile difference confirms it.
    duplicate_hash_distance: int = 20
    duplicate_tile_limit: float = 0.4

    def pixel_cap(self, fmt: str | None) -> int:
        """The most pixels a photo of this format may claim to be decoded."""
        return self.max_jpeg_pixels if fmt == "JPEG" else self.max_pixels


DEFAULT_POLICY = Policy()

# The review measures the copy check of every pair within this fingerprint distance, and
# settles a pair's difference above this level: a policy may not go past them, or a
# re-judge from a manifest could not judge the same way.
MAX_HASH_DISTANCE = 24
MAX_TILE_LIMIT = 1.0

# Settings of earlier versions, and what replaced them (the scales differ: set them anew).
REPLACED = {
    "min_sharpness": "blur_error_softness",
    "min_detail": "blur_error_softness",
    "soft_detail": "blur_warning_softness",
    "dark_mean": "dark_p90",
    "dark_p95": "dark_p90",
    "bright_share": "blown_share",
    "required_views": "the profile's views (--profile FILE)",
}


class SetsPolicy(Protocol):
    """What sets policy fields besides a policy file: a profile (views.Profile), whose
    [policy] table this module checks. The policy owns the thresholds; a profile only
    names changes to them, so this module needs nothing of views.py."""

    policy: Mapping[str, object]


def load_policy(path: str | Path | None = None, profile: SetsPolicy | None = None) -> Policy:
    """The default policy with the profile's fields, then those a TOML file sets, replaced."""
    base = dataclasses.replace(DEFAULT_POLICY, **profile.policy) if profile else DEFAULT_POLICY
    if path is None:
        return base
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise PolicyError(
            _("{file}: cannot read the policy file ({reason})").format(
                file=path, reason=err.strerror
            )
        ) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise PolicyError(
            _("{file}: not valid TOML: {reason}").format(file=path, reason=err)
        ) from None
    return dataclasses.replace(base, **policy_changes(data, str(path)))


def policy_changes(data: Mapping[str, object], where: str) -> dict[str, object]:
    """The fields a policy table sets, checked (`where` names the file in messages)."""
    if not isinstance(data, Mapping):
        raise PolicyError(_("{file}: [{table}] must be a table").format(file=where, table="policy"))
    fields = {f.name: f for f in dataclasses.fields(Policy)}
    unknown = sorted(set(data) - set(fields))
    replaced = [
        _("{old} (now {new})").format(old=old, new=REPLACED[old])
        for old in unknown
        if old in REPLACED
    ]
    if replaced:
        raise PolicyError(
            _(
                "{file}: setting(s) no longer used: {settings}; set the new one (the README's "
                "finding codes give the defaults) or drop the line"
            ).format(file=where, settings=", ".join(replaced))
        )
    if unknown:
        raise PolicyError(
            _("{file}: unknown setting(s) {settings}; known: {known}").format(
                file=where, settings=", ".join(unknown), known=", ".join(fields)
            )
        )
    changes = {}
    for name, value in data.items():
        default = getattr(DEFAULT_POLICY, name)
        if isinstance(default, tuple):
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise PolicyError(
                    _("{file}: {setting} must be a list of strings").format(
                        file=where, setting=name
                    )
                )
            value = tuple(value)
        elif isinstance(value, bool) or not isinstance(value, (int, float)):
            raise PolicyError(
                _("{file}: {setting} must be a number").format(file=where, setting=name)
            )
        elif isinstance(default, int) and not isinstance(value, int):
            raise PolicyError(
                _("{file}: {setting} must be a whole number").format(file=where, setting=name)
            )
        changes[name] = value
    if changes.get("duplicate_hash_distance", 0) > MAX_HASH_DISTANCE:
        raise PolicyError(
            _("{file}: {setting} may be at most {limit}").format(
                file=where, setting="duplicate_hash_distance", limit=MAX_HASH_DISTANCE
            )
        )
    if changes.get("duplicate_tile_limit", 0) >= MAX_TILE_LIMIT:
        raise PolicyError(
            _("{file}: {setting} must be under {limit}").format(
                file=where, setting="duplicate_tile_limit", limit=MAX_TILE_LIMIT
            )
        )
    return changes
