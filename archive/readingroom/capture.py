"""A stored capture made fit to show in a sandboxed frame of the reading room.

The payload is decoded as a browser would (``Content-Encoding``; then the charset of the
``Content-Type`` header, a BOM or ``<meta charset>``, else a guess) and made inert so that
nothing leaves for the live site: links and forms lose their targets (kept in
``data-archived-href``/``data-archived-action`` and as a tooltip), ``<meta http-equiv=refresh>``
is removed, and it is served with a Content-Security-Policy (:data:`POLICY`) that runs no
script and loads nothing from anywhere, inside an ``<iframe sandbox>``. The scripts stay in
the markup, as captured, and never run.
"""

from __future__ import annotations

import gzip
import zlib

import lxml.html
from charset_normalizer import from_bytes
from lxml import etree
from w3lib.encoding import html_to_unicode

# No script, no plugin, no request to any host (style sheets inline only, pictures only as
# data: URLs), no form submission, and a unique opaque origin (``sandbox``).
POLICY = ("sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:; "
          "media-src 'none'; form-action 'none'; base-uri 'none'; frame-ancestors 'self'")


class CaptureUnreadable(Exception):
    """The stored payload cannot be decoded (damaged, or an encoding we cannot undo)."""


def _header(headers: list[list[str]], name: str) -> str | None:
    for key, value in headers:
        if key.lower() == name:
            return value
    return None


def payload_bytes(body: bytes, headers: list[list[str]]) -> bytes:
    """The payload as received with its ``Content-Encoding`` (gzip, deflate, br) undone."""
    encoding = (_header(headers, "content-encoding") or "").strip().lower()
    try:
        for coding in [c.strip() for c in encoding.split(",") if c.strip()][::-1]:
            if coding in ("gzip", "x-gzip"):
                body = gzip.decompress(body)
            elif coding == "deflate":
                try:
                    body = zlib.decompress(body)
                except zlib.error:
                    body = zlib.decompress(body, -zlib.MAX_WBITS)
            elif coding == "br":
                import brotli

                try:
                    body = brotli.decompress(body)
                except brotli.error as error:
                    raise OSError(str(error)) from None
            elif coding != "identity":
                raise CaptureUnreadable(f"the payload has the content encoding {coding!r}")
    except (OSError, zlib.error, EOFError, ImportError) as error:
        raise CaptureUnreadable(f"the payload's content encoding {encoding!r} cannot be undone ({error})") from None
    return body


def _guess(body: bytes) -> str | None:
    best = from_bytes(body[:65536]).best()
    return best.encoding if best else None


def decoded(body: bytes, headers: list[list[str]]) -> tuple[str, str]:
    """(encoding, text) of a captured payload, decoded as a browser decodes it;
    CaptureUnreadable for a payload that is no text (an image, a PDF), by its Content-Type."""
    content_type = _header(headers, "content-type")
    kind = (content_type or "text/html").split(";")[0].strip().lower()
    if not (kind.startswith("text/") or kind.endswith(("/html", "/xml", "+xml"))):
        raise CaptureUnreadable(f"it is not an HTML page but {kind}; the WARC download holds its bytes")
    payload = payload_bytes(body, headers)
    encoding, text = html_to_unicode(content_type, payload, auto_detect_fun=_guess)
    return encoding, text


# Attributes that make the page ask a URL when someone clicks or submits (any element: an
# SVG link's is ``xlink:href``), and elements that load one by their source.
_NAVIGATING = ("href", "action", "formaction", "ping")
_LOADING = ("iframe", "frame", "object", "embed")
# <link> relations that make a browser look up or fetch a host ahead of time.
_AHEAD = {"dns-prefetch", "preconnect", "prefetch", "preload", "modulepreload", "prerender"}


def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1].rsplit(":", 1)[-1].lower()


def inert_html(text: str) -> str:
    """``text`` (an HTML page) with nothing that navigates or fetches ahead: link, form and
    frame targets (any ``href``, ``xlink:href``, ``action``, ``formaction``, ``ping``, and a
    frame's ``src``) moved to ``data-archived-*`` attributes (a link keeps its target as its
    tooltip), meta refreshes and look-ahead ``<link>`` hints removed. Scripts and everything
    else stay as they are."""
    try:
        root = lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError):
        return "<!doctype html><p>(the captured page holds no HTML)</p>"
    ahead = []
    for element in root.iter(etree.Element):
        for name in list(element.attrib):
            local = _local(name)
            if local in _NAVIGATING or (local == "src" and element.tag in _LOADING):
                target = element.attrib.pop(name)
                element.set(f"data-archived-{local}", target)
                if local == "href" and "title" not in element.attrib:
                    element.set("title", target)
        if element.tag == "link" and _AHEAD & set((element.get("rel") or "").lower().split()):
            ahead.append(element)
    for element in ahead:
        element.getparent().remove(element)
    for meta in root.xpath("//meta[translate(@http-equiv, 'REFSH', 'refsh') = 'refresh']"):
        meta.getparent().remove(meta)
    return "<!doctype html>\n" + lxml.html.tostring(root, encoding="unicode")
