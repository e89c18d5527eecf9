"""Shot lists as profiles, and reading what a file name says about its photo.

A profile (a TOML file; the built-in ones are `profiles/*.toml` in the package) declares
the views a submission must show, their labels and how-to text in each language, the
words that name them in a file name, and any policy field. A seller names files in many
ways (`03_LEFT.jpg`, `Left Side.png`, `左側.heic`, `side2.jpg`, `top/IMG_1.jpg`);
`parse_name` turns one name into what it says about the photo, in a profile's words.
"""

from __future__ import annotations

import functools
import hashlib
import re
import sys
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from image_review.i18n import LANGUAGES, _
from image_review.policy import PolicyError, policy_changes

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

SCREEN_ON = "screen_on"
UNASSIGNED = "unassigned"

BUILTIN_PROFILES = ("renewed", "renewed-au")
DEFAULT_PROFILE = "renewed"
_SCREEN_OFF = "screen_off"  # words saying the screen is off: they name no view
_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_PROFILE_KEYS = frozenset(
    {"name", "title", "source", "side_views", "screen_off_words", "screen_off_words_zh"}
    | {"policy", "views", "screen_on"}
)
_VIEW_KEYS = frozenset({"id", "label", "how", "words", "words_zh", "product", "min_count"})


class ProfileError(ValueError):
    """A profile that cannot be used; the message names the file and the problem."""


@dataclass(frozen=True)
class View:
    """One line of a shot list."""

    id: str
    labels: Mapping[str, str]  # language -> name for people
    hows: Mapping[str, str]  # language -> how to shoot it
    words: tuple[str, ...]  # normalised words and phrases that name it
    product: bool = True  # shows the product itself (a lit screen counts only there)
    min_count: int = 1

    def label(self, lang: str = "en") -> str:
        """Its name in `lang`, else in English."""
        return self.labels.get(lang) or self.labels["en"]

    def how(self, lang: str = "en") -> str:
        """How to shoot it, in `lang`, else in English."""
        return self.hows.get(lang) or self.hows["en"]


@dataclass(frozen=True)
class Profile:
    """A shot list: its views in order, the screen-on view, and its policy fields."""

    name: str
    title: str
    source: str
    sha256: str  # of the profile file's bytes, recorded in the manifest
    views: tuple[View, ...]
    screen: View
    side_views: tuple[str, ...] = ()
    screen_off_words: tuple[str, ...] = ()
    policy: Mapping[str, object] = field(default_factory=dict)

    @property
    def required(self) -> tuple[str, ...]:
        """The view ids of the shot list, in order (the screen-on view is judged apart)."""
        return tuple(v.id for v in self.views)

    @property
    def all_views(self) -> tuple[str, ...]:
        return (*self.required, SCREEN_ON)

    def view(self, view_id: str) -> View | None:
        """The view with this id (the shot list's or the screen-on one), else None."""
        if view_id == SCREEN_ON:
            return self.screen
        return next((v for v in self.views if v.id == view_id), None)

    def label(self, view_id: str, lang: str = "en") -> str:
        """A view's name in `lang`; an id the profile does not know stays as it is."""
        view = self.view(view_id)
        return view.label(lang) if view else view_id

    def is_product(self, view_id: str) -> bool:
        """Whether a photo of this view shows the product (an unassigned photo may)."""
        view = self.view(view_id)
        return view.product if view else True

    @functools.cached_property
    def phrases(self) -> list[tuple[str, str]]:
        """(phrase, view id) of every word, longest phrase first."""
        pairs = [(w, v.id) for v in (*self.views, self.screen) for w in v.words]
        pairs += [(w, _SCREEN_OFF) for w in self.screen_off_words]
        return sorted(pairs, key=lambda p: -len(p[0]))


@functools.lru_cache(maxsize=16)
def load_profile(spec: str | Path | None = None) -> Profile:
    """A built-in profile by name (`renewed`, `renewed-au`) or a profile TOML file.

    Raises ProfileError naming the file and what to fix.
    """
    spec = spec or DEFAULT_PROFILE
    if str(spec) in BUILTIN_PROFILES:
        where = f"built-in profile {spec}"
        data = resources.files("image_review").joinpath(f"profiles/{spec}.toml").read_bytes()
    else:
        where = str(spec)
        try:
            data = Path(spec).read_bytes()
        except OSError as err:
            if not Path(spec).exists():
                raise ProfileError(
                    _(
                        "--profile {spec}: no such built-in profile or file; built-in profiles: "
                        "{names}, or give the path of a profile TOML file"
                    ).format(spec=spec, names=", ".join(BUILTIN_PROFILES))
                ) from None
            raise ProfileError(
                _("{file}: cannot read the profile ({reason})").format(
                    file=spec, reason=err.strerror
                )
            ) from None
    try:
        table = tomllib.loads(data.decode("utf-8-sig"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise ProfileError(
            _("{file}: not valid UTF-8 TOML: {reason}").format(file=where, reason=err)
        ) from None
    return _profile(table, where, hashlib.sha256(data).hexdigest())


def _profile(table: dict, where: str, digest: str) -> Profile:
    unknown = sorted(set(table) - _PROFILE_KEYS)
    if unknown:
        raise ProfileError(_unknown_keys(where, unknown))
    name = table.get("name")
    if not isinstance(name, str) or not name:
        raise ProfileError(
            _('{file}: needs a name, for example name = "my-marketplace"').format(file=where)
        )
    try:
        policy = policy_changes(table.get("policy", {}), where)
    except PolicyError as err:
        raise ProfileError(str(err)) from None
    entries = table.get("views")
    if not isinstance(entries, list) or not entries:
        raise ProfileError(_("{file}: needs at least one [[views]] entry").format(file=where))
    views = tuple(_view(entry, where, i) for i, entry in enumerate(entries, start=1))
    if "screen_on" not in table:
        raise ProfileError(
            _("{file}: needs a [screen_on] table (label, how, words)").format(file=where)
        )
    screen = _view({**table["screen_on"], "id": SCREEN_ON}, where, 0)
    ids = [v.id for v in views]
    repeated = sorted({i for i in ids if ids.count(i) > 1} | ({SCREEN_ON} & set(ids)))
    if repeated:
        raise ProfileError(
            _("{file}: view id(s) {ids} used twice").format(file=where, ids=", ".join(repeated))
        )
    sides = tuple(_strings(table, "side_views", where))
    if set(sides) - set(ids):
        raise ProfileError(
            _("{file}: side_views names no view: {ids}").format(
                file=where, ids=", ".join(sorted(set(sides) - set(ids)))
            )
        )
    off = _words(table, "screen_off_words", "screen_off_words_zh", where)
    profile = Profile(
        name=name,
        title=str(table.get("title", name)),
        source=str(table.get("source", "")),
        sha256=digest,
        views=views,
        screen=screen,
        side_views=sides,
        screen_off_words=off,
        policy=policy,
    )
    _check_collisions(profile, where)
    return profile


def _unknown_keys(where: str, keys: list[str]) -> str:
    return _("{file}: unknown key(s) {keys}").format(file=where, keys=", ".join(keys))


def _view(entry: object, where: str, number: int) -> View:
    if not isinstance(entry, dict):
        raise ProfileError(
            _("{file}: views entry {number} must be a table").format(file=where, number=number)
        )
    view_id = entry.get("id")
    at = f"{where}: view {view_id or number}"
    if not isinstance(view_id, str) or not _ID.match(view_id) or view_id == UNASSIGNED:
        raise ProfileError(_("{view}: id must be lower-case letters, digits and _").format(view=at))
    unknown = sorted(set(entry) - _VIEW_KEYS)
    if unknown:
        raise ProfileError(_unknown_keys(at, unknown))
    labels, hows = _texts(entry, "label", at), _texts(entry, "how", at)
    product, min_count = entry.get("product", True), entry.get("min_count", 1)
    if not isinstance(product, bool):
        raise ProfileError(_("{view}: product must be true or false").format(view=at))
    if isinstance(min_count, bool) or not isinstance(min_count, int) or min_count < 1:
        raise ProfileError(
            _("{view}: min_count must be a whole number of 1 or more").format(view=at)
        )
    words = _words(entry, "words", "words_zh", at)
    return View(view_id, labels, hows, words, product, min_count)


def _texts(entry: dict, key: str, at: str) -> dict[str, str]:
    texts = entry.get(key)
    if not isinstance(texts, dict) or not isinstance(texts.get("en"), str):
        raise ProfileError(
            _('{view}: {key} must be a table with at least en = "..."').format(view=at, key=key)
        )
    unknown = sorted(set(texts) - set(LANGUAGES))
    if unknown or not all(isinstance(t, str) for t in texts.values()):
        raise ProfileError(
            _("{view}: {key} takes text in {languages} only").format(
                view=at, key=key, languages=", ".join(LANGUAGES)
            )
        )
    return dict(texts)


def _strings(table: dict, key: str, at: str) -> list[str]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ProfileError(_("{view}: {key} must be a list of strings").format(view=at, key=key))
    return value


def _words(table: dict, english: str, chinese: str, at: str) -> tuple[str, ...]:
    words = [*_strings(table, english, at), *_strings(table, chinese, at)]
    return tuple(dict.fromkeys(n for n in (normalise(w) for w in words) if n))


def _check_collisions(profile: Profile, where: str) -> None:
    """A word may name only one view of a profile."""
    owner: dict[str, str] = {}
    for phrase, view in profile.phrases:
        if owner.setdefault(phrase, view) != view:
            raise ProfileError(
                _(
                    "{file}: the word {word!r} names both {first} and {second}; keep it in one "
                    "of them"
                ).format(file=where, word=phrase, first=owner[phrase], second=view)
            )


_GENERIC_SIDE = re.compile(
    r"(?:\bside|(?<![左右])(?:侧面图|側面圖|侧面|側面|侧边|側邊|侧|側))\s?([1-4])(?!\d)"
)
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
# Word breaks: anything not a letter or digit, and every letter/digit boundary.
_WORD_BREAK = re.compile(r"[^0-9a-z\u3400-\u9fff\uf900-\ufaff]+")
_ALNUM_BOUNDARY = re.compile(r"(?<=[a-z])(?=\d)|(?<=\d)(?=[a-z])")


@dataclass(frozen=True)
class NameMeaning:
    """What one file or folder name says about its photo."""

    view: str | None  # a view id of the profile, or None when the name says no view
    side_number: int | None = None  # 1..4 for generic `side2`, `侧面2`
    screen_on: bool = False  # the name says the screen is on (may come with a view)
    ambiguous: tuple[str, ...] = ()  # more than one view named: none chosen


def normalise(name: str) -> str:
    """Lower-case, width-folded, one space between words: `03_LEFT-Side` -> `03 left side`."""
    text = unicodedata.normalize("NFKC", name).lower()
    text = _ALNUM_BOUNDARY.sub(" ", text)
    return " ".join(_WORD_BREAK.split(text)).strip()


def _find_views(text: str, phrases: list[tuple[str, str]]) -> list[str]:
    """Views named in normalised text, longest phrase first, no overlapping matches.
    Latin words match whole words; CJK ones match anywhere."""
    padded = f" {text} "
    taken = [False] * len(padded)
    found: list[tuple[int, str]] = []
    for phrase, view in phrases:
        pattern = re.escape(phrase) if _CJK.search(phrase) else rf"(?<= ){re.escape(phrase)}(?= )"
        for match in re.finditer(pattern, padded):
            span = range(match.start(), match.end())
            if any(taken[i] for i in span):
                continue
            for i in span:
                taken[i] = True
            found.append((match.start(), view))
    return [view for _, view in sorted(found)]


def parse_name(name: str, profile: Profile | None = None) -> NameMeaning:
    """Read a file stem or folder name in the words of `profile` (default: renewed).

    >>> parse_name("03_LEFT-side").view
    'left'
    >>> parse_name("front screen on")
    NameMeaning(view='front', side_number=None, screen_on=True, ambiguous=())
    """
    profile = profile or load_profile()
    text = normalise(name)
    generic = _GENERIC_SIDE.search(text) if profile.side_views else None
    views = _find_views(_GENERIC_SIDE.sub(" ", text) if generic else text, profile.phrases)
    screen_on = SCREEN_ON in views and _SCREEN_OFF not in views
    named = sorted(set(views) - {SCREEN_ON, _SCREEN_OFF}, key=views.index)
    if generic and not named:
        return NameMeaning(view=None, side_number=int(generic.group(1)), screen_on=screen_on)
    packaging = [view for view in named if not profile.is_product(view)]
    if len(named) > 1 and len(packaging) == 1:  # the box's front or top: a photo of the box
        return NameMeaning(view=packaging[0], screen_on=screen_on)
    if len(named) > 1:
        return NameMeaning(view=None, screen_on=screen_on, ambiguous=tuple(named))
    if named:
        return NameMeaning(view=named[0], screen_on=screen_on)
    return NameMeaning(view=SCREEN_ON if screen_on else None, screen_on=screen_on)


def canonical_view(key: str, profile: Profile | None = None) -> str | None:
    """The view id for a sidecar key or synonym (`box` -> `shipping_box`), else None."""
    profile = profile or load_profile()
    if key in profile.all_views:
        return key
    meaning = parse_name(key, profile)
    return meaning.view if not meaning.ambiguous else None
