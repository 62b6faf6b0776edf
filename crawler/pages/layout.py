"""Reading a page's layout: the chrome around the article, the container of its body (the
element holding the most paragraph text, with the other chunks of a body split by ads) and
whether a container is a listing.

:class:`Layout` takes the page's root lxml element; containers are lxml elements, text
lengths are characters of visible text (white space at the ends of each own text left out),
paragraphs are ``str`` lines (:mod:`crawler.pages.paragraphs`). The fields (title, date,
people) are read in :mod:`crawler.pages.article` and the modules it names.
"""

from __future__ import annotations

from functools import cached_property

from crawler.dates import text_dates
from crawler.pages.chrome import PAGE_TAGS, has_chrome_class, hidden, is_chrome_tag, related_containers
from crawler.pages.elementtext import link_text_len, own_texts, text_lengths, text_of
from crawler.pages.paragraphs import BLOCK_TAGS, ParagraphReading
from crawler.pages.vocabulary import SKIP_TAGS

# Blocks without block children that count as paragraphs when scoring containers: bodies
# made of ``<div>``s (one per paragraph) score like bodies made of ``<p>``s, when they hold
# MIN_LEAF_BLOCK_CHARS of text that is not link text.
_LEAF_BLOCKS = {"div", "section", "blockquote", "pre", "article"}
MIN_LEAF_BLOCK_CHARS = 20
# Text (characters) a ``<br>``-separated block needs to be a body candidate on its own.
MIN_BR_BLOCK_CHARS = 80
# An ancestor holding the page's <h1> or at least this share of the page's text is a wrapper
# of the article: its class words ("page_container", "penci_sidebar", "l-sidebar-fixed")
# never disqualify what it holds.
HOLDER_SHARE = 0.5
# Body candidates tried, best first, and the paragraph text (characters) one must give.
CANDIDATES = 3
MIN_CONTAINER_TEXT = 80
# A listing: at least MIN_LISTING_ITEMS children starting with a link of headline length.
MIN_LISTING_ITEMS = 4
MIN_ITEM_LINK_CHARS = 8
# Paragraph text (characters) a further chunk of a split body needs.
MIN_CHUNK_CHARS = 40


class Layout(ParagraphReading):
    """The layout of one page: chrome, text lengths, the body container, paragraphs."""

    def __init__(self, root):
        self.root = root
        self.elements = list(root.iter())
        self.order = dict(zip(self.elements, range(len(self.elements))))  # document order
        self._chrome_classes: dict = {}
        self.own = own_texts(self.elements, self.order)
        self.lengths = text_lengths(self.elements, self.own)
        body = root.find("body")
        self.page_chars = max(self.lengths.get(body if body is not None else root, 0), 1)
        self.related_list = related_containers(self.own)
        self.related = set(self.related_list)
        self.headline_holders = {a for h1 in root.iter("h1") for a in h1.iterancestors()}

    def longer_than(self, el, limit: int) -> bool:
        """True when ``el`` holds more than ``limit`` characters of visible text (:attr:`lengths`)."""
        return self.lengths.get(el, 0) > limit

    # -- chrome -----------------------------------------------------------------------------

    def chrome_class(self, el) -> bool:
        """:func:`has_chrome_class`, remembered per element (ancestors are asked often)."""
        found = self._chrome_classes.get(el)
        if found is None:
            found = self._chrome_classes[el] = has_chrome_class(el)
        return found

    def is_chrome(self, el) -> bool:
        """Chrome inside a chosen container: chrome tags, chrome classes, related lists."""
        if not isinstance(el.tag, str):
            return False
        return el.tag in SKIP_TAGS or el in self.related or self.chrome_class(el) or hidden(el)

    def is_holder(self, el) -> bool:
        """True for wrappers of the article: holding an ``<h1>`` or most of the page's text
        (never chrome by their class)."""
        return el in self.headline_holders or self.lengths.get(el, 0) >= HOLDER_SHARE * self.page_chars

    def skipped(self, el) -> bool:
        """True when ``el`` or an ancestor is navigation, chrome or hidden. An ancestor's
        class counts only when it is not one of the page's wrappers."""
        node = el
        while node is not None:
            tag = node.tag if isinstance(node.tag, str) else ""
            if tag in PAGE_TAGS:
                return False
            if tag and is_chrome_tag(node):
                return True
            if hidden(node) or node in self.related:
                return True
            if self.chrome_class(node) and (node is el or not self.is_holder(node)):
                return True
            node = node.getparent()
        return False

    # -- body -------------------------------------------------------------------------------

    def container_scores(self) -> dict:
        """Paragraph text (characters, link text excluded) each element holds directly, its
        grandparent getting half: the element holding the most is the body's container."""
        scores: dict = {}
        for el in self.root.iter("p", *_LEAF_BLOCKS):
            if el.tag != "p" and not _leaf_block(el):
                continue
            length = self.lengths.get(el, 0) - link_text_len(el)
            if length <= 0 or (el.tag != "p" and length < MIN_LEAF_BLOCK_CHARS):
                continue
            parent = el.getparent()
            if parent is None:
                continue
            scores[parent] = scores.get(parent, 0) + length
            grand = parent.getparent()
            if grand is not None and grand.tag not in PAGE_TAGS:
                scores[grand] = scores.get(grand, 0) + length / 2
        for br_parent in {br.getparent() for br in self.root.iter("br")}:
            if br_parent is None:
                continue
            own = (br_parent.text or "") + "".join(c.tail or "" for c in br_parent)
            own_len = len(own.strip())
            if own_len > MIN_BR_BLOCK_CHARS:
                scores[br_parent] = max(scores.get(br_parent, 0), own_len + scores.get(br_parent, 0) / 2)
        return scores

    @cached_property
    def _ranked(self) -> list:
        """``(element, score)`` of :meth:`container_scores`, the highest first."""
        scores = self.container_scores()
        return sorted(scores.items(), key=lambda kv: kv[1], reverse=True)

    def _candidates(self):
        """Body containers, best first: the elements holding the most paragraph text, outside chrome."""
        for el, _ in self._ranked:
            if not self.skipped(el):
                yield el

    @cached_property
    def _chosen(self) -> tuple[list, list[str]]:
        """``(containers, paragraphs)``: the first of the best CANDIDATES containers whose
        paragraphs make MIN_CONTAINER_TEXT characters once other posts, teasers and chrome are
        left out (a wrapper scored high by the posts nested in it gives way), with its chunks."""
        first = None
        for _, el in zip(range(CANDIDATES), self._candidates()):
            containers = self.body_containers(el)
            paragraphs = [p for c in containers for p in self.paragraphs_of(c)]
            if first is None:
                first = containers, paragraphs
            if sum(map(len, paragraphs)) >= MIN_CONTAINER_TEXT:
                return containers, paragraphs
        return first or ([], [])

    @property
    def containers(self) -> list:
        """The body's containers in page order (see :meth:`body_containers`)."""
        return self._chosen[0]

    @property
    def paragraphs(self) -> list[str]:
        """The body's paragraphs, from :attr:`containers`."""
        return self._chosen[1]

    def body_containers(self, best) -> list:
        """The body container ``best`` and, in page order, the other chunks of a body that ads
        or pull quotes split into several blocks: elements with the same tag and class,
        inside the same article wrapper (never ``<body>`` itself)."""
        if best is None or not best.get("class"):
            return [best] if best is not None else []
        signature = (best.tag, best.get("class"))
        wrappers = {a for a in best.iterancestors() if a.tag not in PAGE_TAGS}
        inside = set(best.iter())
        chunks = [best]
        for el, score in self._ranked:
            if (el.tag, el.get("class")) != signature or el in inside or score < MIN_CHUNK_CHARS:
                continue
            if any(a in inside for a in el.iterancestors()) or not any(a in wrappers for a in el.iterancestors()):
                continue
            if not self.skipped(el):
                chunks.append(el)
                inside.update(el.iter())
        if len(chunks) == 1:
            return chunks
        order = self.order
        chunks.sort(key=lambda el: order[el])
        if self._dated_between(chunks, order):
            return chunks[:1]  # posts of a thread, each under its own dated byline: the opening post
        return chunks

    def _dated_between(self, chunks: list, order: dict) -> bool:
        """True when a date stands between every two consecutive chunks (a forum thread's or
        a comment list's posts), not only ads and pictures (a split article)."""
        spans = [(order[c], order[c] + sum(1 for _ in c.iter()) - 1) for c in chunks]
        gaps = [(end, nxt) for (_, end), (nxt, _) in zip(spans, spans[1:])]
        dated = set()
        for el, text in self.own:
            at = order.get(el)
            for i, (lo, hi) in enumerate(gaps):
                if lo < at < hi and i not in dated and text_dates(text):
                    dated.add(i)
        return len(dated) == len(gaps)

    # -- listings ---------------------------------------------------------------------------

    def listing_items(self, el) -> int:
        """How many of ``el``'s children are items of a listing: blocks whose text starts
        with a headline link (MIN_ITEM_LINK_CHARS or more), as in channel, tag and search pages
        (a headline link, then a snippet, a date, a source). Article paragraphs start with text."""
        items = 0
        for child in el:
            if not isinstance(child.tag, str) or not self.lengths.get(child):
                continue
            for node in child.iter():
                if not isinstance(node.tag, str):
                    continue
                if (node.text or "").strip():
                    anchor = node if node.tag == "a" else next(
                        (a for a in node.iterancestors("a") if a is child or child in a.iterancestors()), None)
                    if anchor is not None and len(text_of(anchor).strip()) >= MIN_ITEM_LINK_CHARS:
                        items += 1
                    break
                if node is not child and (node.tail or "").strip():
                    break
        return items

    def is_listing(self, el) -> bool:
        """True when most of ``el``'s children (and at least MIN_LISTING_ITEMS) are listing items."""
        children = [c for c in el if isinstance(c.tag, str) and self.lengths.get(c)]
        items = self.listing_items(el)
        return items >= MIN_LISTING_ITEMS and items * 2 >= len(children)

    def link_density(self, el) -> float:
        """The share (0-1) of ``el``'s text that is link text; 1.0 for an element without text."""
        total = self.lengths.get(el, 0)
        return link_text_len(el) / total if total else 1.0


def _leaf_block(el) -> bool:
    """True when no block element (BLOCK_TAGS) is inside ``el``."""
    for d in el.iterdescendants():
        if isinstance(d.tag, str) and d.tag in BLOCK_TAGS:
            return False
    return True
