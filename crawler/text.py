"""Text cleaning shared by extraction and the clean pipeline.

Formats: every function takes and returns ``str``; paragraphs are separated by ``"\\n\\n"``.
"""

from __future__ import annotations

import html
import re
import unicodedata
from functools import lru_cache

from charset_normalizer.md import mess_ratio

from archive.chinese import BMP_HAN_RANGES, HAN_CLASS, code_point_class, count_traditional_only, strip_annotations

# Characters a line never keeps: zero-width and invisible formatting characters that survive
# copy-paste from CMS editors; control characters (C0 and DEL; the white space ones fold to a
# space instead); C1 controls, which are cp1252 punctuation read as Latin-1 or written as
# &#147; (replaced by what they stand for, see _C1_AS_CP1252); lone surrogates, half of a
# character cut by a CMS or a JSON "\ud83d" escape, which UTF-8 cannot store (U+FFFD).
_UNWANTED = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad\u200e\u200f\x00-\x08\x0e-\x1b\x7f-\x9f\ud800-\udfff]")
# Any run of white space, line breaks included, full-width (U+3000) and no-break spaces too.
_WHITE_SPACE = re.compile(r"\s+")

_HAN = re.compile(f"[{HAN_CLASS}]")
_NOT_ANY_HAN = re.compile(f"[^{HAN_CLASS}]+")

# -- mojibake -----------------------------------------------------------------------------------
# Mojibake comes in two kinds, judged separately:
# - bytes read with a single-byte code page (GBK or UTF-8 read as Latin-1, cp1251, koi8-r ...):
#   dense accented Latin, Cyrillic or symbols, measured by charset-normalizer's mess ratio;
# - bytes read with the wrong multi-byte CJK codec (Big5 as GBK, UTF-8 or Shift_JIS as GBK ...):
#   well-formed Han characters drawn at random from the code space, measured by
#   :func:`han_plausibility`. The mess ratio cannot judge CJK text: its rare-Han detector knows
#   only ~500 simplified characters (correct Japanese and traditional text scores high) and it
#   counts whole clauses as bad words for one ℃, ㎡ or ① inside them. So CJK scripts are blanked
#   before the mess ratio is measured. Not recognized: EUC-KR Hangul read as GB18030, which lands
#   on frequent characters (crawler.encoding never chooses GB18030 for it, see COMMON_HAN_SHARE).

# Characters that say nothing about the decoding, removed before measuring: private-use code
# points (GBK CMSs put the byte pair A3A0 before paragraphs as an indent, which GB18030 maps to
# U+E5E5; editors' icon fonts use others), zero-width characters, soft hyphens, direction marks.
# Only measuring skips them: the archived text keeps them (clean_line drops the invisible ones;
# a private-use glyph may be an indent or a character the page's font draws).
_UNMEASURED = re.compile(
    "[\ue000-\uf8ff\U000f0000-\U0010ffff\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\u00ad]"
)
# C1 controls are cp1252 punctuation (“ ” – …) that reached the text as stray bytes or as
# &#147;-style references; they are measured as the characters they stand for.
_C1 = re.compile("[\x80-\x9f]")
_C1_AS_CP1252 = {}
for _byte in range(0x80, 0xA0):
    try:
        _C1_AS_CP1252[_byte] = bytes([_byte]).decode("cp1252")
    except UnicodeDecodeError:
        pass
# What clean_line puts in place of C1 controls (nothing for the five cp1252 leaves undefined).
_C1_AS_TEXT = {chr(code): _C1_AS_CP1252.get(code, "") for code in range(0x80, 0xA0)}
# Arabic presentation forms (Quran quotations in Indonesian or Malay articles) are measured as
# the letters they render (NFKC); the mess ratio would count every isolated form as mess.
_ARABIC_FORMS = re.compile("[\ufb50-\ufdff\ufe70-\ufefe]+")
# CJK scripts, blanked (one space each, so the rest keeps its share) before the mess ratio: Han
# (HAN_CLASS), kana, CJK punctuation, CJK compatibility (㎡), full- and half-width forms, and
# the symbols CJK text sets next to digits and characters (℃ → ① ★ ※ Ⅱ), which the mess ratio
# counts as suspicious after a digit and as bad inside a word (a whole clause, for CJK).
_CJK_AND_SYMBOLS = re.compile(
    "[" + HAN_CLASS + "\u203b\u2100-\u21ff\u2460-\u24ff\u25a0-\u26ff\u3000-\u30ff\u3190-\u33ff"
    "\ufe30-\ufe4f\uff00-\uffef]"
)
# UTF-8 read as Latin-1 or cp1252: a lead byte (Â-ô) followed by a continuation byte, which
# reads as a Latin-1 sign (NBSP-¿), a cp1252 punctuation or a C1 control. Correct French,
# Portuguese, Hungarian or Vietnamese text almost never has such pairs (é» and é” are the rare
# exceptions), mojibake of any non-ASCII text is made of them.
_UTF8_AS_LATIN1 = re.compile(
    "[\u00c2-\u00f4][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc"
    "\u2013\u2014\u2018-\u201a\u201c-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]"
)
_CJK_RUN = re.compile(_CJK_AND_SYMBOLS.pattern + "+")
# Non-CJK characters (white space aside) the mess ratio needs to say anything: below this, a
# CJK text's few Latin words and digits are judged by han_plausibility alone.
MESS_MIN_CHARS = 32
# Share of "messy" characters (charset-normalizer's mess ratio, on the text prepared as above)
# above which it is mojibake. Calibrated on tests/fixtures/encoding (news paragraphs in simplified
# and traditional Chinese, Japanese, Korean, Indonesian, Russian, Portuguese, French, Hungarian,
# Vietnamese, English; Chinese with U+E5E5 indents; Chinese and Japanese weather, property and
# sports figures with ℃ ㎡ × ① ★) and on the 127 gold bodies of the real-page set (Chinese,
# English, Portuguese, Russian, German, Indonesian with Quran verses): correct text scores
# 0.0-0.018 (highest: Hungarian). Before the preparation, the same texts scored up to 0.49 (℃ in
# Chinese weather reports), 0.18 (U+E5E5 indents), 0.20 (Arabic presentation forms), 0.11 (C1
# quotes). Single-byte mojibake (GBK, Big5, EUC-KR, UTF-8 or cp1251 read as Latin-1, cp1252,
# cp1251, koi8-r, ptcp154, ISO-8859-13) scores 0.97-3.0; UTF-8 French read as Latin-1 0.41.
MOJIBAKE_MESS_RATIO = 0.2
# Characters of a text that garbled_reason judges (all of it for U+FFFD).
MOJIBAKE_SAMPLE = 5000
# Han plausibility (see han_plausibility), measured on the fixtures and the real-page gold bodies
# with 20 Han characters or more: correct simplified or traditional Chinese and Japanese has at
# most 1.3% rare Han characters; Han mojibake (Big5, UTF-8, Shift_JIS, cp1251 or EUC-JP read as
# GB18030, the last measured against JIS X 0208; GBK read as Big5 or EUC-KR) has 21-77%. Fewer
# Han characters than HAN_SAMPLE_MIN prove nothing.
RARE_HAN_SHARE = 0.15
HAN_SAMPLE_MIN = 20
# Only for choosing an encoding (crawler.encoding), positive evidence: correct text has 43-85% of
# its Han characters among the 532 most common (kanji-dense Japanese headlines 43%, a bare list
# of personal names 20%); EUC-KR Hangul and EUC-JP kanji read as GB18030 land on frequent
# characters, so they are not rare, but on common ones only 11-16% of the time. Too close to
# names to refuse an article for, far enough to decline to choose GB18030 for a page.
COMMON_HAN_SHARE = 0.25
# Kana share (of kana and Han) from which text is Japanese: its Han characters must then be
# JIS X 0208 kanji (EUC-JP read as GB18030 keeps its kana and turns kanji into simplified Chinese).
_JAPANESE_KANA_SHARE = 0.25


def clean_line(text: str) -> str:
    """One line of text, as a browser shows it: entities decoded (also when escaped twice,
    ``&amp;nbsp;``), invisible and control characters removed (see _UNWANTED), NFC, every
    run of white space (line breaks too) one space, converter annotations removed, trimmed.
    Idempotent: a cleaned line cleans to itself."""
    if not text or text.isspace():  # most calls: the white space between tags
        return ""
    if _UNWANTED.search(text):
        text = _without_unwanted(text)
    if "&" in text:
        text = _unescaped(text)
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    text = _WHITE_SPACE.sub(" ", text)
    return strip_annotations(text).strip()


def _without_unwanted(text: str) -> str:
    return _UNWANTED.sub(_unwanted_as, text)


def _unwanted_as(m: re.Match) -> str:
    char = m[0]
    if char in _C1_AS_TEXT:
        return _C1_AS_TEXT[char]
    return "\ufffd" if "\ud800" <= char <= "\udfff" else ""


def _unescaped(text: str) -> str:
    """``text`` with its character references decoded until none is left (a CMS that
    escapes twice shows ``&nbsp;`` as text); what they decode to is filtered as the text."""
    while "&" in text:
        decoded = html.unescape(text)
        if decoded == text:
            break
        text = _without_unwanted(decoded) if _UNWANTED.search(decoded) else decoded
    return text


def clean_paragraphs(paragraphs: list[str]) -> list[str]:
    """The non-empty lines of ``paragraphs`` (split at line breaks), each cleaned by :func:`clean_line`."""
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
    chars = len(_WHITE_SPACE.sub("", text))
    return len(_NOT_ANY_HAN.sub("", text)) / chars if chars else 0.0


# Han characters script_of judges a text by.
_SCRIPT_SAMPLE = 600


def script_of(text: str) -> str | None:
    """``zh-Hant`` or ``zh-Hans`` for Chinese text by its first 600 Han characters (at least
    10), else ``None``."""
    han = _NOT_ANY_HAN.sub("", text[:1000])  # Chinese text holds 600 in its first 1000 characters
    if len(han) < _SCRIPT_SAMPLE and len(text) > 1000:
        han = _NOT_ANY_HAN.sub("", text)
    if len(han) < 10:
        return None
    sample = han[:_SCRIPT_SAMPLE]
    changed = count_traditional_only(sample)
    # Traditional text changes on roughly 1 character in 5; simplified text almost never.
    return "zh-Hant" if changed / len(sample) > 0.03 else "zh-Hans"


# Han plausibility counts the Han characters of the BMP (BMP_HAN_RANGES), as sets to build the
# classes of _han_classes from: the legacy CJK codecs whose mojibake it finds (GB2312, GBK,
# Big5, Shift_JIS, EUC-KR) encode no others, and a wrong codec's Han characters land there.
_HAN_CHARS = frozenset(chr(code) for lo, hi in BMP_HAN_RANGES for code in range(lo, hi + 1))
_KANA_CHARS = frozenset(map(chr, [*range(0x3040, 0x3100), *range(0xFF66, 0xFF9E)]))
_NOT_HAN = re.compile(f"[^{code_point_class(BMP_HAN_RANGES)}]")


@lru_cache(maxsize=1)
def _frequent_han() -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """Han characters of the frequent levels of GB2312 (3755), Big5 (5401) and JIS X 0208
    (2965) together; the kanji of JIS X 0208 (6355); charset-normalizer's 532 common ones."""
    from charset_normalizer.constant import COMMON_CJK_CHARACTERS

    def level(codec: str, leads: range, trails: list[int]) -> frozenset[str]:
        chars = set()
        for lead in leads:
            for trail in trails:
                try:
                    chars.add(bytes((lead, trail)).decode(codec))
                except UnicodeDecodeError:
                    pass
        return frozenset(c for c in chars if _HAN.match(c))

    frequent = (level("gb2312", range(0xB0, 0xD8), [*range(0xA1, 0xFF)])
                | level("big5", range(0xA4, 0xC7), [*range(0x40, 0x7F), *range(0xA1, 0xFF)])
                | level("euc-jp", range(0xB0, 0xD0), [*range(0xA1, 0xFF)]))
    kanji = level("euc-jp", range(0xB0, 0xF5), [*range(0xA1, 0xFF)])
    return frequent, kanji, frozenset(COMMON_CJK_CHARACTERS)


def _char_class(chars) -> re.Pattern:
    """A regex matching any one of ``chars`` (runs of code points as ranges)."""
    points = sorted(map(ord, chars))
    ranges, start, prev = [], points[0], points[0]
    for point in points[1:] + [-1]:
        if point != prev + 1:
            ranges.append(re.escape(chr(start)) + (f"-{re.escape(chr(prev))}" if prev > start else ""))
            start = point
        prev = point
    return re.compile("[" + "".join(ranges) + "]")


@lru_cache(maxsize=1)
def _han_classes() -> tuple[re.Pattern, re.Pattern, re.Pattern, re.Pattern]:
    """Regexes of the rare Han characters (outside :func:`_frequent_han`'s frequent levels, and
    outside JIS X 0208 for Japanese) and of the common ones: counting with them runs in C."""
    frequent, kanji, common = _frequent_han()
    return (_char_class(_HAN_CHARS - frequent), _char_class(_HAN_CHARS - kanji), _char_class(common),
            _char_class(_KANA_CHARS))


def _count(pattern: re.Pattern, text: str) -> int:
    return len(text) - len(pattern.sub("", text))


def han_plausibility(text: str, chars: int = 1500, common: bool = True) -> tuple[int, float, float]:
    """``(count, rare, common)`` for the Han characters in the first ``chars`` of ``text``:
    their number; the share outside the frequent levels of GB2312, Big5 and JIS X 0208 (for
    Japanese text, outside JIS X 0208); the share among the most common characters (0.0 when
    not asked for with ``common``). Correctly decoded Chinese or Japanese has few rare and many
    common ones; Han characters made from the bytes of another encoding are drawn at random
    from the code space. (Counted by what regexes remove: fewest matches, least work.)"""
    sample = text[:chars]
    count = len(sample) - _count(_NOT_HAN, sample)
    if not count:
        return 0, 0.0, 0.0
    rare_zh, rare_ja, common_class, kana_class = _han_classes()
    kana = _count(kana_class, sample)
    rare = _count(rare_ja if kana >= _JAPANESE_KANA_SHARE * (kana + count) else rare_zh, sample)
    return count, rare / count, (_count(common_class, sample) / count if common else 0.0)


def garbled_han(count: int, rare: float, common: float) -> bool:
    """True when :func:`han_plausibility`'s answer proves mojibake."""
    return count >= HAN_SAMPLE_MIN and rare > RARE_HAN_SHARE


def fluent_han(count: int, rare: float, common: float, minimum: int = 4) -> bool:
    """True when :func:`han_plausibility`'s answer proves correctly decoded Han text (at least
    ``minimum`` characters, few rare, many common: see COMMON_HAN_SHARE)."""
    return count >= minimum and rare <= RARE_HAN_SHARE and common >= COMMON_HAN_SHARE


def _measurable(text: str) -> str:
    """``text`` without what says nothing about its decoding (see _UNMEASURED, _C1_AS_CP1252,
    _ARABIC_FORMS)."""
    text = _UNMEASURED.sub("", text)
    if _C1.search(text):
        text = text.translate(_C1_AS_CP1252)
    if _ARABIC_FORMS.search(text):
        text = _ARABIC_FORMS.sub(lambda m: unicodedata.normalize("NFKC", m.group()), text)
    return text


def garbled_reason(text: str) -> str | None:
    """Why ``text`` looks like mojibake, or ``None`` when it reads as text (judged on its first
    MOJIBAKE_SAMPLE characters)."""
    if not text:
        return None
    if text.count("\ufffd") > max(3, len(text) // 200):
        return "replacement characters"
    text = _measurable(text[:MOJIBAKE_SAMPLE])
    pairs = len(_UTF8_AS_LATIN1.findall(text))
    if pairs >= 3 and 2 * pairs >= 0.3 * (len(text) - len(text.encode("ascii", "ignore"))):
        return "UTF-8 read as Latin-1"
    if garbled_han(*han_plausibility(text, common=False)):
        return "implausible Han characters"
    # CJK runs are blanked (see _CJK_AND_SYMBOLS): judged on the rest, with a run as one space,
    # and the ratio scaled back to the whole text's length (blanks are never messy), as if each
    # CJK character were a space: the same measure, without feeding thousands of blanks to it.
    rest = _CJK_RUN.sub(" ", text)
    if len(rest) - rest.count(" ") < MESS_MIN_CHARS:
        return None
    if mess_ratio(rest, maximum_threshold=1.0) * len(rest) / len(text) > MOJIBAKE_MESS_RATIO:
        return "mess ratio"
    return None


# Punctuation, symbols and spaces: not compared when a link text is matched with a title.
_NOT_WORD = re.compile(r"[\W_]+")
# What ends a link text cut short by a listing: "...", "…", "……", "。。。".
ELLIPSIS_END = re.compile(r"(?:\.{2,}|…+|。{2,})\s*$")


def _title_key(text: str) -> str:
    return _NOT_WORD.sub("", unicodedata.normalize("NFKC", text)).casefold()


def link_text_names(link_text: str, title: str) -> bool:
    """True when a link's text shows the headline ``title``: the same words and characters
    (spaces, punctuation and full-width forms aside), or their start when the text is cut
    short with an ellipsis. A link text that names another title means the title changed."""
    key = _title_key(link_text)
    if key == _title_key(title):
        return True
    return bool(ELLIPSIS_END.search(link_text)) and len(key) >= 4 and _title_key(title).startswith(key)


def link_text_key(link_text: str) -> str:
    """A link text as compared with the texts recorded for its article: without bracketed
    counters and times ("（阅读 1234）", "[3小时前]"), spaces and punctuation. Other numbers
    stay: "死亡人数升至15人" is another headline than "…12人"."""
    return _title_key(_COUNTER.sub("", link_text))


# A bracketed note with a number in it, after the headline: a view count, a time, a date.
_COUNTER = re.compile(r"[(（\[【［][^()（）\[\]【】［］]{0,12}\d[^()（）\[\]【】［］]{0,12}[)）\]】］]\s*$")


@lru_cache(maxsize=16384)  # the same related and listing texts come back page after page
def is_title_like(link_text: str) -> bool:
    """True for a link text that may be a headline (not "更多", "详情", "1", a date ...):
    at least 6 characters that are letters or Han characters."""
    return len(re.findall(r"[^\W\d_]", link_text)) >= 6
