"""Keep the message catalogs in step with the code (needs Babel: pip install -e '.[test]').

    python scripts/update_catalogs.py            extract, merge new messages, compile
    python scripts/update_catalogs.py --check    exit 1 when a catalog is out of date

Messages are the strings passed to `_()` and `ngettext()` in image_review/. The template
is image_review/locale/image_review.pot; each language's translations are
locale/<zh_Hans|zh_Hant>/LC_MESSAGES/image_review.po, compiled to .mo files that ship in
the package (so `pip install .` needs no build step). After running it, translate every
new or fuzzy entry in the .po files and run it again to compile.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "image_review"
LOCALE = PACKAGE / "locale"
DOMAIN = "image_review"
LANGUAGES = {"zh_Hans": "zh_Hans", "zh_Hant": "zh_Hant"}
KEYWORDS = {"_": None, "ngettext": (1, 2)}


def extract() -> Catalog:
    """Every message of the package, with where it is used."""
    catalog = Catalog(project="image-review", charset="utf-8")
    for path, line, message, comments, context in extract_from_dir(
        str(PACKAGE), method_map=[("**.py", "python")], keywords=KEYWORDS
    ):
        catalog.add(
            message,
            None,
            [(f"image_review/{path}", line)],
            auto_comments=comments,
            context=context,
            flags=("python-brace-format",),
        )
    return catalog


def po_path(language: str) -> Path:
    return LOCALE / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def merged(template: Catalog, language: str) -> Catalog:
    """The language's catalog with the template's messages: new ones empty, gone ones out."""
    path = po_path(language)
    if path.is_file():
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=language)
    else:
        catalog = Catalog(locale=language, project="image-review", charset="utf-8")
    catalog.update(template, no_fuzzy_matching=True)
    return catalog


def _po_bytes(catalog: Catalog) -> bytes:
    out = io.BytesIO()
    write_po(out, catalog, width=100, ignore_obsolete=True)
    return out.getvalue()


def _mo_bytes(catalog: Catalog) -> bytes:
    out = io.BytesIO()
    write_mo(out, catalog)
    return out.getvalue()


def main(check: bool = False) -> int:
    template = extract()
    stale = []
    for language in LANGUAGES:
        catalog = merged(template, language)
        po, mo = po_path(language), po_path(language).with_suffix(".mo")
        wanted = {po: _po_bytes(catalog), mo: _mo_bytes(catalog)}
        for path, data in wanted.items():
            current = path.read_bytes() if path.is_file() else b""
            if _essence(current) != _essence(data):
                stale.append(path)
                if not check:
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_bytes(data)
    for path in stale:
        print(f"{'out of date' if check else 'updated'}: {path.relative_to(ROOT)}")
    return 1 if check and stale else 0


def _essence(data: bytes) -> bytes:
    """A catalog without its dates and the source lines of each message (they change on
    every run and with every edit of the code): what differs is a message or a translation."""
    kept = (line for line in data.split(b"\n") if b"-Date:" not in line)
    return b"\n".join(line for line in kept if not line.startswith(b"#:"))


if __name__ == "__main__":
    sys.exit(main(check="--check" in sys.argv[1:]))
