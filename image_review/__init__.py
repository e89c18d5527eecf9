"""image-review: check the photo set of an Amazon Renewed application.

>>> from image_review import review, load_policy
>>> result = review("submission/", load_policy(), screen="auto")  # doctest: +SKIP
>>> result.verdict()  # doctest: +SKIP
'pass'
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"
__all__ = [
    "Policy",
    "Review",
    "__version__",
    "load_policy",
    "load_profile",
    "rejudge",
    "review",
    "review_batch",
    "set_language",
]

_LAZY = {
    "review": "image_review.review",
    "rejudge": "image_review.rejudge",
    "load_profile": "image_review.views",
    "set_language": "image_review.i18n",
    "review_batch": "image_review.batch",
    "load_policy": "image_review.policy",
    "Policy": "image_review.policy",
    "Review": "image_review.model",
}


def __getattr__(name: str) -> Any:
    """Import the heavy parts (OpenCV, numpy) only when they are used."""
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'image_review' has no attribute {name!r}")
