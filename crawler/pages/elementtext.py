"""The text of a parsed page's elements: visible text, text pieces in document order, each
element's own text and the characters under it.

Functions take lxml elements (``Selector.root`` and below) and return text (``str``, as in
the markup: white space kept) or character counts (``int``). Pages nest thousands of levels
deep: every walk here uses a stack or lxml's own iteration, never recursion.
"""

from __future__ import annotations

from collections.abc import Iterator

_INVISIBLE = ("script", "style")
# Elements whose own text is never page text (the page's <title> is read apart).
_SKIP_OWN = ("script", "style", "head", "title", "meta", "html")


def text_of(el) -> str:
    """The visible text of an lxml element, without scripts, styles and comments."""
    if not len(el):  # no children: a link, a span
        return "" if el.tag in _INVISIBLE else el.text or ""
    if el.tag not in _INVISIBLE and next(el.iter(*_INVISIBLE), None) is None:
        return "".join(el.itertext())  # lxml's own walk (skips comments): the common case
    return _visible_text(el)


def _visible_text(el) -> str:
    """:func:`text_of` for an element holding scripts or styles: a walk that skips them."""
    if el.tag in _INVISIBLE:
        return ""
    return "".join(text_walk(el, lambda child: isinstance(child.tag, str) and child.tag not in _INVISIBLE))


def text_walk(top, enter) -> Iterator[str]:
    """The text pieces below ``top`` in document order, walked with a stack of child
    iterators, not recursion (pages nest thousands deep): ``top.text``, then for each child
    what ``enter(child)`` says: go into it (its text, its children's pieces, its tail), or
    not (its tail only; ``enter`` takes what it wants of such a child itself)."""
    yield top.text or ""
    stack, opened = [iter(top)], [None]
    while stack:
        child = next(stack[-1], None)
        if child is None:
            stack.pop()
            done = opened.pop()
            if done is not None:
                yield done.tail or ""
        elif enter(child):
            yield child.text or ""
            stack.append(iter(child))
            opened.append(child)
        else:
            yield child.tail or ""


def link_text_len(el) -> int:
    """Characters of link text (``<a>``, white space stripped per link) inside ``el``."""
    return sum(len(text_of(a).strip()) for a in el.iter("a"))


def longer_than(el, limit: int) -> bool:
    """True when the text inside ``el`` exceeds ``limit`` characters (stops counting there)."""
    total = 0
    for piece in el.itertext():
        total += len(piece)
        if total > limit:
            return True
    return False


def own_texts(elements: list, order: dict) -> list[tuple]:
    """``(element, own text)`` for every element with text of its own (its text and its
    children's tails), in page order (``order``: each element's position). ``elements``: the
    tree in document order (``root.iter()``, comments included), walked once: with lxml.html
    every element touched costs a lookup."""
    texts: dict = {}
    for el in elements:
        text = el.text
        if text and el.tag.__class__ is str:  # comments have text too
            texts[el] = [text]
        tail = el.tail
        if tail:
            parent = el.getparent()
            if parent is not None:
                parts = texts.get(parent)
                if parts is None:
                    texts[parent] = [tail]
                else:
                    parts.append(tail)
    out = []
    for el, parts in texts.items():
        if el.tag not in _SKIP_OWN:
            own = "".join(parts) if len(parts) > 1 else parts[0]
            if not own.isspace():
                out.append((el, own))
    out.sort(key=lambda item: order[item[0]])
    return out


def text_lengths(elements: list, own: list[tuple]) -> dict:
    """Characters of visible text under each element (``own`` from :func:`own_texts`)."""
    lengths = dict.fromkeys(elements, 0)
    for el, text in own:
        lengths[el] = len(text.strip())
    for el in reversed(elements):  # document order reversed: children before parents
        parent = el.getparent()
        if parent is not None:
            lengths[parent] += lengths[el]
    return lengths
