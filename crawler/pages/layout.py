"""Reading a page's layout: visible text, page chrome, the body container and its paragraphs
(which lines are article text: :func:`is_prose`).

Functions take lxml elements (``Selector.root`` and below) and return text (``str``,
paragraph lines without surrounding white space) or elements. The fields (title, date, people)
are read in :mod:`crawler.pages.article`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cached_property

from crawler.dates import text_dates
from crawler.pages.vocabulary import (AD_LINE, BOILERPLATE, CAPTION, CAPTION_MAX_LEN, SHARE_PROMPT, BOILERPLATE_MAX_LEN, CHROME_NAMES, CHROME_WORDS, FOOTER,
                                      RELATED_HEADINGS, SKIP_TAGS)
from crawler.text import clean_line

PARAGRAPH_TAGS = {"p", "h2", "h3", "h4", "h5", "blockquote", "pre"}
BLOCK_TAGS = {"p", "div", "li", "tr", "table", "ul", "ol", "dl", "dd", "dt", "section", "article",
              "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "center", "main", "form"}
# Blocks without block children that count as paragraphs when scoring containers: bodies
# made of ``<div>``s (one per paragraph) score like bodies made of ``<p>``s.
_LEAF_BLOCKS = {"div", "section", "blockquote", "pre", "article"}
# Text (characters) a ``<br>``-separated block needs to be a body candidate on its own.
MIN_BR_BLOCK_CHARS = 80
# An ancestor holding the page's <h1> or at least this share of the page's text is a wrapper
# of the article: its class words ("page_container", "penci_sidebar", "l-sidebar-fixed")
# never disqualify what it holds.
HOLDER_SHARE = 0.5
# A block inside the body with this many headline links making this share of its text is a
# teaser list, not article text (real paragraphs cite with one or two links).
TEASER_LINKS = 3
TEASER_DENSITY = 0.3
# Characters of its own (not link) text that keep a link-rich paragraph in the body.
PROSE_OUTSIDE_LINKS = 40
SENTENCE_END = re.compile(r"[。！？!?…]|\.(?:\s|$)")
# An infobox without class words: FACT_ROWS+ rows of a label (FACT_LABEL_CHARS at most) and
# a value (FACT_VALUE_CHARS at most).
FACT_ROWS = 3
FACT_LABEL_CHARS = 8
FACT_VALUE_CHARS = 40
# Body candidates tried, best first, and the paragraph text (characters) one must give.
CANDIDATES = 3
MIN_CONTAINER_TEXT = 80
# A listing: at least MIN_LISTING_ITEMS children starting with a link of headline length.
MIN_LISTING_ITEMS = 4
MIN_ITEM_LINK_CHARS = 8
# Paragraph text (characters) a further chunk of a split body needs.
MIN_CHUNK_CHARS = 40
_WORD_SPLIT = re.compile(r"[\s_\-]+|(?<=[a-z])(?=[A-Z])")
_INVISIBLE = ("script", "style")
_SKIP_OWN = ("script", "style", "head", "title", "meta", "html")


def text_of(el) -> str:
    """The visible text of an lxml element, without scripts, styles and comments."""
    if not len(el):  # no children: a link, a span
        return "" if el.tag in _INVISIBLE else el.text or ""
    if el.tag not in _INVISIBLE and next(el.iter(*_INVISIBLE), None) is None:
        return "".join(el.itertext())  # lxml's own walk (skips comments): the common case
    return _visible_text(el)


def _visible_text(el) -> str:
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
    return sum(len(text_of(a).strip()) for a in el.iter("a"))


def longer_than(el, limit: int) -> bool:
    """True when the text inside ``el`` exceeds ``limit`` characters (stops counting there)."""
    total = 0
    for piece in el.itertext():
        total += len(piece)
        if total > limit:
            return True
    return False


def class_words(el) -> tuple[set[str], set[str]]:
    """``(names, words)`` of an element's class and id, lower-cased: whole class names/ids,
    and the words inside them (split at white space, ``-``, ``_`` and camelCase)."""
    raw = f"{el.get('class', '')} {el.get('id', '')}"
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
    return "display:none" in (el.get("style") or "").replace(" ", "").lower()


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


class Layout:
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
        self.related_list = self.related_containers()
        self.related = set(self.related_list)
        self.headline_holders = {a for h1 in root.iter("h1") for a in h1.iterancestors()}

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
            if tag in ("body", "html"):
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

    def _leaf_block(self, el) -> bool:
        for d in el.iterdescendants():
            if isinstance(d.tag, str) and d.tag in BLOCK_TAGS:
                return False
        return True

    def container_scores(self) -> dict:
        """Paragraph text (characters, link text excluded) each element holds directly, its
        grandparent getting half: the element holding the most is the body's container."""
        scores: dict = {}
        for el in self.root.iter("p", *_LEAF_BLOCKS):
            if el.tag != "p" and not self._leaf_block(el):
                continue
            length = self.lengths.get(el, 0) - link_text_len(el)
            if length <= 0 or (el.tag != "p" and length < 20):
                continue
            parent = el.getparent()
            if parent is None:
                continue
            scores[parent] = scores.get(parent, 0) + length
            grand = parent.getparent()
            if grand is not None and grand.tag not in ("body", "html"):
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
        wrappers = {a for a in best.iterancestors() if a.tag not in ("body", "html")}
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

    def lines(self, el) -> str:
        """Text of ``el`` with ``<br>`` and block children as line breaks, chrome left out."""
        parts = [el.text or ""]
        # (children left, text closing the element they belong to); no recursion: pages nest deep
        stack: list[tuple] = [(iter(el), "")]
        while stack:
            child = next(stack[-1][0], None)
            if child is None:
                parts.append(stack.pop()[1])
            elif isinstance(child.tag, str) and not self.is_chrome(child) and child.tag != "br":
                block = "\n" if child.tag in BLOCK_TAGS else ""
                parts.append(block + (child.text or ""))
                stack.append((iter(child), block + (child.tail or "")))
            else:
                parts.append("\n" + (child.tail or "") if child.tag == "br" and not self.is_chrome(child)
                             else child.tail or "")
        return "".join(parts)

    def paragraphs_of(self, container) -> list[str]:
        """The paragraphs inside ``container``: its ``<p>``-like blocks, or its ``<br>`` lines."""
        paragraphs: list[str] = []

        def add(text: str) -> None:
            paragraphs.extend(line for line in map(clean_line, text.split("\n")) if is_prose(line))

        def link_dense(el) -> bool:
            """Mostly link text: a link row, unless a ``<p>`` of prose holds the links (a lede
            with several linked names keeps PROSE_OUTSIDE_LINKS characters of its own text)."""
            total = len(text_of(el).strip())
            links = link_text_len(el)
            if not total or links / total < 0.5:
                return not total
            return el.tag != "p" or total - links < PROSE_OUTSIDE_LINKS or not SENTENCE_END.search(text_of(el))

        def enter(child) -> bool:
            """Go into a block holding ``<p>``s; take the lines of the others here."""
            if not isinstance(child.tag, str) or self.is_chrome(child):
                return False
            if child.tag == "table" and self.fact_box(child, placed_first=not paragraphs):
                return False  # an infobox without class words: label/value rows, floated or on top
            if child.tag in PARAGRAPH_TAGS or not any(True for _ in child.iter("p")):
                if not link_dense(child):
                    add(self.lines(child))
                return False
            return not self.teaser_list(child) and not self.other_post(child, container)

        def walk(top) -> None:
            """Paragraphs of ``top``'s blocks, descending into those holding ``<p>``s."""
            for text in text_walk(top, enter):
                add(text)

        if any(True for _ in container.iter("p")):
            walk(container)
        else:
            add(self.lines(container))
        return paragraphs

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

    def fact_box(self, table, placed_first: bool) -> bool:
        """A table of short label/value rows (中文名 | 王振东, 出生日期 | 1965年3月2日) set beside
        the text (floated) or before its first paragraph: an infobox, not article text. At
        least FACT_ROWS such rows, all but one row of the table, no cell of prose length."""
        if not (placed_first or table.get("align") in ("left", "right") or "float" in (table.get("style") or "")):
            return False
        rows = [[c for c in tr if isinstance(c.tag, str) and c.tag in ("th", "td")] for tr in table.iter("tr")]
        facts = sum(1 for cells in rows if len(cells) == 2 and len(text_of(cells[0]).strip()) <= FACT_LABEL_CHARS
                    and len(text_of(cells[1]).strip()) <= FACT_VALUE_CHARS)
        return facts >= FACT_ROWS and facts >= len(rows) - 1

    def other_post(self, el, container) -> bool:
        """An ``<article>`` inside the body container holding less text than the rest of
        it: another post (a related or next post), not part of this one."""
        if el.tag != "article":
            return False
        inner = self.lengths.get(el, 0)
        return inner * 2 < self.lengths.get(container, 0)

    def teaser_list(self, el) -> bool:
        """A block of headline links with snippets inside the body ("Most read", "Popular"):
        at least TEASER_LINKS links of headline length, TEASER_DENSITY or more of its text."""
        headlines = sum(1 for a in el.iter("a") if len(text_of(a).strip()) >= 10)
        return headlines >= TEASER_LINKS and self.link_density(el) >= TEASER_DENSITY

    def link_density(self, el) -> float:
        total = self.lengths.get(el, 0)
        return link_text_len(el) / total if total else 1.0

    # -- related lists ----------------------------------------------------------------------

    def related_containers(self) -> list:
        """Elements holding the related-article list, found from their heading."""
        found = []
        for heading, _ in self.own:
            if heading.tag == "a":
                continue
            own = (heading.text or "").strip()
            if not own or not RELATED_HEADINGS.match(own):
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
                if node is None or node.tag in ("body", "html"):
                    break
        return found


def is_prose(line: str) -> bool:
    """False for empty lines, byline/editor/tool lines and site footer lines."""
    if not line:
        return False
    if len(line) <= BOILERPLATE_MAX_LEN and (BOILERPLATE.match(line) or AD_LINE.match(line)):
        return False
    if len(line) <= CAPTION_MAX_LEN and (CAPTION.search(line) or SHARE_PROMPT.match(line)) \
            and not SENTENCE_END.search(line[-1:]):
        return False
    return not (len(line) <= 200 and FOOTER.search(line))
