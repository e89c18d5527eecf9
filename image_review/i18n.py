"""The language of every message: gettext catalogs shipped compiled in `locale/`.

`set_language("zh-hans")` switches the whole process (the review's threads and a batch
worker's process each read it); `_("text {name}").format(name=...)` translates a message.
Codes, ids and numbers never change with the language; only the words people read do.
"""

from __future__ import annotations

import contextlib
import gettext
import os
from collections.abc import Iterator, Mapping
from importlib import resources

LANGUAGES = ("en", "zh-hans", "zh-hant")
DOMAIN = "image_review"
#: The catalog folder of each language (en is the source text: no catalog).
CATALOGS = {"zh-hans": "zh_Hans", "zh-hant": "zh_Hant"}
_TRADITIONAL_REGIONS = ("tw", "hk", "mo", "hant")

_translation: gettext.NullTranslations = gettext.NullTranslations()
_language = "en"


def _(message: str) -> str:
    """`message` in the current language."""
    return _translation.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form for `n`, in the current language."""
    return _translation.ngettext(singular, plural, n)


def current_language() -> str:
    return _language


def set_language(lang: str) -> None:
    """Switch every later message to `lang` (one of LANGUAGES)."""
    global _translation, _language
    if lang not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, not {lang!r}")
    if lang == "en":
        _translation = gettext.NullTranslations()
    else:
        folder = resources.files("image_review").joinpath("locale")
        with resources.as_file(folder) as localedir:
            _translation = gettext.translation(DOMAIN, localedir, languages=[CATALOGS[lang]])
    _language = lang


@contextlib.contextmanager
def language(lang: str) -> Iterator[None]:
    """Messages in `lang` inside the block, as before after it."""
    before = _language
    set_language(lang)
    try:
        yield
    finally:
        set_language(before)


def language_from_environment(environ: Mapping[str, str] | None = None) -> str:
    """The language the locale settings ask for (LANGUAGE, LC_ALL, LC_MESSAGES, LANG, in
    gettext's order): Chinese in simplified or traditional script, else English."""
    environ = os.environ if environ is None else environ
    for variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(variable, "")
        if not value:
            continue
        first = value.split(":")[0].split(".")[0].lower().replace("-", "_")
        if not first.startswith("zh"):
            return "en"
        parts = first.split("_")[1:]
        return "zh-hant" if any(p in _TRADITIONAL_REGIONS for p in parts) else "zh-hans"
    return "en"
