"""``python -m crawler.extract FILE... [--url URL]... [--urls MANIFEST]``: extract saved pages.

Prints the article of one file as indented JSON, or one JSON line per file for several,
with the export's field names. The bytes are decoded as the crawler decodes a response that
came without HTTP headers. A page that is not an article prints ``{"file": ..., "error": ...}``
(with ``"url"`` when the file has one) and makes the exit code 1.

Each file may have the URL it was fetched from: ``--url`` once per FILE, paired in order
(or none), and ``--urls MANIFEST`` for batches: UTF-8 lines ``PATH<TAB>URL``, relative
paths from the manifest's folder, blank lines and ``#`` comments skipped. The FILE arguments
are extracted first, then the manifest's entries in manifest order. A file without its URL
keeps only the absolute links of its related list; a note on stderr counts the others.
"""
from __future__ import annotations

import gzip
import json
import sys
import zlib
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urlsplit

import click
from scrapy.http import HtmlResponse
from scrapy.settings import Settings

from archive.cliutil import run_one_line_errors
from crawler import settings as project_settings
from crawler.assembly import add_page, read_article
from crawler.cleaning import BadArticle, clean_article
from crawler.encoding import redecode
from crawler.pages import ArticlePage, NotArticle, RuleBook


def extract_file(path: Path, url: str | None, rulebook: RuleBook, max_size: int = 0) -> dict:
    """The cleaned article record of one saved page (raises NotArticle / BadArticle).

    Files over ``max_size`` bytes (the crawl's DOWNLOAD_MAXSIZE; 0: no limit) are refused,
    as the crawler refuses such responses."""
    return read_file(path, url, rulebook, max_size)[1]


def read_file(path: Path, url: str | None, rulebook: RuleBook, max_size: int = 0) -> tuple[ArticlePage, dict]:
    """:func:`extract_file`, with the page object too (what the page says beyond the record,
    e.g. ``page.navigation.unresolved``). Without ``url`` the page is read at its ``file:``
    URL."""
    if max_size and path.stat().st_size > max_size:
        raise NotArticle(f"larger than DOWNLOAD_MAXSIZE ({max_size} bytes)")
    return read_record([_saved_response(path.read_bytes(), url or path.resolve().as_uri(), max_size)], rulebook)


def extract_bytes(body: bytes, url: str, rulebook: RuleBook, max_size: int = 0,
                  headers: dict | None = None) -> dict:
    """The cleaned article record of a page's bytes as fetched from ``url`` (with the HTTP
    ``headers`` it came with, if known), decoded as the crawler decodes a response. Raises
    NotArticle / BadArticle as the crawl would skip the page."""
    return extract_record([_saved_response(body, url, max_size, headers)], rulebook)


def _saved_response(body: bytes, url: str, max_size: int, headers: dict | None = None) -> HtmlResponse:
    if max_size and len(body) > max_size:
        raise NotArticle(f"larger than DOWNLOAD_MAXSIZE ({max_size} bytes)")
    return redecode(HtmlResponse(url=url, body=body, headers=headers))


def extract_record(responses: Iterable[HtmlResponse], rulebook: RuleBook, fetched_at: str | None = None) -> dict:
    """The cleaned record (the export's field names) of an article read from its responses,
    decoded already: the first page, then its continuation pages. ``fetched_at``: the time
    the first page is judged by (default: now). Raises NotArticle / BadArticle as the crawl
    would skip the page (a continuation page given first is no article), and for a
    continuation page that is no text or fails to extract: a partial article must not
    replace a stored whole one."""
    return read_record(responses, rulebook, fetched_at)[1]


def read_record(responses: Iterable[HtmlResponse], rulebook: RuleBook,
                fetched_at: str | None = None) -> tuple[ArticlePage, dict]:
    """:func:`extract_record`, with the first page's object too."""
    responses = iter(responses)
    page, article = read_article(next(responses), rulebook, fetched_at)
    if isinstance(article, NotArticle):
        raise article
    for response in responses:
        add_page(article, response, rulebook, strict=True)
    return page, clean_article(article).to_record()


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
        # judged as of the capture's fetch time ("a date after the fetch day" ...), not today's
        return extract_record((_response(c) for c in captures), self.rulebook, captures[0].get("fetched_at"))


def project_settings_with(rules_file: str | None = None) -> Settings:
    """The project's settings; ``rules_file``: per-site rules as NEWS_SITE_RULES_FILE."""
    settings = Settings()
    settings.setmodule(project_settings)
    if rules_file:
        settings.set("NEWS_SITE_RULES_FILE", rules_file)
    return settings


def capture_extractor(rules_file: str | None = None) -> CaptureExtractor:
    """The extractor with the project's settings (the default of ``archive reextract``);
    ``rules_file``: per-site rules as NEWS_SITE_RULES_FILE. Raises ValueError for bad rules."""
    return CaptureExtractor(RuleBook.from_settings(project_settings_with(rules_file)))


def _check_url(url: str, param_hint: str, where: str = "") -> None:
    """A usage error naming ``url`` unless it is an http(s) URL with a host."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError as exc:
        raise click.BadParameter(f"{where}{url!r} is not a URL ({exc})", param_hint=param_hint) from None
    if parts.scheme not in ("http", "https") or not host:
        raise click.BadParameter(f"{where}{url!r} is not an http(s) URL", param_hint=param_hint)


def read_manifest(manifest: Path) -> list[tuple[Path, str]]:
    """The ``(path, url)`` entries of a ``PATH<TAB>URL`` manifest, in order; relative paths
    are taken from the manifest's folder. Blank lines and lines starting with ``#`` are
    skipped. Raises click.BadParameter naming the line of a malformed entry."""
    try:
        text = manifest.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise click.BadParameter(f"{manifest}: not UTF-8 text ({exc.reason} at byte {exc.start})",
                                 param_hint="--urls") from None
    except OSError as exc:
        raise click.BadParameter(f"{manifest}: cannot read: {exc.strerror}", param_hint="--urls") from None
    entries = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        where = f"{manifest} line {number}: "
        fields = [field.strip() for field in line.split("\t")]
        if len(fields) != 2 or not all(fields):
            raise click.BadParameter(f"{where}expected PATH<TAB>URL, got {line[:80]!r}", param_hint="--urls")
        name, url = fields
        _check_url(url, "--urls", where)
        path = Path(name)
        entries.append((path if path.is_absolute() else manifest.parent / path, url))
    return entries


@click.command()
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--url", "urls", multiple=True, metavar="URL",
              help="The URL the page was fetched from (resolves links, dates in the path, site); "
                   "with several FILEs, none or one per FILE, in order.")
@click.option("--urls", "manifest", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              metavar="MANIFEST",
              help="Also extract the files of a manifest, lines PATH<TAB>URL (relative paths from the "
                   "manifest's folder), after the FILE arguments.")
@click.option("--rules", "rules_file", type=click.Path(exists=True, dir_okay=False),
              help="A JSON file of per-site rules (as NEWS_SITE_RULES_FILE).")
def cli(files, urls, manifest, rules_file):
    """Print the article extracted from saved HTML pages as JSON.

    Example: python -m crawler.extract page.html --url https://news.example.cn/a/1.shtml

    Batches: python -m crawler.extract a.html b.html --url URL_A --url URL_B, or
    --urls batch.tsv with lines PATH<TAB>URL (blank lines and # comments skipped).
    """
    if urls and len(urls) != len(files):
        raise click.UsageError(f"{len(urls)} --url for {len(files)} FILE argument(s): "
                               "give none, or one per FILE in the same order")
    for url in urls:
        _check_url(url, "--url")
    jobs: list[tuple[Path, str | None]] = list(zip(files, urls or [None] * len(files)))
    if manifest is not None:
        jobs += read_manifest(manifest)
    if not jobs:
        raise click.UsageError("no file to extract: give FILE arguments or --urls MANIFEST")
    settings = project_settings_with(rules_file)
    try:
        rulebook = RuleBook.from_settings(settings)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    failed = False
    for path, url in jobs:
        try:
            page, record = read_file(path, url, rulebook, settings.getint("DOWNLOAD_MAXSIZE"))
            if page.navigation.unresolved:  # (only a page read at its file: URL has them)
                n = page.navigation.unresolved
                click.echo(f"note: {path}: {n} related link{'s' if n != 1 else ''} not resolved: "
                           "give --url, the URL the page was fetched from", err=True)
        except OSError as exc:
            record, failed = _error(path, url, f"cannot read: {exc.strerror}"), True
        except (NotArticle, BadArticle) as exc:
            record, failed = _error(path, url, f"not an article: {exc}"), True
        if len(jobs) == 1:
            click.echo(json.dumps(record, ensure_ascii=False, indent=2))
        else:
            click.echo(json.dumps(record, ensure_ascii=False))
    sys.exit(1 if failed else 0)


def _error(path: Path, url: str | None, error: str) -> dict:
    record = {"file": str(path)}
    if url is not None:
        record["url"] = url
    record["error"] = error
    return record


def main(argv=None):
    run_one_line_errors(cli, "python -m crawler.extract", argv)


if __name__ == "__main__":
    main()
