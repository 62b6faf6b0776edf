"""Choosing the character encoding of an HTML response.

Scrapy trusts the declared charset (HTTP header, BOM, ``<meta>``) and, when none is
declared, guesses between UTF-8 and cp1252, which turns GBK pages into mojibake. Here a
declared charset is used only when the bytes really decode with it; otherwise the
encoding is detected with charset-normalizer. The crawler (``EncodingMiddleware``) and
``python -m crawler.extract`` both go through :func:`redecode`.
"""

from __future__ import annotations

import codecs

from charset_normalizer import from_bytes
from scrapy.http import HtmlResponse, Response, TextResponse, XmlResponse
from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, read_bom, resolve_encoding

# Declared charsets that decode any byte sequence, so a successful decode proves nothing.
_PERMISSIVE = {"cp1252", "latin-1", "iso8859-1", "iso8859-15", "ascii"}
# File signatures of binary formats that CMSs sometimes serve under .shtml/.html names.
_MAGIC = (b"PK\x03\x04", b"\x89PNG", b"GIF8", b"%PDF", b"\xff\xd8\xff", b"\x1f\x8b", b"Rar!", b"7z\xbc\xaf", b"MZ")
# Bytes examined for the binary check and for detection (detection cost grows with size).
SNIFF_BYTES = 4096
DETECT_BYTES = 64 * 1024


def is_binary(body: bytes) -> bool:
    """True for bodies that are not text: known file signatures or NUL bytes."""
    head = body[:SNIFF_BYTES]
    return head.startswith(_MAGIC) or b"\x00" in head


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


def choose_encoding(body: bytes, declared: str | None) -> str:
    """The encoding to decode ``body`` with: ``declared`` when the bytes decode with it
    (and it is not a permissive single-byte charset), else UTF-8 when valid, else detected."""
    if declared and declared not in _PERMISSIVE:
        try:
            body.decode(declared)
            return declared
        except (UnicodeDecodeError, LookupError):
            pass
    try:
        body.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    best = from_bytes(body[:DETECT_BYTES]).best()
    detected = _normalize(best.encoding) if best else None
    return detected or declared or "utf-8"


def redecode(response: Response) -> Response:
    """``response`` as an HtmlResponse decoded with :func:`choose_encoding`'s answer.

    Non-text responses come back unchanged (the spider skips them as binary).
    """
    if not isinstance(response, TextResponse) or isinstance(response, XmlResponse) or is_binary(response.body):
        return response  # XML (feeds, sitemaps) declares its encoding and is parsed as XML
    content_type = response.headers.get(b"Content-Type", b"").decode("latin-1")
    declared = declared_encoding(response.body, content_type)
    encoding = choose_encoding(response.body, declared)
    cls = response.__class__ if isinstance(response, HtmlResponse) else HtmlResponse
    if cls is response.__class__ and encoding == codecs.lookup(response.encoding).name:
        return response
    return response.replace(cls=cls, encoding=encoding)
