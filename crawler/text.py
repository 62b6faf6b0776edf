"""Text cleaning shared by extraction and the clean pipeline.

Formats: every function takes and returns ``str``; paragraphs are separated by ``"\\n\\n"``.
"""

from __future__ import annotations

import html
import re
import unicodedata

from charset_normalizer.md import mess_ratio

from archive.chinese import is_traditional_only, strip_annotations  # noqa: F401 (strip_annotations re-exported)

# Zero-width and invisible formatting characters that survive copy-paste from CMS editors.
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad\u200e\u200f]")
# Any run of horizontal white space, including full-width (U+3000) and no-break spaces.
_HSPACE = re.compile(r"[^\S\n]+")

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_SPACE = re.compile(r"\s")

# Share of "messy" characters (charset-normalizer's mess ratio) above which decoded text is
# treated as mojibake. Calibrated on the fixture corpus: clean Chinese and mixed
# Chinese/Latin pages score 0.0-0.05, GBK read as UTF-8 scores ~0.1, UTF-8 read as Latin-1
# scores above 1.
MOJIBAKE_MESS_RATIO = 0.08
# Latin-1 supplement letters like Ã¦Â are the fingerprint of UTF-8 read as Latin-1.
_LATIN1_MOJIBAKE = re.compile(r"[ÃÂÅÆÇÐÑØÞßàâãäåæçèéêëìíîïðñòóôõöøùúûüýþÿ¤¦§¨©ª«¬®¯°±²³´µ¶·¸¹º»¼½¾¿]")


def clean_line(text: str) -> str:
    """One line of text: entities decoded, NFC, invisible characters removed, spaces folded."""
    if not text or text.isspace():  # most calls: the white space between tags
        return ""
    if "&" in text:
        text = html.unescape(text)
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    text = _INVISIBLE.sub("", text)
    text = _HSPACE.sub(" ", text)
    return strip_annotations(text).strip()


def clean_paragraphs(paragraphs: list[str]) -> list[str]:
    out = []
    for p in paragraphs:
        for line in p.split("\n"):
            line = clean_line(line)
            if line:
                out.append(line)
    return out


def clean_body(text: str) -> str:
    """A body: each non-empty line becomes a paragraph; paragraphs joined by a blank line."""
    return "\n\n".join(clean_paragraphs([text]))


def han_share(text: str) -> float:
    """Share of Han characters among non-space characters (0.0-1.0)."""
    chars = len(text) - len(_SPACE.findall(text))
    return len(_HAN.findall(text)) / chars if chars else 0.0


def script_of(text: str) -> str | None:
    """``zh-Hant`` or ``zh-Hans`` for Chinese text by its characters, else ``None``."""
    han = "".join(_HAN.findall(text))
    if len(han) < 10:
        return None
    sample = han[:600]
    changed = sum(map(is_traditional_only, sample))
    # Traditional text changes on roughly 1 character in 5; simplified text almost never.
    return "zh-Hant" if changed / len(sample) > 0.03 else "zh-Hans"


def garbled_reason(text: str) -> str | None:
    """Why ``text`` looks like mojibake, or ``None`` when it reads as text."""
    if not text:
        return None
    if text.count("\ufffd") > max(3, len(text) // 200):
        return "replacement characters"
    if len(_LATIN1_MOJIBAKE.findall(text)) > max(5, len(text) // 20):
        return "UTF-8 read as Latin-1"
    if mess_ratio(text[:5000], maximum_threshold=1.0) > MOJIBAKE_MESS_RATIO:
        return "mess ratio"
    return None
