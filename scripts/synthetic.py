"""Photo-like synthetic scenes of one phone and its packaging, for fixtures and benchmarks.

Each view is drawn on a wooden table with soft lighting, a drop shadow, a small camera
tilt and sensor noise, so that quality measures see textures and edges like a real photo.
Everything is seeded: the same call gives the same pixels.
"""

from __future__ import annotations

import cv2
import numpy as np

WIDTH, HEIGHT = 1280, 960
# The phone lies on a medium oak desk: on the light table under bright light, with no shadow
# darker than 150 of 255, a thin grey phone edge is what a washed-out photo looks like.
PHONE_TABLE_TONE = 0.9
AA = cv2.LINE_AA


def table(
    rng: np.random.Generator, w: int = WIDTH, h: int = HEIGHT, tone: float = 1.0
) -> np.ndarray:
    """A wood table, light oak at tone 1: grain stripes, knots of noise, a lighting falloff."""
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    warp = cv2.GaussianBlur(rng.normal(0, 1, (h, w)).astype(np.float32), (0, 0), 40) * 60
    grain = np.sin((y + warp) / 7.0) * 0.5 + np.sin((y + warp * 1.7) / 2.3) * 0.2
    fine = cv2.GaussianBlur(rng.normal(0, 1, (h, w)).astype(np.float32), (0, 0), 1.2)
    base = np.array([150, 185, 215], np.float32) * tone  # BGR light oak
    wood = base + (grain * 14 + fine * 6)[..., None]
    light = 1.05 - 0.35 * (((x - w * 0.4) / w) ** 2 + ((y - h * 0.3) / h) ** 2)
    return np.clip(wood * light[..., None], 0, 255)


def plain_surface(
    rng: np.random.Generator, w: int = WIDTH, h: int = HEIGHT, tone: float = 1.0
) -> np.ndarray:
    """A smooth, plain tabletop (a mid-grey matte mat at tone 1): a lighting falloff and a
    soft mottle with no crisp edge in it, as a matte surface is at a phone's focus."""
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    mottle = cv2.GaussianBlur(rng.normal(0, 1, (h, w)).astype(np.float32), (0, 0), 3.5) * 30
    base = np.array([150, 152, 156], np.float32) * tone
    light = 1.04 - 0.25 * (((x - w * 0.45) / w) ** 2 + ((y - h * 0.35) / h) ** 2)
    return np.clip((base + mottle[..., None]) * light[..., None], 0, 255)


def defocused_room(
    rng: np.random.Generator, w: int = WIDTH, h: int = HEIGHT, tone: float = 1.0
) -> np.ndarray:
    """A busy room far behind the subject, out of focus as a close focus leaves it: a wood
    table (always at tone 1), shelves and bright objects, blurred (Gaussian, sigma 9 px)."""
    room = table(rng, w, h)
    for _ in range(40):
        x0, y0 = int(rng.integers(0, w)), int(rng.integers(0, h))
        colour = [float(c) for c in rng.integers(20, 250, 3)]
        if rng.random() < 0.5:
            size = (int(rng.integers(40, 220)), int(rng.integers(40, 220)))
            cv2.rectangle(room, (x0, y0), (x0 + size[0], y0 + size[1]), colour, -1)
        else:
            cv2.circle(room, (x0, y0), int(rng.integers(10, 60)), colour, -1)
    return cv2.GaussianBlur(room, (0, 0), 9)


BACKDROPS = {"wood": table, "plain": plain_surface, "defocused": defocused_room}


def _ink(img: np.ndarray, mask: np.ndarray, colour) -> None:
    """Paint `colour` on a float image in place, through an 8-bit coverage mask."""
    alpha = mask.astype(np.float32) / 255.0
    if img.ndim == 3:
        alpha = alpha[..., None]
    img[:] = img * (1 - alpha) + np.asarray(colour, np.float32) * alpha


def _rounded_rect(
    img: np.ndarray, x0: int, y0: int, x1: int, y1: int, r: int, colour, thickness: int = -1
):
    r = max(1, min(r, (x1 - x0) // 2, (y1 - y0) // 2))
    mask = np.zeros(img.shape[:2], np.uint8)
    cv2.rectangle(mask, (x0 + r, y0), (x1 - r, y1), 255, -1)
    cv2.rectangle(mask, (x0, y0 + r), (x1, y1 - r), 255, -1)
    for cx, cy in ((x0 + r, y0 + r), (x1 - r, y0 + r), (x0 + r, y1 - r), (x1 - r, y1 - r)):
        cv2.circle(mask, (cx, cy), r, 255, -1, AA)
    if thickness > 0:
        inner = cv2.erode(mask, np.ones((thickness, thickness), np.uint8))
        mask = cv2.subtract(mask, inner)
    _ink(img, mask, colour)


def _text(img: np.ndarray, text: str, origin, font, scale: float, colour, weight: int):
    mask = np.zeros(img.shape[:2], np.uint8)
    cv2.putText(mask, text, origin, font, scale, 255, weight, AA)
    _ink(img, mask, colour)


def _shadow(img: np.ndarray, x0: int, y0: int, x1: int, y1: int, strength: float = 0.45):
    mask = np.zeros(img.shape[:2], np.float32)
    cv2.rectangle(mask, (x0 + 14, y0 + 20), (x1 + 14, y1 + 20), 1.0, -1)
    mask = cv2.GaussianBlur(mask, (0, 0), 18)
    img *= (1 - strength * mask)[..., None]


WORDS = [
    "order",
    "tracking",
    "refurbished",
    "phone",
    "battery",
    "health",
    "screen",
    "tested",
    "warranty",
    "returns",
]


def _text_lines(img, box, colour, rng) -> None:
    """Lines of small text, like a web page or a notes app."""
    x0, y0, x1, y1 = box
    for y in range(y0 + 40, y1 - 20, 34):
        line, x = [], x0 + 16
        while True:
            word = WORDS[int(rng.integers(len(WORDS)))]
            if x + 14 * len(word) > x1 - 16:
                break
            line.append(word)
            x += 14 * (len(word) + 1)
        _text(img, " ".join(line), (x0 + 16, y), cv2.FONT_HERSHEY_SIMPLEX, 0.6, colour, 2)


def _phone_front(img, rng, lit: bool, screen: str = "home") -> None:
    x0, y0, x1, y1 = 470, 130, 810, 830
    _shadow(img, x0, y0, x1, y1)
    _rounded_rect(img, x0, y0, x1, y1, 46, (40, 40, 44))
    _rounded_rect(img, x0, y0, x1, y1, 46, (170, 170, 175), thickness=5)
    sx0, sy0, sx1, sy1 = x0 + 18, y0 + 60, x1 - 18, y1 - 50
    if lit and screen == "page":
        img[sy0:sy1, sx0:sx1] = 250
        _text_lines(img, (sx0, sy0, sx1, sy1), (60, 60, 60), rng)
    elif lit and screen == "dark":
        img[sy0:sy1, sx0:sx1] = 34
        _text_lines(img, (sx0, sy0, sx1, sy1), (235, 235, 235), rng)
    elif lit:
        yy = np.linspace(0, 1, sy1 - sy0, dtype=np.float32)[:, None, None]
        wall = (1 - yy) * np.array([235, 140, 60], np.float32) + yy * np.array(
            [120, 60, 200], np.float32
        )
        img[sy0:sy1, sx0:sx1] = np.broadcast_to(wall, (sy1 - sy0, sx1 - sx0, 3))
        palette = [(60, 200, 90), (40, 90, 230), (230, 180, 40), (250, 250, 250), (80, 60, 220)]
        for row in range(5):
            for col in range(4):
                cx, cy = sx0 + 45 + col * 72, sy0 + 90 + row * 95
                colour = palette[int(rng.integers(len(palette)))]
                _rounded_rect(img, cx - 24, cy - 24, cx + 24, cy + 24, 12, colour)
        _text(img, "10:42", (sx0 + 95, sy0 + 50), cv2.FONT_HERSHEY_SIMPLEX, 1.3, (255, 255, 255), 3)
    else:
        yy = np.linspace(0, 1, sy1 - sy0, dtype=np.float32)[:, None, None]
        glass = 18 + 22 * np.exp(-(((yy - 0.25) / 0.2) ** 2))  # a soft reflection band
        img[sy0:sy1, sx0:sx1] = np.broadcast_to(glass, (sy1 - sy0, sx1 - sx0, 3))
    cv2.rectangle(
        img, ((x0 + x1) // 2 - 40, y0 + 28), ((x0 + x1) // 2 + 40, y0 + 36), (20, 20, 20), -1, AA
    )
    cv2.circle(img, ((x0 + x1) // 2 + 70, y0 + 32), 7, (60, 50, 50), -1, AA)


def _phone_back(img, rng) -> None:
    x0, y0, x1, y1 = 470, 130, 810, 830
    _shadow(img, x0, y0, x1, y1)
    _rounded_rect(img, x0, y0, x1, y1, 46, (120, 70, 40))
    _rounded_rect(img, x0 + 25, y0 + 25, x0 + 150, y0 + 200, 30, (70, 45, 30))
    for cy in (y0 + 70, y0 + 150):
        cv2.circle(img, (x0 + 88, cy), 28, (20, 20, 20), -1, AA)
        cv2.circle(img, (x0 + 88, cy), 28, (150, 150, 150), 3, AA)
        cv2.circle(img, (x0 + 80, cy - 8), 6, (200, 200, 200), -1, AA)
    _text(img, "RENEW", (x0 + 95, y0 + 470), cv2.FONT_HERSHEY_DUPLEX, 1.5, (170, 130, 100), 2)


def _phone_edge(
    img,
    rng,
    buttons: list[tuple[int, int]],
    ports: list[tuple[int, int]],
    vertical: bool,
    serial: bool = False,
) -> None:
    """A phone lying on its edge: a long thin bar, with buttons (offset, length) and ports,
    and with `serial` the small printed serial number a close-up shows."""
    if vertical:
        x0, y0, x1, y1 = 600, 110, 680, 850
    else:
        x0, y0, x1, y1 = 270, 440, 1010, 520
    _shadow(img, x0, y0, x1, y1, 0.5)
    _rounded_rect(img, x0, y0, x1, y1, 36, (150, 150, 158))
    _rounded_rect(img, x0 + 4, y0 + 4, x1 - 4, y1 - 4, 32, (190, 190, 198), thickness=3)
    for offset, length in buttons:
        if vertical:
            cv2.rectangle(
                img, (x1 - 2, y0 + offset), (x1 + 12, y0 + offset + length), (120, 120, 128), -1, AA
            )
        else:
            cv2.rectangle(
                img, (x0 + offset, y0 - 12), (x0 + offset + length, y0 + 2), (120, 120, 128), -1, AA
            )
    for offset, radius in ports:
        centre = ((x0 + x1) // 2, y0 + offset) if vertical else (x0 + offset, (y0 + y1) // 2)
        if radius > 12:  # a USB-C slot
            cx, cy = centre
            _rounded_rect(img, cx - radius, cy - 9, cx + radius, cy + 9, 8, (25, 25, 25))
        else:
            cv2.circle(img, centre, radius, (30, 30, 30), -1, AA)
    if serial:
        text = "SN F2LXK7Q9HG7F  IMEI 35 209900 176148 1"
        layer = np.zeros((60, 900), np.uint8)
        cv2.putText(layer, text, (10, 40), cv2.FONT_HERSHEY_SIMPLEX, 0.9, 255, 2, AA)
        if vertical:
            layer = cv2.rotate(layer, cv2.ROTATE_90_CLOCKWISE)
            region = img[y0 + 40 : y0 + 940, (x0 + x1) // 2 - 45 : (x0 + x1) // 2 + 15]
        else:
            region = img[(y0 + y1) // 2 - 45 : (y0 + y1) // 2 + 15, x0 + 40 : x0 + 940]
        h, w = min(layer.shape[0], region.shape[0]), min(layer.shape[1], region.shape[1])
        _ink(region[:h, :w], layer[:h, :w], (60, 60, 60))


def _box(img, rng) -> None:
    """A closed brown shipping box seen from above at an angle, taped, with a label."""
    top = np.array([[330, 170], [930, 130], [1040, 420], [380, 480]], np.int32)
    front = np.array([[380, 480], [1040, 420], [1030, 760], [390, 830]], np.int32)
    _shadow(img, 340, 170, 1040, 830, 0.5)
    cv2.fillConvexPoly(img, top, (95, 150, 195), AA)
    cv2.fillConvexPoly(img, front, (70, 120, 165), AA)
    fibre = cv2.GaussianBlur(rng.normal(0, 1, img.shape[:2]).astype(np.float32), (0, 0), 1.5)
    mask = np.zeros(img.shape[:2], np.uint8)
    cv2.fillConvexPoly(mask, top, 1)
    cv2.fillConvexPoly(mask, front, 1)
    img += (fibre * 8 * mask)[..., None]
    tape = np.array([[620, 150], [690, 145], [720, 450], [650, 455]], np.int32)
    cv2.fillConvexPoly(img, tape, (150, 190, 215), AA)
    label = np.array([[470, 560], [700, 540], [705, 700], [475, 720]], np.int32)
    cv2.fillConvexPoly(img, label, (245, 245, 245), AA)
    for i in range(26):
        x = 490 + i * 7
        cv2.line(img, (x, 600), (x + 2, 680), (20, 20, 20), 1 + int(rng.integers(3)), AA)
    cv2.polylines(img, [top, front], True, (50, 80, 110), 2, AA)


def _inner_packaging(img, rng) -> None:
    """An open box: grey foam insert with a phone-shaped cavity and a cable bag."""
    _shadow(img, 250, 120, 1030, 860, 0.5)
    cv2.rectangle(img, (250, 120), (1030, 860), (70, 120, 165), -1, AA)
    foam = 205 + cv2.GaussianBlur(rng.normal(0, 1, (700, 740)).astype(np.float32), (0, 0), 2) * 9
    img[140:840, 270:1010] = foam[..., None]
    _rounded_rect(img, 470, 200, 790, 780, 40, (120, 120, 125))
    _rounded_rect(img, 830, 250, 980, 700, 12, (230, 225, 215))
    _text(img, "CABLE", (845, 480), cv2.FONT_HERSHEY_SIMPLEX, 0.9, (90, 90, 90), 2)


def _product_box(img, rng) -> None:
    """An opened brown shipping box; inside it, the product's own white box with its name
    and a drawing of the phone printed on the lid."""
    _shadow(img, 200, 90, 1080, 880, 0.5)
    cv2.rectangle(img, (200, 90), (1080, 880), (70, 120, 165), -1, AA)
    cv2.rectangle(img, (230, 120), (1050, 850), (45, 85, 120), -1, AA)  # the box's dark inside
    _shadow(img, 380, 180, 900, 800, 0.35)
    lid = 228 + cv2.GaussianBlur(rng.normal(0, 1, (620, 520)).astype(np.float32), (0, 0), 2) * 4
    img[180:800, 380:900] = lid[..., None]
    _rounded_rect(img, 540, 300, 740, 700, 30, (60, 60, 64), thickness=6)
    _text(img, "PHONE X", (520, 260), cv2.FONT_HERSHEY_SIMPLEX, 1.6, (40, 40, 40), 4)
    _text(img, "64 GB", (590, 760), cv2.FONT_HERSHEY_SIMPLEX, 1.0, (90, 90, 90), 2)


def _warranty_card(img, rng) -> None:
    """A printed warranty card lying on the table."""
    _shadow(img, 360, 240, 920, 645, 0.4)
    card = np.array([[360, 260], [900, 235], [920, 620], [375, 645]], np.int32)
    cv2.fillConvexPoly(img, card, (235, 240, 242), AA)
    page = np.zeros_like(img)
    _text(page, "WARRANTY", (30, 70), cv2.FONT_HERSHEY_SIMPLEX, 1.8, (255, 255, 255), 5)
    _text_lines(page, (0, 90, 660, 470), (255, 255, 255), rng)
    warp = cv2.getPerspectiveTransform(
        np.float32([[0, 0], [660, 0], [660, 470], [0, 470]]), card.astype(np.float32)
    )
    ink = cv2.warpPerspective(page, warp, (img.shape[1], img.shape[0])) / 255.0
    img[:] = img * (1 - 0.85 * ink) + np.array([120, 40, 20], np.float32) * 0.85 * ink


def _glare(img, rng) -> None:
    """A washed-out white streak, as a ceiling lamp leaves on dark glass."""
    mask = np.zeros(img.shape[:2], np.float32)
    cv2.ellipse(mask, (640, 420), (260, 70), -35, 0, 360, 1.0, -1)
    mask = cv2.GaussianBlur(mask, (0, 0), 25)
    img[:] = img * (1 - mask[..., None]) + 255 * mask[..., None]


def _stove_top(img, rng) -> None:
    """A black glass hob on a light counter: printed rings, one burner glowing red-hot,
    and a lamp's reflection on the glass."""
    img[:] = np.array([200, 205, 208], np.float32) + rng.normal(0, 3, img.shape[:2])[..., None]
    x0, y0, x1, y1 = 180, 140, 1100, 820
    _shadow(img, x0, y0, x1, y1, 0.3)
    _rounded_rect(img, x0, y0, x1, y1, 18, (22, 22, 24))
    for i, (cx, cy, r) in enumerate(
        [(400, 330, 120), (860, 330, 95), (400, 640, 95), (860, 640, 120)]
    ):
        if i == 0:  # hot: a soft red-orange glow
            glow = np.zeros(img.shape[:2], np.float32)
            cv2.circle(glow, (cx, cy), r, 1.0, 18, AA)
            glow = cv2.GaussianBlur(glow, (0, 0), 6)[..., None]
            img[:] = img * (1 - glow) + np.array([20, 60, 235], np.float32) * glow
        cv2.circle(img, (cx, cy), r + 14, (90, 90, 92), 2, AA)
    cv2.rectangle(img, (560, 760), (720, 790), (60, 60, 62), -1, AA)  # touch controls
    _glare(img, rng)


def _window(img, rng) -> None:
    """A window on a plain wall: bright pale sky panes and a white frame with crossbars."""
    img[:] = np.array([170, 185, 195], np.float32)
    x0, y0, x1, y1 = 380, 140, 900, 800
    sky = np.linspace(255, 215, y1 - y0, dtype=np.float32)[:, None, None]
    img[y0:y1, x0:x1] = np.broadcast_to(sky * np.array([1.0, 0.97, 0.9]), (y1 - y0, x1 - x0, 3))
    for x in (x0, (x0 + x1) // 2, x1):
        cv2.rectangle(img, (x - 12, y0), (x + 12, y1), (240, 240, 240), -1)
    for y in (y0, (y0 + y1) // 2, y1):
        cv2.rectangle(img, (x0, y - 12), (x1, y + 12), (240, 240, 240), -1)


def _printed_screen(img, rng) -> None:
    """A retail box whose front is printed with a phone showing its home screen."""
    _shadow(img, 330, 120, 950, 860, 0.5)
    cv2.rectangle(img, (330, 120), (950, 860), (235, 235, 232), -1)
    printed = np.zeros_like(img)
    printed[:] = 0
    _phone_front(printed, rng, lit=True)
    phone = printed[130:830, 470:810]
    ink = 0.55 * phone + 0.45 * np.array([200, 200, 200], np.float32)  # paper and ink: no glow
    img[150:850, 470:810] = ink
    _text(img, "PHONE X", (420, 200), cv2.FONT_HERSHEY_DUPLEX, 1.6, (40, 40, 40), 3)


def _paper(img, rng, text: bool = True) -> None:
    """A sheet of paper (printed with text, or blank) lying on a dark wooden desk."""
    img *= 0.35  # a dark desk
    sheet = np.array([[430, 110], [880, 140], [850, 850], [400, 820]], np.int32)
    cv2.fillConvexPoly(img, sheet, (238, 240, 240), AA)
    page = np.zeros_like(img)
    if text:
        _text_lines(page, (0, 0, 440, 700), (255, 255, 255), rng)
    warp = cv2.getPerspectiveTransform(
        np.float32([[0, 0], [440, 0], [440, 700], [0, 700]]), sheet.astype(np.float32)
    )
    ink = cv2.warpPerspective(page, warp, (img.shape[1], img.shape[0])) / 255.0
    img[:] = img * (1 - 0.8 * ink) + 30 * 0.8 * ink


def _landscape(h: int, w: int) -> np.ndarray:
    """A photo-like picture for a TV or monitor: sky, hills and a sun."""
    y = np.linspace(0, 1, h, dtype=np.float32)[:, None, None]
    sky = (1 - y) * np.array([235, 190, 120], np.float32) + y * np.array([250, 230, 200])
    img = np.broadcast_to(sky, (h, w, 3)).astype(np.float32).copy()
    hills = (0.55 + 0.1 * np.sin(np.linspace(0, 6, w))) * h
    rows = np.arange(h)[:, None]
    img[rows >= hills[None, :]] = (60, 150, 70)
    cv2.circle(img, (int(w * 0.8), int(h * 0.25)), int(h * 0.08), (80, 220, 250), -1, AA)
    return img


def _big_screen(img, box, lit: bool, stand: bool) -> None:
    """A monitor or TV: a black bezel around a picture (lit) or dark glass with a glare."""
    x0, y0, x1, y1 = box
    _shadow(img, x0, y0, x1, y1)
    if stand:
        cv2.rectangle(
            img, ((x0 + x1) // 2 - 40, y1), ((x0 + x1) // 2 + 40, y1 + 140), (60,) * 3, -1
        )
    cv2.rectangle(img, (x0, y0), (x1, y1), (25, 25, 28), -1)
    b = 14
    if lit:
        img[y0 + b : y1 - b, x0 + b : x1 - b] = _landscape(y1 - y0 - 2 * b, x1 - x0 - 2 * b)
    else:
        glare = np.zeros(img.shape[:2], np.float32)
        cv2.rectangle(glare, ((x0 + x1) // 2, y0 + 30), ((x0 + x1) // 2 + 160, y1 - 30), 0.25, -1)
        glare = cv2.GaussianBlur(glare, (0, 0), 20)
        img[:] = img * (1 - glare[..., None]) + 200 * glare[..., None]


def _laptop(img, rng) -> None:
    """An open laptop: a lit page of text above a silver keyboard deck."""
    x0, y0, x1, y1 = 330, 120, 950, 520
    cv2.rectangle(img, (x0, y0), (x1, y1), (40, 40, 44), -1)
    img[y0 + 18 : y1 - 18, x0 + 18 : x1 - 18] = 248
    _text_lines(img, (x0 + 18, y0 + 18, x1 - 18, y1 - 18), (50, 50, 50), rng)
    deck = np.array([[330, 520], [950, 520], [1050, 800], [230, 800]], np.int32)
    cv2.fillConvexPoly(img, deck, (170, 170, 175), AA)


SCENES = (
    "on",
    "off",
    "off_glare",
    "dark_mode_on",
    "white_on_white",
    "lit_window",
    "printed",
    "paper",
    "blank_paper",
    "monitor_on",
    "tv_on",
    "tv_off",
    "laptop_on",
    "page_on_dark_desk",
    "stove_top",
)


def render_screen_scene(scene: str, seed: int, size: tuple[int, int] = (WIDTH, HEIGHT)):
    """A BGR photo of one screen case (see SCENES) with known truth: is a screen lit?"""
    rng = np.random.default_rng(seed)
    img = table(rng)
    if scene == "on":
        _phone_front(img, rng, lit=True)
    elif scene in ("off", "off_glare"):
        _phone_front(img, rng, lit=False)
        if scene == "off_glare":
            _glare(img, rng)
    elif scene == "dark_mode_on":
        _phone_front(img, rng, lit=True, screen="dark")
    elif scene == "white_on_white":
        img[:] = 238 + rng.normal(0, 2, img.shape[:2])[..., None]
        _phone_front(img, rng, lit=True, screen="page")
    elif scene == "page_on_dark_desk":  # the lit twin of "paper"
        img *= 0.35
        _phone_front(img, rng, lit=True, screen="page")
    elif scene == "lit_window":
        _window(img, rng)
    elif scene == "stove_top":
        _stove_top(img, rng)
    elif scene == "printed":
        _printed_screen(img, rng)
    elif scene in ("paper", "blank_paper"):
        _paper(img, rng, text=scene == "paper")
    elif scene == "monitor_on":
        _big_screen(img, (300, 150, 980, 560), lit=True, stand=True)
    elif scene in ("tv_on", "tv_off"):
        img[:] = np.array([200, 205, 210], np.float32)  # a wall
        _big_screen(img, (200, 170, 1080, 670), lit=scene == "tv_on", stand=False)
    elif scene == "laptop_on":
        _laptop(img, rng)
    else:
        raise ValueError(f"unknown scene {scene!r}")
    return _camera(img, rng, size)


def _camera(img: np.ndarray, rng: np.random.Generator, size: tuple[int, int]) -> np.ndarray:
    """Tilt, lens softness, sensor noise and resize, as a phone camera adds them."""
    angle = float(rng.uniform(-4, 4))
    matrix = cv2.getRotationMatrix2D((WIDTH / 2, HEIGHT / 2), angle, 1.03)
    img = cv2.warpAffine(img, matrix, (WIDTH, HEIGHT), borderMode=cv2.BORDER_REFLECT)
    img = cv2.GaussianBlur(img, (0, 0), 0.6)
    img += rng.normal(0, 2.5, img.shape).astype(np.float32)
    if size != (WIDTH, HEIGHT):
        img = cv2.resize(img, size, interpolation=cv2.INTER_CUBIC)
    return np.clip(img, 0, 255).astype(np.uint8)


def render_view(
    view: str, seed: int, size: tuple[int, int] = (WIDTH, HEIGHT), backdrop: str = "wood"
) -> np.ndarray:
    """A BGR uint8 photo of `view` (shipping_box, product_box, inner_packaging, top, bottom,
    front, back, left, right, warranty_card, screen_on) at `size`, the product sharp on a
    `backdrop`: a wood table, a plain smooth tabletop, or a defocused room behind it (on
    those two the phone's edges are close-ups that show its printed serial)."""
    rng = np.random.default_rng(seed)
    packaging = view in ("shipping_box", "product_box", "inner_packaging")
    tone = 1.0 if packaging else PHONE_TABLE_TONE
    close_up = backdrop != "wood"  # the edges' printed serial shows in these close-ups
    img = BACKDROPS[backdrop](rng, tone=tone)
    if view in ("front", "screen_on"):
        _phone_front(img, rng, lit=view == "screen_on")
    elif view == "back":
        _phone_back(img, rng)
    elif view == "left":
        _phone_edge(
            img, rng, buttons=[(150, 90), (260, 90)], ports=[], vertical=True, serial=close_up
        )
    elif view == "right":
        _phone_edge(
            img, rng, buttons=[(330, 130)], ports=[(600, 5)], vertical=True, serial=close_up
        )
    elif view == "top":
        _phone_edge(
            img, rng, buttons=[], ports=[(120, 6), (560, 4)], vertical=False, serial=close_up
        )
    elif view == "bottom":
        _phone_edge(
            img,
            rng,
            buttons=[],
            ports=[(370, 28), (200, 5), (540, 5)],
            vertical=False,
            serial=close_up,
        )
    elif view == "shipping_box":
        _box(img, rng)
    elif view == "inner_packaging":
        _inner_packaging(img, rng)
    elif view == "product_box":
        _product_box(img, rng)
    elif view == "warranty_card":
        _warranty_card(img, rng)
    else:
        raise ValueError(f"unknown view {view!r}")
    return _camera(img, rng, size)


def _soft_noise(h: int, w: int, seed: int, sigma: float) -> np.ndarray:
    """Unit-variance noise smoothed at `sigma` px."""
    rng = np.random.default_rng(seed)
    texture = cv2.GaussianBlur(rng.normal(0, 1, (h, w)).astype(np.float32), (0, 0), sigma)
    return texture / texture.std()


def _crisp_label(img: np.ndarray, box: tuple[int, int, int, int], seed: int) -> None:
    """Printed text and a barcode-like block of lines inside box (x0, y0, x1, y1), dark ink
    on a float image."""
    x0, y0, x1, y1 = box
    rng = np.random.default_rng(seed)
    ink = np.zeros(img.shape, np.uint8)
    for row in range(3):
        cv2.putText(
            ink,
            "SN F2LXK7Q9 128GB",
            (x0 + 8, y0 + 30 + row * 30),
            cv2.FONT_HERSHEY_SIMPLEX,
            0.7,
            255,
            2,
            cv2.LINE_AA,
        )
    for x in range(x0 + 10, x1 - 10, 4):
        if rng.random() < 0.6:
            cv2.line(ink, (x, y1 - 40), (x, y1 - 10), 255, 2)
    _ink(img, ink, 28)


def _small_subject_before_bokeh(h: int, w: int, seed: int) -> np.ndarray:
    """A sharp product label filling about 12% of the frame before a busy background that
    is far out of focus (shallow depth of field)."""
    rng = np.random.default_rng(seed)
    room = 120 + 60 * _soft_noise(h, w, seed, 2)
    for _ in range(60):
        x, y = int(rng.integers(0, w)), int(rng.integers(0, h))
        cv2.circle(room, (x, y), int(rng.integers(8, 50)), float(rng.integers(20, 240)), -1)
    img = cv2.GaussianBlur(room, (0, 0), 8)
    x0, y0, x1, y1 = 380, 270, 700, 500  # 320 x 230: 9% of the frame
    img[y0:y1, x0:x1] = 200 + 8 * _soft_noise(y1 - y0, x1 - x0, seed + 1, 1)
    _crisp_label(img, (x0, y0, x1, y1), seed)
    return np.clip(img + np.random.default_rng(seed + 2).normal(0, 2, img.shape), 0, 255).astype(
        np.uint8
    )


def _silver_product_on_white(h: int, w: int, seed: int) -> np.ndarray:
    """A web product shot: a pale silver monitor back, shaded and with its printed label,
    on a pure white backdrop (the backdrop is 55% of the frame and clipped)."""
    img = np.full((h, w), 255, np.float32)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    body = (xx - 180) * 0.55 + 120 > yy - 60  # a tilted panel
    body &= (xx > 180) & (xx < 840) & (yy > 90) & (yy < 690)
    shade = 150 + 50 * (xx - 180) / 660 + 6 * _soft_noise(h, w, seed, 3)
    img[body] = shade[body]
    cv2.rectangle(img, (440, 330), (600, 420), 140, -1)  # the stand's plate
    _crisp_label(img, (470, 500, 760, 640), seed)
    return np.clip(img, 0, 255).astype(np.uint8)


def _dark_room_with_lamps(h: int, w: int, seed: int) -> np.ndarray:
    """An underexposed room (its furniture dim, at about 11 of 255) with a window and two
    lamps bright enough to lift the brightest tenth over 60 and the mean to about 35."""
    img = 11 + 6 * _soft_noise(h, w, seed, 6) + 3 * _soft_noise(h, w, seed + 1, 1)
    cv2.rectangle(img, (60, 60), (360, 400), 170, -1)  # a window: 13% of the frame
    for centre in ((700, 180), (880, 420)):
        cv2.circle(img, centre, 45, 250, -1)
    img = cv2.GaussianBlur(img, (0, 0), 1)
    return np.clip(img, 0, 255).astype(np.uint8)


def _night_scene_lit_subject(h: int, w: int, seed: int) -> np.ndarray:
    """A well-exposed night shot: a lit shop front filling a third of the frame, the street
    around it dim but visible (about 25 of 255)."""
    img = 25 + 8 * _soft_noise(h, w, seed, 4)
    img[250:600, 250:800] = 140 + 40 * _soft_noise(350, 550, seed + 1, 2)
    _crisp_label(img, (300, 300, 700, 560), seed)
    return np.clip(img, 0, 255).astype(np.uint8)


def _product_on_black(h: int, w: int, seed: int) -> np.ndarray:
    """A studio shot of a lit product on a black backdrop (60% of the frame near black)."""
    img = np.full((h, w), 3, np.float32)
    img[220:560, 300:720] = 170 + 25 * _soft_noise(340, 420, seed, 2)
    _crisp_label(img, (330, 260, 690, 520), seed)
    return np.clip(img, 0, 255).astype(np.uint8)


def _black_product_on_white(h: int, w: int, seed: int) -> np.ndarray:
    """A black product on a white sweep: its darks are the product's own, not a fault."""
    img = np.full((h, w), 250, np.float32) + 3 * _soft_noise(h, w, seed, 5)
    img[200:600, 350:650] = 30 + 10 * _soft_noise(400, 300, seed, 2)
    return np.clip(img, 0, 255).astype(np.uint8)


def _white_phone_on_mat(h: int, w: int, seed: int) -> np.ndarray:
    """A white phone (its body clipped at 255) with a black screen on a grey textured mat:
    its edges are crisp and are the photo's only strong edges."""
    img = 110 + 8 * _soft_noise(h, w, seed, 1.0)
    img[200:580, 150:870] = 255
    img[230:550, 260:800] = 15
    cv2.circle(img, (205, 390), 22, 40.0, 3)
    return np.clip(img, 0, 255).astype(np.uint8)


# Each case of judging blur and exposure on the subject, with the findings it must get.
QUALITY_CASES = {
    "sharp_small_subject_before_bokeh": (_small_subject_before_bokeh, ()),
    "sharp_lit_shop_at_night": (_night_scene_lit_subject, ()),
    "silver_product_on_white": (_silver_product_on_white, ()),
    "lit_product_on_black": (_product_on_black, ()),
    "black_product_on_white": (_black_product_on_white, ()),
    "white_phone_on_grey_mat": (_white_phone_on_mat, ()),
    "dark_room_with_window_and_lamps": (_dark_room_with_lamps, ("too-dark",)),
}


def render_quality_case(case: str, seed: int = 0) -> np.ndarray:
    """The grey 1024 x 768 photo of one QUALITY_CASES case."""
    return QUALITY_CASES[case][0](768, 1024, seed)


def _s15(value: float) -> bytes:
    return round(value * 65536).to_bytes(4, "big", signed=True)


def display_p3_icc() -> bytes:
    """An ICC v2 display profile for Display P3 (the colour space of iPhone photos): P3
    primaries adapted to D50, D65 white, and the sRGB tone curve, as Apple's profile has."""
    colorants = {
        b"rXYZ": (0.515121, 0.241196, -0.001053),
        b"gXYZ": (0.291977, 0.692245, 0.041885),
        b"bXYZ": (0.157104, 0.066574, 0.784073),
        b"wtpt": (0.964203, 1.0, 0.824905),
    }
    tags = {sig: b"XYZ \0\0\0\0" + b"".join(_s15(v) for v in xyz) for sig, xyz in colorants.items()}
    ramp = np.linspace(0, 1, 1024)
    curve = np.where(ramp <= 0.04045, ramp / 12.92, ((ramp + 0.055) / 1.055) ** 2.4)
    trc = b"curv\0\0\0\0" + len(ramp).to_bytes(4, "big")
    trc += np.round(curve * 65535).astype(">u2").tobytes()
    for sig in (b"rTRC", b"gTRC", b"bTRC"):
        tags[sig] = trc
    name = b"Display P3 (image-review test)\0"
    tags[b"desc"] = (
        b"desc\0\0\0\0" + len(name).to_bytes(4, "big") + name + bytes(4 + 4 + 2 + 1 + 67)
    )
    tags[b"cprt"] = b"text\0\0\0\0" + b"No copyright, use freely\0"
    table, body = b"", b""
    offset = 128 + 4 + 12 * len(tags)
    for sig, data in tags.items():
        data += bytes(-len(data) % 4)
        table += sig + (offset + len(body)).to_bytes(4, "big") + len(data).to_bytes(4, "big")
        body += data
    size = offset + len(body)
    header = (
        size.to_bytes(4, "big")
        + b"\0\0\0\0"
        + bytes([2, 0x10, 0, 0])
        + b"mntrRGB XYZ "
        + (2026).to_bytes(2, "big")  # creation date: 2026-01-01 00:00:00
        + bytes([0, 1, 0, 1, 0, 0, 0, 0, 0, 0])
        + b"acsp"
        + bytes(4 + 4 + 4 + 4 + 8 + 4)
        + b"".join(_s15(v) for v in colorants[b"wtpt"])
        + bytes(4 + 16 + 28)
    )
    assert len(header) == 128, len(header)
    return header + len(tags).to_bytes(4, "big") + table + body
