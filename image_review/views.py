"""The view vocabulary: view ids, English and Chinese synonyms, and name parsing.

A seller names files in many ways (`03_LEFT.jpg`, `Left Side.png`, `左側.heic`, `side2.jpg`,
`top/IMG_1.jpg`). `parse_name` turns one name into what it says about the photo.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

#: The eight views every submission must show, in shot-list order.
REQUIRED_VIEWS: tuple[str, ...] = (
    "shipping_box",
    "inner_packaging",
    "top",
    "bottom",
    "front",
    "back",
    "left",
    "right",
)
SCREEN_ON = "screen_on"
UNASSIGNED = "unassigned"
ALL_VIEWS: tuple[str, ...] = (*REQUIRED_VIEWS, SCREEN_ON)
#: The four side slots that generic `side1..side4` names fill, in this order.
SIDE_SLOTS: tuple[str, ...] = ("front", "back", "left", "right")

_SCREEN_OFF = "screen_off"

#: English title and Chinese (simplified) label of each view, for people.
VIEW_LABELS: dict[str, tuple[str, str]] = {
    "shipping_box": ("Shipping box", "外箱"),
    "inner_packaging": ("Inner packaging and padding", "内包装和衬垫"),
    "top": ("Product top", "顶部"),
    "bottom": ("Product bottom", "底部"),
    "front": ("Front side", "正面"),
    "back": ("Back side", "背面"),
    "left": ("Left side", "左侧"),
    "right": ("Right side", "右侧"),
    "screen_on": ("Screen switched on", "屏幕亮起"),
}

#: How to shoot each view, for the message of a missing one.
VIEW_HINTS: dict[str, str] = {
    "shipping_box": "photograph the closed box the product ships in",
    "inner_packaging": "open the box; photograph the inner packaging and padding",
    "top": "photograph the product from directly above",
    "bottom": "turn the product over and photograph its underside",
    "front": "photograph the front face of the product",
    "back": "photograph the back of the product",
    "left": "photograph the product's left side",
    "right": "photograph the product's right side",
    "screen_on": "switch the screen on (home or lock screen) and photograph it",
}

# Each view: English synonyms (comma-separated), then Chinese ones, simplified and
# traditional (space-separated). Latin words match whole words; CJK ones match anywhere.
_SYNONYM_LISTS: dict[str, tuple[str, str]] = {
    "shipping_box": (
        "box, shipping box, ship box, outer box, outside box, carton, shipping, shipper, "
        "outer packaging, outer package, outside packaging, exterior packaging, package, box "
        "top, top of box, box bottom, bottom of box, box side, box front, box back, mailer "
        "box, retail box, package box, packing box, outer, outbox",
        "外包装箱 外包裝箱 外箱 纸箱 紙箱 包装盒 包裝盒 包装箱 包裝箱 外包装 "
        "外包裝 快递箱 快遞箱 箱子 盒子 彩盒 外盒",
    ),
    "inner_packaging": (
        "inner packaging, inside packaging, inner package, inner pack, inner box, inside box, "
        "inner, inside, interior, padding, insert, inserts, foam, cushion, cushioning, bubble "
        "wrap, packaging, package inside, open box, unboxed, unboxing, box inside, inside "
        "box, inside of box, inside the box, box interior, in box",
        "包装 包裝 内部 內部 包装内部 包裝內部 内包装 內包裝 内部包装 內部包裝 "
        "内衬 內襯 衬垫 襯墊 填充 缓冲 緩衝 泡沫 泡棉 内托 內托 内盒 內盒 "
        "开箱 開箱",
    ),
    "top": (
        "top, top view, topside, above, overhead",
        "顶部 頂部 顶面 頂面 俯视 俯視 上面 顶视 頂視",
    ),
    "bottom": (
        "bottom, bottom view, underside, under side, underneath, base",
        "底部 底面 底视 底視 下面",
    ),
    "front": (
        "front, front view, front side, face",
        "正面 前面 正视 正視 前视 前視",
    ),
    "back": (
        "back, back view, back side, rear, rear view, backside, reverse",
        "背面 后面 後面 背部 后视 後視 反面",
    ),
    "left": (
        "left, left side, left view, left edge, side left",
        "左侧 左側 左边 左邊 左面 左侧面 左側面",
    ),
    "right": (
        "right, right side, right view, right edge, side right",
        "右侧 右側 右边 右邊 右面 右侧面 右側面",
    ),
    "screen_on": (
        "screen on, screen, display on, display, powered on, power on, turned on, switched "
        "on, lit, lit screen, on screen, screen lit, boot, booted",
        "亮屏 开机 開機 屏幕 螢幕 萤幕 屏幕亮 通电 通電 点亮 點亮 显示屏 顯示屏 开屏 開屏",
    ),
    _SCREEN_OFF: (
        "off, screen off, display off, powered off, power off, switched off",
        "关机 關機 黑屏 熄屏 息屏 灭屏 滅屏",
    ),
}
_SYNONYMS: dict[str, tuple[str, ...]] = {
    view: (*(w.strip() for w in english.split(",")), *chinese.split())
    for view, (english, chinese) in _SYNONYM_LISTS.items()
}

_GENERIC_SIDE = re.compile(r"(?:\bside|(?<![左右])(?:侧面|側面|侧|側))\s?([1-4])(?!\d)")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
# Word breaks: anything not a letter or digit, and every letter/digit boundary.
_WORD_BREAK = re.compile(r"[^0-9a-z\u3400-\u9fff\uf900-\ufaff]+")
_ALNUM_BOUNDARY = re.compile(r"(?<=[a-z])(?=\d)|(?<=\d)(?=[a-z])")


@dataclass(frozen=True)
class NameMeaning:
    """What one file or folder name says about its photo."""

    view: str | None  # one of ALL_VIEWS, or None when the name says no view
    side_number: int | None = None  # 1..4 for generic `side2`, `侧面2`
    screen_on: bool = False  # the name says the screen is on (may come with a view)
    ambiguous: tuple[str, ...] = ()  # more than one view named: none chosen


def normalise(name: str) -> str:
    """Lower-case, width-folded, one space between words: `03_LEFT-Side` -> `03 left side`."""
    text = unicodedata.normalize("NFKC", name).lower()
    text = _ALNUM_BOUNDARY.sub(" ", text)
    return " ".join(_WORD_BREAK.split(text)).strip()


def _phrase_index() -> list[tuple[str, str]]:
    pairs = [(syn, view) for view, syns in _SYNONYMS.items() for syn in syns]
    return sorted(pairs, key=lambda p: -len(p[0]))  # longest phrase first


_PHRASES = _phrase_index()


def _find_views(text: str) -> list[str]:
    """Views named in normalised text, longest phrase first, no overlapping matches."""
    padded = f" {text} "
    taken = [False] * len(padded)
    found: list[tuple[int, str]] = []
    for phrase, view in _PHRASES:
        pattern = re.escape(phrase) if _CJK.search(phrase) else rf"(?<= ){re.escape(phrase)}(?= )"
        for match in re.finditer(pattern, padded):
            span = range(match.start(), match.end())
            if any(taken[i] for i in span):
                continue
            for i in span:
                taken[i] = True
            found.append((match.start(), view))
    return [view for _, view in sorted(found)]


def parse_name(name: str) -> NameMeaning:
    """Read a file stem or folder name: which view it names, if any.

    >>> parse_name("03_LEFT-side").view
    'left'
    >>> parse_name("front screen on")
    NameMeaning(view='front', side_number=None, screen_on=True, ambiguous=())
    """
    text = normalise(name)
    generic = _GENERIC_SIDE.search(text)
    views = _find_views(_GENERIC_SIDE.sub(" ", text) if generic else text)
    screen_on = SCREEN_ON in views and _SCREEN_OFF not in views
    named = sorted(set(views) - {SCREEN_ON, _SCREEN_OFF}, key=views.index)
    if generic and not named:
        return NameMeaning(view=None, side_number=int(generic.group(1)), screen_on=screen_on)
    if len(named) > 1:
        return NameMeaning(view=None, screen_on=screen_on, ambiguous=tuple(named))
    if named:
        return NameMeaning(view=named[0], screen_on=screen_on)
    return NameMeaning(view=SCREEN_ON if screen_on else None, screen_on=screen_on)


def canonical_view(key: str) -> str | None:
    """The view id for a sidecar key or synonym (`box` -> `shipping_box`), else None."""
    if key in ALL_VIEWS:
        return key
    meaning = parse_name(key)
    return meaning.view if not meaning.ambiguous else None
