"""Page chrome: the elements around an article that are never its text (navigation, share
bars, sidebars, hidden blocks, related-article lists), told by tag, class/id words and style.

Functions take lxml elements and return booleans, class/id words (lower-cased ``str`` sets) or
elements. The words themselves live in :mod:`crawler.pages.vocabulary`.
"""

from __future__ import annotations

import re

from crawler.pages.vocabulary import CHROME_NAMES, CHROME_WORDS, RELATED_HEADINGS, SKIP_TAGS

# The page itself: never chrome, never a body container, where walks up the tree stop.
PAGE_TAGS = ("body", "html")
_WORD_SPLIT = re.compile(r"[\s_\-]+|(?<=[a-z])(?=[A-Z])")


def class_id(el) -> str:
    """An element's class and id, as written, joined by a space (``" "`` without either)."""
    return f"{el.get('class', '')} {el.get('id', '')}"


def class_words(el) -> tuple[set[str], set[str]]:
    """``(names, words)`` of an element's class and id, lower-cased: whole class names/ids,
    and the words inside them (split at white space, ``-``, ``_`` and camelCase)."""
    raw = class_id(el)
    if not raw.strip():
        return set(), set()
    names = {n.lower() for n in raw.split()}
    words = {w.lower() for w in _WORD_SPLIT.split(raw) if w}
    return names, words


def has_chrome_class(el) -> bool:
    """True when the element's class/id names page chrome (see the vocabulary)."""
    names, words = class_words(el)
    return bool(names & CHROME_NAMES or words & CHROME_WORDS)


def is_chrome_tag(el) -> bool:
    """Navigation-like elements. ``<header>``/``<footer>`` inside an ``<article>`` hold the
    headline and byline, so only site-level ones count."""
    if el.tag in ("header", "footer"):
        return not any(a.tag in ("article", "main") for a in el.iterancestors())
    return el.tag in SKIP_TAGS


def hidden(el) -> bool:
    """True for an element its inline style hides (``display: none``)."""
    return "display:none" in (el.get("style") or "").replace(" ", "").lower()


def related_containers(own: list[tuple]) -> list:
    """Elements holding the related-article list, found from their heading ("相关新闻"):
    the heading itself when it holds the links, else the list after it. ``own``: the page's
    ``(element, own text)`` pairs in page order (:func:`crawler.pages.elementtext.own_texts`)."""
    found = []
    for heading, _ in own:
        if heading.tag == "a":
            continue
        text = (heading.text or "").strip()
        if not text or not RELATED_HEADINGS.match(text):
            continue
        if any(True for _ in heading.iter("a")):  # "相关文章：<br>·<a>…</a><br>·<a>…</a>"
            found.append(heading)
            continue
        node = heading
        for _ in range(4):  # the list is a following sibling of the heading or of an ancestor
            sibling = node.getnext()
            while sibling is not None and not any(True for _ in sibling.iter("a")):
                sibling = sibling.getnext()
            if sibling is not None:
                # the list is one element (<ul>) or a run of rows/items of one tag (<tr>s)
                tag = sibling.tag
                while sibling is not None and sibling.tag == tag and any(True for _ in sibling.iter("a")):
                    found.append(sibling)
                    sibling = sibling.getnext()
                break
            node = node.getparent()
            if node is None or node.tag in PAGE_TAGS:
                break
    return found
