"""The submission.toml template that `image-review init` writes, views guessed from names."""

from __future__ import annotations

import json
from pathlib import Path

from image_review.sidecar import SIDECAR_NAME
from image_review.submission import assign_views, discover
from image_review.views import ALL_VIEWS, SCREEN_ON, UNASSIGNED, VIEW_HINTS, VIEW_LABELS

_HEADER = f"""\
# {SIDECAR_NAME}: what image-review should know about this submission (UTF-8).
# Every key is optional; a line starting with # is a comment.

[product]
# name = "iPhone 12, 64 GB, blue"
# category = "phone"   # phone, tablet, laptop, monitor, tv, watch, camera, console, e-reader, other
# has_screen = true    # overrides what the category implies

[views]
# view = "file" or ["file", "file"], relative to this folder.
# Guessed from the file and folder names: correct what is wrong, fill in what is missing.
"""

_CHECKS = """
[checks]
# Only when the tool's estimate is wrong: if the screen_on photo does show the screen lit
# but the review says it could not confirm it, uncomment this line (a reviewer may look).
# screen_on = "confirmed"
"""


def _toml_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a valid TOML basic string


def sidecar_template(folder: Path) -> str:
    """The template text for `folder`, with every photo either placed or listed as unplaced."""
    photos = discover(folder).photos
    assigned, _ = assign_views(photos, None)
    lines = [_HEADER]
    for view in ALL_VIEWS:
        files = [p.rel for p in photos if assigned[p.rel].view == view]
        if view == SCREEN_ON:
            files += [p.rel for p in photos if assigned[p.rel].screen_label and p.rel not in files]
        english, chinese = VIEW_LABELS[view]
        if not files:
            lines.append(f'# {view} = ""   # {english} / {chinese}: {VIEW_HINTS[view]}')
        elif len(files) == 1:
            lines.append(f"{view} = {_toml_string(files[0])}   # {english} / {chinese}")
        else:
            listed = ", ".join(_toml_string(f) for f in files)
            lines.append(f"{view} = [{listed}]   # {english} / {chinese}")
    unplaced = [p.rel for p in photos if assigned[p.rel].view == UNASSIGNED]
    if unplaced:
        lines += ["", "# Photos with no view yet (add each to the line of the view it shows):"]
        lines += [f"#   {_toml_string(rel)}" for rel in unplaced]
    return "\n".join([*lines, _CHECKS])
