"""A readable difference between two versions of an article, for a page: the metadata fields
that changed, then the body paragraph by paragraph, with the changed characters of a changed
paragraph marked (Chinese has no spaces, so words cannot be compared).

The versions are dicts as :func:`archive.query.history` gives them.
"""

from __future__ import annotations

from difflib import SequenceMatcher

from archive.schema import VERSIONED_FIELDS

# A changed paragraph is shown as a changed one (its characters marked) when at least this
# share of its characters stayed; else as one removed and one added.
SIMILAR = 0.5


def diff(old: dict, new: dict) -> dict:
    """``fields``: (name, old value, new value) of each changed metadata field;
    ``paragraphs``: the body's paragraphs in order, each ``{"kind": ...}``: ``same`` with
    ``count`` (a run of unchanged paragraphs, not repeated), ``removed``/``added`` with
    ``text``, ``changed`` with ``parts``: (``same``/``removed``/``added``, text) pieces."""
    fields = [(name, old[name], new[name]) for name in VERSIONED_FIELDS if name != "body" and old[name] != new[name]]
    a, b = _paragraphs(old["body"]), _paragraphs(new["body"])
    out: list[dict] = []
    for op, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append({"kind": "same", "count": i2 - i1})
            continue
        olds, news = a[i1:i2], b[j1:j2]
        while olds and news:  # pair the changed paragraphs in order while they stay alike
            matcher = SequenceMatcher(None, olds[0], news[0], autojunk=False)
            if matcher.ratio() < SIMILAR:
                break
            out.append({"kind": "changed", "parts": _parts(matcher, olds.pop(0), news.pop(0))})
        out += [{"kind": "removed", "text": t} for t in olds] + [{"kind": "added", "text": t} for t in news]
    return {"fields": fields, "paragraphs": out,
            "changed": bool(fields) or any(p["kind"] != "same" for p in out)}


def _paragraphs(body: str | None) -> list[str]:
    return [p for p in (body or "").split("\n\n") if p.strip()]


def _parts(matcher: SequenceMatcher, old: str, new: str) -> list[tuple[str, str]]:
    parts = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            parts.append(("same", old[i1:i2]))
            continue
        if i2 > i1:
            parts.append(("removed", old[i1:i2]))
        if j2 > j1:
            parts.append(("added", new[j1:j2]))
    return parts
