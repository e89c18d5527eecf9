"""The optional `submission.toml` in a submission folder: product facts and explicit views."""

from __future__ import annotations

import codecs
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from image_review.i18n import _

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

SIDECAR_NAME = "submission.toml"
SCREEN_CATEGORIES = frozenset(
    {"phone", "tablet", "laptop", "monitor", "tv", "watch", "camera", "console", "e-reader"}
)
CATEGORIES = frozenset({*SCREEN_CATEGORIES, "other"})
# [checks]: what the seller states about an estimate the tool makes from pixels.
CHECKS = {"screen_on": ("confirmed",)}


class SidecarError(ValueError):
    """A sidecar the reviewer must fix: the message names the file, the line and the fix."""


@dataclass
class Product:
    """What the seller says about the product (every field optional)."""

    name: str | None = None
    category: str | None = None
    has_screen: bool | None = None

    def screen_known(self) -> bool | None:
        """True/False when the facts say whether there is a display, else None."""
        if self.has_screen is not None:
            return self.has_screen
        if self.category is not None:
            return self.category in SCREEN_CATEGORIES
        return None

    def as_dict(self) -> dict[str, object]:
        return {"name": self.name, "category": self.category, "has_screen": self.has_screen}


@dataclass
class Sidecar:
    """A parsed sidecar: product facts and, per [views] key as the seller wrote it (a view
    id or a word naming one, read in a profile's words when views are assigned), the files."""

    product: Product = field(default_factory=Product)
    views: dict[str, list[str]] = field(default_factory=dict)
    checks: dict[str, str] = field(default_factory=dict)  # e.g. screen_on = "confirmed"
    where: str = SIDECAR_NAME  # the file, for messages
    read_as_gbk: bool = False  # not UTF-8: read as Chinese Windows' GBK (a guess)

    def as_dict(self) -> dict[str, object]:
        """What the seller wrote, for the manifest (a re-judge reads the views again); a
        path outside the folder is kept as `../name`, so no absolute path is recorded."""
        views = {
            key: [f"../{PurePosixPath(_posix(f)).name}" if leaves_folder(f) else f for f in files]
            for key, files in self.views.items()
        }
        return {"product": self.product.as_dict(), "views": views}


def sidecar_text(sidecar: Sidecar) -> str:
    """The TOML text of a sidecar (what `image-review serve` saves on every change)."""

    def value(item: object) -> str:
        if isinstance(item, bool):
            return "true" if item else "false"
        if isinstance(item, list):
            return "[" + ", ".join(value(i) for i in item) + "]"
        return json.dumps(item, ensure_ascii=False)  # a JSON string is a TOML basic string

    def key(name: str) -> str:
        return name if re.fullmatch(r"[A-Za-z0-9_-]+", name) else value(name)

    lines = ["[product]"]
    lines += [f"{k} = {value(v)}" for k, v in sidecar.product.as_dict().items() if v is not None]
    lines += ["", "[views]"]
    lines += [
        f"{key(view)} = {value(files[0] if len(files) == 1 else files)}"
        for view, files in sidecar.views.items()
    ]
    if sidecar.checks:
        lines += ["", "[checks]", *(f"{k} = {value(v)}" for k, v in sidecar.checks.items())]
    return "\n".join(lines) + "\n"


def _posix(name: str) -> str:
    return name.replace("\\", "/")


def leaves_folder(name: str) -> bool:
    """Whether a [views] file name points outside the submission folder."""
    pure = PurePosixPath(_posix(name))
    return pure.is_absolute() or ".." in pure.parts or ":" in name


def _decoded(raw: bytes) -> tuple[str, bool]:
    """The sidecar's text, and whether it was read as GBK: UTF-8 (a BOM allowed), else what
    Windows Notepad saves: UTF-16 with its BOM ("Unicode"), or GBK on Chinese Windows
    ("ANSI", read as its superset GB18030). Raises UnicodeDecodeError when it is none."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return raw.decode("utf-16"), False
    try:
        return raw.decode("utf-8-sig"), False
    except UnicodeDecodeError:
        return raw.decode("gb18030"), True


# A bare key with letters beyond ASCII (正面 = "IMG_1.jpg"): TOML 1.1 allows it, 1.0 (tomllib)
# does not; it is quoted before parsing.
_KEY_CHAR = r"[^\s\"'=#\[\].]"
_UNICODE_BARE_KEY = re.compile(rf"^([ \t]*)({_KEY_CHAR}*[^\x00-\x7f]{_KEY_CHAR}*)([ \t]*=)", re.M)


def _quote_unicode_keys(text: str) -> str:
    """The sidecar's text with its bare keys in Chinese (or any script) quoted."""
    return _UNICODE_BARE_KEY.sub(r'\1"\2"\3', text)


def read_sidecar(folder: Path) -> Sidecar | None:
    """Parse `folder/submission.toml`, or None when there is none."""
    path = folder / SIDECAR_NAME
    if not path.is_file():
        return None
    try:
        text, read_as_gbk = _decoded(path.read_bytes())
        data = tomllib.loads(_quote_unicode_keys(text))
    except UnicodeDecodeError:
        raise SidecarError(
            _(
                "{file}: not UTF-8 text; save it as UTF-8 (Notepad: File > Save as > "
                "Encoding: UTF-8)"
            ).format(file=path)
        ) from None
    except tomllib.TOMLDecodeError as err:
        raise SidecarError(
            _("{file}: invalid TOML: {reason}").format(file=path, reason=err)
        ) from None
    except OSError as err:
        raise SidecarError(
            _("{file}: cannot be read ({reason})").format(file=path, reason=err.strerror)
        ) from None
    unknown = sorted(set(data) - {"product", "views", "checks"})
    if unknown:
        raise SidecarError(
            _("{file}: unknown table(s) {tables}; use [product], [views] and [checks]").format(
                file=path, tables=", ".join(unknown)
            )
        )
    return Sidecar(
        product=_product(path, data.get("product", {})),
        views=_views(path, data),
        checks=_checks(path, data.get("checks", {})),
        where=str(path),
        read_as_gbk=read_as_gbk,
    )


def _checks(path: Path, table: object) -> dict[str, str]:
    if not isinstance(table, dict):
        raise SidecarError(_("{file}: [{table}] must be a table").format(file=path, table="checks"))
    for key, value in table.items():
        if key not in CHECKS:
            raise SidecarError(
                _("{file}: [checks] key {key!r} is not one of {keys}").format(
                    file=path, key=key, keys=", ".join(CHECKS)
                )
            )
        if value not in CHECKS[key]:
            allowed = " or ".join(f'"{v}"' for v in CHECKS[key])
            raise SidecarError(
                _("{file}: checks.{key} must be {allowed}").format(
                    file=path, key=key, allowed=allowed
                )
            )
    return dict(table)


def _product(path: Path, table: object) -> Product:
    if not isinstance(table, dict):
        raise SidecarError(
            _("{file}: [{table}] must be a table").format(file=path, table="product")
        )
    name, category, has_screen = (table.get(k) for k in ("name", "category", "has_screen"))
    if name is not None and not isinstance(name, str):
        raise SidecarError(_("{file}: product.name must be text").format(file=path))
    if category is not None and category not in CATEGORIES:
        raise SidecarError(
            _("{file}: product.category {category!r} is not one of {categories}").format(
                file=path, category=category, categories=", ".join(sorted(CATEGORIES))
            )
        )
    if has_screen is not None and not isinstance(has_screen, bool):
        raise SidecarError(_("{file}: product.has_screen must be true or false").format(file=path))
    return Product(name=name, category=category, has_screen=has_screen)


def _views(path: Path, data: dict) -> dict[str, list[str]]:
    table = data.get("views", {})
    if not isinstance(table, dict):
        raise SidecarError(_("{file}: [{table}] must be a table").format(file=path, table="views"))
    views: dict[str, list[str]] = {}
    for key, value in table.items():
        files = [value] if isinstance(value, str) else value
        if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
            raise SidecarError(
                _("{file}: views.{key} must be a file name or a list of file names").format(
                    file=path, key=key
                )
            )
        views[key] = list(files)
    return views
