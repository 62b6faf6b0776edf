"""A page's markup as a tree, however deep the page nests it.

libxml2 (lxml, parsel) stops parsing where elements nest deeper than 2048 levels (256
without ``huge_tree``): whatever follows, the article included, is lost. Browsers do not
lose it: Blink's parser attaches elements beyond 512 levels to the element at the limit,
as siblings. :func:`page_tree` does the same for a page nested deeper than MAX_DEPTH
(10,000 ``<div>``\\ s around or before an article): its markup is rewritten
(:func:`flatten`) so that no element nests deeper, and parsed again. Ordinary pages are
parsed once, as Scrapy parses them.
"""

from __future__ import annotations

import re

from lxml import etree
from parsel import Selector

# Levels of nesting kept (Blink's kMaximumHTMLParserDOMTreeDepth). Pages nest 20-40 deep.
MAX_DEPTH = 512
_TOO_DEEP = etree.XPath("boolean(/" + "/".join(["*"] * (MAX_DEPTH + 1)) + ")")

# Elements without content (no end tag), and elements whose content is text, not markup.
VOID = frozenset("area base br col embed hr img input keygen link meta param source track wbr".split())
RAW_TEXT = frozenset("script style textarea title xmp".split())
# Start tags that close an open element of their group first (optional end tags of HTML).
_CLOSES = {"p": ("p",), "li": ("li",), "dt": ("dt", "dd"), "dd": ("dt", "dd"), "option": ("option",),
           "tr": ("tr", "td", "th"), "td": ("td", "th"), "th": ("td", "th")}
# Markup tokens: comments, doctype/CDATA, processing instructions, tags (attribute values may
# hold ">").
# States of an element while flattening: open in the output, closed early at the depth
# limit, merged into its twin parent.
_OPEN, _CLOSED, _MERGED = "open", "closed", "merged"
_TOKEN = re.compile(
    r"<!--.*?(?:-->|\Z)|<![^>]*>|<\?[^>]*>"
    r"|<(?P<end>/?)(?P<name>[A-Za-z][^\s/>]*)(?P<attrs>(?:[^>\"']|\"[^\"]*\"|'[^']*')*)>",
    re.S,
)


def is_too_deep(root) -> bool:
    """True when an element of the tree nests deeper than MAX_DEPTH levels."""
    return bool(_TOO_DEEP(root))


def flatten(markup: str, max_depth: int = MAX_DEPTH - 2) -> str:
    """``markup`` with no element nested deeper than ``max_depth`` (by default two levels
    under MAX_DEPTH: the parser adds ``<html>`` and ``<body>`` when the markup leaves them
    out), its text and order kept:

    - a run of wrappers (an element opening right inside an element with the very same start
      tag, ``<div><div><div>``) is read as one element: the inner start and end tags are
      dropped. Nothing shows the difference but the depth;
    - an element that would still open deeper closes the element at the limit first (whose
      own end tag is then dropped), so elements beyond the limit become siblings at it, as
      Blink builds them.

    Linear in the length of the markup."""
    out: list[str] = []
    # the open elements as the markup has them: [name, state, start tag]
    stack: list[list] = []
    emitted: list[list] = []  # the entries of ``stack`` whose element is open in ``out``
    by_name: dict[str, list[int]] = {}  # name -> positions in ``stack``, innermost last
    pos = 0
    last_start = -1  # where the last start tag ended

    def pop_to(index: int) -> None:
        """Close stack[index:] (innermost first), in ``out`` too where still open there."""
        while len(stack) > index:
            entry = stack.pop()
            by_name[entry[0]].pop()
            if entry[1] is _OPEN:
                emitted.pop()
                out.append(f"</{entry[0]}>")

    scan = 0
    while (match := _TOKEN.search(markup, scan)) is not None:
        scan = match.end()
        name = match["name"]
        if name is None:
            continue  # comments and declarations stay as they are
        name = name.lower()
        if match["end"]:
            positions = by_name.get(name)
            if positions:  # an end tag without its element open is left to the parser
                out.append(markup[pos:match.start()])
                pos = match.end()
                pop_to(positions[-1])  # writes the end tag if the element is still open
            continue
        if name in VOID:
            continue
        out.append(markup[pos:match.start()])
        pos = match.end()
        tag = match.group()
        if stack and stack[-1][2] == tag and not markup[last_start:match.start()].strip():
            state = _MERGED  # a wrapper right inside its twin
        else:
            closes = _CLOSES.get(name)
            if closes and stack and stack[-1][0] in closes:
                pop_to(len(stack) - 1)
            if len(emitted) >= max_depth:
                top = emitted.pop()
                top[1] = _CLOSED  # closed here; its end tag, when it comes, is dropped
                out.append(f"</{top[0]}>")
            state = _OPEN
            out.append(tag)
        last_start = pos
        entry = [name, state, tag]
        stack.append(entry)
        if state is _OPEN:
            emitted.append(entry)
        by_name.setdefault(name, []).append(len(stack) - 1)
        if name in RAW_TEXT:  # its text runs to its end tag, whatever it holds
            end = re.compile(rf"</{re.escape(name)}[\s>/]", re.I).search(markup, pos)
            scan = end.start() if end else len(markup)
    out.append(markup[pos:])
    return "".join(out)


def page_tree(response) -> tuple[Selector, str]:
    """``(selector, markup)`` of an HTML response: Scrapy's own selector and text, or for a
    page nested deeper than MAX_DEPTH, both of its :func:`flatten`\\ ed markup."""
    selector = response.selector
    if not is_too_deep(selector.root):
        return selector, response.text
    markup = flatten(response.text)
    return Selector(text=markup, type="html", base_url=getattr(response, "url", None)), markup
