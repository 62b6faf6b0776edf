"""Chinese script conversion shared by the archive and the crawler."""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=1)
def _t2s():
    import opencc  # imported lazily: the converter takes ~50 ms to load

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional to simplified characters (OpenCC t2s); for comparisons, never stored."""
    return _t2s().convert(text)
