"""The paragraphs inside a body container: its ``<p>``-like blocks or its ``<br>`` lines, each
a line of text, without chrome, teaser lists, other posts, infobox tables, link rows and the
lines :func:`crawler.pages.prose.is_prose` drops.

Mixed into :class:`crawler.pages.layout.Layout` (uses its ``is_chrome``, ``lengths`` and
``link_density``). Paragraphs are ``str`` lines cleaned by :func:`crawler.text.clean_line`.
"""

from __future__ import annotations

from crawler.pages.elementtext import link_text_len, text_of, text_walk
from crawler.pages.prose import SENTENCE_END, is_prose
from crawler.text import clean_line

PARAGRAPH_TAGS = {"p", "h2", "h3", "h4", "h5", "blockquote", "pre"}
# Elements that start a line of their own.
BLOCK_TAGS = {"p", "div", "li", "tr", "table", "ul", "ol", "dl", "dd", "dt", "section", "article",
              "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "center", "main", "form"}
# A block inside the body with this many headline links (TEASER_HEADLINE_CHARS or more) making
# this share of its text is a teaser list, not article text (real paragraphs cite with one
# or two links).
TEASER_LINKS = 3
TEASER_DENSITY = 0.3
TEASER_HEADLINE_CHARS = 10
# A block with this share of link text is a link row, unless it is a ``<p>`` of prose
# keeping PROSE_OUTSIDE_LINKS characters of its own (not link) text.
LINK_ROW_DENSITY = 0.5
PROSE_OUTSIDE_LINKS = 40
# An infobox without class words: FACT_ROWS+ rows of a label (FACT_LABEL_CHARS at most) and
# a value (FACT_VALUE_CHARS at most).
FACT_ROWS = 3
FACT_LABEL_CHARS = 8
FACT_VALUE_CHARS = 40


class ParagraphReading:
    """Reading a container's text: :meth:`lines` and :meth:`paragraphs_of`."""

    def lines(self, el) -> str:
        """Text of ``el`` with ``<br>`` and block children as line breaks, chrome left out."""
        if not len(el):  # no children: most paragraphs
            return el.text or ""
        parts = [el.text or ""]
        # (children left, text closing the element they belong to); no recursion: pages nest deep
        stack: list[tuple] = [(iter(el), "")]
        while stack:
            child = next(stack[-1][0], None)
            if child is None:
                parts.append(stack.pop()[1])
            elif not isinstance(child.tag, str) or self.is_chrome(child):
                parts.append(child.tail or "")
            elif child.tag == "br":
                parts.append("\n" + (child.tail or ""))
            else:
                block = "\n" if child.tag in BLOCK_TAGS else ""
                parts.append(block + (child.text or ""))
                stack.append((iter(child), block + (child.tail or "")))
        return "".join(parts)

    def paragraphs_of(self, container) -> list[str]:
        """The paragraphs inside ``container``: its ``<p>``-like blocks, or its ``<br>`` lines."""
        paragraphs: list[str] = []

        def add(text: str) -> None:
            if text and not text.isspace():  # most pieces: the white space between tags
                paragraphs.extend(line for line in map(clean_line, text.split("\n")) if is_prose(line))

        def enter(child) -> bool:
            """Go into a block holding ``<p>``s; take the lines of the others here."""
            if not isinstance(child.tag, str) or self.is_chrome(child):
                return False
            if child.tag == "table" and self.fact_box(child, placed_first=not paragraphs):
                return False  # an infobox without class words: label/value rows, floated or on top
            if child.tag in PARAGRAPH_TAGS or not _holds_p(child):
                if not _link_row(child):
                    add(self.lines(child))
                return False
            return not self.teaser_list(child) and not self.other_post(child, container)

        if _holds_p(container):
            for text in text_walk(container, enter):  # descending into blocks holding <p>s
                add(text)
        else:
            add(self.lines(container))
        return paragraphs

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
        headlines = sum(1 for a in el.iter("a") if len(text_of(a).strip()) >= TEASER_HEADLINE_CHARS)
        return headlines >= TEASER_LINKS and self.link_density(el) >= TEASER_DENSITY


def _holds_p(el) -> bool:
    """True when ``el`` is or holds a ``<p>``."""
    return next(el.iter("p"), None) is not None


def _link_row(el) -> bool:
    """Mostly link text (LINK_ROW_DENSITY), or no text: a link row, unless a ``<p>`` of prose
    holds the links (a lede with several linked names keeps PROSE_OUTSIDE_LINKS characters
    of its own text and a sentence end)."""
    text = text_of(el)
    total = len(text.strip())
    links = link_text_len(el)
    if not total or links / total < LINK_ROW_DENSITY:
        return not total
    return el.tag != "p" or total - links < PROSE_OUTSIDE_LINKS or not SENTENCE_END.search(text)
