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
from collections.abc import Iterator

from lxml import etree, html
from parsel import Selector
from parsel.selector import create_root_node

# Levels of nesting kept (Blink's kMaximumHTMLParserDOMTreeDepth). Pages nest 20-40 deep.
MAX_DEPTH = 512
# Levels the HTML parser may add without a start tag in the markup (html, head/body, tbody, p).
_IMPLIED_LEVELS = 8
_TOO_DEEP = etree.XPath("boolean(/" + "/".join(["*"] * (MAX_DEPTH + 1)) + ")")

# Elements without content (no end tag), and elements whose content is text, not markup.
VOID = frozenset("area base br col embed hr img input keygen link meta param source track wbr".split())
RAW_TEXT = frozenset("script style textarea title xmp".split())
# Start tags that close an open element of their group first (optional end tags of HTML).
_CLOSES = {"p": ("p",), "li": ("li",), "dt": ("dt", "dd"), "dd": ("dt", "dd"), "option": ("option",),
           "tr": ("tr", "td", "th"), "td": ("td", "th"), "th": ("td", "th")}
# Markup tokens: comments, doctype/CDATA, processing instructions, tags (attribute values may
# hold ">").
_TOKEN = re.compile(
    r"<!--.*?(?:-->|\Z)|<![^>]*>|<\?[^>]*>"
    r"|<(?P<end>/?)(?P<name>[A-Za-z][^\s/>]*)(?P<attrs>(?:[^>\"']|\"[^\"]*\"|'[^']*')*)>",
    re.S,
)
# Where the text of a raw-text element ends: its end tag.
_RAW_TEXT_END = {name: re.compile(rf"</{re.escape(name)}[\s>/]", re.I) for name in RAW_TEXT}
# States of an element while flattening: open in the output, closed early at the depth
# limit, merged into its twin parent.
_OPEN, _CLOSED, _MERGED = "open", "closed", "merged"


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
    nesting = _Nesting(max_depth)
    out = nesting.out
    pos = 0  # the markup before ``pos`` is in ``out``
    last_start = -1  # where the last start tag ended
    for match, name, is_end in _tags(markup):
        if is_end and not nesting.is_open(name):
            continue  # an end tag without its element open is left to the parser
        out.append(markup[pos:match.start()])
        pos = match.end()
        if is_end:
            nesting.close(name)
            continue
        tag = match.group()
        twin = nesting.innermost_tag() == tag and not markup[last_start:match.start()].strip()
        nesting.open(name, tag, merged=twin)  # a wrapper right inside its twin is merged
        last_start = pos
    out.append(markup[pos:])
    return "".join(out)


def _tags(markup: str) -> Iterator[tuple[re.Match, str, bool]]:
    """``(match, name, is_end)`` for the start and end tags of ``markup`` in order, the name
    lower-cased; comments, declarations, start tags of void elements (``<br>``) and the text
    of raw-text elements (a script's ``"</div>"``) left out."""
    scan = 0
    while (match := _TOKEN.search(markup, scan)) is not None:
        scan = match.end()
        name = match["name"]
        if name is None:
            continue  # comments and declarations stay as they are
        name = name.lower()
        is_end = bool(match["end"])
        if not is_end and name in VOID:
            continue
        yield match, name, is_end
        if not is_end and name in RAW_TEXT:  # its text runs to its end tag, whatever it holds
            end = _RAW_TEXT_END[name].search(markup, scan)
            scan = end.start() if end else len(markup)


class _Nesting:
    """The elements open while flattening, and the output they are written to (``out``).

    ``stack``: the open elements as the markup has them, ``[name, state, start tag]`` each;
    ``emitted``: those of them open in ``out``; ``by_name``: name -> their positions in
    ``stack``, innermost last."""

    def __init__(self, max_depth: int):
        self.max_depth = max_depth
        self.out: list[str] = []
        self.stack: list[list] = []
        self.emitted: list[list] = []
        self.by_name: dict[str, list[int]] = {}

    def is_open(self, name: str) -> bool:
        return bool(self.by_name.get(name))

    def innermost_tag(self) -> str | None:
        """The start tag (as written) of the innermost open element."""
        return self.stack[-1][2] if self.stack else None

    def open(self, name: str, tag: str, merged: bool) -> None:
        """Open an element (``tag``: its start tag as written); ``merged``: read as one with
        its parent, so nothing is written. Closes first the open element its tag ends (a
        ``<p>`` before a ``<p>``) and, at the depth limit, the element there."""
        if merged:
            state = _MERGED
        else:
            closes = _CLOSES.get(name)
            if closes and self.stack and self.stack[-1][0] in closes:
                self._pop_to(len(self.stack) - 1)
            if len(self.emitted) >= self.max_depth:
                top = self.emitted.pop()
                top[1] = _CLOSED  # closed here; its end tag, when it comes, is dropped
                self.out.append(f"</{top[0]}>")
            state = _OPEN
            self.out.append(tag)
        entry = [name, state, tag]
        self.stack.append(entry)
        if state is _OPEN:
            self.emitted.append(entry)
        self.by_name.setdefault(name, []).append(len(self.stack) - 1)

    def close(self, name: str) -> None:
        """Close the innermost open ``name`` and the elements inside it (see :meth:`_pop_to`)."""
        self._pop_to(self.by_name[name][-1])

    def _pop_to(self, index: int) -> None:
        """Close stack[index:] (innermost first), in ``out`` too where still open there."""
        while len(self.stack) > index:
            entry = self.stack.pop()
            self.by_name[entry[0]].pop()
            if entry[1] is _OPEN:
                self.emitted.pop()
                self.out.append(f"</{entry[0]}>")


class _HtmlParser(etree.HTMLParser):
    """lxml's HTML parser handing out lxml.html's element classes, chosen in C: lxml.html's own
    parser calls a Python function for every element proxy it creates, and a page object
    touches every element (its form-control classes are never needed here)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.set_element_class_lookup(_HTML_CLASSES)


_HTML_CLASSES = etree.ElementDefaultClassLookup(element=html.HtmlElement, comment=html.HtmlComment,
                                                pi=html.HtmlProcessingInstruction, entity=html.HtmlEntity)


def html_selector(markup: str, url: str | None = None) -> Selector:
    """A selector over ``markup`` parsed as parsel parses HTML (see :class:`_HtmlParser`)."""
    return Selector(root=create_root_node(markup, _HtmlParser, base_url=url), type="html")


def page_tree(response) -> tuple[Selector, str]:
    """``(selector, markup)`` of an HTML response: a selector over its text, or for a page
    nested deeper than MAX_DEPTH, both of its :func:`flatten`\\ ed markup."""
    url = getattr(response, "url", None)
    selector = html_selector(response.text, url)
    # the parser implies a few elements (html, body, tbody...) but nests no deeper than the
    # start tags it reads: a page of fewer tags than the limit needs no walk to check
    if response.body.count(b"<") + _IMPLIED_LEVELS <= MAX_DEPTH or not is_too_deep(selector.root):
        return selector, response.text
    markup = flatten(response.text)
    return html_selector(markup, url), markup
