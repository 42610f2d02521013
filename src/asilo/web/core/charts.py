"""What the chart pages share: charts drawn once per input, and SVG inlined accessibly."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from typing import TypeVar

from django.core.cache import cache

#: How long a drawn chart (or its data) is kept: the inputs carry the data's version.
CACHE_SECONDS = 3600

_SVG_PROLOGUE = re.compile(r"^.*?(?=<svg)", re.S)

T = TypeVar("T")


def cached(namespace: str, key: str, make: Callable[[], T]) -> T:
    """``make()``, or its value kept from an earlier call with the same ``key``."""
    digest = f"{namespace}-" + hashlib.sha256(key.encode("utf-8")).hexdigest()
    value: T | None = cache.get(digest)
    if value is None:
        value = make()
        cache.set(digest, value, CACHE_SECONDS)
    return value


def inline_svg(svg: str | bytes, title_id: str) -> str:
    """An SVG document as an element for the page: its XML prologue dropped, the image
    labelled by the element ``title_id`` and kept out of the keyboard's path."""
    text = svg.decode("utf-8") if isinstance(svg, bytes) else svg
    text = _SVG_PROLOGUE.sub("", text, count=1)
    return text.replace(
        "<svg ", f'<svg role="img" aria-labelledby="{title_id}" focusable="false" ', 1
    )
