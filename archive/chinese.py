"""Chinese text knowledge shared by the archive and the crawler: which characters are Han,
converter annotations, traditional to simplified conversion and the folding that comparisons
(search, near-duplicates) read text with."""

from __future__ import annotations

import functools
import re
from functools import lru_cache


@lru_cache(maxsize=1)
def _t2s():
    import opencc  # imported lazily: the converter takes ~50 ms to load

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional to simplified characters (OpenCC t2s); for comparisons, never stored."""
    return _t2s().convert(text)


# Han code points (inclusive ranges): CJK Extension A, Unified Ideographs and Compatibility
# Ideographs, all in the BMP, where every legacy CJK codec's Han characters are; then
# Extensions B-H.
BMP_HAN_RANGES = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF))
HAN_RANGES = (*BMP_HAN_RANGES, (0x20000, 0x323AF))


def code_point_class(ranges: tuple[tuple[int, int], ...]) -> str:
    """The inside of a regex character class holding the code point ``ranges``."""
    return "".join(f"{chr(lo)}-{chr(hi)}" for lo, hi in ranges)


# Any Han character, inside a regex character class: ``f"[{HAN_CLASS}]"``.
HAN_CLASS = code_point_class(HAN_RANGES)

_TONE_VOWELS = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"
_PINYIN_LETTERS = "a-zü" + _TONE_VOWELS
# A converter annotation: a syllable of pinyin in parentheses right after the character it
# reads, e.g. 團(tuán). Real parentheses such as (CBA), (1) or （更正） never hold lowercase
# tone-marked pinyin. Toneless syllables are annotations only for the few neutral-tone readings
# (們(men), 麼(me) ...) and only after a character that exists in traditional script alone
# (see is_traditional_only): 的(de) and 見附件(a) stay. Stored text loses an annotation only
# after a Han character (:func:`strip_annotations`): ``ma(mā)`` in a text about pinyin is
# text. Comparisons also drop a toned syllable after any other character but white space
# (:func:`strip_for_comparison`): the annotated character may have been replaced by an editor,
# and a comparison never changes what is stored.
_ANNOTATION = re.compile(
    r"(?:(?P<han>[" + HAN_CLASS + r"])|(?<=\S))"
    r"[(（](?P<pinyin>[" + _PINYIN_LETTERS + r"]{1,6})[)）]"
)
_TONED = re.compile("[" + _TONE_VOWELS + "]")
_NEUTRAL_TONE = frozenset({"me", "men", "ma", "ne", "ge", "li", "de", "le", "zi", "zhe", "ba", "tou", "mo"})


@functools.lru_cache(maxsize=None)  # bounded by the ~20k Han characters in use
def is_traditional_only(char: str) -> bool:
    return to_simplified(char) != char


def _annotation(m: re.Match, strict: bool = True) -> str:
    """What an :data:`_ANNOTATION` match leaves: its character without the pinyin, or all of
    it when the parentheses hold no annotation."""
    han = m["han"] or ""
    if strict and not han:
        return m[0]
    if _TONED.search(m["pinyin"]) or (han and m["pinyin"] in _NEUTRAL_TONE and is_traditional_only(han)):
        return han
    return m[0]


def strip_annotations(text: str) -> str:
    """Remove converter pinyin annotations after Han characters (see _ANNOTATION): ``團(tuán)隊``
    -> ``團隊``; ``(CBA)`` and ``ma(mā)`` are kept. Only ever deletes the parenthesized pinyin;
    an annotation doubled by running a converter twice (``團(tuán)(tuán)``) goes too, so a
    stripped text strips to itself."""
    return _strip(text, _annotation)


def strip_for_comparison(text: str) -> str:
    """:func:`strip_annotations`, and a toned syllable in parentheses after any character but
    white space (``3（tuán）`` -> ``3``): what :func:`fold` removes. Never for stored text."""
    return _strip(text, _loose_annotation)


def _loose_annotation(m: re.Match) -> str:
    return _annotation(m, strict=False)


def _strip(text: str, replace) -> str:
    if "(" not in text and "（" not in text:
        return text
    while True:
        stripped = _ANNOTATION.sub(replace, text)
        if stripped == text:
            return text
        text = stripped


@lru_cache(maxsize=1)
def _converted_han() -> dict[str, str]:
    """The characters of HAN_RANGES that t2s changes -> what it makes of them, converted one by
    one (newline-separated, so that no phrase rule spans two characters). Built once (~0.3 s)."""
    chars = [chr(c) for lo, hi in HAN_RANGES for c in range(lo, hi + 1)]
    converted = _t2s().convert("\n".join(chars)).split("\n")
    return {src: dst for src, dst in zip(chars, converted, strict=True) if dst != src}


@lru_cache(maxsize=1)
def _traditional_only() -> dict[int, None]:
    """A ``str.translate`` table deleting the Han characters :func:`is_traditional_only` holds."""
    return dict.fromkeys(map(ord, _converted_han()))


@lru_cache(maxsize=1)
def _traditional_only_bmp() -> re.Pattern:
    """A regex of the BMP characters :func:`is_traditional_only` holds (a class of BMP code
    points only is a bitmap lookup for the regex engine; one astral range makes it a scan)."""
    codes = sorted(ord(c) for c in _converted_han() if ord(c) < 0x10000)
    ranges: list[tuple[int, int]] = []
    for code in codes:
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1] = (ranges[-1][0], code)
        else:
            ranges.append((code, code))
    return re.compile(f"[{code_point_class(tuple(ranges))}]")


def count_traditional_only(text: str) -> int:
    """How many characters of ``text`` exist in traditional script only (see
    :func:`is_traditional_only`), counted in C: by a regex of the BMP ones when ``text`` is
    all BMP (the common case, 3x faster), else by ``str.translate``."""
    if not text or max(text) < "\U00010000":
        return len(_traditional_only_bmp().findall(text))
    return len(text) - len(text.translate(_traditional_only()))


@lru_cache(maxsize=1)
def simplified_chars() -> dict[int, int]:
    """A ``str.translate`` table mapping each traditional character to its simplified form.

    Character by character (no phrase rules), so a converted text has the same length as
    the original and a substring converts the same way wherever it occurs: what search
    needs. Built once per process from OpenCC's t2s (~0.3 s).
    """
    table = {ord(src): ord(dst) for src, dst in _converted_han().items() if len(dst) == 1}
    # OpenCC maps some variants to a character it maps again (薴 -> 苧 -> 苎): follow each chain
    # to its end, so a converted text converts to itself (bounded: no chain is a cycle).
    for src, dst in table.items():
        seen = {src}
        while dst in table and dst not in seen:
            seen.add(dst)
            dst = table[dst]
        table[src] = dst
    return {src: dst for src, dst in table.items() if src != dst}


# Code points whose NFKC form differs that news text may hold: the BMP (full-width forms,
# circled numbers, compatibility ideographs, ligatures), enclosed alphanumerics and the
# compatibility ideographs supplement.
_FOLD_RANGES = ((0x00A0, 0xFFFF), (0x1F100, 0x1F1FF), (0x2F800, 0x2FA1F))


@lru_cache(maxsize=1)
def search_folding() -> dict[int, str]:
    """A ``str.translate`` table folding each character as comparisons read it (see
    :func:`fold`): NFKC (full-width ``Ａ１`` -> ``A1``, ``①`` -> ``1``, compatibility
    ideographs to unified ones), then traditional to simplified (:func:`simplified_chars`).
    Character by character, so a substring folds the same way wherever it occurs. Built once
    per process (~0.3 s)."""
    import unicodedata

    simplified = simplified_chars()
    table: dict[int, str] = {src: chr(dst) for src, dst in simplified.items()}
    for lo, hi in _FOLD_RANGES:
        for code in range(lo, hi + 1):
            if 0xD800 <= code <= 0xDFFF:
                continue
            char = chr(code)
            folded = unicodedata.normalize("NFKC", char)
            if folded != char:
                table[code] = folded.translate(simplified)
    return table


@lru_cache(maxsize=1)
def _bmp_folding() -> list:
    """:func:`search_folding` for the BMP as a list indexed by code point (a character left
    alone maps to its own code): ``str.translate`` looks a code up in a list 2x faster than
    it misses in a dict. ~2.5 MB, built once per process."""
    table: list = list(range(0x10000))
    for code, folded in search_folding().items():
        if code < 0x10000:
            table[code] = folded
    return table


def fold(text: str) -> str:
    """``text`` as comparisons read it (search, near-duplicates): converter annotations removed
    (:func:`strip_for_comparison`), then character by character NFKC, traditional to simplified
    (:func:`search_folding`) and lower case: ``團(tuán)隊ＡＢ`` -> ``团队ab``. Never stored."""
    text = strip_for_comparison(text)
    if not text or max(text) < "\U00010000":
        return text.translate(_bmp_folding()).lower()
    return text.translate(search_folding()).lower()
