"""Why a request failed, as a short stats slug (``news/requests/failed/<reason>``)."""

from __future__ import annotations

from scrapy.exceptions import (CannotResolveHostError, DownloadCancelledError, DownloadConnectionRefusedError,
                               DownloadTimeoutError, IgnoreRequest, ResponseDataLossError)
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils._compression import _DecompressionMaxSizeExceeded  # HttpCompressionMiddleware's cause
from twisted.internet.defer import CancelledError

from crawler.compression import TruncatedBody

# Exception types of failed downloads and their stats slug, first match first; other types
# are named by what their name says (twisted's own errors), else by their name.
_FAILURES = (
    (TruncatedBody, "truncated_body"),  # a compressed body cut short (crawler.compression)
    (ResponseDataLossError, "truncated_body"),  # fewer bytes than Content-Length said
    (DownloadTimeoutError, "timeout"),
    (DownloadCancelledError, "too_large"),  # Content-Length above DOWNLOAD_MAXSIZE
    (CancelledError, "too_large"),  # the body grew past DOWNLOAD_MAXSIZE
    (DownloadConnectionRefusedError, "unreachable"),
    (CannotResolveHostError, "unreachable"),
)


def failure_reason(failure) -> str:
    """A short stats slug for a failed request: ``http_404``, ``timeout``, ``too_large``,
    ``truncated_body``, ``decompression_bomb`` (more than the size limit decompressed),
    ``too_many_redirects``, ``unreachable``; ``ignored`` for requests not sent on purpose
    (robots.txt), which are no failures."""
    exc = failure.value
    if isinstance(exc, HttpError):
        return f"http_{exc.response.status}"
    for kind, reason in _FAILURES:
        if isinstance(exc, kind):
            return reason
    if isinstance(exc, IgnoreRequest):
        if isinstance(exc.__cause__, _DecompressionMaxSizeExceeded):  # HttpCompressionMiddleware's
            return "decompression_bomb"
        request = getattr(failure, "request", None)
        if request is not None and request.meta.get("redirect_ttl") == 0:  # REDIRECT_MAX_TIMES spent
            return "too_many_redirects"
        return "ignored"
    name = type(exc).__name__
    if "Timeout" in name:
        return "timeout"
    if "Refused" in name or "DNS" in name or "Resolve" in name:
        return "unreachable"
    return name
