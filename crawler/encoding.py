"""Choosing the character encoding of an HTML response.

Scrapy trusts the declared charset (HTTP header, BOM, ``<meta>``) and, when none is
declared, guesses between UTF-8 and cp1252, which turns GBK pages into mojibake. Here a
declared charset is used only when the bytes really decode with it; otherwise a page that is
not UTF-8 is judged on its text, not on its markup (an undeclared GBK page can open with tens
of KB of ASCII CSS and scripts): the runs of text that hold non-ASCII bytes (:func:`text_sample`)
are read as GB18030 first, and plausible Han text settles it (see
:func:`crawler.text.han_plausibility`); then cp1252 for pages whose only non-ASCII bytes are
typographic punctuation, a declared permissive charset that reads as text, a Japanese or Korean
encoding when charset-normalizer says so, Big5 when it gives plausible Han text, and last
charset-normalizer's guess among the encodings browsers know. Whatever was chosen, a decoding
whose text still looks garbled (:func:`crawler.text.garbled_reason`) is retried with GB18030,
Big5 and UTF-8 (:func:`ungarbled_encoding`). The crawler (``EncodingMiddleware``) and
``python -m crawler.extract`` both go through :func:`redecode`.
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes
from scrapy.http import HtmlResponse, Response, TextResponse, XmlResponse
from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, read_bom, resolve_encoding

from crawler.text import fluent_han, garbled_reason, han_plausibility

# Declared charsets that decode any byte sequence, so a successful decode proves nothing.
_PERMISSIVE = {"cp1252", "latin-1", "iso8859-1", "iso8859-15", "ascii"}
# File signatures of binary formats that CMSs sometimes serve under .shtml/.html names:
# zip (docx, xlsx, epub), PNG, GIF, PDF, JPEG, gzip, rar, 7z, Windows executables, OLE2 (doc,
# xls), bzip2, xz, Ogg, Matroska/WebM, FLV, TIFF, WOFF fonts, ICO.
_MAGIC = (b"PK\x03\x04", b"\x89PNG", b"GIF8", b"%PDF", b"\xff\xd8\xff", b"\x1f\x8b", b"Rar!", b"7z\xbc\xaf", b"MZ",
          b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"BZh", b"\xfd7zXZ\x00", b"OggS", b"\x1a\x45\xdf\xa3", b"FLV\x01",
          b"II*\x00", b"MM\x00*", b"wOFF", b"wOF2", b"\x00\x00\x01\x00")
# Signatures with a variable part: RIFF (WebP, AVI, WAV) and ISO media (MP4, MOV, HEIC, AVIF).
_MAGIC_AT = ((0, b"RIFF", 8, (b"WEBP", b"AVI ", b"WAVE")), (4, b"ftyp", 4, None))
# Bytes no text holds: the "binary data bytes" of the WHATWG MIME Sniffing Standard (control
# characters other than tab, line feed, form feed, carriage return and escape).
_BINARY_BYTES = bytes([*range(0x00, 0x09), 0x0B, *range(0x0E, 0x1B), *range(0x1C, 0x20)])
# Share of binary data bytes above which a body is binary. Compressed, encrypted or random
# data holds about 27/256 (10.5 %) of them; a web page none, or a few stray NULs (a
# corrupted comment, a template variable left empty), which browsers show the page despite.
BINARY_SHARE = 0.02
# Bytes examined for the binary check and for a <meta> charset.
SNIFF_BYTES = 4096
DETECT_BYTES = 64 * 1024
# Bytes of text runs (see _TEXT_RUN) the encoding is chosen on; detection cost grows with size.
SAMPLE_BYTES = 32 * 1024
# Bytes of text runs the garbled check reads (garbled_reason judges 5000 characters).
GARBLE_BYTES = 16 * 1024
# A run of text from its first non-ASCII byte to the next tag bracket or line break. None of
# '<', '>', '\n' is ever part of a multi-byte character in GB18030, GBK, Big5, Shift_JIS or EUC
# (trail bytes are >= 0x40, GB18030's four-byte digits 0x30-0x39), and no trail byte follows
# them, so every run starts on a character boundary in all of these encodings.
_TEXT_RUN = re.compile(rb"[\x80-\xff][^\n<>]*")
# Japanese and Korean encodings, used when charset-normalizer says so (see _choose).
JAPANESE_KOREAN = {"shift_jis", "cp932", "shift_jis_2004", "shift_jisx0213", "euc_jp", "euc_jis_2004",
                   "euc_jisx0213", "iso2022_jp", "euc_kr", "cp949", "johab", "iso2022_kr"}
# The encodings of the WHATWG Encoding Standard (what browsers decode; latin-1 and ISO-8859-9 are
# read as cp1252 and cp1254 there), the only ones the detector may answer.
WEB_ENCODINGS = ("utf_8", "gb18030", "big5hkscs", "cp932", "euc_jp", "iso2022_jp", "cp949", "cp866",
                 "iso8859_2", "iso8859_3", "iso8859_4", "iso8859_5", "iso8859_6", "iso8859_7", "iso8859_8",
                 "iso8859_10", "iso8859_13", "iso8859_14", "iso8859_15", "iso8859_16", "koi8_r", "koi8_u",
                 "mac_roman", "mac_cyrillic", "cp874", "cp1250", "cp1251", "cp1252", "cp1253", "cp1254",
                 "cp1255", "cp1256", "cp1257", "cp1258")
# Encodings by use on the web, for the detector's ties (see _detect).
WEB_PRIOR = ("utf-8", "gb18030", "cp1252", "cp1251", "shift_jis", "cp932", "euc_jp", "euc_kr", "cp949",
             "big5", "cp1250", "iso8859-2", "cp1256", "cp1253", "cp1254", "cp1255", "cp1257", "cp874",
             "koi8-r", "iso8859-15")
# Encodings a garbled decoding is retried with, in order (strict decodes only).
RETRY_ENCODINGS = ("gb18030", "big5", "utf-8")


def is_binary(body: bytes) -> bool:
    """True for bodies that are not text: a known file signature, or more than BINARY_SHARE
    of the first SNIFF_BYTES being bytes no text holds (UTF-16 text, which starts with its
    byte order mark, is text)."""
    head = body[:SNIFF_BYTES]
    if head.startswith(_MAGIC):
        return True
    for at, signature, kind_at, kinds in _MAGIC_AT:
        if head[at:at + len(signature)] == signature and (kinds is None or head[kind_at:kind_at + 4] in kinds):
            return True
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False
    controls = len(head) - len(head.translate(None, _BINARY_BYTES))
    return controls > BINARY_SHARE * len(head)


def _normalize(name: str | None) -> str | None:
    if not name:
        return None
    resolved = resolve_encoding(name)  # maps gb2312/gbk to gb18030, latin-1 to cp1252, ...
    if not resolved:
        return None
    try:
        return codecs.lookup(resolved).name
    except LookupError:
        return None


def declared_encoding(body: bytes, content_type: str | None) -> str | None:
    """The charset a page declares: HTTP header first, then BOM, then ``<meta>``."""
    bom = read_bom(body)
    for name in (http_content_type_encoding(content_type or ""), bom[0] if bom[0] else None,
                 html_body_declared_encoding(body[:DETECT_BYTES])):
        enc = _normalize(name)
        if enc:
            return enc
    return None


def text_sample(body: bytes, budget: int = SAMPLE_BYTES) -> bytes:
    """The runs of text of ``body`` that hold non-ASCII bytes, one per line, up to ``budget``
    bytes: what decides the encoding, without the ASCII markup, CSS and scripts around it. Each
    run keeps up to 64 bytes of the ASCII text before its first non-ASCII byte (the start of a
    word such as "Informa|ção", which language detection needs)."""
    parts, size, end = [], 0, 0
    for match in _TEXT_RUN.finditer(body):
        start = match.start()
        lo = max(end, start - 64)  # bytes in [lo, start) are ASCII: character boundaries all
        start = max(body.rfind(b"\n", lo, start), body.rfind(b"<", lo, start), body.rfind(b">", lo, start), lo - 1) + 1
        end = match.end()
        parts.append(body[start:end])
        size += end - start + 1
        if size >= budget:
            break
    return b"\n".join(parts)[:budget]


def _cjk_fit(sample: bytes, encoding: str) -> tuple[int, float] | None:
    """``(errors, common share)`` when ``sample`` decodes as ``encoding`` into plausible Han
    text (at most one undecodable byte per hundred Han characters, which tolerates a cut or
    corrupted character), else ``None``."""
    text = sample.decode(encoding, "replace")
    count, rare, common = han_plausibility(text)
    errors = text.count("\ufffd")
    if errors > max(1, count // 100) or not fluent_han(count, rare, common):
        return None
    return errors, common


def _decodes(body: bytes, encoding: str) -> bool:
    try:
        body.decode(encoding)
        return True
    except (UnicodeDecodeError, LookupError):
        return False


def _only_punctuation(sample: bytes) -> bool:
    """True when cp1252 reads every non-ASCII byte of ``sample`` as punctuation, a symbol or a
    space (’ “ ” – … © ° NBSP): an English-like page, on which the detector has nothing to go by
    and other code pages would turn typographic quotes into letters."""
    try:
        text = sample.decode("cp1252")
    except UnicodeDecodeError:
        return False
    return not any(c.isalnum() for c in set(text) if c >= "\x80")


def _detect(sample: bytes) -> str | None:
    """charset-normalizer's guess for ``sample`` among the encodings browsers decode
    (WEB_ENCODINGS: no page was written in a DOS or EBCDIC code page). Among the guesses it
    rates about as well as its best (mess at most 0.01 more, language coherence at most 0.02
    less), the one most used on the web (WEB_PRIOR) wins: its scores cannot tell cp1250 from
    cp1252 for Portuguese, or for English with a few curly quotes (the price: Hungarian in
    ISO-8859-2 reads as cp1252, with õ û for ő ű)."""
    matches = from_bytes(sample, cp_isolation=list(WEB_ENCODINGS))
    best = matches.best()
    if best is None:
        return None
    names = {_normalize(name) for match in matches
             if match.chaos <= best.chaos + 0.01 and match.coherence >= best.coherence - 0.02
             for name in (match.encoding, *match.could_be_from_charset)}
    for name in map(_normalize, WEB_PRIOR):
        if name in names:
            return name
    return _normalize(best.encoding)


def _choose(body: bytes, declared: str | None) -> tuple[str, bytes | None]:
    """The encoding to decode ``body`` with, and the text sample it was chosen on; no sample
    when the body is valid UTF-8 (which is what a non-ASCII body that decodes as UTF-8 is) or
    when the sample was proven to read as plausible Han text (nothing left to retry)."""
    if declared and declared not in _PERMISSIVE and _decodes(body, declared):
        return declared, None if declared == "utf-8" else text_sample(body)
    if _decodes(body, "utf-8"):
        return "utf-8", None
    sample = text_sample(body)
    # Nothing else (Big5, Shift_JIS, EUC, any single-byte text) reads as plausible GB18030 Han
    # text, so a fit settles it without asking the detector.
    if _cjk_fit(sample, "gb18030"):
        return "gb18030", None
    if _only_punctuation(sample):
        return "cp1252", sample
    if declared and not _garbled(sample, declared):
        return declared, sample  # a permissive charset (latin-1, cp1252) that reads as text
    detected = _detect(sample)
    if detected in JAPANESE_KOREAN:  # kana and Hangul byte pairs can also read as Big5 Han text
        return detected, sample
    if _cjk_fit(sample, "big5"):
        return "big5", sample
    return detected or declared or "utf-8", sample


def choose_encoding(body: bytes, declared: str | None) -> str:
    """The encoding to decode ``body`` with: ``declared`` when the bytes decode with it
    (and it is not a permissive single-byte charset), else UTF-8 when valid, else a CJK
    multi-byte encoding that gives plausible Han text, else detected."""
    return _choose(body, declared)[0]


def _garbled(sample: bytes, encoding: str) -> str | None:
    return garbled_reason(sample[:GARBLE_BYTES].decode(encoding, "replace"))


def ungarbled_encoding(body: bytes, encoding: str, sample: bytes | None = None) -> str | None:
    """``encoding`` when ``body`` decoded with it is not garbled, else the first of
    RETRY_ENCODINGS that decodes ``body`` strictly into text that is not garbled, else ``None``.
    Judged on the text runs of ``body`` (``sample``, see :func:`text_sample`)."""
    sample = text_sample(body) if sample is None else sample
    if not _garbled(sample, encoding):
        return encoding
    for retry in RETRY_ENCODINGS:
        if retry != encoding and _decodes(body, retry) and not _garbled(sample, retry):
            return retry
    return None


def redecode(response: Response) -> Response:
    """``response`` as an HtmlResponse decoded with :func:`choose_encoding`'s answer, retried
    with RETRY_ENCODINGS when that reads as mojibake (see :func:`ungarbled_encoding`; when no
    retry reads better the page keeps the chosen encoding, and cleaning refuses its article).

    Non-text responses come back unchanged (the spider skips them as binary).
    """
    if not isinstance(response, TextResponse) or isinstance(response, XmlResponse) or is_binary(response.body):
        return response  # XML (feeds, sitemaps) declares its encoding and is parsed as XML
    content_type = response.headers.get(b"Content-Type", b"").decode("latin-1")
    declared = declared_encoding(response.body, content_type)
    encoding, sample = _choose(response.body, declared)
    if sample is not None:
        encoding = ungarbled_encoding(response.body, encoding, sample) or encoding
    cls = response.__class__ if isinstance(response, HtmlResponse) else HtmlResponse
    if cls is response.__class__ and encoding == codecs.lookup(response.encoding).name:
        return response
    return response.replace(cls=cls, encoding=encoding)
