"""Compressed response bodies that end early.

Scrapy's HttpCompressionMiddleware stops a decompression bomb (more than ``DOWNLOAD_MAXSIZE``
bytes, or the request's ``download_maxsize``, decompressed) with an ``IgnoreRequest`` caused
by its ``_DecompressionMaxSizeExceeded``. A gzip, deflate or brotli stream that was cut short
(a server that wrote a truncated file, a cache that kept half a response) it decodes into
as much text as the stream holds, without a word: a page cut off in the middle of its
article would be archived as if it were whole. :class:`TruncatedBodyMiddleware` refuses such
responses with :class:`TruncatedBody`; the spider counts both as failed requests
(``news/requests/failed/truncated_body``, ``…/decompression_bomb``).
"""

from __future__ import annotations

import zlib

from scrapy.exceptions import IgnoreRequest

# Bytes decompressed per step while checking a stream (the output is thrown away).
CHUNK_BYTES = 64 * 1024
_GZIP_MAGIC = b"\x1f\x8b"


class TruncatedBody(IgnoreRequest):
    """The response's compressed body ends before its stream does."""


def _zlib_ended(body: bytes, wbits: int, max_size: int) -> bool:
    """True when ``body`` holds whole zlib/gzip streams (``wbits`` as for zlib; gzip
    members may follow each other, as in ``cat a.gz b.gz``), or when more than ``max_size``
    bytes (0: no limit) come out of it first."""
    out = 0
    data = body
    while True:
        stream = zlib.decompressobj(wbits)
        chunk = stream.decompress(data, CHUNK_BYTES)
        out += len(chunk)
        while not stream.eof and (chunk or stream.unconsumed_tail):
            if max_size and out > max_size:
                return True  # a bomb, not a truncation: Scrapy refuses it
            chunk = stream.decompress(stream.unconsumed_tail, CHUNK_BYTES)
            out += len(chunk)
        if not stream.eof:
            return False  # all input read and all output out: the stream goes on elsewhere
        data = stream.unused_data
        if wbits < 16 or not data.startswith(_GZIP_MAGIC):
            return True  # one stream, or trailing bytes that are no gzip member: ignored


def _brotli_ended(body: bytes, max_size: int) -> bool:
    import brotli  # installed with Scrapy's brotli support (Scrapy asked for br)

    decompressor = brotli.Decompressor()
    try:
        out = len(decompressor.process(body, output_buffer_limit=CHUNK_BYTES))
        while not decompressor.is_finished():
            if max_size and out > max_size:
                return True
            chunk = decompressor.process(b"", output_buffer_limit=CHUNK_BYTES)
            if not chunk:
                return False
            out += len(chunk)
    except brotli.error:
        return True  # no brotli stream at all: Scrapy's decoder says so
    return True


def stream_ended(body: bytes, encoding: bytes, max_size: int = 0) -> bool:
    """True unless ``body``, compressed with ``encoding`` (a Content-Encoding value: gzip,
    x-gzip, deflate, br; others are not judged), ends before its stream does. A body that
    is no stream of its encoding at all counts as ended (Scrapy's decoder reports it); one
    that decompresses to more than ``max_size`` bytes (0: no limit) too (a bomb, which
    Scrapy refuses). Memory: CHUNK_BYTES of output at a time, whatever the body holds."""
    encoding = encoding.strip().lower()
    try:
        if encoding in (b"gzip", b"x-gzip"):
            return _zlib_ended(body, 16 + zlib.MAX_WBITS, max_size)
        if encoding == b"deflate":
            try:
                return _zlib_ended(body, zlib.MAX_WBITS, max_size)
            except zlib.error:  # raw deflate, as some Microsoft servers send it
                return _zlib_ended(body, -zlib.MAX_WBITS, max_size)
    except zlib.error:
        return True
    if encoding == b"br":
        return _brotli_ended(body, max_size)
    return True


class TruncatedBodyMiddleware:
    """Downloader middleware between the capture (595) and Scrapy's decompression (590):
    raises :class:`TruncatedBody` for a response whose body (compressed with one
    Content-Encoding) ends before its stream. Costs a second decompression of compressed
    bodies (a millisecond for a 100 KB page), up to the request's size limit."""

    def __init__(self, max_size: int):
        self.max_size = max_size

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.settings.getint("DOWNLOAD_MAXSIZE"))

    def process_response(self, request, response):
        encodings = [e for value in response.headers.getlist(b"Content-Encoding") for e in value.split(b",") if e.strip()]
        if request.method == "HEAD" or len(encodings) != 1 or not response.body:
            return response
        if not stream_ended(response.body, encodings[0], request.meta.get("download_maxsize", self.max_size)):
            raise TruncatedBody(f"compressed body ({encodings[0].decode('latin-1')}, {len(response.body)} B) "
                                f"ends before its stream: {response.url}")
        return response
