"""The commands that write to the archive, holding its lock as a crawl does: ``neardup``,
``reextract`` and ``split-copies`` (the last two only report with ``--dry-run``)."""

from __future__ import annotations

import click

from archive.commands.options import (
    db_option, dry_run_option, open_for_changes, open_to_write, resolve_site, rules_option, site_option,
)
from archive.copies import split_copies as run_split_copies
from archive.db import require_archive_file
from archive.neardup import NearDuplicates
from archive.reextract import DEFAULT_EXTRACTOR, load_extractor
from archive.reextract import reextract as run_reextract


@click.command()
@db_option
def reindex(db_path):
    """Bring the search index up to date (after an upgrade that changed how text is indexed,
    or changes made by other programs); crawls and the other writing commands do it too.

    Example: python -m archive reindex --db news.db
    """
    with open_to_write(db_path) as db:  # the index is synced before the command's own work
        articles = db.execute("SELECT count(*) FROM articles").fetchone()[0]
    click.echo(f"the search index is up to date ({articles} articles)")


@click.command()
@db_option
def neardup(db_path):
    """Index articles archived before near-duplicate detection existed, and link their copies.

    Example: python -m archive neardup --db news.db
    """
    with open_to_write(db_path) as db:  # writes links: not while a crawl writes the archive
        done = NearDuplicates(db).backfill()
        linked = db.execute("SELECT count(*) FROM articles WHERE near_duplicate_of IS NOT NULL").fetchone()[0]
    click.echo(f"indexed {done} articles; {linked} articles are copies of another")


@click.command()
@db_option
@site_option
@dry_run_option
@rules_option
@click.option("--extractor", default=None, metavar="MODULE:FACTORY", show_default=True,
              help="The extractor factory [default: crawler.extract:capture_extractor].")
def reextract(db_path, site, dry_run, rules_file, extractor):
    """Run today's extraction over the stored captures, without re-crawling; each article
    whose fields come out different gets a new version, logged in the reextractions table.
    A damaged capture is counted (failed: capture unreadable) and its article left as it is.

    Example: python -m archive reextract --db news.db --dry-run
    """
    spec = extractor or DEFAULT_EXTRACTOR
    require_archive_file(db_path)
    extract = load_extractor(spec, **({"rules_file": rules_file} if rules_file else {}))
    with open_for_changes(db_path, dry_run) as db:  # writes versions: not while a crawl writes the archive
        report = run_reextract(db, extract, name=spec, site=resolve_site(db, site), dry_run=dry_run)
    verb = "would change" if dry_run else "changed"
    click.echo(f"re-extracted {report.checked} articles from their captures: {report.changed} {verb}"
               + (" (" + ", ".join(f"{f} {n}" for f, n in report.fields.most_common()) + ")" if report.fields else "")
               + f", {report.checked - report.changed - sum(report.failed.values())} unchanged"
               + (", failed: " + ", ".join(f"{r} {n}" for r, n in report.failed.most_common()) if report.failed else ""))
    if report.without_capture:
        click.echo(f"{report.without_capture} articles have no capture (archived before captures were kept)")
    for example in report.examples[:10]:
        click.echo(f"  {example['url']}: {', '.join(example['changed'])}")


@click.command("split-copies")
@db_option
@dry_run_option
@rules_option
@click.option("--extractor", default=None, metavar="MODULE:FACTORY",
              help="The extractor factory [default: crawler.extract:capture_extractor].")
def split_copies(db_path, dry_run, rules_file, extractor):
    """Give each copy on another site that an older archive merged into an article (its URL
    an alias, its capture kept there) its own article, extracted from its stored capture and
    linked to the earliest copy by near_duplicate_of. Nothing is deleted; a second run
    changes nothing.

    Example: python -m archive split-copies --db news.db --dry-run
    """
    require_archive_file(db_path)
    extract = load_extractor(extractor or DEFAULT_EXTRACTOR, **({"rules_file": rules_file} if rules_file else {}))
    with open_for_changes(db_path, dry_run) as db:  # moves URLs and captures: not while a crawl writes
        report = run_split_copies(db, extract, dry_run=dry_run)
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


COMMANDS = [reindex, neardup, reextract, split_copies]
