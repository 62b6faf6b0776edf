"""The commands that read the archive and write nothing to it: ``search``, ``summary``,
``stats``, ``show``, ``history`` and ``check``."""

from __future__ import annotations

import json

import click
from sqlite_utils import Database

from archive import query, search, searchindex
from archive.check import CheckReport, check
from archive.cliutil import DashArgumentCommand
from archive.commands.options import (
    db_option, open_to_read, resolve_site, since_option, site_option, until_option,
)
from archive.db import connect_readonly
from archive.errors import ArchiveDamaged
from archive.runs import mark_state


@click.command("search", cls=DashArgumentCommand)
@click.argument("text", metavar="QUERY")
@db_option
@site_option
@since_option
@until_option
@click.option("--limit", type=click.IntRange(1, 10_000), default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the results as one JSON object.")
@click.option("--rank-all", is_flag=True,
              help=f"Rank every match; by default a word found in more than {search.MAX_RANKED:,} articles "
                   "is ranked among the newest of them (faster).")
def search_command(text, db_path, site, since, until, limit, as_json, rank_all):
    """Find articles containing every word of QUERY, best (bm25) first.

    Simplified and traditional characters are interchangeable; "quoted words" must occur
    as one sequence; a QUERY may start with -. Author and source are searched too: an
    article found only through them comes last. Example: python -m archive search '平度
    "乡村振兴"' --db news.db
    """
    db = open_to_read(db_path)
    site = resolve_site(db, site)
    waiting = searchindex.pending(db)
    if waiting:  # a reader never writes: say what it cannot find yet
        click.echo(f"note: {waiting} article{'s are' if waiting != 1 else ' is'} not in the search index yet; "
                   f"the next crawl or 'python -m archive reindex --db {db_path}' adds "
                   f"{'them' if waiting != 1 else 'it'}", err=True)
    results = search.search(db, text, site=site, since=since, until=until, limit=limit,
                            max_ranked=None if rank_all else search.MAX_RANKED)
    if as_json:
        click.echo(json.dumps(
            {"query": text, "total": results.total, "ranked": results.ranked, "order": results.order,
             "results": results.hits}, ensure_ascii=False, indent=2))
        return
    if not results.hits:
        click.echo(f"no article matches {text!r}")
        return
    shown = len(results.hits)
    if results.order == "newest":
        tail = (f"; the newest {shown}" if results.total > shown else "") + ", newest first (a one-character word):"
    else:
        tail = ((f"; the best {shown}" if results.total > shown else "")
                + (f" of the newest {results.ranked:,} (--rank-all ranks all):" if results.ranked < results.total else ":"))
    click.echo(f"{results.total} article{'s match' if results.total != 1 else ' matches'} {text!r}{tail}")
    for n, hit in enumerate(results.hits, 1):
        click.echo(
            f"\n{n}. {hit['title']}\n   {hit['published_at'] or '(no date)'}  {hit['site']}  {hit['url']}"
            f"\n   {hit['snippet']}"
        )


@click.command()
@db_option
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def summary(db_path, as_json):
    """Counts of archived articles per site and the latest crawl runs.

    Example: python -m archive summary --db news.db
    """
    s = _summary(open_to_read(db_path), db_path)
    if as_json:
        click.echo(json.dumps(s, ensure_ascii=False, indent=2))
        return
    _print_counts(s)
    for site in s["sites"]:
        click.echo(
            f"  {site['site']}: {site['articles']} articles "
            f"(date {site['with_date']}, author {site['with_author']}, source {site['with_source']})"
        )
    _print_runs(s["runs"])


def _summary(db: Database, db_path: str) -> dict:
    """:func:`archive.query.summary`, each run with its state as of now (running, or killed
    when its crawl died: see :func:`archive.runs.mark_state`)."""
    s = query.summary(db)
    mark_state(s["runs"], db_path)
    return s


def _print_counts(s: dict) -> None:
    click.echo(f"{s['articles']} articles, {s['aliases']} alias URLs, {s['related_links']} related links")


def _print_runs(runs: list[dict]) -> None:
    for run in runs:
        # a run whose crawl died but that no writer has closed yet has no end
        ended = run["ended_at"] or ("running" if run["running"] else "not running (killed?)")
        reason = run["finish_reason"] if run["ended_at"] else None
        click.echo(
            f"  run {run['id']}: {run['started_at']} .. {ended}"
            f"{' ' + reason if reason else ''}: {run['pages_fetched'] or 0} pages, "
            f"{run['articles_new'] or 0} new, {run['articles_updated'] or 0} updated, "
            f"{run['articles_unchanged'] or 0} unchanged, {run['items_dropped'] or 0} dropped, "
            f"{run['errors'] or 0} errors"
        )


@click.command()
@click.argument("url")
@db_option
def history(url, db_path):
    """List the versions of an article and what changed between consecutive ones.

    Example: python -m archive history https://news.example.cn/a/1.shtml --db news.db
    """
    versions = query.history(open_to_read(db_path), url)
    click.echo(f"{url.strip()}: {len(versions)} version{'s' if len(versions) != 1 else ''}")
    for version in versions:
        click.echo(f"  version {version['version']}, last seen {version['seen_at']}: {version['title']}")
    for old, new in zip(versions, versions[1:]):
        click.echo(f"\n--- changes from version {old['version']} to {new['version']}")
        for line in query.version_diff(old, new):
            click.echo(line)


@click.command()
@click.argument("url")
@db_option
def show(url, db_path):
    """Print an article with all its fields, aliases, related links and other copies.

    Example: python -m archive show https://news.example.cn/a/1.shtml --db news.db
    """
    record = query.show(open_to_read(db_path), url)
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


@click.command()
@db_option
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
def stats(db_path, as_json):
    """Articles per site and per month, field coverage per site, syndicated copies and the
    latest crawl runs.

    Example: python -m archive stats --db news.db
    """
    db = open_to_read(db_path)
    s = _summary(db, db_path)
    s["coverage"] = query.coverage(db)
    s["per_month"] = query.per_month(db)
    s["copies"] = query.copies_per_site(db)
    if as_json:
        click.echo(json.dumps(s, ensure_ascii=False, indent=2))
        return
    _print_counts(s)
    click.echo("\nper site: articles, share with a date / an author / a source, publication days")
    for c in s["coverage"]:
        click.echo(f"  {c['site']}: {c['articles']}, date {c['date']:.0%}, author {c['author']:.0%}, "
                   f"source {c['source']:.0%}, {c['first_day'] or '-'} .. {c['last_day'] or '-'}")
    _print_per_month(s["per_month"])
    click.echo("\nstories with copies (originals / copies) per site:")
    for row in s["copies"]:
        click.echo(f"  {row['site']}: {row['originals']} / {row['copies']}")
    click.echo("\nlatest crawl runs:")
    _print_runs(s["runs"])


def _print_per_month(per_month: list[dict]) -> None:
    """A table of articles per month (rows) and site (columns)."""
    click.echo("\nper month:")
    sites = sorted({m["site"] for m in per_month})
    months: dict = {}
    for m in per_month:
        months.setdefault(m["month"], {})[m["site"]] = m["articles"]
    width = max([len(x) for x in sites] + [5])
    click.echo("  month   " + "".join(f"{x:>{width + 2}}" for x in sites))
    for month, counts in months.items():
        click.echo(f"  {month or 'no date':<8}" + "".join(f"{counts.get(x, 0):>{width + 2}}" for x in sites))


@click.command("check")
@db_option
def check_command(db_path):
    """Look for damage, writing nothing: SQLite's integrity check and foreign keys, the search
    index against the articles, and every stored capture (decompressed, size and digest).

    Prints one line per problem and a last line; exit code 1 when there is a problem.
    Example: python -m archive check --db news.db
    """
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
        raise ArchiveDamaged(f"the archive {db_path} has {problems} problem{'s' if problems != 1 else ''} "
                             f"(listed above; checked {looked_at})")
    click.echo(f"{db_path}: no problems found ({looked_at})")


COMMANDS = [search_command, summary, history, show, stats, check_command]
