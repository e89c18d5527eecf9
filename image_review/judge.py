"""Compare measures with a policy: duplicates and the requirements (each photo's own
checks are in photo_checks.py).

Nothing here reads pixels: every judgement compares numbers the review measured (and a
re-judge reads from a manifest) with the policy and the profile.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from image_review.i18n import _, current_language, ngettext
from image_review.model import Finding, Pair, PhotoResult, Requirement
from image_review.models import load_model
from image_review.photo_checks import is_flat, screen_state
from image_review.policy import Policy
from image_review.views import SCREEN_ON, UNASSIGNED, Profile, View


def unassigned_finding(photo: PhotoResult, hint: str) -> Finding:
    """The finding for a photo whose view nobody named."""
    return Finding(
        "unassigned",
        _(
            "{file}: no view assigned ({hint}); rename it after the view it shows (for example "
            "front.jpg or 正面.jpg) or list it in submission.toml"
        ).format(file=photo.file, hint=hint),
        photo.file,
    )


def mark_extra_photos(photos: list[PhotoResult], requirements: list[Requirement]) -> None:
    """Once every view of the shot list has its photo, a photo named for none is an extra
    (a charger, the accessories): its `unassigned` warning becomes the `extra-photo` note."""
    if any(r.id.startswith("view.") and r.status != "pass" for r in requirements):
        return
    for photo in photos:
        photo.findings = [
            _extra_photo(photo) if f.code == "unassigned" else f for f in photo.findings
        ]


def _extra_photo(photo: PhotoResult) -> Finding:
    return Finding(
        "extra-photo",
        _(
            "{file}: named for no view, and every view has its photo: an extra photo is fine; "
            "if it shows a view, rename it after that view"
        ).format(file=photo.file),
        photo.file,
    )


def judge_duplicates(photos: list[PhotoResult], pairs: list[Pair], policy: Policy) -> None:
    """Flag each photo that is the same picture as another one (exact or near copy): the
    copy, not the original, gets the finding. Blank frames all look alike and already fail
    as low-information, so they are left out."""
    by_file = {p.file: p for p in photos if p.measures and not is_flat(p.measures, policy)}
    flagged: set[str] = set()
    for pair in pairs:
        first, second = by_file.get(pair.first), by_file.get(pair.second)
        if first is None or second is None or flagged & {first.file, second.file}:
            continue
        identical = first.sha256 == second.sha256
        if not identical and (
            pair.hash_distance > policy.duplicate_hash_distance
            or pair.difference > policy.duplicate_tile_limit
        ):
            continue
        if _original_first(second, first):
            first, second = second, first
        flagged.add(second.file)
        difference = 0.0 if identical else pair.difference
        second.findings.append(_duplicate_finding(first, second, difference, policy))


def _original_first(a: PhotoResult, b: PhotoResult) -> bool:
    """Whether `a` is the original of the pair and `b` the copy: the one with more pixels
    (a copy is a resized or cropped version); between equals, the one that names its view."""
    pixels_a, pixels_b = (a.width or 0) * (a.height or 0), (b.width or 0) * (b.height or 0)
    if pixels_a != pixels_b:
        return pixels_a > pixels_b
    return a.view != UNASSIGNED and b.view == UNASSIGNED


def _duplicate_finding(
    first: PhotoResult, second: PhotoResult, difference: float, policy: Policy
) -> Finding:
    identical = difference == 0.0
    names = {"copy": second.file, "original": first.file, "view": second.view}
    if UNASSIGNED not in (first.view, second.view) and first.view != second.view:
        code = "duplicate"
        text = (
            _(
                "{copy} is an identical copy of {original}, used for {view} and "
                "{original_view}; every view needs its own photo: shoot the {view} view"
            )
            if identical
            else _(
                "{copy} is a copy (re-saved, resized or cropped) of {original}, used for "
                "{view} and {original_view}; every view needs its own photo: shoot the "
                "{view} view"
            )
        )
        message = text.format(**names, original_view=first.view)
    else:
        code = "repeated-photo"
        text = (
            _("{copy} is an identical copy of {original}; remove one of them")
            if identical
            else _(
                "{copy} is a copy (re-saved, resized or cropped) of {original}; remove one of them"
            )
        )
        message = text.format(**names)
    return Finding(
        code,
        message,
        second.file,
        value=round(difference, 4),
        limit=policy.duplicate_tile_limit,
        related=[first.file],
    )


def judge_requirements(
    photos: list[PhotoResult],
    policy: Policy,
    profile: Profile,
    has_screen: bool | None,
    screen_confirmed: bool = False,
    not_photos: dict[str, list[str]] | None = None,
) -> tuple[list[Requirement], list[Finding]]:
    """Each requirement's status (the photo count, each view of the profile's shot list,
    the lit screen), and a finding for each that fails.

    `screen_confirmed`: the seller states in submission.toml that the photo named as
    showing the screen on does show it lit, overruling the estimate. `not_photos`: by view,
    the files named for it that are not photos (a video, a document), which a view left
    without a photo names, so the seller knows why that file did not count.
    """
    not_photos = not_photos or {}
    repeats = {f.file for p in photos for f in p.findings if f.code == "repeated-photo"}
    usable = [p for p in photos if p.usable and p.file not in repeats]
    requirements: list[Requirement] = []
    findings: list[Finding] = []

    count = len(usable)
    ok = count >= policy.min_photos
    requirements.append(
        Requirement(
            "min_photos",
            "pass" if ok else "fail",
            [p.file for p in usable],
            _("{count} usable distinct photo(s); at least {minimum} are required").format(
                count=count, minimum=policy.min_photos
            ),
        )
    )
    if not ok:
        findings.append(
            Finding(
                "too-few-photos",
                _(
                    "only {count} usable photo(s) of the {minimum} required; add photos or "
                    "fix the ones with errors"
                ).format(count=count, minimum=policy.min_photos),
                value=count,
                limit=policy.min_photos,
            )
        )
    for view in profile.views:
        requirements.append(_view_requirement(view, photos, not_photos.get(view.id, []), findings))
    requirements.append(
        _screen_requirement(
            photos,
            profile,
            policy,
            has_screen,
            screen_confirmed,
            not_photos.get(SCREEN_ON, []),
            findings,
        )
    )
    return requirements, findings


def _view_requirement(
    view: View, photos: list[PhotoResult], not_photos: list[str], findings: list[Finding]
):
    """A required view passes with enough usable photos. Without any, the message says
    how to shoot it, names the files named for it that are not photos, or, when photos
    with no view are there, asks to name them first."""
    unnamed = sum(p.view == UNASSIGNED for p in photos)
    shown = [p for p in photos if p.view == view.id]
    good = [p.file for p in shown if p.usable]
    lang = current_language()
    title, how = view.label(lang), view.how(lang)
    if len(good) >= view.min_count:
        return Requirement(f"view.{view.id}", "pass", good, f"{title}: {', '.join(good)}")
    if good:
        message = _("{view}: {count} usable photo(s) of the {minimum} required; {how}").format(
            view=title, count=len(good), minimum=view.min_count, how=how
        )
    elif shown:
        message = _("{view}: {files} cannot count (see its errors); {how}").format(
            view=title, files=", ".join(p.file for p in shown), how=how
        )
    elif not_photos:
        message = _not_a_photo(title, not_photos, how)
    elif unnamed:
        message = ngettext(
            "{view}: no photo named for it yet, and {count} photo has no view; name it "
            "with `image-review init` or on the page (`image-review serve`)",
            "{view}: no photo named for it yet, and {count} photos have no view; name them "
            "with `image-review init` or on the page (`image-review serve`)",
            unnamed,
        ).format(view=title, count=unnamed)
    else:
        message = _("{view}: no photo; {how}").format(view=title, how=how)
    findings.append(Finding("view-missing", message, related=[p.file for p in shown]))
    return Requirement(f"view.{view.id}", "fail", good, message)


def _not_a_photo(title: str, files: list[str], how: str) -> str:
    """A view's message when the only files named for it are not photos."""
    return _(
        "{view}: no photo; named for it, but not a photo (a video or a document does not "
        "count): {files}; {how}"
    ).format(view=title, files=", ".join(files), how=how)


def shows_lit_screen(photo: PhotoResult, profile: Profile) -> bool:
    """A usable photo of the product (not of its packaging: a screen printed on a box is no
    proof) in which a lit screen is detected."""
    return photo.usable and screen_state(photo) == "on" and profile.is_product(photo.view)


def surely_lit(photo: PhotoResult, policy: Policy) -> bool:
    """Detected `on` with the probability a photo nobody named needs to count as the
    screen-on photo (screen_unnamed_probability)."""
    return (
        screen_state(photo) == "on" and _lit_probability(photo) >= policy.screen_unnamed_probability
    )


def _screen_requirement(
    photos: list[PhotoResult],
    profile: Profile,
    policy: Policy,
    has_screen: bool | None,
    confirmed: bool,
    not_photos: list[str],
    findings: list[Finding],
) -> Requirement:
    """Once the seller names the screen-on photo(s), only they count: a lit one passes; an
    unsure one is a warning; one the model is confident is dark (`off`) fails, unless the
    seller confirmed it. With none named, a product photo passes only when its lit screen
    is near-certain (screen_unnamed_probability); a less sure one is a warning that asks to
    name the photo, and no lit screen at all fails (naming the likeliest unsure photo, or
    the files named for it that are not photos). Not knowing whether the product has a
    screen is a warning: a phone whose screen-on photo was forgotten must not pass unseen."""
    if has_screen is False:
        return Requirement(SCREEN_ON, "not_required", [], _("the product has no screen"))
    if has_screen is None:
        return _screen_unknown(profile, _likeliest_unsure(photos, profile, policy), findings)
    named = [p for p in photos if p.usable and p.screen_label]
    if named:
        return _named_screen(named, profile, confirmed, findings)
    lang = current_language()
    title = profile.screen.label(lang)
    lit = [p for p in photos if shows_lit_screen(p, profile)]
    sure = [p.file for p in lit if surely_lit(p, policy)]
    if sure:
        message = _("lit screen detected in {files}").format(files=", ".join(sure))
        return Requirement(SCREEN_ON, "pass", sure, message)
    if lit:
        # Likeliest first: the probability shown is the first photo's, and a seller who
        # names the first one listed names the best bet (not the carton that looked lit).
        lit.sort(key=_lit_probability, reverse=True)
        best = _lit_probability(lit[0])
        message = _(
            "{view}: {files} may show it, but an unnamed photo counts only when the estimate "
            "is near-certain ({probability:.1%} lit, counted from {limit:.1%}); name the photo "
            "that shows the screen switched on (for example screen-on.jpg, or screen_on in "
            "submission.toml)"
        ).format(
            view=title,
            files=", ".join(p.file for p in lit),
            probability=best,
            limit=policy.screen_unnamed_probability,
        )
        findings.append(Finding("screen-unnamed", message, related=[p.file for p in lit]))
        return Requirement(SCREEN_ON, "warn", [p.file for p in lit], message)
    likeliest = _likeliest_unsure(photos, profile, policy)
    if likeliest:
        return _screen_unconfirmed(likeliest, profile, findings)
    return _screen_missing(profile, [], findings, not_photos)


def _screen_unknown(
    profile: Profile, likeliest: PhotoResult | None, findings: list[Finding]
) -> Requirement:
    """The requirement when nothing says whether the product has a screen (no option,
    no product facts, no photo named or seen showing one on): a warning that says both
    ways to settle it, naming the photo the model thinks may show a lit screen."""
    view = profile.screen.label(current_language())
    if likeliest is None:
        message = _(
            "{view}: not known whether the product has a screen (no photo is named or seen "
            "showing one switched on); if it has one, add a photo of it switched on named "
            "screen-on.jpg; if it has none, write has_screen = false under [product] in "
            "submission.toml, or review with --screen no"
        ).format(view=view)
    else:
        message = _(
            "{view}: not known whether the product has a screen; {file} may show one "
            "switched on ({probability:.0%} lit by the estimate): if it does, say so in its "
            "name ({renamed}); if the product has no screen, write has_screen = false under "
            "[product] in submission.toml, or review with --screen no"
        ).format(
            view=view,
            file=likeliest.file,
            probability=_lit_probability(likeliest),
            renamed=_screen_on_name(likeliest),
        )
    related = [likeliest.file] if likeliest else []
    findings.append(Finding("screen-unknown", message, related=related))
    return Requirement(SCREEN_ON, "warn", [], message)


def _may_be_lit(photo: PhotoResult, profile: Profile, policy: Policy) -> bool:
    """A usable product photo whose screen the model could not judge either way, and thinks
    may well be lit (screen_hint_probability)."""
    return (
        photo.usable
        and screen_state(photo) == "uncertain"
        and profile.is_product(photo.view)
        and _lit_probability(photo) >= policy.screen_hint_probability
    )


def _likeliest_unsure(
    photos: list[PhotoResult], profile: Profile, policy: Policy
) -> PhotoResult | None:
    """The product photo the model, unsure, gives the best chance of a lit screen (at least
    screen_hint_probability), or None."""
    unsure = [p for p in photos if _may_be_lit(p, profile, policy)]
    return max(unsure, key=_lit_probability, default=None)


def _screen_on_name(photo: PhotoResult) -> PurePosixPath:
    """The name that says a photo shows the screen on (IMG_0009_screen-on.jpg)."""
    path = PurePosixPath(photo.file)
    return path.with_stem(f"{path.stem}_screen-on")


def _screen_unconfirmed(
    likeliest: PhotoResult, profile: Profile, findings: list[Finding]
) -> Requirement:
    """The failed requirement when no photo is named and none is detected lit, but some are
    unsure: the seller may have photographed the screen on without naming the photo, so the
    advice names the likeliest photo, and the name that would say it shows the screen on,
    before asking for a new one."""
    lang = current_language()
    message = _(
        "{view}: no photo was confirmed to show a lit screen (the likeliest, {file}, is "
        "{probability:.0%} lit by the estimate); if it shows the screen switched on, say so in "
        "its name ({renamed}) or with screen_on in submission.toml, else {how}"
    ).format(
        view=profile.screen.label(lang),
        file=likeliest.file,
        probability=_lit_probability(likeliest),
        renamed=_screen_on_name(likeliest),
        how=profile.screen.how(lang),
    )
    findings.append(Finding("screen-on-missing", message, related=[likeliest.file]))
    return Requirement(SCREEN_ON, "fail", [], message)


def _screen_missing(
    profile: Profile,
    named: list[PhotoResult],
    findings: list[Finding],
    not_photos: list[str] | None = None,
) -> Requirement:
    """The failed requirement (and its finding) when no photo shows a lit screen; it names
    the files named for it that are not photos (a video of the screen switched on)."""
    lang = current_language()
    title, how = profile.screen.label(lang), profile.screen.how(lang)
    if not_photos:
        message = _not_a_photo(title, not_photos, how)
    else:
        message = _("{view}: no photo shows a lit screen; {how}").format(view=title, how=how)
    related = [p.file for p in named] + (not_photos or [])
    findings.append(Finding("screen-on-missing", message, related=related))
    return Requirement(SCREEN_ON, "fail", [], message)


def _lit_probability(photo: PhotoResult) -> float:
    return float(photo.measures["screen"]["probability"])


def _named_screen(
    named: list[PhotoResult], profile: Profile, confirmed: bool, findings: list[Finding]
) -> Requirement:
    """The requirement judged on the photos the seller named as showing the screen on."""
    lang = current_language()
    title = profile.screen.label(lang)
    lit = [p.file for p in named if shows_lit_screen(p, profile)]
    if lit:
        return Requirement(
            SCREEN_ON, "pass", lit, _("lit screen detected in {files}").format(files=", ".join(lit))
        )
    if confirmed:
        for photo in named:
            photo.findings.append(_confirmed_screen(photo))
        files = ", ".join(p.file for p in named)
        return Requirement(
            SCREEN_ON,
            "pass",
            [p.file for p in named],
            _(
                "{view}: {files} confirmed lit by the seller in submission.toml ([checks] "
                "screen_on); the estimate did not confirm it, a person may check"
            ).format(view=title, files=files),
        )
    for photo in named:
        photo.findings.append(_unconfirmed_screen(photo))
    unclear = [p.file for p in named if screen_state(p) != "off"]
    if unclear:
        message = _(
            "{view}: {files} is named as showing it, but a lit screen could not be confirmed "
            "from the pixels; a person should check it"
        ).format(view=title, files=", ".join(unclear))
        return Requirement(SCREEN_ON, "warn", unclear, message)
    return _screen_missing(profile, named, findings)


def _bands() -> dict[str, float]:
    return load_model("screen")[1]["bands"]


def _confirmed_screen(photo: PhotoResult) -> Finding:
    probability = photo.measures["screen"]["probability"]
    return Finding(
        "screen-confirmed",
        _(
            "{file}: you confirmed the screen is on (submission.toml [checks] screen_on); the "
            "estimate was {probability:.0%} lit, so a reviewer may look at this photo"
        ).format(file=photo.file, probability=probability),
        photo.file,
        probability,
        _bands()["on"],
    )


def _unconfirmed_screen(photo: PhotoResult) -> Finding:
    screen = photo.measures["screen"]
    probability = screen["probability"]
    if screen["state"] == "off":
        return Finding(
            "screen-not-lit",
            _(
                "{file}: named as showing the screen on, but the screen looks dark (estimate: "
                "{probability:.0%} lit, dark below {limit:.0%}); switch it on and retake the "
                'photo, or, if it is lit, add [checks] screen_on = "confirmed" to '
                "submission.toml"
            ).format(file=photo.file, probability=probability, limit=_bands()["off"]),
            photo.file,
            probability,
            _bands()["off"],
        )
    return Finding(
        "screen-uncertain",
        _(
            "{file}: named as showing the screen on; the estimate could not confirm it "
            "({probability:.0%} lit, sure from {limit:.0%}), so a reviewer will look. To help "
            "it: fill the frame with the lit screen, avoid glare, brightness up"
        ).format(file=photo.file, probability=probability, limit=_bands()["on"]),
        photo.file,
        probability,
        _bands()["on"],
    )
