"""What an article version is: the fields whose change makes a new version, and how a record
of an article merges into the stored one.

Every module that compares, stores or shows versions (the writer, re-extraction,
``split-copies``, history and its diff, Datasette's versions query) reads the list here.
"""

from __future__ import annotations

from collections.abc import Iterable

# Fields whose change makes a new version of an article (columns of ``articles`` and of
# ``article_versions``; the export's names). ``body`` last: diffs show it after the others.
VERSIONED_FIELDS = ("title", "published_at", "author", "source", "body")

# What counts as a value missing from a record: nothing, an empty text, an empty list.
_MISSING = (None, "", [])


def fill_gaps(fresh: dict, stored: dict, fields: Iterable[str] = VERSIONED_FIELDS) -> dict:
    """The value of each of ``fields`` after merging ``fresh`` into ``stored``: ``fresh``'s,
    or ``stored``'s where ``fresh`` lacks one (None, ``""`` or ``[]``). Fills gaps, never
    erases: a copy with less metadata (a mobile page without the byline), or a re-extraction
    that no longer finds a field, keeps what the archive knows."""
    return {f: fresh.get(f) if fresh.get(f) not in _MISSING else stored[f] for f in fields}
