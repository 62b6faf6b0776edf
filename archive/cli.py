"""``python -m archive``: a thin command line over the archive library.

Each command parses options and calls library functions; every failure of the archive
(:class:`ArchiveError`, and the SQLite and zlib errors :func:`archive.db.archive_failure`
reads) becomes one line on stderr, in one place (:class:`_Commands`).

Exit codes: 0 done; 1 a problem with the archive or its data (missing, not an archive,
damaged, read-only for a command that writes, ``check`` found problems); 2 a mistake on the
command line (bad option, ``--output`` refused); 75 the archive is in use by another writer
(commands that write).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import sys
from contextlib import contextmanager
from pathlib import Path

import click

from archive import query, search
from archive.cliutil import run_one_line_errors
from archive.db import (
    COMPANION_SUFFIXES, ArchiveDamaged, ArchiveInUse, ArchiveReadOnly, archive_failure, archive_writable, connect_readonly,
    open_archive, require_archive_file,
)
from archive.lock import ArchiveLock, close_dead_runs, close_dead_runs_if_free, is_locked

EXIT_IN_USE = 75  # EX_TEMPFAIL, as the crawl's: try again later
_DB_PATH = "archive.db_path"  # ctx.meta key: the archive the command works on, for messages


def _remember_db(ctx, param, value):
    ctx.meta[_DB_PATH] = value
    return value


db_option = click.option(
    "--db", "db_path", default="archive.db", show_default=True, metavar="PATH", callback=_remember_db,
    help="The archive file (ARCHIVE_PATH of the crawl).",
)


def _day(ctx, param, value):
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date like 2021-03-01") from None


class _Commands(click.Group):
    """The command group; turns every failure of the archive into a one-line message: exit
    code 75 when another writer holds it, 1 otherwise."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except Exception as exc:
            if isinstance(exc, (click.ClickException, click.exceptions.Exit)):
                raise
            failure = archive_failure(exc, ctx.meta.get(_DB_PATH, "the archive"))
            if failure is None:
                raise
            error = click.ClickException(str(failure))
            error.exit_code = EXIT_IN_USE if isinstance(failure, ArchiveInUse) else 1
            raise error from None


def _open(path: str):
    """Open the archive for a command that only reads it, read-only (no write of any kind).

    When the archive is writable it is first brought up to date through a connection that
    may write: pending migrations applied, runs of crawls that died closed (when no writer
    holds the lock), articles changed by other programs indexed for search. A read-only
    archive is read as it is (an archive that needs migrations is refused: one line)."""
    if archive_writable(path):
        try:
            db = open_archive(path, create=False)
            try:
                close_dead_runs_if_free(db, path)
                _sync_search_index(db)
            finally:
                db.close()
        except Exception as exc:
            failure = archive_failure(exc, path)
            if not isinstance(failure, (ArchiveReadOnly, ArchiveInUse)):
                raise
            # read-only after all (a file system refusing writes), or another program held
            # a write transaction too long: read the archive as it is
            if isinstance(failure, ArchiveInUse):
                click.echo(f"note: the archive could not be brought up to date ({exc})", err=True)
    db = open_archive(path, create=False, readonly=True)
    query.require_archive(db)
    return db


@contextmanager
def _open_for_writing(path: str):
    """The archive for a command that writes to it: its lock, held for the whole command
    (exit 75 when a crawl holds it), and a writable connection, closed at the end. A damaged
    archive is refused (SQLite's quick_check); runs of crawls that died are closed and the
    search index brought up to date first."""
    require_archive_file(path)  # (before the lock, which would create a missing file)
    if not archive_writable(path):
        raise ArchiveReadOnly(f"the archive {path} is read-only (its file, folder or file system), "
                              "and this command writes to it")
    with ArchiveLock(path):
        db = open_archive(path, create=False)
        try:
            query.require_archive(db)
            # never write into a damaged archive: it would spread the damage
            if db.execute("PRAGMA quick_check(1)").fetchone()[0] != "ok":
                raise ArchiveDamaged(f"the archive {path} is damaged (database disk image is malformed); "
                                     f"run 'python -m archive check --db {path}'")
            close_dead_runs(db)
            _sync_search_index(db)
            yield db
        finally:
            db.close()


@contextmanager
def _open_for_changes(path: str, dry_run: bool):
    """:func:`_open_for_writing`, or with ``dry_run`` (which writes nothing) :func:`_open`:
    a dry run works on a read-only archive and beside a running crawl."""
    if dry_run:
        db = _open(path)
        try:
            yield db
        finally:
            db.close()
    else:
        with _open_for_writing(path) as db:
            yield db


@click.group(cls=_Commands)
def cli():
    """Read the news archive written by ``scrapy crawl news``."""


@cli.command()
@db_option
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv", "warc"]), default="jsonl", show_default=True)
@click.option("--site", help="Only articles of this site (host or host:port).")
@click.option("--since", callback=_day, metavar="YYYY-MM-DD", help="Published on or after this day.")
@click.option("--until", callback=_day, metavar="YYYY-MM-DD", help="Published on or before this day.")
@click.option("--query", "text", metavar="QUERY", help="Only articles a search for QUERY finds.")
@click.option("--output", "-o", metavar="FILE",
              help="Write to FILE instead of stdout (required for warc; e.g. news.warc.gz). Written as "
                   "FILE.part and renamed when complete; never the archive or its -wal/-shm/-journal files.")
@click.option("--force", is_flag=True, help="Overwrite FILE when it exists.")
def export(db_path, fmt, site, since, until, text, output, force):
    """Write the articles to stdout, one JSON object per line (or CSV, or WARC).

    Streams: memory stays constant however large the archive. WARC holds the raw captures
    (request, response) of each article and its extracted fields (a metadata record); a
    damaged capture is skipped and counted, the rest is written.

    Example: python -m archive export --db news.db --format jsonl > articles.jsonl;
    python -m archive export --db news.db --format warc --output news.warc.gz
    """
    if output == "-":
        output = None
    if fmt == "warc" and not output:
        raise click.UsageError("--format warc needs --output FILE (e.g. news.warc.gz)")
    if output:
        _check_output(output, db_path, force)
    db = _open(db_path)
    if fmt == "warc":
        _export_warc(db, output, site=site, since=since, until=until, text=text)
        return
    records = query.export_records(db, site=site, since=since, until=until, query=text)
    try:
        if output:
            with _replacing(Path(output), "w") as out:
                _write_records(out, fmt, records)
        else:
            with click.open_file("-", "w", encoding="utf-8", lazy=False) as out:
                _write_records(out, fmt, records)
    except BrokenPipeError:  # e.g. piped into `head`
        sys.stderr.close()
    except OSError as exc:
        raise click.ClickException(f"cannot write {output or 'to stdout'}: {exc.strerror or exc}") from None


def _write_records(out, fmt: str, records) -> None:
    if fmt == "jsonl":
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
        return
    writer = csv.DictWriter(out, fieldnames=query.EXPORT_FIELDS)
    writer.writeheader()
    for record in records:
        record["aliases"] = json.dumps(record["aliases"], ensure_ascii=False)
        record["related_urls"] = json.dumps(record["related_urls"], ensure_ascii=False)
        writer.writerow(record)


def _partial(target: Path) -> Path:
    """Where an export is written before it is complete: ``FILE.part``."""
    return target.with_name(target.name + ".part")


def _same_file(a: str | Path, b: str | Path) -> bool:
    """True when two paths name one file: the same resolved name, or (both existing) the
    same inode, so ``./news.db``, symlinks and hard links are all the archive."""
    if os.path.realpath(a) == os.path.realpath(b):
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them does not exist
        return False


def _check_output(output: str, db_path: str, force: bool) -> None:
    """Refuse (exit 2) an ``--output`` that is the archive or one of its files (the file
    itself or its ``.part``), a directory, a file in a missing folder, or an existing file
    without ``--force``."""
    target = Path(output)
    guarded = [db_path] + [db_path + suffix for suffix in COMPANION_SUFFIXES]
    if any(_same_file(name, g) for name in (target, _partial(target)) for g in guarded):
        raise click.BadParameter(f"{output} is the archive {db_path} or one of its files", param_hint="'--output'")
    if target.is_dir():
        raise click.BadParameter(f"{output} is a directory", param_hint="'--output'")
    if not target.absolute().parent.is_dir():
        raise click.BadParameter(f"the folder of {output} does not exist", param_hint="'--output'")
    if target.exists() and not force:
        raise click.BadParameter(f"{output} exists; add --force to overwrite it", param_hint="'--output'")


@contextmanager
def _replacing(target: Path, mode: str):
    """A file to write ``target``'s new content to: ``FILE.part`` (a stale one is
    overwritten), renamed to ``target`` once written and synced. On any error, or an
    interrupt, the ``.part`` is removed and ``target`` is left as it was."""
    partial = _partial(target)
    try:
        with open(partial, mode, **({"encoding": "utf-8", "newline": ""} if "b" not in mode else {})) as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        partial.replace(target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def _export_warc(db, output: str, **filters) -> None:
    from archive.warc import write_warc

    target = Path(output)
    try:
        with _replacing(target, "wb") as out:
            counts = write_warc(db, out, filename=target.name, **filters)
    except OSError as exc:
        raise click.ClickException(f"cannot write {output}: {exc.strerror or exc}") from None
    click.echo(f"wrote {target}: {counts['articles']} articles, {counts['captures']} captures"
               + (f"; {counts['without_capture']} articles archived before captures were kept"
                  if counts["without_capture"] else "")
               + (f"; {counts['unreadable']} damaged captures skipped"
                  if counts["unreadable"] else ""), err=True)


@cli.command("search")
@click.argument("text", metavar="QUERY")
@db_option
@click.option("--site", help="Only articles of this site (host or host:port).")
@click.option("--since", callback=_day, metavar="YYYY-MM-DD", help="Published on or after this day.")
@click.option("--until", callback=_day, metavar="YYYY-MM-DD", help="Published on or before this day.")
@click.option("--limit", type=click.IntRange(1, 10_000), default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the results as one JSON object.")
@click.option("--rank-all", is_flag=True,
              help=f"Rank every match; by default a word found in more than {search.MAX_RANKED:,} articles "
                   "is ranked among the newest of them (faster).")
def search_command(text, db_path, site, since, until, limit, as_json, rank_all):
    """Find articles containing every word of QUERY, best (bm25) first.

    Simplified and traditional characters are interchangeable; "quoted words" must occur
    as one sequence. Example: python -m archive search '平度 "乡村振兴"' --db news.db
    """
    results = search.search(_open(db_path), text, site=site, since=since, until=until, limit=limit,
                            max_ranked=None if rank_all else search.MAX_RANKED)
    if as_json:
        click.echo(json.dumps(
            {"query": text, "total": results.total, "ranked": results.ranked, "results": results.hits}, ensure_ascii=False, indent=2))
        return
    if not results.hits:
        click.echo(f"no article matches {text!r}")
        return
    click.echo(f"{results.total} article{'s match' if results.total != 1 else ' matches'} {text!r}"
               + (f"; the best {len(results.hits)}" if results.total > len(results.hits) else "")
               + (f" of the newest {results.ranked:,} (--rank-all ranks all):" if results.ranked < results.total else ":"))
    for n, hit in enumerate(results.hits, 1):
        click.echo(
            f"\n{n}. {hit['title']}\n   {hit['published_at'] or '(no date)'}  {hit['site']}  {hit['url']}"
            f"\n   {hit['snippet']}"
        )


def _sync_search_index(db) -> None:
    """Index articles changed by other programs since the last archive write (rarely any),
    in a transaction of its own; every command on a writable archive does it, so Datasette
    and other readers find them too. Skipped on an archive that turns out read-only."""
    try:
        search.sync_now(db)
    except Exception as exc:
        failure = archive_failure(exc, "the archive")
        if not isinstance(failure, (ArchiveReadOnly, ArchiveInUse)):
            raise
        if isinstance(failure, ArchiveInUse):  # another program held a write transaction too long
            click.echo(f"note: the search index could not be brought up to date ({exc})", err=True)


@cli.command()
@db_option
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def summary(db_path, as_json):
    """Counts of archived articles per site and the latest crawl runs.

    Example: python -m archive summary --db news.db
    """
    db = _open(db_path)
    s = query.summary(db)
    _mark_running(s["runs"], db_path)
    if as_json:
        click.echo(json.dumps(s, ensure_ascii=False, indent=2))
        return
    _print_summary(s)


def _mark_running(runs: list[dict], db_path: str) -> None:
    """Set each run's ``running``: not ended and a writer holds the archive. A run not
    ended while no writer holds it died (a writable open closes it as ``killed``; a
    read-only archive keeps it open)."""
    live = any(run["ended_at"] is None for run in runs) and is_locked(db_path)
    for run in runs:
        run["running"] = run["ended_at"] is None and live


def _print_runs(runs: list[dict]) -> None:
    for run in runs:
        ended = run["ended_at"] or ("running" if run["running"] else "not running (killed?)")
        click.echo(
            f"  run {run['id']}: {run['started_at']} .. {ended}"
            f"{' ' + run['finish_reason'] if run['finish_reason'] else ''}: {run['pages_fetched'] or 0} pages, "
            f"{run['articles_new'] or 0} new, {run['articles_updated'] or 0} updated, "
            f"{run['articles_unchanged'] or 0} unchanged, {run['items_dropped'] or 0} dropped, "
            f"{run['errors'] or 0} errors"
        )


def _print_summary(s: dict) -> None:
    click.echo(f"{s['articles']} articles, {s['aliases']} alias URLs, {s['related_links']} related links")
    for site in s["sites"]:
        click.echo(
            f"  {site['site']}: {site['articles']} articles "
            f"(date {site['with_date']}, author {site['with_author']}, source {site['with_source']})"
        )
    _print_runs(s["runs"])


@cli.command()
@click.argument("url")
@db_option
def history(url, db_path):
    """List the versions of an article and what changed between consecutive ones.

    Example: python -m archive history https://news.example.cn/a/1.shtml --db news.db
    """
    versions = query.history(_open(db_path), url)
    click.echo(f"{url}: {len(versions)} version{'s' if len(versions) != 1 else ''}")
    for version in versions:
        click.echo(f"  version {version['version']}, last seen {version['seen_at']}: {version['title']}")
    for old, new in zip(versions, versions[1:]):
        click.echo(f"\n--- changes from version {old['version']} to {new['version']}")
        for line in query.version_diff(old, new):
            click.echo(line)


@cli.command()
@click.argument("url")
@db_option
def show(url, db_path):
    """Print an article with all its fields, aliases, related links and other copies.

    Example: python -m archive show https://news.example.cn/a/1.shtml --db news.db
    """
    record = query.show(_open(db_path), url)
    for name in ("url", "title", "published_at", "published_at_raw", "author", "source", "site", "language",
                 "url_source", "pages", "first_seen_at", "last_seen_at", "versions", "near_duplicate_of"):
        click.echo(f"{name}: {record[name] if record[name] is not None else '-'}")
    click.echo("captures (raw responses kept):" + "".join(
        f"\n  #{c['id']} {c['fetched_at']} HTTP {c['status']}, {c['bytes']} bytes  {c['url']}"
        + ("  (the text's source)" if c["id"] == record["capture_id"] else "") for c in record["captures"]))
    if record["reextractions"]:
        click.echo("re-extractions:" + "".join(
            f"\n  {r['at']}: {', '.join(r['changed_fields'])} changed (was version {r['version_before']})"
            for r in record["reextractions"]))
    click.echo("aliases:" + "".join(f"\n  {u}" for u in record["aliases"]))
    click.echo("related:" + "".join(f"\n  {r['text']}  {r['url']}" for r in record["related"]))
    click.echo("other copies of the story:" + "".join(
        f"\n  {u}{'  (original)' if u == record['original'] else ''}" for u in record["copies"]))
    click.echo("\n" + record["body"])


@cli.command()
@db_option
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
def stats(db_path, as_json):
    """Articles per site and per month, field coverage per site, syndicated copies and the
    latest crawl runs.

    Example: python -m archive stats --db news.db
    """
    db = _open(db_path)
    s = query.summary(db)
    _mark_running(s["runs"], db_path)
    s["coverage"] = query.coverage(db)
    s["per_month"] = query.per_month(db)
    s["copies"] = query.copies_per_site(db)
    if as_json:
        click.echo(json.dumps(s, ensure_ascii=False, indent=2))
        return
    click.echo(f"{s['articles']} articles, {s['aliases']} alias URLs, {s['related_links']} related links")
    click.echo("\nper site: articles, share with a date / an author / a source, publication days")
    for c in s["coverage"]:
        click.echo(f"  {c['site']}: {c['articles']}, date {c['date']:.0%}, author {c['author']:.0%}, "
                   f"source {c['source']:.0%}, {c['first_day'] or '-'} .. {c['last_day'] or '-'}")
    click.echo("\nper month:")
    sites = sorted({m["site"] for m in s["per_month"]})
    months: dict = {}
    for m in s["per_month"]:
        months.setdefault(m["month"], {})[m["site"]] = m["articles"]
    width = max([len(x) for x in sites] + [5])
    click.echo("  month   " + "".join(f"{x:>{width + 2}}" for x in sites))
    for month, counts in months.items():
        click.echo(f"  {month or 'no date':<8}" + "".join(f"{counts.get(x, 0):>{width + 2}}" for x in sites))
    click.echo("\nstories with copies (originals / copies) per site:")
    for row in s["copies"]:
        click.echo(f"  {row['site']}: {row['originals']} / {row['copies']}")
    click.echo("\nlatest crawl runs:")
    _print_runs(s["runs"])


@cli.command("check")
@db_option
def check_command(db_path):
    """Look for damage, writing nothing: SQLite's integrity check and foreign keys, the search
    index against the articles, and every stored capture (decompressed, size and digest).

    Prints one line per problem and a last line; exit code 1 when there is a problem.
    Example: python -m archive check --db news.db
    """
    from sqlite_utils import Database

    from archive.check import CheckReport, check

    db = Database(connect_readonly(db_path))  # as it is: even an archive that needs upgrading
    query.require_archive(db)
    report = CheckReport()
    problems = 0
    for problem in check(db, report):
        problems += 1
        click.echo(str(problem))
    for note in report.notes:
        click.echo(f"note: {note}")
    looked_at = (f"{report.articles} articles, {report.captures} captures, "
                 f"{report.searched} articles looked up in the search index")
    if problems:
        raise click.ClickException(f"the archive {db_path} has {problems} problem{'s' if problems != 1 else ''} "
                                   f"(listed above; checked {looked_at})")
    click.echo(f"{db_path}: no problems found ({looked_at})")


@cli.command()
@db_option
def neardup(db_path):
    """Index articles archived before near-duplicate detection existed, and link their copies.

    Example: python -m archive neardup --db news.db
    """
    from archive.neardup import NearDuplicates

    with _open_for_writing(db_path) as db:  # writes links: not while a crawl writes the archive
        done = NearDuplicates(db).backfill()
        linked = db.execute("SELECT count(*) FROM articles WHERE near_duplicate_of IS NOT NULL").fetchone()[0]
    click.echo(f"indexed {done} articles; {linked} articles are copies of another")


@cli.command()
@db_option
@click.option("--site", help="Only articles of this site (host or host:port).")
@click.option("--dry-run", is_flag=True, help="Report what would change; write nothing.")
@click.option("--rules", "rules_file", type=click.Path(exists=True, dir_okay=False),
              help="Per-site extraction rules (a JSON file, as NEWS_SITE_RULES_FILE of the crawl).")
@click.option("--extractor", default=None, metavar="MODULE:FACTORY", show_default=True,
              help="The extractor factory [default: crawler.extract:capture_extractor].")
def reextract(db_path, site, dry_run, rules_file, extractor):
    """Run today's extraction over the stored captures, without re-crawling; each article
    whose fields come out different gets a new version, logged in the reextractions table.
    A damaged capture is counted (failed: capture unreadable) and its article left as it is.

    Example: python -m archive reextract --db news.db --dry-run
    """
    from archive.reextract import DEFAULT_EXTRACTOR, load_extractor
    from archive.reextract import reextract as run

    spec = extractor or DEFAULT_EXTRACTOR
    require_archive_file(db_path)
    extract = load_extractor(spec, **({"rules_file": rules_file} if rules_file else {}))
    with _open_for_changes(db_path, dry_run) as db:  # writes versions: not while a crawl writes the archive
        report = run(db, extract, name=spec, site=site, dry_run=dry_run)
    verb = "would change" if dry_run else "changed"
    click.echo(f"re-extracted {report.checked} articles from their captures: {report.changed} {verb}"
               + (" (" + ", ".join(f"{f} {n}" for f, n in report.fields.most_common()) + ")" if report.fields else "")
               + f", {report.checked - report.changed - sum(report.failed.values())} unchanged"
               + (", failed: " + ", ".join(f"{r} {n}" for r, n in report.failed.most_common()) if report.failed else ""))
    if report.without_capture:
        click.echo(f"{report.without_capture} articles have no capture (archived before captures were kept)")
    for example in report.examples[:10]:
        click.echo(f"  {example['url']}: {', '.join(example['changed'])}")


@cli.command("split-copies")
@db_option
@click.option("--dry-run", is_flag=True, help="Report what would change; write nothing.")
@click.option("--rules", "rules_file", type=click.Path(exists=True, dir_okay=False),
              help="Per-site extraction rules (a JSON file, as NEWS_SITE_RULES_FILE of the crawl).")
@click.option("--extractor", default=None, metavar="MODULE:FACTORY",
              help="The extractor factory [default: crawler.extract:capture_extractor].")
def split_copies(db_path, dry_run, rules_file, extractor):
    """Give each copy on another site that an older archive merged into an article (its URL
    an alias, its capture kept there) its own article, extracted from its stored capture and
    linked to the earliest copy by near_duplicate_of. Nothing is deleted; a second run
    changes nothing.

    Example: python -m archive split-copies --db news.db --dry-run
    """
    from archive.copies import split_copies as run
    from archive.reextract import DEFAULT_EXTRACTOR, load_extractor

    require_archive_file(db_path)
    extract = load_extractor(extractor or DEFAULT_EXTRACTOR, **({"rules_file": rules_file} if rules_file else {}))
    with _open_for_changes(db_path, dry_run) as db:  # moves URLs and captures: not while a crawl writes
        report = run(db, extract, dry_run=dry_run)
    would = "would " if dry_run else ""
    click.echo(f"{report.articles} articles hold URLs of another site; {would}split {report.split} copies "
               f"into their own articles ({report.new} new), {would}move {report.captures_moved} captures "
               f"and {report.urls_moved} URLs"
               + (f", {report.urls_restored} articles {'would get' if dry_run else 'got'} their own URL back" if report.urls_restored else "")
               + (f", {report.texts_restored} their own text back" if report.texts_restored else "")
               + (", failed: " + ", ".join(f"{r} {n}" for r, n in report.failed.most_common()) if report.failed else ""))
    if report.left:
        click.echo(f"{report.left} URLs of another site have no capture and stay aliases "
                   "(redirects from another host, or archived before captures were kept)")
    for example in report.examples[:10]:
        click.echo(f"  {example['url']} (was part of {example['article']})")


def main(argv=None):
    run_one_line_errors(cli, "python -m archive", argv)


if __name__ == "__main__":
    main()
