"""The search tokenizer: text as search compares it, and the tokens the index stores for it.

SQLite's own tokenizers fail on Chinese (``unicode61`` makes a whole clause one token,
``trigram`` cannot find two-character words), and a custom tokenizer would need a loadable
extension that other clients lack. So text is tokenized here, in Python, and the tokens are
stored in a plain FTS5 table (:mod:`archive.searchindex`) that any SQLite client can query:

* Text is first normalized (:func:`normalize`): converter annotations removed (``團(tuán)``),
  NFKC (full-width letters and digits to ASCII), lower case, traditional to simplified
  character by character (so 王清憲 and 王清宪 are one word).
* A run of Han characters becomes its overlapping bigrams plus its last character:
  ``青岛市`` -> ``青岛 岛市 市``. A run of letters and digits is one word: ``5g``.
* A query word becomes the same tokens (:func:`query_tokens`): ``青岛`` -> ``青岛``,
  ``岛市政`` -> ``岛市 市政``, a single character ``青`` -> ``青`` as a prefix (every Han
  character starts exactly one token), ``CBA联赛`` -> ``cba 联赛``.
"""

from __future__ import annotations

import operator
import re
from functools import lru_cache

from archive.chinese import HAN_CLASS, fold, search_folding, strip_for_comparison

# Bump when normalize() or index_tokens() change: the index is then rebuilt, because a
# contentless FTS5 table can only delete rows whose tokens are given again exactly.
TOKENIZER_VERSION = 3

# A run of Han characters (group 1) or of other letters and digits (group 2).
TOKEN_RUNS = re.compile(rf"([{HAN_CLASS}]+)|([^\W_{HAN_CLASS}]+)")


@lru_cache(maxsize=1)
def tokenizer_fingerprint() -> str:
    """What the tokens depend on: :data:`TOKENIZER_VERSION`, OpenCC's dictionaries and
    Python's Unicode tables (NFKC, case). The index is rebuilt when it changes."""
    import unicodedata
    from importlib.metadata import PackageNotFoundError, version

    try:
        opencc_version = version("opencc")
    except PackageNotFoundError:
        opencc_version = "?"
    return f"{TOKENIZER_VERSION}/opencc {opencc_version}/unicode {unicodedata.unidata_version}"


def normalize(text: str) -> str:
    """The text as search compares it: :func:`archive.chinese.fold` (annotations removed, then
    character by character NFKC, traditional to simplified, lower case), as near-duplicates do."""
    return fold(text)


def normalize_with_offsets(text: str) -> tuple[str, list[int] | range]:
    """:func:`normalize` of ``text``, and for each character of the result the index of the
    character of ``text`` it came from."""
    norm = normalize(text)
    # the common case, character for character: nothing removed (folding only ever expands)
    if len(norm) == len(text) and len(strip_for_comparison(text)) == len(text):
        return norm, range(len(text))
    table = search_folding()
    out: list[str] = []
    offsets: list[int] = []
    i = 0
    # annotations are only ever "(pinyin)" after a character: walk both texts together
    for ch in strip_for_comparison(text):
        while text[i] != ch:
            i += 1
        piece = ch.translate(table).lower()
        out.append(piece)
        offsets.extend([i] * len(piece))
        i += 1
    return "".join(out), offsets


def index_tokens(text: str) -> str:
    """The space-separated tokens stored in the index for ``text`` (see the module doc)."""
    parts: list[str] = []
    for han, other in TOKEN_RUNS.findall(normalize(text)):
        if han:
            if len(han) > 1:
                parts.append(" ".join(map(operator.add, han, han[1:])))  # the bigrams
            parts.append(han[-1])
        else:
            parts.append(other)
    return " ".join(parts)


def query_tokens(text: str) -> tuple[list[str], bool] | None:
    """The tokens a query word or phrase must match in order, and whether the last one is a
    prefix (a single Han character ending the text); None when ``text`` holds no word."""
    runs = TOKEN_RUNS.findall(normalize(text))
    if not runs:
        return None
    tokens: list[str] = []
    prefix = False
    for i, (han, other) in enumerate(runs):
        if other:
            tokens.append(other)
            continue
        tokens.extend(map(operator.add, han, han[1:]))
        if i < len(runs) - 1:
            tokens.append(han[-1])  # the text's run ends here too, so it has this token
        elif len(han) == 1:
            tokens.append(han)  # any token starting with the character
            prefix = True
    return tokens, prefix
