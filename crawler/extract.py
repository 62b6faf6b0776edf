"""``python -m crawler.extract page.html [more.html ...] [--url URL]``: extract saved pages.

Prints the article of one file as indented JSON, or one JSON line per file for several,
with the export's field names. The bytes are decoded as the crawler decodes a response that
came without HTTP headers. A page that is not an article prints ``{"file": ..., "error": ...}``
and makes the exit code 1.
"""

from __future__ import annotations

import gzip
import json
import sys
import zlib
from pathlib import Path
from urllib.parse import urlsplit

import click
from scrapy.http import HtmlResponse
from scrapy.settings import Settings

from archive.cliutil import run_one_line_errors
from crawler import settings as project_settings
from crawler.cleaning import BadArticle, clean_article
from crawler.encoding import is_binary, redecode
from crawler.pages import NotArticle, RuleBook


def extract_file(path: Path, url: str | None, rulebook: RuleBook, max_size: int = 0) -> dict:
    """The cleaned article record of one saved page (raises NotArticle / BadArticle).

    Files over ``max_size`` bytes (the crawl's DOWNLOAD_MAXSIZE; 0: no limit) are refused,
    as the crawler refuses such responses."""
    if max_size and path.stat().st_size > max_size:
        raise NotArticle(f"larger than DOWNLOAD_MAXSIZE ({max_size} bytes)")
    body = path.read_bytes()
    if is_binary(body):
        raise NotArticle("binary file")
    response = redecode(HtmlResponse(url=url or path.resolve().as_uri(), body=body))
    page = rulebook.page(response)
    return clean_article(page.article()).to_record()


def _decoded_payload(body: bytes, headers: list[list[str]]) -> bytes:
    """A captured payload with its Content-Encoding (gzip, deflate, br) undone."""
    encodings = [v.strip().lower() for name, value in headers if name.lower() == "content-encoding"
                 for v in value.split(",") if v.strip()]
    for encoding in reversed(encodings):
        if encoding in ("gzip", "x-gzip"):
            body = gzip.decompress(body)
        elif encoding == "deflate":
            try:
                body = zlib.decompress(body)
            except zlib.error:  # raw deflate, as some servers send it
                body = zlib.decompress(body, -zlib.MAX_WBITS)
        elif encoding == "br":
            import brotli  # installed with Scrapy's brotli support

            body = brotli.decompress(body)
        elif encoding != "identity":
            raise NotArticle(f"content encoding {encoding!r} cannot be decoded")
    return body


def _response(capture: dict) -> HtmlResponse:
    headers = [(n, v) for n, v in capture["response_headers"] if n.lower() not in ("content-encoding", "content-length")]
    body = _decoded_payload(capture["body"], capture["response_headers"])
    if is_binary(body):
        raise NotArticle("binary file")
    return redecode(HtmlResponse(url=capture["url"], status=capture["status"], headers=headers, body=body))


class CaptureExtractor:
    """Re-extraction for ``python -m archive reextract``: stored captures in, the record the
    crawl would archive today out (the export's field names).

    ``captures``: dicts with url, status, response_headers (``[name, value]`` pairs) and body
    (the payload as received): the first page, then its continuation pages. Raises
    NotArticle / BadArticle as the crawl would skip the page.
    """

    name = "crawler.extract"

    def __init__(self, rulebook: RuleBook):
        self.rulebook = rulebook

    def __call__(self, captures: list[dict]) -> dict:
        first = self.rulebook.page(_response(captures[0]))
        article = first.article()
        if first.is_continuation():
            raise NotArticle("the capture is a continuation page")
        for capture in captures[1:]:
            paragraphs = self.rulebook.page(_response(capture)).body()[0]
            if paragraphs:
                article.body += "\n\n" + "\n\n".join(paragraphs)
                article.pages += 1
        return clean_article(article).to_record()


def capture_extractor(rules_file: str | None = None) -> CaptureExtractor:
    """The extractor with the project's settings (the default of ``archive reextract``);
    ``rules_file``: per-site rules as NEWS_SITE_RULES_FILE. Raises ValueError for bad rules."""
    settings = Settings()
    settings.setmodule(project_settings)
    if rules_file:
        settings.set("NEWS_SITE_RULES_FILE", rules_file)
    return CaptureExtractor(RuleBook.from_settings(settings))


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--url", help="The URL the page was fetched from (resolves links, dates in the path, site).")
@click.option("--rules", "rules_file", type=click.Path(exists=True, dir_okay=False),
              help="A JSON file of per-site rules (as NEWS_SITE_RULES_FILE).")
def cli(files, url, rules_file):
    """Print the article extracted from saved HTML pages as JSON.

    Example: python -m crawler.extract page.html --url https://news.example.cn/a/1.shtml
    """
    settings = Settings()
    settings.setmodule(project_settings)
    if rules_file:
        settings.set("NEWS_SITE_RULES_FILE", rules_file)
    try:
        rulebook = RuleBook.from_settings(settings)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    if url is not None:
        try:
            parts = urlsplit(url)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--url") from None
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise click.BadParameter(f"{url!r} is not an http(s) URL", param_hint="--url")
    failed = False
    for path in files:
        try:
            record = extract_file(path, url, rulebook, settings.getint("DOWNLOAD_MAXSIZE"))
        except OSError as exc:
            record, failed = {"file": str(path), "error": f"cannot read: {exc.strerror}"}, True
        except (NotArticle, BadArticle) as exc:
            record, failed = {"file": str(path), "error": f"not an article: {exc}"}, True
        if len(files) == 1:
            click.echo(json.dumps(record, ensure_ascii=False, indent=2))
        else:
            click.echo(json.dumps(record, ensure_ascii=False))
    sys.exit(1 if failed else 0)


def main(argv=None):
    run_one_line_errors(cli, "python -m crawler.extract", argv)


if __name__ == "__main__":
    main()
