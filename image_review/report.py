"""Reports for people: a self-contained HTML page, its grid of slots (also used by the
contact sheet, `contact_sheet.py`) and the batch index.

The page shows one slot per required view in shot-list order: the photos with findings, or
an empty slot that says the view is missing and how to shoot it. Thumbnails are the
previews the review made from its one decode; nothing is read from disk again and nothing
in the page is loaded from the network.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import quote

from image_review.i18n import _, current_language, ngettext
from image_review.model import Finding, PhotoResult, Review
from image_review.terminal import (
    next_step,
    photo_counts,
    screen_word,
    second_label_language,
    status_words,
    verdict_word,
)
from image_review.views import SCREEN_ON, UNASSIGNED, Profile

MISSING_BACKGROUND = "#fde2e2"  # the colour of an empty slot (tests look for it)
UNNAMED_BACKGROUND = "#fff4d6"  # an empty slot while photos with no view wait to be named


@dataclass
class Slot:
    """One cell of the grid: a view, its status and the photos shown in it."""

    view: str
    status: str  # pass | fail | warn
    photos: list[PhotoResult]
    message: str
    counted: list[str]  # the photos that meet the requirement

    def passed_over(self, photo: PhotoResult) -> bool:
        """A photo the seller put here that does not count, while another one does."""
        return self.status == "pass" and photo.file not in self.counted


def slots(review: Review) -> list[Slot]:
    """The grid: every required view in shot-list order, then the screen when required."""
    out = []
    for requirement in review.requirements:
        if requirement.id == "min_photos" or requirement.status == "not_required":
            continue
        view = requirement.id.removeprefix("view.")
        if view == SCREEN_ON:
            # The photos that count (or are weighed), and every photo the seller named.
            shown = [p for p in review.photos if p.file in requirement.photos or p.screen_label]
        else:
            shown = [p for p in review.photos if p.view == view]
        out.append(Slot(view, requirement.status, shown, requirement.message, requirement.photos))
    return out


def status_word(slot: Slot, unnamed: bool = False) -> str:
    """OK, CHECK, MISSING, NOT USABLE when the view has photos that cannot count, or NOT
    NAMED when it has none while photos with no view wait (in the current language)."""
    if slot.status == "fail" and slot.photos:
        return _("NOT USABLE")
    if slot.status == "fail" and unnamed:
        return _("NOT NAMED")
    return {"pass": _("OK"), "fail": _("MISSING"), "warn": _("CHECK")}[slot.status]


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _number(value: float) -> str:
    return f"{value:.3g}" if isinstance(value, float) else str(value)


def _badge(finding: Finding) -> str:
    """The finding's code and measured value as a badge, and its advice as text beside it
    (not in a tooltip: it must show when printed and on a phone)."""
    measured = ""
    if finding.value is not None and finding.limit is not None:
        measured = " " + _("{value} / limit {limit}").format(
            value=_number(finding.value), limit=_number(finding.limit)
        )
    return (
        f'<li><span class="badge {_e(finding.severity)}">{_e(finding.code)}{_e(measured)}</span>'
        f' <span class="advice">{_e(finding.advice)}</span></li>'
    )


@dataclass(frozen=True)
class Look:
    """How photos are drawn: where each one's preview comes from (None: not decoded), and
    on the seller's local page (`image-review serve`) the views a photo can be moved to."""

    image_src: Callable[[str], str | None]
    menu: tuple[tuple[str, str], ...] = ()  # (view id, label); empty in a report


def embedded(previews: dict[str, bytes]) -> Look:
    """Previews embedded in the page as data URIs: a report that opens from a USB stick."""

    def src(file: str) -> str | None:
        preview = previews.get(file)
        if preview is None:
            return None
        return "data:image/jpeg;base64," + base64.b64encode(preview).decode("ascii")

    return Look(src)


def _image(photo: PhotoResult, look: Look) -> str:
    src = look.image_src(photo.file)
    if src is None:
        word = _("not decoded")
        return f'<div class="noimage">{_e(word)}</div>'
    overlay = ""
    screen = photo.measures.get("screen") or {}
    # Outline a lit screen, or the screen of a photo named as showing it on.
    shown = screen.get("state") == "on" or photo.screen_label
    if shown and screen.get("quad") and photo.width and photo.height:
        points = " ".join(f"{x},{y}" for x, y in screen["quad"])
        overlay = (
            f'<svg viewBox="0 0 {photo.width} {photo.height}" preserveAspectRatio="none">'
            f'<polygon class="quad {_e(screen["state"])}" points="{points}"/></svg>'
        )
    size = f' width="{photo.width}" height="{photo.height}"' if photo.width and photo.height else ""
    return f'<div class="thumb"><img alt="{_e(photo.file)}"{size} src="{_e(src)}">{overlay}</div>'


def _photo(photo: PhotoResult, look: Look, hint: str = "") -> str:
    badges = "".join(_badge(f) for f in photo.findings)
    note = f'<p class="note">{_e(hint)}</p>' if hint else ""
    moving = f' draggable="true" data-file="{_e(photo.file)}"' if look.menu else ""
    return (
        f'<div class="photo"{moving}>{_image(photo, look)}'
        f'<div class="file">{_e(photo.file)}</div>{_menu(photo, look)}'
        f'<ul class="badges">{badges}</ul>{note}</div>'
    )


def _menu(photo: PhotoResult, look: Look) -> str:
    """A menu of the views, to move the photo without dragging (keyboard usable)."""
    if not look.menu:
        return ""
    options = "".join(
        f'<option value="{_e(view)}"{" selected" if view == photo.view else ""}>{_e(label)}'
        "</option>"
        for view, label in look.menu
    )
    label = _("View of {file}").format(file=photo.file)
    return (
        f'<select class="view-menu" data-file="{_e(photo.file)}" aria-label="{_e(label)}">'
        f"{options}</select>"
    )


def screen_not_known(review: Review, view: str) -> bool:
    """Whether this is the screen-on slot of a product not known to have a screen: it asks
    (screen-unknown), it does not say a photo is missing."""
    return view == SCREEN_ON and review.product.get("has_screen") is None


def _empty_text(review: Review, look: Look, view: str) -> str:
    """What an empty slot asks for: to name one of the photos with no view when there are
    any (by dragging, on the page), else to photograph the view."""
    unnamed = len(review.unassigned_photos())
    how = review.profile.view(view).how(current_language())
    if screen_not_known(review, view):
        return _("If the product has a screen: {how}").format(how=how)
    if not unnamed:
        return _("Missing: {how}").format(how=how)
    if look.menu:
        return _("Not named yet: drag the photo that shows it here, or pick its view in its menu")
    return ngettext(
        "Not named yet: {count} photo below has no view; name it with `image-review init "
        "{folder}` or on the page (`image-review serve {folder}`)",
        "Not named yet: {count} photos below have no view; name them with `image-review init "
        "{folder}` or on the page (`image-review serve {folder}`)",
        unnamed,
    ).format(count=unnamed, folder=review.path)


def _slot(slot: Slot, look: Look, review: Review) -> str:
    profile = review.profile
    lang = current_language()
    second = second_label_language()
    label, chinese = profile.label(slot.view, lang), profile.label(slot.view, second)
    beside = f' <span lang="{html_lang(second)}">{_e(chinese)}</span>' if chinese != label else ""
    title = f"<h2>{_e(label)}{beside}</h2>"
    unnamed = bool(review.unassigned_photos())
    status = f'<span class="status">{status_word(slot, unnamed)}</span>'
    if slot.photos:
        body = "".join(
            _photo(p, look, hint=slot.message if slot.passed_over(p) else "") for p in slot.photos
        )
    else:
        body = f'<div class="empty">{_e(_empty_text(review, look, slot.view))}</div>'
    note = (
        f'<p class="note">{_e(slot.message)}</p>' if slot.photos and slot.status != "pass" else ""
    )
    empty = (
        ""
        if slot.photos or screen_not_known(review, slot.view)
        else " unnamed"
        if unnamed
        else " missing"
    )
    return (
        f'<section class="slot {slot.status}{empty}" data-view="{_e(slot.view)}">'
        f"{title}{status}{body}{note}</section>"
    )


def _duplicates(review: Review, look: Look) -> str:
    by_file = {p.file: p for p in review.photos}
    pairs = []
    for photo in review.photos:
        for finding in photo.findings:
            if finding.code in ("duplicate", "repeated-photo") and finding.related:
                original = by_file[finding.related[0]]
                pairs.append(
                    f'<div class="pair">{_photo(original, look)}{_photo(photo, look)}'
                    f'<p class="note">{_e(finding.message)}</p></div>'
                )
    if not pairs:
        return ""
    title = _e(_("Copies"))
    return f'<h2 class="section">{title}</h2><div class="pairs">{"".join(pairs)}</div>'


def _unassigned(review: Review, look: Look) -> str:
    """The photos with no view (on the seller's page always, as the tray photos are dragged
    from and to), then any other photo no slot shows (a view not required)."""
    shown = {p.file for slot in slots(review) for p in slot.photos}
    photos = review.unassigned_photos()
    others = [p for p in review.photos if p.view != UNASSIGNED and p.file not in shown]
    out = ""
    if photos or look.menu:
        cells = "".join(_photo(p, look) for p in photos)  # its badge says why
        title = _("Photos with no view")
        out += f'<h2 class="section">{_e(title)}</h2>'
        out += f'<div class="row unassigned" data-view="{UNASSIGNED}">{cells}</div>'
    if others:
        cells = "".join(
            _photo(
                p,
                look,
                hint=_("named {view}, which this review does not require").format(view=p.view),
            )
            for p in others
        )
        title = _e(_("Other photos"))
        out += f'<h2 class="section">{title}</h2><div class="row others">{cells}</div>'
    return out


def _submission_findings(review: Review) -> str:
    items = [f for f in review.findings if f.code != "view-missing"]
    if not items:
        return ""
    rows = "".join(
        f'<li><span class="badge {_e(f.severity)}">{_e(f.code)}</span> {_e(f.message)}</li>'
        for f in items
    )
    title = _e(_("About the submission"))
    return f'<h2 class="section">{title}</h2><ul class="findings">{rows}</ul>'


STYLE = (
    """
body{font:15px/1.4 system-ui,-apple-system,"Segoe UI","PingFang SC","Microsoft YaHei",sans-serif;
margin:0 auto;max-width:1240px;padding:16px;color:#1d1d1f;background:#fff}
header{padding:12px 16px;border-radius:8px;margin-bottom:16px}
header.pass{background:#e3f6e8}header.fail{background:#f6cfcf}
header h1{margin:0;font-size:22px}header p{margin:4px 0 0}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(280px,1fr));gap:14px}
.slot{border:2px solid #d0d0d5;border-radius:8px;padding:8px;position:relative;break-inside:avoid}
.slot.pass{border-color:#2e9e5b}.slot.warn{border-color:#d99a00}.slot.fail{border-color:#c0392b}
.slot.missing{background:"""
    + MISSING_BACKGROUND
    + """;border-style:dashed}
.slot.unnamed{background:"""
    + UNNAMED_BACKGROUND
    + """;border-style:dashed;border-color:#b07d00}.slot.unnamed .status{color:#b07d00}
.slot.unnamed .empty{color:#5c4400}
.slot h2{font-size:15px;margin:0 0 6px;padding-right:86px}
.status{position:absolute;top:8px;right:10px;font-weight:700;font-size:12px}
.pass .status{color:#2e9e5b}.fail .status{color:#c0392b}
.warn .status{color:#b07d00}
.empty{min-height:180px;display:flex;align-items:center;justify-content:center;
text-align:center;color:#8a1f14;padding:12px}
.thumb{position:relative;line-height:0}.thumb img{width:100%;height:auto;border-radius:4px}
.thumb svg{position:absolute;inset:0;width:100%;height:100%}
.quad{fill:none;stroke-width:1.2%;vector-effect:none}.quad.on{stroke:#00c853}
.quad.uncertain{stroke:#ffab00}.quad.off,.quad.none{stroke:#9e9e9e}
.noimage{min-height:120px;display:flex;align-items:center;justify-content:center;
background:#eee;color:#555;border-radius:4px}
.file{font-family:ui-monospace,monospace;font-size:12px;word-break:break-all;margin:4px 0}
.badges{list-style:none;padding:0;margin:0}.badges li{margin:0 0 5px;font-size:13px}
.badge{font-size:12px;border-radius:10px;padding:1px 8px;color:#fff;white-space:nowrap}
.advice{color:#333}
.badge.error{background:#c0392b}.badge.warning{background:#b07d00}.badge.info{background:#2d6cdf}
.note{font-size:13px;margin:6px 0 0;color:#444}
.section{font-size:17px;margin:22px 0 8px}
.row,.pairs{display:flex;flex-wrap:wrap;gap:14px}.row .photo{width:280px}
.pair{display:grid;grid-template-columns:1fr 1fr;gap:8px;border:1px solid #ddd;
border-radius:8px;padding:8px;max-width:620px}.pair .note{grid-column:1/3}
.findings{padding-left:0;list-style:none}.findings li{margin:4px 0}
@media print{body{max-width:none;padding:0}.slot,.pair{break-inside:avoid}
header.pass,header.fail,.slot.missing{-webkit-print-color-adjust:exact;print-color-adjust:exact}}
"""
)


def title_text(review: Review, strict: bool = False) -> str:
    """`folder: PASS`, in the current language."""
    return f"{review.path}: {verdict_word(review.verdict(strict))}"


def header_html(review: Review, strict: bool = False, extra: str = "") -> str:
    """The verdict on top: the title and the counts (and `extra` HTML, on the page)."""
    usable = sum(p.usable for p in review.photos)
    screen = screen_word(review.product.get("has_screen"))
    counts = photo_counts(len(review.photos), usable, screen).strip("()（）")
    return (
        f'<header class="{review.verdict(strict)}"><h1>{_e(title_text(review, strict))}</h1>'
        f"<p>{_e(counts)}</p>{extra}</header>"
    )


def grid_html(review: Review, look: Look) -> str:
    """One slot per view of the shot list, in order."""
    cells = "".join(_slot(slot, look, review) for slot in slots(review))
    return f'<div class="grid">{cells}</div>'


def rest_html(review: Review, look: Look) -> str:
    """Below the grid: copies beside their original, photos with no view, and the findings
    about the submission as a whole."""
    return _duplicates(review, look) + _unassigned(review, look) + _submission_findings(review)


def _next_html(review: Review, strict: bool) -> str:
    """The one thing to do now, under the verdict."""
    step = next_step(review, strict, review.path, findings_below=True)
    next_word = _("Next: ")
    return f'<p class="next"><b>{_e(next_word)}</b>{_e(step)}</p>'


def render_report(review: Review, strict: bool = False) -> str:
    """The whole HTML report of one submission (self-contained, UTF-8)."""
    look = embedded(review.previews)
    return (
        f'<!doctype html><html lang="{html_lang(current_language())}"><head>'
        '<meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{_e(title_text(review, strict))}</title><style>{STYLE}</style></head>"
        f"<body>{header_html(review, strict, _next_html(review, strict))}"
        f"<main>{grid_html(review, look)}{rest_html(review, look)}</main></body></html>\n"
    )


def html_lang(lang: str) -> str:
    """The HTML lang attribute of a language: zh-Hans, zh-Hant or en."""
    return {"zh-hans": "zh-Hans", "zh-hant": "zh-Hant"}.get(lang, "en")


def render_index(rows: Iterable[dict], profile: Profile) -> str:
    """The batch index: every submission with its verdict, missing views (by their labels),
    screen, counts, why it failed, and a link to its report, in the current language."""
    lang = current_language()
    screen_words = status_words()
    lines = []
    for row in rows:
        name = _e(row["submission"])
        link = name  # an error row has no report to link to
        if row["verdict"] != "error":
            link = f'<a href="{_e(quote(row["submission"]))}/report.html">{name}</a>'
        reason = _e(row.get("reason") or "")
        verdict = {"pass": _("pass"), "fail": _("fail"), "error": _("error")}.get(
            row["verdict"], row["verdict"]
        )
        missing = "".join(
            f'<span class="view">{_e(profile.label(view, lang))}</span>'
            for view in (row["missing_views"] or "").split(";")
            if view
        )
        screen = screen_words.get(row.get("screen_on") or "", "")
        lines.append(
            f'<tr class="{_e(row["verdict"])}"><td>{link}</td><td>{_e(verdict)}</td>'
            f"<td>{missing}</td><td>{_e(screen)}</td>"
            f"<td>{_e(row['errors'])}</td><td>{_e(row['warnings'])}</td><td>{reason}</td></tr>"
        )
    headers = (
        _("submission"),
        _("verdict"),
        _("missing views"),
        _("screen on"),
        _("errors"),
        _("warnings"),
        _("reason"),
    )
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    title = _e(_("Reviews"))
    return (
        f'<!doctype html><html lang="{html_lang(lang)}"><head>'
        f'<meta charset="utf-8"><title>{title}</title>'
        f"<style>{STYLE}{INDEX_STYLE}</style></head><body>"
        f"<h1>{title}</h1><table><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(lines)}</tbody></table></body></html>\n"
    )


# Words stay whole (Chinese breaks between any two characters unless told not to); only
# the reason wraps; each missing view is one unbreakable label.
INDEX_STYLE = (
    """table{border-collapse:collapse;width:100%}
td,th{border-bottom:1px solid #ddd;padding:6px;text-align:left;vertical-align:top;
word-break:keep-all;overflow-wrap:break-word}
th,td:nth-child(-n+2),td:nth-child(4),td:nth-child(5),td:nth-child(6){white-space:nowrap}
td:nth-child(3){min-width:9em}td:nth-child(7){min-width:18em}
.view{display:inline-block;white-space:nowrap;margin:0 .6em .2em 0;padding:0 6px;
border-radius:8px;background:"""
    + MISSING_BACKGROUND
    + """}
tr.fail td:nth-child(2),tr.error td:nth-child(2){color:#c0392b;font-weight:700}
tr.pass td:nth-child(2){color:#2e9e5b;font-weight:700}
"""
)
